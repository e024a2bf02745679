from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text

from app.clock import now
from app.db import db

bp = Blueprint("system", __name__)


@bp.get("/healthz")
def health():
    db.session.execute(text("SELECT 1"))
    return jsonify({"status": "ok", "time": now().isoformat()})
