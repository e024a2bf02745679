"""Every model in bpmn/ parses, has a form per user task, and passes the JSON test cases beside it."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.org.service import find_by_code
from app.process_model.dryrun import run_case
from app.task import form_rules
from app.workflow import load_bundle_from_files

BPMN_DIR = Path(__file__).resolve().parents[2] / "bpmn"
MODELS = sorted(BPMN_DIR.glob("*.bpmn"))


def _cases():
    for model in MODELS:
        test_file = model.with_suffix(".test.json")
        spec = json.loads(test_file.read_text(encoding="utf-8"))
        for case in spec["cases"]:
            yield pytest.param(model, spec["process_id"], case, id=f"{model.stem}:{case['name']}")


def test_there_is_a_default_model_with_test_cases():
    assert [m.name for m in MODELS] == ["bad_review.bpmn"]
    assert all(m.with_suffix(".test.json").exists() for m in MODELS)


def _validator(bundle):
    def validate(form, data, context, workflow):
        return form_rules.validate(bundle.forms[form], data, evaluate=workflow.evaluate, context=context,
                              org_exists=lambda code: code in {"X-1", "X-2"} or find_by_code(code) is not None)
    return validate


@pytest.mark.parametrize(("model", "process_id", "case"), list(_cases()))
def test_the_models_json_test_case_passes(app, model, process_id, case):
    bundle = load_bundle_from_files(model, process_id)
    result = run_case(bundle, case, _validator(bundle))
    assert result.problems == []
