from __future__ import annotations

from typing import Any

from app.errors import DomainError


class ModelError(DomainError):
    """A BPMN model or form schema that cannot be used; ``problems`` lists every finding."""

    status = 422
    code = "invalid_model"

    def __init__(self, message: str, problems: list[dict[str, Any]] | None = None):
        super().__init__(message, fields={"model": problems or []})
        self.problems = problems or []


class WorkflowRuntimeError(DomainError):
    """The engine failed while running the model (a script or condition raised)."""

    status = 500
    code = "workflow_error"
