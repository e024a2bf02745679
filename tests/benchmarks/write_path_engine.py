"""The floor of a case's lifecycle: SpiffWorkflow alone on the default model, no database.

The model is parsed by the project's parser (``load_bundle_from_files``) and its scripts run in the project's
script engine (the working-day functions), so the only thing left out is the service around the engine.
After every step the whole workflow is serialised to JSON and restored, as a stored case must be.
"""
from __future__ import annotations

import json
import time
from datetime import UTC
from functools import cache

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from app.clock import now
from app.policy import profiles
from app.settings import PROJECT_ROOT
from app.workflow import load_bundle_from_files
from app.workflow.script_env import make_script_engine

SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))


@cache
def _bundle():
    return load_bundle_from_files(PROJECT_ROOT / "bpmn" / "bad_review.bpmn", "bad_review")


def _stored_and_restored(workflow: BpmnWorkflow, script_engine) -> BpmnWorkflow:
    stored = json.dumps(SERIALIZER.to_dict(workflow))
    restored = SERIALIZER.from_dict(json.loads(stored))
    restored.script_engine = script_engine
    return restored


def raw_happy_path(steps) -> float:
    """Seconds for start + every step of ``steps`` ((task id, submitted data) pairs); needs an app context."""
    bundle = _bundle()
    # What a new case starts with: the model's rule parameters, then the case facts and the policy profile.
    start = {**bundle.parameters, "case_id": 1, "case_no": "CP-RAW", "received_at": now().astimezone(UTC).isoformat(),
             "evaluation_level": 1, "real_name": True, "responsible_org": "A-HR", "policy": profiles.start_values()}
    script_engine = make_script_engine()
    started = time.perf_counter()
    workflow = BpmnWorkflow(bundle.spec, bundle.subprocess_specs, script_engine=script_engine)
    workflow.get_next_task(state=TaskState.READY).data.update(start)
    workflow.do_engine_steps()
    workflow = _stored_and_restored(workflow, script_engine)
    for bpmn_id, submitted in steps:
        task = next(t for t in workflow.get_tasks(state=TaskState.READY, manual=True)
                    if t.task_spec.bpmn_id == bpmn_id)
        task.data.update(submitted)
        task.run()
        workflow.refresh_timers()
        workflow.do_engine_steps()
        workflow = _stored_and_restored(workflow, script_engine)
    seconds = time.perf_counter() - started
    if not workflow.is_completed():
        raise RuntimeError("the raw engine did not reach the end of the happy path")
    return seconds
