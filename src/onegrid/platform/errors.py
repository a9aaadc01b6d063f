"""Errors a caller may see: each carries an HTTP status, a stable code and a safe message.

A subclass states its status, code and title in its class line; the API turns any of them into
problem+json in one place (api/problems.py), and ingest keeps ``str(err)`` as a dead letter's
reason."""

from __future__ import annotations

from typing import Any, ClassVar


class OneGridError(Exception):
    """Base of every error OneGrid reports to a person; ``str(err)`` is safe to show."""

    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal-error"
    title: ClassVar[str] = "Internal error"
    retry_after: int | None = None
    """Seconds after which the same request may succeed (HTTP's Retry-After), if it may."""

    def __init_subclass__(cls, *, status: int | None = None, code: str, title: str,
                          **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if status is not None:  # otherwise the parent's
            cls.status = status
        cls.code, cls.title = code, title

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class ConfigurationError(OneGridError, code="configuration", title="OneGrid is not configured"):
    """A required setting is missing or cannot be read."""


class StoreUnavailableError(OneGridError, status=503, code="store-unavailable",
                            title="The database is not available"):
    """The database does not answer (or not in time): the same request may succeed once it
    is back, which a restarted PostgreSQL is within seconds."""

    retry_after = 5


class NotFoundError(OneGridError, status=404, code="not-found", title="Not found"):
    """The thing asked for does not exist (or the caller may not know that it does)."""


class InvalidInputError(OneGridError, status=400, code="invalid-input", title="Invalid input"):
    """The input breaks a rule; the detail says which."""


class ConflictError(OneGridError, status=409, code="conflict", title="Conflict"):
    """The request is valid but clashes with the present state."""


class UnauthorizedError(OneGridError, status=401, code="unauthorized",
                        title="Sign in or send a department token"):
    """The caller did not say who they are."""


class ForbiddenError(OneGridError, status=403, code="forbidden", title="Not allowed for you"):
    """The caller is known but may not do this."""


class AccessDeniedError(ForbiddenError, code="access-denied",
                        title="Your department may not read this"):
    """The caller's department has no grant for this data; the detail says how to ask."""


class TooManyRequestsError(OneGridError, status=429, code="too-many-requests",
                           title="Too many requests"):
    """The caller asked more often than the rate allows; ``retry_after`` is in seconds."""

    retry_after: int

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after
