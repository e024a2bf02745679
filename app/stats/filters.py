"""What a statistics question covers: period, org units, item, window, staff and channels, within the
caller's scope. Units are matched the way people read the tree: a service hall or window by the window the
service was handled at, any other unit by the unit that handled it ("谁办理")."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, literal, or_, select

from app.errors import PermissionDeniedError, ValidationError
from app.org import service as org_service
from app.org.models import OrgLevel, OrgUnit
from app.service_case import service as service_case_service
from app.service_case.models import ServiceCase
from app.settings import LOCAL_TZ
from app.user import service as user_service
from app.user.principal import Principal

WINDOW_LEVELS = frozenset({OrgLevel.service_hall, OrgLevel.window})


@dataclass(frozen=True)
class StatsFilter:
    start: date  # first local day, inclusive
    end: date  # last local day, inclusive
    roots: tuple[OrgUnit, ...]
    item_id: int | None = None
    window: OrgUnit | None = None
    staff_id: int | None = None
    channels: tuple[str, ...] = ()
    labels: dict = field(default_factory=dict, compare=False)

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time(0), LOCAL_TZ)

    @property
    def end_at(self) -> datetime:
        """Exclusive: midnight after the last day."""
        return datetime.combine(self.end + timedelta(days=1), time(0), LOCAL_TZ)

    @property
    def needs_raw(self) -> bool:
        """Item and staff filters cannot narrow the daily or hot-spot counts; those questions read the raw rows."""
        return self.item_id is not None or self.staff_id is not None

    def with_period(self, start: date, end: date) -> StatsFilter:
        return replace(self, start=start, end=end)

    def with_roots(self, roots: tuple[OrgUnit, ...]) -> StatsFilter:
        return replace(self, roots=roots)


def month_bounds(month: str) -> tuple[date, date]:
    """'2026-11' → (1 November, 30 November)."""
    try:
        first = datetime.strptime(month, "%Y-%m").date()
    except ValueError:
        raise ValidationError("月份格式应为 YYYY-MM", field="month") from None
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first, following - timedelta(days=1)


def month_of(day: date) -> str:
    return f"{day:%Y-%m}"


def previous_month(month: str) -> str:
    first, _ = month_bounds(month)
    return month_of(first - timedelta(days=1))


def unit_condition(roots, org_column, window_column):
    """SQL: the row's handling unit or window lies under one of ``roots`` (see the module docstring)."""
    conditions = []
    for root in roots:
        # The path goes into the SQL text: in a prepared statement's generic plan (psycopg prepares a query
        # after five runs) "path LIKE $1 || '%'" is estimated at one unit, and the plan loops over the counts.
        path = literal(root.path, literal_execute=True)
        under = select(OrgUnit.id).where(OrgUnit.path.startswith(path)).scalar_subquery()
        column = window_column if root.level in WINDOW_LEVELS else org_column
        conditions.append(column.in_(under))
    return or_(*conditions) if conditions else and_(False)


def build(args: dict, *, principal: Principal, today: date) -> StatsFilter:
    """Turns validated query arguments into a filter; 403 outside the caller's scope, 422 for unknown codes."""
    start, end = _period(args, today)
    labels: dict = {"period": {"from": start.isoformat(), "to": end.isoformat()}}
    roots = tuple(principal.scope_roots)
    if args.get("org_code"):
        unit = _visible_unit(args["org_code"], principal, "org_code")
        roots, labels["org"] = (unit,), {"code": unit.code, "name": unit.name}
    window = None
    if args.get("window_code"):
        window = _visible_unit(args["window_code"], principal, "window_code")
        if window.level not in WINDOW_LEVELS:
            raise ValidationError("window_code 须为窗口或政务服务大厅", field="window_code")
        labels["window"] = {"code": window.code, "name": window.name}
    item_id = staff_id = None
    if args.get("item_code"):
        item = service_case_service.find_item(args["item_code"])
        if item is None:
            raise ValidationError("事项编码不存在", field="item_code")
        item_id, labels["item"] = item.id, {"code": item.code, "name": item.name}
    if args.get("staff_username"):
        staff = user_service.get_by_username(args["staff_username"])
        if staff is None:
            raise ValidationError("工作人员账号不存在", field="staff_username")
        if not principal.can_see(staff.org_unit):
            raise PermissionDeniedError("该工作人员不在您的管辖范围内")
        staff_id, labels["staff"] = staff.id, {"username": staff.username, "name": staff.display_name}
    channels = tuple(str(c) for c in args.get("channel") or ())
    if channels:
        labels["channels"] = list(channels)
    return StatsFilter(start=start, end=end, roots=roots, item_id=item_id, window=window, staff_id=staff_id,
                       channels=channels, labels=labels)


def for_unit(unit: OrgUnit, month: str) -> StatsFilter:
    """A whole month of one unit's subtree, as the monthly report and the snapshot read it."""
    start, end = month_bounds(month)
    return StatsFilter(start=start, end=end, roots=(unit,),
                       labels={"period": {"from": start.isoformat(), "to": end.isoformat()},
                               "org": {"code": unit.code, "name": unit.name}})


def _visible_unit(code: str, principal: Principal, field_name: str) -> OrgUnit:
    unit = org_service.find_by_code(code)
    if unit is None:
        raise ValidationError("机构编码不存在", field=field_name)
    if not principal.can_see(unit):
        raise PermissionDeniedError("该机构不在您的管辖范围内")
    return unit


def _period(args: dict, today: date) -> tuple[date, date]:
    if args.get("month"):
        return month_bounds(args["month"])
    start = args.get("date_from") or today.replace(day=1)
    end = args.get("date_to") or today
    if end < start:
        raise ValidationError("结束日期早于开始日期", field="date_to")
    if (end - start).days > 3 * 366:
        raise ValidationError("统计区间最长三年", field="date_to")
    return start, end


def raw_conditions(flt: StatsFilter) -> list:
    """Service cases finished in the period under the filter (channel is applied by the tally)."""
    conditions = [ServiceCase.finished_at >= flt.start_at, ServiceCase.finished_at < flt.end_at,
                  unit_condition(flt.roots, ServiceCase.org_unit_id, ServiceCase.window_id)]
    if flt.window is not None:
        conditions.append(unit_condition((flt.window,), ServiceCase.org_unit_id, ServiceCase.window_id))
    if flt.item_id is not None:
        conditions.append(ServiceCase.item_id == flt.item_id)
    if flt.staff_id is not None:
        conditions.append(ServiceCase.staff_id == flt.staff_id)
    return conditions
