"""Loading a year's official holiday arrangement (国务院办公厅 notice) uploaded by policy staff.

The YAML has the shape of ``calendars/YYYY.yaml``. It is validated (dates inside the year, no date
both holiday and working day, 调休 days on weekends, holiday names, a notice reference), stored with
its notice, audited, loaded into the running calendar, and every provisional deadline of open cases is
recomputed, each change landing in the case history. All in the caller's transaction.

Other processes of the service pick stored years up through ``refresh`` (run before requests, at
most once a minute) — the shipped ``calendars/`` files stay the baseline.
"""
from __future__ import annotations

import hashlib
import json
import logging
import time
from typing import Any

import yaml
from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from app import audit
from app.calendar import CalendarDataError, YearData, get_calendar, parse_year
from app.clock import now
from app.db import db
from app.errors import ValidationError
from app.policy.models import CalendarYear
from app.settings import to_local

log = logging.getLogger(__name__)

MAX_BYTES = 200_000
REFRESH_SECONDS = 60
BANNER_FROM_MONTH = 11  # the State Council usually publishes next year's arrangement in late autumn
_MESSAGES = (  # app.calendar's English messages, as policy staff should read them
    ("listed both as holiday and as working day", "同一日期既列为节假日又列为调休上班日"),
    ("only Saturdays/Sundays belong here", "调休上班日必须是周六或周日"),
    ("date is outside the file's year", "日期不在该年度内"),
    ("holiday has no name", "节假日缺少名称"),
    ("holiday listed twice", "节假日重复"),
    ("working day listed twice", "调休上班日重复"),
    ("`notice` must be a mapping", "缺少通知信息（notice.title）"),
    ("`year` must be an integer", "缺少年份（year: 2027）"),
    ("`holidays` must be a non-empty list", "节假日列表（holidays）不能为空，每项含 date 和 name"),
    ("unknown keys", "含有未知字段"),
    ("is not a YYYY-MM-DD date", "日期格式应为 YYYY-MM-DD"),
    ("is a timestamp, expected a date", "应为日期而不是时间"),
    ("top level must be a mapping", "文件顶层必须是映射（year、notice、holidays、workdays）"),
    ("name must be text", "名称必须是文字"),
)


def parse_upload(document: str | bytes, *, source: str) -> tuple[dict[str, Any], YearData]:
    """The validated year; raises ValidationError with a Chinese message naming the problem."""
    text = _text(document)
    _refuse_aliases(text)
    try:
        raw = yaml.safe_load(text)
    except (yaml.YAMLError, ValueError) as err:  # PyYAML raises ValueError for dates such as 2027-02-30
        raise ValidationError(f"不是有效的 YAML：{err}", field="file") from None
    try:
        data = parse_year(raw, source=source)
    except CalendarDataError as err:
        raise ValidationError(_chinese(err), field="file") from None
    if not (data.notice.doc or data.notice.gov_cn):
        raise ValidationError("缺少通知文号或来源：notice.doc（如 国办发明电〔2025〕7号）或 notice.gov_cn（网址）"
                              "至少填一项", field="file")
    this_year = to_local(now()).year
    if not 2000 <= data.year <= this_year + 2:
        raise ValidationError(f"年份 {data.year} 超出可载入范围（2000–{this_year + 2}）", field="file")
    return json.loads(json.dumps(raw, default=str, ensure_ascii=False)), data


def load_year(document: str | bytes, *, source: str, actor: str) -> dict[str, Any]:
    """Validates, stores, audits and loads a year, then recomputes provisional deadlines."""
    from app.case.recompute import recompute_all  # the case layer sits above the policy services

    raw, data = parse_upload(document, source=source)
    digest = hashlib.sha256(json.dumps(raw, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    row = db.session.scalar(select(CalendarYear).where(CalendarYear.year == data.year))
    replaced = row is not None
    if row is None:
        row = CalendarYear(year=data.year)
        db.session.add(row)
    reference = data.notice.doc or data.notice.gov_cn[0]
    row.notice_title, row.notice_reference, row.data, row.checksum = data.notice.title, reference, raw, digest
    row.source, row.loaded_at, row.loaded_by = source[:255], now(), actor
    db.session.flush()
    get_calendar().load_year(data)
    _loaded_checksums(current_app)[data.year] = digest
    audit.record(actor=actor, action="calendar.year_loaded", subject_type="calendar", subject_id=data.year,
                 payload={"year": data.year, "notice": data.notice.title, "reference": reference,
                          "holidays": len(data.holidays), "workdays": len(data.workdays), "source": source,
                          "checksum": digest, "replaced": replaced})
    moved = recompute_all(actor=actor)
    return {"year": data.year, "notice": data.notice.title, "reference": reference, "holidays": len(data.holidays),
            "workdays": len(data.workdays), "replaced": replaced, "deadlines_moved": moved}


def stored_years() -> list[CalendarYear]:
    return list(db.session.scalars(select(CalendarYear).order_by(CalendarYear.year)))


def _text(document: str | bytes) -> str:
    data = document.encode("utf-8") if isinstance(document, str) else bytes(document)
    if len(data) > MAX_BYTES:
        raise ValidationError(f"文件过大（上限 {MAX_BYTES} 字节）", field="file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError("文件必须是 UTF-8 编码", field="file") from None


def _refuse_aliases(text: str) -> None:
    """YAML anchors and aliases can expand a small file into a huge document; calendars need none."""
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if isinstance(token, yaml.AliasToken | yaml.AnchorToken):
                raise ValidationError("不允许 YAML 锚点或别名（&、*）", field="file")
    except yaml.YAMLError as err:
        raise ValidationError(f"不是有效的 YAML：{err}", field="file") from None


def _chinese(err: CalendarDataError) -> str:
    text = str(err).removeprefix(f"{err.source}: ")
    for english, chinese in _MESSAGES:
        if english in text:
            day = f"（{err.day.isoformat()}）" if err.day else ""
            return f"日历数据无效：{chinese}{day}"
    return f"日历数据无效：{text}"


# -- keeping every process's calendar current ---------------------------------------------------------

def _loaded_checksums(app: Flask) -> dict[int, str]:
    return app.extensions.setdefault("policy_calendar_checksums", {})


def refresh(app: Flask, *, force: bool = False) -> list[int]:
    """Loads stored years this process does not have yet; returns them. Cheap when nothing changed."""
    state = app.extensions.setdefault("policy_calendar_refresh", {"at": 0.0})
    if not force and time.monotonic() - state["at"] < REFRESH_SECONDS:
        return []
    state["at"] = time.monotonic()
    known = _loaded_checksums(app)
    try:
        rows = db.session.execute(select(CalendarYear.year, CalendarYear.checksum)).all()
    except SQLAlchemyError:  # schema not migrated yet (fresh install): nothing stored to load
        db.session.rollback()
        return []
    loaded = []
    for year, digest in rows:
        if known.get(year) != digest:
            row = db.session.scalar(select(CalendarYear).where(CalendarYear.year == year))
            try:
                app.extensions["calendar"].load_year(parse_year(row.data, source=f"database:{year}"))
            except CalendarDataError as err:  # stored data was valid when loaded; log, keep serving
                log.error("stored calendar year %s no longer loads: %s", year, err)
                continue
            known[year] = digest
            loaded.append(year)
    return loaded


def banner() -> str | None:
    """From 1 November on, while next year's official arrangement (or this year's) is missing."""
    today = to_local(now()).date()
    loaded = get_calendar().loaded_years
    missing = [y for y in (today.year, today.year + 1)
               if y not in loaded and (y == today.year or today.month >= BANNER_FROM_MONTH)]
    if not missing:
        return None
    years = "、".join(str(y) for y in missing)
    return (f"尚未载入 {years} 年国务院办公厅节假日安排：涉及该年的期限暂按“周末及元旦休息”计算并标记为暂定。"
            f"请流程管理员在“流程模型 › 工作日历”中上传官方安排。")
