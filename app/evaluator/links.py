"""Signed, expiring links for the public pages: rate a service case, read the feedback on a bad review.

A link carries only a reference (the service case number or the bad-review case id), signed with
SECRET_KEY and a salt per purpose, so a rating link never opens a feedback page. Its age is measured on
the app clock (``app.clock.now``), not the system time, so tests and demo replays can move time.
"""
from __future__ import annotations

from datetime import timedelta

from flask import current_app, has_request_context, url_for
from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from app.clock import now
from app.errors import DomainError

RATING_SALT = "hcp.evaluator.rating"
FEEDBACK_SALT = "hcp.evaluator.feedback"


class LinkInvalidError(DomainError):
    status = 404
    code = "link_invalid"


class LinkExpiredError(DomainError):
    status = 410
    code = "link_expired"


class _ClockSigner(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(now().timestamp())


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt, signer=_ClockSigner)


def _max_age(key: str, default_days: int) -> int:
    return int(timedelta(days=float(current_app.config.get(key, default_days))).total_seconds())


def _loads(token: str, salt: str, max_age: int, what: str):
    try:
        return _serializer(salt).loads(token, max_age=max_age)
    except SignatureExpired:
        raise LinkExpiredError(f"该{what}链接已过期") from None
    except BadData:
        raise LinkInvalidError(f"该{what}链接无效，请核对后重试") from None


# rating -----------------------------------------------------------------------------------------
def rating_token(case_no: str) -> str:
    return _serializer(RATING_SALT).dumps({"c": case_no})


def load_rating_token(token: str) -> str:
    """The service case number a rating link refers to (LinkInvalidError / LinkExpiredError otherwise)."""
    data = _loads(token, RATING_SALT, _max_age("RATING_LINK_MAX_AGE_DAYS", 7), "评价")
    if not isinstance(data, dict) or not isinstance(data.get("c"), str):
        raise LinkInvalidError("该评价链接无效，请核对后重试")
    return data["c"]


def rating_url(case_no: str, *, via: str | None = None) -> str:
    """The public rating page of a service case; ``via="web"`` marks the online hall as the channel."""
    values = {"token": rating_token(case_no)}
    if via:
        values["via"] = via
    return _url("evaluator_pages.rate", values)


# feedback ---------------------------------------------------------------------------------------
def feedback_token(case_id: int) -> str:
    return _serializer(FEEDBACK_SALT).dumps({"b": case_id})


def load_feedback_token(token: str) -> int:
    """The bad-review case id a feedback link refers to."""
    data = _loads(token, FEEDBACK_SALT, _max_age("FEEDBACK_LINK_MAX_AGE_DAYS", 60), "反馈")
    if not isinstance(data, dict) or not isinstance(data.get("b"), int):
        raise LinkInvalidError("该反馈链接无效，请核对后重试")
    return data["b"]


def feedback_url(case_id: int) -> str:
    """The evaluator's page for the feedback and the return visit of a bad-review case."""
    return _url("evaluator_pages.feedback", {"token": feedback_token(case_id)})


def _url(endpoint: str, values: dict) -> str:
    """Absolute URL: PUBLIC_BASE_URL when configured (links sent by SMS or printed), else the request's host."""
    base = current_app.config["PUBLIC_BASE_URL"]
    if not base and has_request_context():
        return url_for(endpoint, _external=True, **values)
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return base.rstrip("/") + path
