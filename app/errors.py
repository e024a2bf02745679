"""Domain errors. The API turns them into JSON ``{"error": {"code", "message", "fields"}}``."""
from __future__ import annotations


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, fields: dict | None = None, field: str | None = None,
                 status: int | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.fields = dict(fields or {})
        if field and field not in self.fields:
            self.fields[field] = [message]
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code


class ValidationError(DomainError):
    status = 422
    code = "invalid"


class NotFoundError(DomainError):
    status = 404
    code = "not_found"


class ConflictError(DomainError):
    status = 409
    code = "conflict"


class PermissionDeniedError(DomainError):
    status = 403
    code = "forbidden"


class AuthenticationError(DomainError):
    status = 401
    code = "unauthorized"
