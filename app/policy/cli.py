"""``haochaping policy …``: the active policy profile and loading a year's official calendar."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.db import db
from app.errors import DomainError
from app.policy import calendar_years, profiles


class _Command(click.Command):
    """Reports a domain error (bad input) as a clear message and exit code 2."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (DomainError, profiles.PolicyProfileError) as err:
            click.echo(f"错误 / error: {getattr(err, 'message', err)}", err=True)
            ctx.exit(2)


policy_cli = AppGroup("policy", help="Policy profiles and official calendar uploads (政策配置与工作日历).")
policy_cli.command_class = _Command


@policy_cli.command("calendar-load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def calendar_load(file: Path) -> None:
    """Validate, store and load FILE (one year's official arrangement), then recompute provisional deadlines."""
    result = calendar_years.load_year(file.read_bytes(), source=f"cli:{file.name}", actor="cli")
    db.session.commit()
    click.echo(f"已载入 {result['year']} 年（{result['notice']}，{result['reference']}）："
               f"节假日 {result['holidays']} 天、调休上班 {result['workdays']} 天；"
               f"{result['deadlines_moved']} 处期限已重新计算")


@policy_cli.command("show")
@click.option("--profile", help="A profile name; default: the configured POLICY_PROFILE.")
def show(profile: str | None) -> None:
    """Print a profile's values and sources (which values the model receives as `policy`)."""
    chosen = profiles.load(profile, current_app.config.get("POLICY_DIR") or profiles.DEFAULT_DIR) \
        if profile else profiles.active()
    click.echo(f"{chosen.name}  {chosen.title}")
    click.echo(f"模型参数（开始数据 policy）：{chosen.process_values() or '（不覆盖，沿用模型默认值）'}")
    click.echo(f"全部参数：{chosen.values}")
    for source in chosen.sources:
        click.echo(f"来源：{source['document']}（{source.get('year') or '年份待核实'}）")


@policy_cli.command("list")
def list_profiles() -> None:
    """List the profiles in config/policy/."""
    for name in profiles.available(current_app.config.get("POLICY_DIR") or profiles.DEFAULT_DIR):
        click.echo(name)
