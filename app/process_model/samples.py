"""Sample case data for checking a model's timer expressions, and the form check used by dry runs.

The sample follows the model from its start event outwards: start data, then each script run on what
is known so far (failures ignored) and each user task's form filled with a plausible value per field.
"""
from __future__ import annotations

from typing import Any

from app.clock import now
from app.process_model.modelinfo import BPMN, HUMAN_TASKS, SPIFF, ModelInfo
from app.workflow.registry import PARAMETER_PREFIX
from app.workflow.script_env import make_script_engine

SAMPLE_ORG = "SAMPLE"


def start_data() -> dict[str, Any]:
    return {"case_id": 1, "case_no": "CP-SAMPLE", "received_at": now().isoformat(), "evaluation_level": 1,
            "real_name": True, "responsible_org": SAMPLE_ORG}


def sample_data(info: ModelInfo, forms: dict[str, Any]) -> dict[str, Any]:
    environment = make_script_engine().environment
    data = {**model_parameters(info), **start_data()}
    for node_id in info.breadth_first():
        node = info.nodes[node_id]
        element = info.element(node_id)
        if node.kind in HUMAN_TASKS:
            form = forms.get(node.properties.get("form", node.id)) or {}
            for name, schema in (form.get("properties") or {}).items():
                data.setdefault(name, sample_value(schema))
        for script in element.iter(f"{{{BPMN}}}script", f"{{{SPIFF}}}preScript", f"{{{SPIFF}}}postScript"):
            trial = dict(data)
            try:
                environment.execute(script.text or "", trial)
            except Exception:  # noqa: BLE001,S112 - a script that fails on sample data adds nothing
                continue
            data = trial
        loop = element.find(f"{{{BPMN}}}multiInstanceLoopCharacteristics")
        if loop is not None:
            for item in loop.iterfind(f"{{{BPMN}}}inputDataItem"):
                data.setdefault(item.get("name") or item.get("id") or "item", SAMPLE_ORG)
    return data


def model_parameters(info: ModelInfo) -> dict[str, Any]:
    """The rule parameters the engine puts into a new case's start data (numbers only; others fail validation)."""
    found: dict[str, Any] = {}
    for node in info.nodes.values():
        for name, value in node.properties.items():
            if name.startswith(PARAMETER_PREFIX) and value.strip().lstrip("-").isdigit():
                found.setdefault(name[len(PARAMETER_PREFIX):], int(value))
    return found


def sample_value(schema: Any) -> Any:
    if not isinstance(schema, dict):
        return "示例"
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema.get("type")
    kind = kind[0] if isinstance(kind, list) and kind else kind
    if kind == "string":
        return {"date": now().date().isoformat(), "date-time": now().isoformat()}.get(schema.get("format"), "示例")
    return {"boolean": True, "integer": 1, "number": 1, "array": [SAMPLE_ORG], "object": {}}.get(kind, "示例")


def form_validator(bundle):
    """Form validation for dry runs: the real rules, any org code accepted (test data names no real units)."""
    from app.task import form_rules as form_rules

    def validate(form, data, context, workflow):
        return form_rules.validate(bundle.forms[form], data, evaluate=workflow.evaluate, context=context,
                                   org_exists=lambda code: True)

    return validate
