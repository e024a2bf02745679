"""运行状态: the operations page for system administrators and the supervision office — is the service keeping
up? Each section is one function in ``SECTIONS`` returning what its template (``admin/operations/_<key>.html``)
shows, and whether it is an alert; new sections are added to that table.

Today: the sealing of the audit chain (events waiting for the sequencer, the oldest one's age, the latest
checkpoint). An event waiting longer than ``AUDIT_SEAL_ALERT_SECONDS`` means the sequencer is not running.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, current_app, render_template

from app.audit.service import sealing_state
from app.clock import now
from app.user.models import Role
from app.web.access import roles_required

bp = Blueprint("operations_pages", __name__, url_prefix="/admin/operations")

VIEWERS = (Role.sysadmin, Role.supervisor, Role.supervisor_lead)


@dataclass(frozen=True)
class Section:
    key: str  # template admin/operations/_<key>.html
    title: str
    alert: bool
    data: dict


def audit_sealing() -> Section:
    state, moment = sealing_state(), now()
    limit = current_app.config["AUDIT_SEAL_ALERT_SECONDS"]
    age = state.oldest_age_seconds(moment)
    return Section("audit_sealing", "审计链封存", alert=age is not None and age > limit,
                   data={"state": state, "age": age, "limit": limit})


SECTIONS: tuple[Callable[[], Section], ...] = (audit_sealing,)


@bp.get("")
@roles_required(*VIEWERS)
def status():
    sections = [build() for build in SECTIONS]
    return render_template("admin/operations.html", sections=sections, checked_at=now(),
                           alerts=sum(s.alert for s in sections))


def duration(seconds: float | None) -> str:
    """A waiting time as people say it: 45 秒, 3 分 20 秒, 2 小时 5 分."""
    if seconds is None:
        return "—"
    whole = max(int(seconds), 0)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} 小时 {minutes} 分"
    return f"{minutes} 分 {secs} 秒" if minutes else f"{secs} 秒"


bp.add_app_template_filter(duration, "duration")
