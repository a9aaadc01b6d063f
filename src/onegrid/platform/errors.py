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


class StoreUnavailableError(OneGridError):
    status = 503
    code = "store-unavailable"
    title = "The database is not available"


class NotFoundError(OneGridError):
    status = 404
    code = "not-found"
    title = "Not found"


class InvalidInputError(OneGridError):
    status = 400
    code = "invalid-input"
    title = "Invalid input"


class ConflictError(OneGridError):
    status = 409
    code = "conflict"
    title = "ConflictError"


class UnauthorizedError(OneGridError):
    status = 401
    code = "unauthorized"
    title = "Sign in or send a department token"


class ForbiddenError(OneGridError):
    status = 403
    code = "forbidden"
    title = "Not allowed for you"


class AccessDeniedError(ForbiddenError):
    code = "access-denied"
    title = "Your department may not read this"
