"""The deadline calculator of the impact preview: for a receipt time, every deadline a model's parameters give
under the deployed version and under a draft, side by side. (The replay of real cases is ``app.case.impact``.)
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from app.process_model import parameters
from app.settings import local_long
from app.workflow.script_env import deadline


def calculator(received: datetime, current: dict[str, Any], draft: dict[str, Any]) -> list[dict[str, Any]]:
    """Each parameter's deadline counted from ``received``, under both versions."""
    start = received.isoformat()
    rows = []
    for key in draft:
        parameter = parameters.describe(key)
        if parameter.unit != parameters.WORKING:
            continue
        before = deadline(start, current[key]) if isinstance(current.get(key), int) else None
        after = deadline(start, draft[key])
        rows.append({"label": parameter.label, "before": local_long(before) if before else "—",
                     "after": local_long(after), "changed": before != after,
                     "days": f"{parameter.show(current.get(key))} → {parameter.show(draft[key])}"
                     if current.get(key) != draft[key] else parameter.show(draft[key])})
    return rows
