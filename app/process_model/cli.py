"""``haochaping models …``: the model registry from the command line.

list, versions, show (the XML), upload, validate, deploy, retire, preview (movable running cases),
migrate, sync (the models shipped in bpmn/).
"""
from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import AppGroup

from app.case import migration
from app.db import db
from app.errors import DomainError
from app.process_model import versions
from app.workflow.errors import ModelError


class _Command(click.Command):
    """Reports a domain error as a clear message (every model problem on its own line) and exit code 2."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ModelError as err:
            click.echo(f"错误 / error: {err.message}", err=True)
            for problem in err.problems:
                where = problem.get("element") or "—"
                line = f" 第 {problem['line']} 行" if problem.get("line") else ""
                click.echo(f"  [{where}{line}] {problem['message']}", err=True)
            ctx.exit(2)
        except DomainError as err:
            click.echo(f"错误 / error: {err.message}", err=True)
            ctx.exit(2)


models_cli = AppGroup("models", help="Process models (BPMN): versions, validation, deployment.")
models_cli.command_class = _Command


@models_cli.command("list")
def list_models() -> None:
    """Each process with its deployed and latest version."""
    for row in versions.overview():
        click.echo(f"{row['process_id']}  部署版本 {row['deployed_version'] or '—'}  "
                   f"最新版本 {row['latest_version'] or '—'}  共 {row['versions']} 个版本")


@models_cli.command("versions")
@click.argument("process_id")
def list_versions(process_id: str) -> None:
    """The versions of PROCESS_ID, newest first, with their diff summary."""
    for model in versions.all_versions(process_id):
        diff = model.diff_summary or {}
        limits = "；".join([c["text"] for c in diff.get("parameters_changed", [])]
                          + [f"{c['name']} {c['from']}→{c['to']}" for c in diff.get("limits_changed", [])])
        click.echo(f"v{model.version}  {model.status}  {model.created_at:%Y-%m-%d %H:%M}  {model.created_by}  "
                   f"{model.comment or ''}  新增 {len(diff.get('tasks_added', []))} 删除 "
                   f"{len(diff.get('tasks_removed', []))} 修改 {len(diff.get('tasks_changed', []))}"
                   + (f"  时限：{limits}" if limits else ""))


@models_cli.command("show")
@click.argument("process_id")
@click.argument("version", type=int)
def show(process_id: str, version: int) -> None:
    """Print the BPMN XML of a version (redirect to a file to download it)."""
    click.echo(versions.get_version(process_id, version).bpmn_xml, nl=False)


def _read_json(path: Path | None):
    return json.loads(path.read_text(encoding="utf-8")) if path else None


def _forms_from(directory: Path | None):
    if directory is None:
        return None
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(directory.glob("*.json"))}


_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
_DIR = click.Path(exists=True, file_okay=False, path_type=Path)


@models_cli.command("upload")
@click.argument("process_id")
@click.argument("file", type=_FILE)
@click.option("--forms", "forms_dir", type=_DIR,
              help="Directory of <form>.json schemas (default: the latest version's).")
@click.option("--tests", "tests_file", type=_FILE, help="Test cases JSON (default: the latest version's).")
@click.option("--comment")
@click.option("--deploy", is_flag=True, help="Deploy at once (default: store as a draft).")
def upload(process_id, file, forms_dir, tests_file, comment, deploy) -> None:
    """Validate FILE and store it as a new version of PROCESS_ID (nothing is stored when it is invalid)."""
    model = versions.add_upload(process_id=process_id, bpmn_xml=file.read_bytes(), forms=_forms_from(forms_dir),
                                test_cases=_read_json(tests_file), comment=comment, actor="cli", actor_id=None,
                                source=f"cli:{file.name}", deploy=deploy)
    db.session.commit()
    click.echo(f"已保存 {model.process_id} 第 {model.version} 版（{model.status}）")


@models_cli.command("validate")
@click.argument("process_id")
@click.argument("file", type=_FILE)
@click.option("--forms", "forms_dir", type=_DIR)
@click.option("--tests", "tests_file", type=_FILE)
def validate(process_id, file, forms_dir, tests_file) -> None:
    """Validate FILE without storing it; print every problem."""
    result = versions.check_upload(process_id=process_id, bpmn_xml=file.read_bytes(), forms=_forms_from(forms_dir),
                                   test_cases=_read_json(tests_file))
    if result["ok"]:
        click.echo(f"校验通过（测试用例 {result['tests_run']} 个）")
        return
    raise ModelError(f"模型校验未通过（{len(result['problems'])} 个问题）", result["problems"])


@models_cli.command("deploy")
@click.argument("process_id")
@click.argument("version", type=int)
def deploy(process_id: str, version: int) -> None:
    """Deploy a version: new cases start on it; running cases stay on theirs."""
    model = versions.deploy(versions.get_version(process_id, version), actor="cli")
    db.session.commit()
    click.echo(f"已部署 {model.process_id} 第 {model.version} 版")


@models_cli.command("retire")
@click.argument("process_id")
@click.argument("version", type=int)
def retire(process_id: str, version: int) -> None:
    """Retire a draft or an older version."""
    model = versions.retire(versions.get_version(process_id, version), actor="cli")
    db.session.commit()
    click.echo(f"已停用 {model.process_id} 第 {model.version} 版")


@models_cli.command("preview")
@click.argument("process_id")
@click.argument("version", type=int)
def preview(process_id: str, version: int) -> None:
    """Which running cases could move to VERSION, and why others cannot."""
    rows = migration.preview(versions.get_version(process_id, version))
    for row in rows:
        verdict = "可迁移" if row["movable"] else "不可迁移：" + "；".join(row["reasons"])
        click.echo(f"{row['case_no']}  v{row['from_version']}  {row['stage'] or ''}  {verdict}")
    click.echo(f"共 {len(rows)} 个运行中的工单，{sum(r['movable'] for r in rows)} 个可迁移")


@models_cli.command("migrate")
@click.argument("process_id")
@click.argument("version", type=int)
@click.option("--case", "case_ids", type=int, multiple=True, help="Repeatable case id (default: every movable case).")
def migrate(process_id: str, version: int, case_ids: tuple[int, ...]) -> None:
    """Move running cases to the deployed VERSION (audited; cases that cannot move stay unchanged)."""
    result = migration.migrate(versions.get_version(process_id, version), case_ids=list(case_ids) or None,
                               actor="cli")
    db.session.commit()
    click.echo(f"已迁移 {len(result['moved'])} 个工单，{len(result['refused'])} 个不能迁移")
    for row in result["refused"]:
        click.echo(f"  {row['case_no']}：{'；'.join(row['reasons'])}")


@models_cli.command("sync")
def sync() -> None:
    """Store the models shipped in bpmn/ as new deployed versions when they changed."""
    added = versions.sync_defaults(actor="cli")
    db.session.commit()
    if not added:
        click.echo("模型未变化 / models unchanged")
    for model in added:
        click.echo(f"已部署 {model.process_id} 第 {model.version} 版")
