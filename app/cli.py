"""The `haochaping` command line: serve, migrate, manage accounts, verify the audit chain, calendar, demo data."""
from __future__ import annotations

import sys
from datetime import timedelta

import click

from app import create_app
from app.db import db
from app.errors import DomainError


class DomainCommand(click.Command):
    """Turns a domain error (bad input found by a service) into a clear message and exit code 2."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except DomainError as err:
            details = "; ".join(f"{k}: {', '.join(map(str, v)) if isinstance(v, list) else v}"
                                for k, v in err.fields.items())
            click.echo(f"错误 / error: {err.message}" + (f" ({details})" if details else ""), err=True)
            ctx.exit(2)


class AppGroup(click.Group):
    """Every command of the tree reports domain errors the same way."""

    command_class = DomainCommand
    group_class = type


@click.group(cls=AppGroup)
@click.pass_context
def main(ctx: click.Context) -> None:
    """好差评差评工单管理 — bad-review case management."""
    if ctx.invoked_subcommand is None:
        return
    app = create_app()
    ctx.obj = app
    ctx.call_on_close(app.extensions["db_engine"].dispose)  # no connection outlives the command
    ctx.with_resource(app.app_context())
    ctx.call_on_close(_seal_recorded_events)
    from app.policy import calendar_years as stored_calendar

    # Every command computes on the same calendar as the web app: shipped files plus the years stored
    # through the upload page or `calendar load`.
    stored_calendar.refresh(app, force=True)
    # End that read: on SQLite every transaction holds the write lock (BEGIN IMMEDIATE), and `serve` or
    # `scheduler` would otherwise keep it, and every other writer waiting, for as long as they run.
    db.session.rollback()


def _seal_recorded_events() -> None:
    """A command that recorded audit events seals them before it ends, so the chain it leaves is complete."""
    from flask import g

    if g.get("audit_recorded"):
        from app.audit.jobs import seal_pending_events

        db.session.rollback()  # the command committed its work; nothing else may ride along
        seal_pending_events()


@main.group("db")
def db_group() -> None:
    """Database schema (Alembic migrations)."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
@click.pass_obj
def db_upgrade(app, revision: str) -> None:
    """Migrate the schema up to REVISION (default: head)."""
    from app import migrate

    migrate.upgrade(app.config["DATABASE_URL"], revision)
    click.echo(f"数据库已迁移至 {revision}")


@db_group.command("downgrade")
@click.argument("revision")
@click.pass_obj
def db_downgrade(app, revision: str) -> None:
    """Migrate the schema down to REVISION ("base" removes every table)."""
    from app import migrate

    migrate.downgrade(app.config["DATABASE_URL"], revision)
    click.echo(f"数据库已回退至 {revision}")


@db_group.command("heads")
def db_heads() -> None:
    """Show the migration head(s)."""
    from app import migrate

    click.echo("\n".join(migrate.heads()))


@main.group("user")
def user_group() -> None:
    """Staff accounts and integration clients."""


@user_group.command("create")
@click.option("--username", required=True)
@click.option("--display-name", required=True)
@click.option("--org", "org_code", required=True, help="Org unit code the account belongs to.")
@click.option("--role", "roles", multiple=True, required=True,
              help="Repeatable: handler, dept_lead, supervisor, supervisor_lead, policy_admin, auditor, "
                   "sysadmin, integration.")
@click.option("--password", help="Omit to be prompted; integration clients use tokens and need none.")
@click.option("--client", is_flag=True, help="An integration client (a system), signs in with tokens only.")
def user_create(username, display_name, org_code, roles, password, client) -> None:
    """Create an account."""
    from app.org import service as org_service
    from app.user import service as user_service
    from app.user.models import AccountKind

    if not client and password is None:
        password = click.prompt("密码 / password", hide_input=True, confirmation_prompt=True)
    org = org_service.find_by_code(org_code)
    if org is None:
        raise click.BadParameter(f"机构编码 {org_code} 不存在", param_hint="--org")
    user = user_service.create(username=username, display_name=display_name, org_unit=org, roles=list(roles),
                               password=password, kind=AccountKind.client if client else AccountKind.person,
                               actor="cli")
    db.session.commit()
    click.echo(f"已创建账号 {user.username}（{', '.join(sorted(map(str, user.roles)))}）")


@main.group("token")
def token_group() -> None:
    """API tokens."""


@token_group.command("create")
@click.option("--username", required=True)
@click.option("--name", required=True, help="What the token is for, e.g. 'hall evaluators'.")
@click.option("--org", "org_codes", multiple=True, help="Repeatable: limit the token to these org subtrees.")
@click.option("--expires-days", type=click.IntRange(1, 3650), help="Days until the token expires.")
def token_create(username, name, org_codes, expires_days) -> None:
    """Issue an API token; it is printed once and stored only as a hash."""
    from app.clock import now
    from app.org import service as org_service
    from app.user import service as user_service

    user = user_service.get_by_username(username)
    if user is None:
        raise click.BadParameter(f"账号 {username} 不存在", param_hint="--username")
    units = []
    for code in org_codes:
        unit = org_service.find_by_code(code)
        if unit is None:
            raise click.BadParameter(f"机构编码 {code} 不存在", param_hint="--org")
        units.append(unit)
    expires = now() + timedelta(days=expires_days) if expires_days else None
    issued = user_service.issue_token(user=user, name=name, org_units=units, expires_at=expires, actor="cli")
    db.session.commit()
    click.echo("令牌只显示这一次，请妥善保存 / shown once, store it safely:", err=True)
    click.echo(issued.plaintext)


@main.group("audit")
def audit_group() -> None:
    """The audit trail."""


@audit_group.command("verify")
@click.option("--checkpoint", "checkpoint_file", type=click.Path(dir_okay=False),
              help="A checkpoint exported earlier (audit checkpoint --export): the database must still contain it.")
def audit_verify(checkpoint_file: str | None) -> None:
    """Walk the hash chain beside its checkpoints and report the first broken link."""
    from app.audit import verify_chain

    report = verify_chain(exported=_read_checkpoint(checkpoint_file) if checkpoint_file else None)
    waiting = f"；另有 {report.unsealed} 条记录待封存" if report.unsealed else ""
    if report.ok:
        click.echo(f"审计链完整：已校验 {report.checked} 条记录、{report.checkpoints} 个检查点{waiting}"
                   f" / audit chain intact ({report.checked} events, {report.unsealed} unsealed)")
        return
    click.echo(f"审计链断裂于第 {report.broken_at} 条：{report.reason}{waiting}"
               f" / chain broken at seq {report.broken_at}", err=True)
    sys.exit(1)


def _read_checkpoint(path: str) -> dict:
    from app.audit.checkpoint import CheckpointFileError, from_json

    try:
        with open(path, encoding="utf-8") as handle:
            return from_json(handle.read())
    except OSError as err:
        raise click.BadParameter(f"无法读取检查点文件：{err.strerror}", param_hint="--checkpoint") from None
    except CheckpointFileError as err:
        raise click.BadParameter(str(err), param_hint="--checkpoint") from None


@audit_group.command("seal")
def audit_seal() -> None:
    """Seal every waiting audit event now (what the scheduler does every few seconds)."""
    from app.audit.jobs import seal_pending_events

    click.echo(f"已封存 {seal_pending_events()} 条审计记录 / events sealed")


@audit_group.command("checkpoint")
@click.option("--export", "export_file", required=True, type=click.Path(dir_okay=False, writable=True),
              help="Write the latest checkpoint to this file as JSON, to keep outside the database.")
def audit_checkpoint(export_file: str) -> None:
    """Export the latest audit checkpoint (seals waiting events first)."""
    from app.audit import checkpoint
    from app.audit.jobs import seal_pending_events

    seal_pending_events()
    latest = checkpoint.latest()
    if latest is None:
        click.echo("还没有审计检查点：审计链为空 / no checkpoint yet", err=True)
        sys.exit(1)
    with open(export_file, "w", encoding="utf-8") as handle:
        handle.write(checkpoint.to_json(latest) + "\n")
    click.echo(f"已导出检查点 #{latest.batch}（封存至第 {latest.last_seq} 条）到 {export_file}")


@main.command("tick")
@click.option("--now", "at", help="Run as if the time were this ISO instant (with offset), e.g. after downtime.")
@click.pass_obj
def tick(app, at: str | None) -> None:
    """Fire every due timer once (what the scheduler does every minute)."""
    from datetime import datetime

    from app.case.jobs import fire_due_timers
    from app.clock import frozen_at

    if at is None:
        click.echo(f"已处理 {fire_due_timers()} 个到期工单 / cases with timers fired")
        return
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        raise click.BadParameter("需要 ISO 时间，如 2026-10-14T08:00:00+08:00", param_hint="--now") from None
    if moment.tzinfo is None:
        raise click.BadParameter("时间必须带时区偏移", param_hint="--now")
    with frozen_at(app, moment):
        click.echo(f"已处理 {fire_due_timers()} 个到期工单 / cases with timers fired")


@main.command("recompute-deadlines")
def recompute_deadlines() -> None:
    """Recompute provisional deadlines of open cases (after a year's official calendar was added)."""
    from app.case import recompute

    moved = recompute.recompute_all(actor="cli")
    db.session.commit()
    click.echo(f"已重新计算，{moved} 处期限发生变化 / deadlines moved: {moved}")


@main.group("stats")
def stats_group() -> None:
    """Statistics."""


@stats_group.command("rebuild")
def stats_rebuild() -> None:
    """Rebuild every day of the pre-aggregated counts from the raw tables (after an upgrade or a bulk load
    written without audit events). The scheduled job does the same on its own; pages show the progress."""
    from app.stats import refresh

    with click.progressbar(length=0, label="重建统计汇总", show_pos=True) as bar:
        def advance(days: int) -> None:
            bar.length = refresh.freshness().total
            bar.update(days)

        days = refresh.run_to_completion(db.session.commit, full=True, progress=advance)
    if days == 0 and refresh.freshness().running:
        click.echo("另一进程正在重建统计汇总，请稍后再试 / another process is rebuilding", err=True)
        sys.exit(1)
    click.echo(f"已重建 {days} 天的统计汇总 / rebuilt the aggregates of {days} days")


@main.command("seed-demo")
@click.option("--cases", default=3000, show_default=True, type=click.IntRange(0, 200_000),
              help="Service cases to generate over the last 60 days.")
@click.option("--seed", default=20261121, show_default=True, help="Random seed (same seed, same data).")
def seed_demo(cases: int, seed: int) -> None:
    """Load a small demo province slice (idempotent)."""
    from app.demo import seed as demo_seed

    summary = demo_seed.run(cases=cases, seed=seed)
    db.session.commit()
    click.echo(summary)


def _add_domain_groups() -> None:
    from app.backup.cli import backup, restore
    from app.calendar.cli import calendar_cli
    from app.imports.cli import import_cli
    from app.policy.cli import calendar_load, policy_cli
    from app.process_model.cli import models_cli
    from app.server.cli import scheduler, serve

    calendar_cli.add_command(calendar_load, "load")
    main.add_command(calendar_cli)
    main.add_command(import_cli)
    main.add_command(models_cli)
    main.add_command(policy_cli)
    main.add_command(serve)
    main.add_command(scheduler)
    main.add_command(backup)
    main.add_command(restore)


_add_domain_groups()
