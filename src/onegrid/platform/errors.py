"""Errors a caller may see: each carries an HTTP status, a stable code and a safe message."""

from __future__ import annotations


class OneGridError(Exception):
    """Base of every error OneGrid reports to a person; ``str(err)`` is safe to show."""

    status = 500
    code = "internal-error"
    title = "Internal error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class ConfigurationError(OneGridError):
    code = "configuration"
    title = "OneGrid is not configured"


class StoreUnavailable(OneGridError):
    status = 503
    code = "store-unavailable"
    title = "The database is not available"


class NotFound(OneGridError):
    status = 404
    code = "not-found"
    title = "Not found"


class InvalidInput(OneGridError):
    status = 400
    code = "invalid-input"
    title = "Invalid input"


class Conflict(OneGridError):
    status = 409
    code = "conflict"
    title = "Conflict"


class Unauthorized(OneGridError):
    status = 401
    code = "unauthorized"
    title = "Sign in or send a department token"


class Forbidden(OneGridError):
    status = 403
    code = "forbidden"
    title = "Not allowed for you"


class AccessDenied(Forbidden):
    code = "access-denied"
    title = "Your department may not read this"
