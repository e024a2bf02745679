"""The only door to SpiffWorkflow: model loading, the script environment, state persistence and timers.

Everything else in the service speaks of cases and tasks; this package turns those into engine calls.
"""
from app.workflow.engine import CaseWorkflow, HumanTask, StepRecord, TaskNotReadyError, WaitingTimer  # noqa: F401
from app.workflow.errors import ModelError, WorkflowRuntimeError  # noqa: F401
from app.workflow.registry import ModelBundle, get_bundle, load_bundle_from_files  # noqa: F401
from app.workflow.template import StartedCase, StartTemplate  # noqa: F401
