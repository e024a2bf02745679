"""``haochaping calendar ...``: inspect the loaded calendar and try the deadline rule.

The group is a Flask ``AppGroup``, so its commands run inside an app context
(``with_appcontext``) whether they are registered on the project CLI or
invoked from tests.
"""

from __future__ import annotations

import datetime as dt

import click
from flask import current_app
from flask.cli import AppGroup

from . import get_calendar
from .workdays import WorkingDayCalendar

calendar_cli = AppGroup("calendar", help="Official working-day calendar (法定节假日/调休).")


def _today(calendar: WorkingDayCalendar) -> dt.date | None:
    """Today from the project's clock service, if there is one; never the system clock."""
    clock = current_app.extensions.get("clock")
    if clock is None:
        return None
    now: dt.datetime | dt.date = clock.now()
    if isinstance(now, dt.datetime):
        return now.astimezone(calendar.timezone).date() if now.tzinfo else now.date()
    return now


def _parse_start(value: str) -> dt.date | dt.datetime:
    """YYYY-MM-DD, or an ISO datetime that carries its UTC offset."""
    text = value.strip()
    try:
        if len(text) == 10:
            return dt.date.fromisoformat(text)
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not YYYY-MM-DD or an ISO datetime such as 2026-09-30T16:30+08:00",
            param_hint="START",
        ) from None
    if parsed.tzinfo is None:
        raise click.BadParameter(
            f"{value!r} has no UTC offset; add one, e.g. {text}+08:00", param_hint="START"
        )
    return parsed


def _wall_clock(deadline_date: dt.date, local: dt.datetime) -> str:
    """'2026-10-13 24:00' rather than '2026-10-14 00:00', as officials phrase it."""
    if local.time() == dt.time(0) and local.date() == deadline_date + dt.timedelta(days=1):
        return f"{deadline_date.isoformat()} 24:00"
    return local.strftime("%Y-%m-%d %H:%M")


@calendar_cli.command("status")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), help="Override today's date.")
def status_command(today: dt.datetime | None) -> None:
    """List loaded years and say which years are missing."""
    calendar = get_calendar()
    status = calendar.status(today.date() if today else _today(calendar))
    for year in status.loaded_years:
        data = calendar.year_data(year)
        assert data is not None
        doc = data.notice.doc or "(document number unknown)"
        click.echo(
            f"{year}  {doc}  holidays: {len(data.holidays)}  调休 working days: {len(data.workdays)}"
        )
    if status.covered:
        click.echo(f"covered: {status.covered[0]} .. {status.covered[1]}")
    missing = ", ".join(map(str, status.missing_years)) or "none"
    click.echo(f"missing years: {missing}")
    if status.missing_soon:
        soon = ", ".join(map(str, status.missing_soon))
        click.echo(f"WARNING: no data for {soon}: deadlines there are provisional")


@calendar_cli.command("deadline")
@click.argument("start", metavar="START")
@click.argument("n", type=click.IntRange(min=0), metavar="N")
def deadline_command(start: str, n: int) -> None:
    """Deadline of N working days from START (YYYY-MM-DD or ISO datetime with offset)."""
    calendar = get_calendar()
    result = calendar.deadline(_parse_start(start), n)
    local = result.due_at.astimezone(calendar.timezone)
    click.echo(f"deadline date: {result.date.isoformat()}")
    click.echo(
        f"due at: {_wall_clock(result.date, local)} {calendar.timezone} "
        f"({local.isoformat()}; UTC {result.due_at.isoformat()})"
    )
    if result.provisional:
        years = ", ".join(map(str, result.missing_years))
        click.echo(f"provisional (missing years: {years})")
