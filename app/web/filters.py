"""Template filters: every instant is shown in Asia/Shanghai; codes get their Chinese labels."""
from __future__ import annotations

from datetime import datetime

from app.evaluation.models import LEVEL_LABELS
from app.settings import local_long, to_local

LABELS = {
    "status": {"open": "处理中", "not_adopted": "不予采纳", "closed": "已销号"},
    "category": {"simple": "简易", "general": "一般", "complex": "复杂"},
    "lane": {"department": "责任部门", "supervision": "监督部门"},
    "role": {"handler": "承办人", "dept_lead": "部门负责人", "supervisor": "监督人员", "supervisor_lead": "监督负责人",
             "policy_admin": "流程管理员", "auditor": "审计人员", "sysadmin": "系统管理员", "integration": "对接系统"},
    "channel": {"window_device": "窗口评价器", "qr_code": "二维码", "web": "网上大厅", "app": "移动端",
                "self_service_terminal": "自助终端", "hotline": "热线", "sms": "短信", "paper_form": "纸质评价表"},
    "org_level": {"province": "省", "city": "市", "county": "县（区）", "town": "乡镇（街道）", "village": "村（社区）",
                  "department": "部门", "service_hall": "政务服务中心", "window": "窗口"},
    "account_kind": {"person": "工作人员", "client": "对接系统"},
}


def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return to_local(value).strftime(fmt) if value else "—"


def local_date(value: datetime | None) -> str:
    return local_time(value, "%Y-%m-%d")


def label(value, kind: str) -> str:
    if value is None:
        return "—"
    return LABELS.get(kind, {}).get(str(value), str(value))


def init_app(app) -> None:
    app.jinja_env.filters.update(local_time=local_time, local_date=local_date, local_long=local_long, label=label,
                                 level_label=lambda v: LEVEL_LABELS.get(v, v))
