"""What an auditor selects and takes away: the scoped case and evaluation search behind the audit pages,
readable history events, and CSV files (UTF-8 with a BOM, so Excel opens the Chinese text correctly).

The search page, the printable page and the CSV run the same query, so they always agree.
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from app.audit.models import AuditEvent
from app.case.models import STATUS_LABELS, BadReviewCase
from app.db import db
from app.evaluation.models import LEVEL_LABELS, Evaluation
from app.org import service as org_service
from app.service_case.models import ServiceCase
from app.settings import LOCAL_TZ, to_local
from app.user.principal import Principal

BOM = "\ufeff"
CSV_BATCH = 500

ACTION_LABELS = {
    "evaluation.received": "收到评价", "evaluation.not_adopted": "评价不予采纳", "case.opened": "生成差评工单",
    "case.process_started": "启动处理流程", "case.overdue": "整改逾期", "case.ended": "工单结束",
    "task.opened": "生成任务", "task.completed": "办结任务", "task.cancelled": "任务取消", "task.claimed": "认领任务",
    "task.released": "释放任务", "timer.fired": "计时器触发", "deadline.moved": "期限调整",
    "deadline.recomputed": "期限重新计算",
    "deadline.confirmed": "暂定期限经官方安排确认", "deadlines.set": "设定期限", "notification.recorded": "发出通知",
    "evaluator.replied": "评价人回复回访",
}
FIELD_LABELS = {
    "task": "任务", "name": "名称", "task_id": "任务编号", "data": "提交内容", "due_at": "期限", "org_unit": "办理单位",
    "provisional": "暂定期限", "from": "原值", "to": "新值", "deadline": "期限", "status": "状态", "end": "结束节点",
    "reason": "理由", "case_no": "工单编号", "case_id": "工单编号(内部)", "evaluation_id": "评价编号",
    "responsible_org": "责任部门", "level": "评价等级", "service_case_no": "办件编号", "channel": "评价渠道",
    "real_name": "实名评价", "evaluated_at": "评价时间", "reasons": "差评原因", "process_id": "流程",
    "model_version": "模型版本", "model_id": "模型编号", "policy_profile": "政策参数方案", "timer": "计时器",
    "kind": "类型",
    "notification_id": "通知编号", "satisfaction": "满意程度", "has_comment": "附有意见", "reply_id": "回复编号",
    # submitted task data
    "action": "处理方式", "note": "说明", "appeal_reason": "申诉理由", "evidence": "申诉证据", "finding": "核实结果",
    "contact_method": "联系方式", "contacted_at": "联系时间", "category": "差评类别", "nature": "整改性质",
    "aspect": "问题方面", "co_departments": "会商部门", "decision": "结论", "opinion": "会商意见",
    "commitment": "承诺事项", "measures": "整改措施", "result": "整改结果", "new_deadline": "申请的新期限",
    "extension_reason": "延期理由", "evaluator_informed": "已告知评价人", "feedback_text": "反馈内容",
    "feedback_channel": "反馈方式", "report": "核查整改情况报告单", "findings": "核查情况",
    "responsible_person": "责任人", "reached": "联系到评价人", "instruction": "督办意见", "approved": "同意销号",
    # deadlines of the model
    "sign_for_deadline": "签收期限", "appeal_deadline": "申诉期限", "recheck_deadline": "申请复核期限",
    "review_deadline": "审核期限", "verify_deadline": "核实期限", "classify_deadline": "分类期限",
    "rectify_deadline": "整改期限", "consult_deadline": "会商期限", "supervise_deadline": "督办期限",
    "feedback_deadline": "反馈期限", "return_visit_deadline": "回访期限", "close_out_deadline": "销号期限",
}
VALUE_LABELS = {
    "action": {"accept": "接受", "appeal": "申诉", "done": "整改完成", "request_extension": "申请延期"},
    "finding": {"valid": "属实", "mistaken": "误评", "malicious": "恶意评价", "no_legal_basis": "诉求无法律依据"},
    "contact_method": {"phone": "电话", "sms": "短信", "visit": "上门", "other": "其他"},
    "feedback_channel": {"phone": "电话", "sms": "短信", "visit": "上门", "letter": "书面", "online": "网上"},
    "category": {"simple": "简易", "general": "一般", "complex": "复杂"},
    "nature": {"instant": "即时改", "deep": "深入改", "upgrade": "升级改"},
    "aspect": {"attitude": "服务态度", "quality": "服务质量", "efficiency": "办事效率", "environment": "服务环境"},
    "reasons": {"attitude": "服务态度", "quality": "服务质量", "efficiency": "办事效率", "environment": "服务环境",
                "other": "其他"},
    "decision": {"upheld": "申诉成立", "rejected": "申诉不成立", "approved": "同意", "refused": "不同意",
                 "confirmed": "确认无效"},
    "satisfaction": {"satisfied": "满意", "basically_satisfied": "基本满意", "unsatisfied": "不满意"},
    "channel": {"window_device": "窗口评价器", "qr_code": "二维码", "web": "网上大厅", "app": "移动端",
                "self_service_terminal": "自助终端", "hotline": "热线", "sms": "短信", "paper_form": "纸质评价表"},
    "status": {str(k): v for k, v in STATUS_LABELS.items()},
}


@dataclass(frozen=True)
class AuditFilters:
    q: str | None = None  # case number or service-case number, exact
    received_from: date | None = None  # local dates, both ends included
    received_to: date | None = None
    evaluated_from: date | None = None
    evaluated_to: date | None = None
    org_code: str | None = None
    status: str | None = None
    level: int | None = None


def _period(query: Select, column, first: date | None, last: date | None) -> Select:
    if first:
        query = query.where(column >= datetime.combine(first, time(0), tzinfo=LOCAL_TZ))
    if last:
        query = query.where(column < datetime.combine(last + timedelta(days=1), time(0), tzinfo=LOCAL_TZ))
    return query


def _narrow(query: Select, filters: AuditFilters, *, received) -> Select:
    """The filters both searches share (cases, and evaluations joined to their case)."""
    if filters.q:
        query = query.where(or_(BadReviewCase.case_no == filters.q, ServiceCase.case_no == filters.q))
    if filters.status:
        query = query.where(BadReviewCase.status == filters.status)
    if filters.level:
        query = query.where(Evaluation.level == filters.level)
    query = _period(query, received, filters.received_from, filters.received_to)
    return _period(query, Evaluation.evaluated_at, filters.evaluated_from, filters.evaluated_to)


def case_query(filters: AuditFilters, *, principal: Principal) -> Select:
    roots = org_service.narrowed_roots(filters.org_code, principal)
    query = (select(BadReviewCase).join(Evaluation, Evaluation.id == BadReviewCase.evaluation_id)
             .join(ServiceCase, ServiceCase.id == Evaluation.service_case_id)
             .where(org_service.subtree_filter(BadReviewCase.org_path, roots)))
    query = _narrow(query, filters, received=BadReviewCase.received_at)
    return query.options(selectinload(BadReviewCase.responsible_org),
                         selectinload(BadReviewCase.evaluation).selectinload(Evaluation.service_case)) \
        .order_by(BadReviewCase.received_at.desc(), BadReviewCase.id.desc())


def evaluation_query(filters: AuditFilters, *, principal: Principal) -> Select:
    """Evaluations of the same selection; the case number and status narrow it to bad reviews with a case."""
    roots = org_service.narrowed_roots(filters.org_code, principal)
    query = (select(Evaluation).join(ServiceCase, ServiceCase.id == Evaluation.service_case_id)
             .outerjoin(BadReviewCase, BadReviewCase.evaluation_id == Evaluation.id)
             .where(org_service.subtree_filter(Evaluation.org_path, roots)))
    query = _narrow(query, filters, received=Evaluation.received_at)
    return query.options(selectinload(Evaluation.service_case).selectinload(ServiceCase.item),
                         selectinload(Evaluation.service_case).selectinload(ServiceCase.org_unit)) \
        .order_by(Evaluation.evaluated_at.desc(), Evaluation.id.desc())


def paginate(query: Select, *, page: int, per_page: int) -> tuple[list, int]:
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    return list(db.session.scalars(query.offset((page - 1) * per_page).limit(per_page))), total


# Readable history ------------------------------------------------------------------------------------

def action_label(event: AuditEvent) -> str:
    text = ACTION_LABELS.get(event.action, event.action)
    name = (event.payload or {}).get("name")
    return f"{text}：{name}" if event.action.startswith("task.") and name else text


def describe(payload: dict) -> list[tuple[str, str]]:
    """The payload as (label, text) pairs; nested submitted data is flattened into "a / b" labels."""
    pairs: list[tuple[str, str]] = []
    for key, value in (payload or {}).items():
        if key == "name":
            continue
        label = FIELD_LABELS.get(key, key)
        if isinstance(value, dict):
            pairs.extend((f"{label} / {inner}", text) for inner, text in describe(value))
        else:
            pairs.append((label, _text(key, value)))
    return pairs


def _text(key: str, value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if key == "level" and value in LEVEL_LABELS:
        return f"{LEVEL_LABELS[value]}（{value}）"
    names = VALUE_LABELS.get(key, {})
    if isinstance(value, list):
        return "、".join(names.get(v, str(v)) for v in value) or "—"
    if isinstance(value, str) and value in names:
        return names[value]
    if isinstance(value, str) and len(value) >= 19 and value[4:5] == "-" and value[10:11] == "T":
        try:
            return to_local(datetime.fromisoformat(value)).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            return value
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


# CSV ------------------------------------------------------------------------------------------------

def _cell(value) -> str:
    """Text as Excel should show it: never a formula (a cell starting with = + - @ is quoted)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv(header: list[str], rows: Iterable[list]) -> str:
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return out.getvalue()


def _local(moment: datetime | None) -> str:
    return to_local(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


CASE_HEADER = ["工单编号", "办件编号", "责任部门", "机构编码", "收到时间", "评价等级", "评价时间", "状态", "当前环节",
               "差评类别", "是否逾期", "当前期限", "结案时间"]
CATEGORY_LABELS = {"simple": "简易", "general": "一般", "complex": "复杂"}


def case_row(case: BadReviewCase) -> list:
    evaluation = case.evaluation
    return [case.case_no, evaluation.service_case.case_no, case.responsible_org.name, case.responsible_org.code,
            _local(case.received_at), LEVEL_LABELS.get(evaluation.level, evaluation.level),
            _local(evaluation.evaluated_at), STATUS_LABELS.get(case.status, str(case.status)), case.stage or "",
            CATEGORY_LABELS.get(case.category or "", ""), "是" if case.overdue else "否", _local(case.due_at),
            _local(case.closed_at)]


def cases_csv(query: Select) -> str:
    """Every case of the selection, read in batches."""
    rows = db.session.scalars(query.execution_options(yield_per=CSV_BATCH))
    return _csv(CASE_HEADER, (case_row(c) for c in rows))


HISTORY_HEADER = ["序号", "时间", "操作人", "操作", "对象", "内容", "哈希"]
UNSEALED_LABEL = "待封存"  # shown where an event's seq would be until the sequencer seals it


def history_csv(events: list[AuditEvent]) -> str:
    return _csv(HISTORY_HEADER, ([e.seq if e.sealed else UNSEALED_LABEL, _local(e.occurred_at), e.actor,
                                  action_label(e), f"{e.subject_type}:{e.subject_id}",
                                  "；".join(f"{k}：{v}" for k, v in describe(e.payload)), e.hash or ""]
                                 for e in events))
