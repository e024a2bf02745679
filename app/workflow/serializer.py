"""Engine state to JSON and back. The spec is kept per model version, not per case.

A case's stored state holds its tasks and data only. ``restore`` builds the workflow against the version's
already parsed spec objects (shared, as the cases started on that version share them) instead of rebuilding
the spec from its JSON at every step; ``state_of`` leaves the spec out instead of converting and dropping it.
"""
from __future__ import annotations

from copy import copy
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG


class _SharedSpecWorkflowConverter(BpmnWorkflowConverter):
    """The library's converter; given a parsed spec on restore, it uses that spec instead of restoring one."""

    def from_dict(self, dct: dict[str, Any], spec: Any = None,
                  subprocess_specs: dict[str, Any] | None = None) -> BpmnWorkflow:
        if spec is None:
            restored: BpmnWorkflow = super().from_dict(dct)
            return restored
        # BpmnWorkflowConverter.from_dict (SpiffWorkflow 3.2) without its first step, restoring the specs.
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow

    def state_of(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        """BpmnWorkflowConverter.to_dict without the "spec" and "subprocess_specs" keys."""
        dct: dict[str, Any] = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        dct["typename"] = self.typename
        return dct


_CONFIG = copy(SPIFF_CONFIG)
_CONFIG[BpmnWorkflow] = _SharedSpecWorkflowConverter
serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(_CONFIG))
SERIALIZER_VERSION = serializer.VERSION
_WORKFLOW = _SharedSpecWorkflowConverter(BpmnWorkflow, serializer.registry)


def state_of(workflow: BpmnWorkflow) -> dict[str, Any]:
    """The workflow's state as JSON-ready dicts, without its spec."""
    return _WORKFLOW.state_of(workflow)


def restore(state: dict[str, Any], spec: Any, subprocess_specs: dict[str, Any]) -> BpmnWorkflow:
    """A workflow from ``state_of``'s dicts (which it consumes) and its version's parsed spec."""
    workflow: BpmnWorkflow = serializer.from_dict(state, spec=spec, subprocess_specs=subprocess_specs)
    return workflow
