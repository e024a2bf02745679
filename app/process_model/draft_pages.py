"""Saving a draft version from a page (a page helper, so it owns the commit): one commit and a redirect to the
new version when it validates, its problems when not."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, url_for
from werkzeug.wrappers import Response

from app.db import db
from app.process_model import versions
from app.web.access import page_principal
from app.workflow.errors import ModelError


def save_draft(saved: Callable[[int], str], **upload: Any) -> tuple[Response | None, list[dict[str, Any]]]:
    """Stores the upload as the signed-in user's draft; ``saved(version)`` is the message shown after it."""
    principal = page_principal()
    try:
        model = versions.add_upload(actor=principal.label, actor_id=principal.user.id, **upload)
    except ModelError as err:
        db.session.rollback()
        return None, err.problems
    db.session.commit()
    flash(saved(model.version))
    return redirect(url_for("model_pages.version", process_id=model.process_id, version=model.version)), []
