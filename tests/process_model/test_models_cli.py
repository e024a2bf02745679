"""``haochaping models …``: the registry from the command line."""
from __future__ import annotations

from pathlib import Path

from app.process_model.cli import models_cli
from app.workflow.registry import read_model_files
from tests.fixtures.lifecycle import local

BPMN = Path(__file__).resolve().parents[2] / "bpmn" / "bad_review.bpmn"


def run(app, *args):
    return app.test_cli_runner().invoke(models_cli, list(args))


def test_models_are_listed_uploaded_deployed_and_shown(app, open_case, tmp_path):
    open_case(at=local(2026, 11, 16, 9, 0))
    assert "bad_review  部署版本 1" in run(app, "list").output
    xml, _ = read_model_files(BPMN)
    path = tmp_path / "model.bpmn"
    path.write_text(xml.replace("签收响应", "签收"), encoding="utf-8")
    assert run(app, "validate", "bad_review", str(path)).output.startswith("校验通过")
    uploaded = run(app, "upload", "bad_review", str(path), "--comment", "改名")
    assert uploaded.exit_code == 0 and "第 2 版（draft）" in uploaded.output
    assert "修改 1" in run(app, "versions", "bad_review").output
    assert "可迁移" in run(app, "preview", "bad_review", "2").output
    assert run(app, "deploy", "bad_review", "2").exit_code == 0
    assert run(app, "show", "bad_review", "2").output == path.read_text(encoding="utf-8")
    assert "已迁移 1 个工单" in run(app, "migrate", "bad_review", "2").output


def test_an_invalid_upload_prints_every_problem_and_exits_2(app, open_case, tmp_path):
    open_case(at=local(2026, 11, 16, 9, 0))
    xml, _ = read_model_files(BPMN)
    path = tmp_path / "model.bpmn"
    path.write_text(xml.replace('name="department"', 'name="x"').replace('action == "done"', "open('/etc/passwd')"),
                    encoding="utf-8")
    result = run(app, "upload", "bad_review", str(path))
    assert result.exit_code == 2
    assert "[lane_department" in result.output and "[flow_gw_rectify_action_to_end_rectify_done" in result.output
    assert run(app, "deploy", "bad_review", "9").exit_code == 2
