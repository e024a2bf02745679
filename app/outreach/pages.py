"""The evaluator's points ledger, opened through the signed link sent with reminders and return visits."""
from __future__ import annotations

from flask import Blueprint, render_template

from app.outreach import points

bp = Blueprint("outreach_pages", __name__)


@bp.get("/evaluator/points/<token>")
def points_ledger(token):
    entries, total = points.ledger(points.evaluator_for(token))
    return render_template("outreach/points.html", entries=entries, total=total)
