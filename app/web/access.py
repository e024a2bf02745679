"""Who may open a page: the same roles and org scope as the API, from the signed-in user."""
from __future__ import annotations

from functools import wraps

from flask import g
from flask_login import current_user, login_required

from app.errors import PermissionDeniedError
from app.user.models import Role
from app.user.principal import Principal
from app.web.filters import LABELS

NAV = (  # (endpoint, label, roles); an entry shows only once its page exists
    ("task_pages.inbox", "我的待办", (Role.handler, Role.dept_lead, Role.supervisor, Role.supervisor_lead)),
    ("supervision_pages.queues", "审核队列", (Role.supervisor, Role.supervisor_lead)),
    ("supervision_pages.overdue_board", "督办看板", (Role.supervisor, Role.supervisor_lead)),
    ("outreach_pages.return_visits", "抽样回访", (Role.supervisor, Role.supervisor_lead)),
    ("outreach_pages.fraud_signals", "刷评预警", (Role.supervisor, Role.supervisor_lead, Role.auditor)),
    ("case_pages.search", "工单查询", (Role.handler, Role.dept_lead, Role.supervisor, Role.supervisor_lead,
                                    Role.auditor)),
    ("audit_pages.search", "审计查询", (Role.auditor,)),
    ("stats_pages.dashboard", "统计分析", (Role.handler, Role.dept_lead, Role.supervisor, Role.supervisor_lead,
                                       Role.auditor)),
    ("model_pages.index", "流程模型", (Role.policy_admin,)),
    ("admin_pages.accounts", "账号管理", (Role.sysadmin,)),
    ("unit_pages.tree", "机构管理", (Role.sysadmin,)),
    ("operations_pages.status", "运行状态", (Role.sysadmin, Role.supervisor, Role.supervisor_lead)),
)


def page_principal() -> Principal:
    principal = g.get("principal")
    if principal is None:
        principal = g.principal = Principal.for_user(current_user._get_current_object())
    return principal


def roles_required(*roles: Role):
    """Page decorator: signed in, and holding one of ``roles`` (403 page otherwise)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if roles and not page_principal().has_any(*roles):
                names = "、".join(LABELS["role"].get(str(r), str(r)) for r in roles)
                raise PermissionDeniedError(f"您的角色无权访问此页面（需要：{names}）")
            return view(*args, **kwargs)

        return wrapper

    return decorator


def init_app(app) -> None:
    @app.context_processor
    def navigation():
        if not current_user.is_authenticated:
            return {"nav": []}
        principal = page_principal()
        items = [(endpoint, text) for endpoint, text, roles in NAV
                 if principal.has_any(*roles) and endpoint in app.view_functions]
        return {"nav": items, "principal": principal}
