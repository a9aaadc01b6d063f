"""Who is calling the data API: a department by bearer token, or a signed-in user's department."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from flask import g, request, session
from sqlalchemy import text

from onegrid.api import store
from onegrid.platform.errors import InvalidInputError, UnauthorizedError
from onegrid.platform.sharing.tokens import department_for_token
from onegrid.platform.sharing.views import DatasetView, readable
from onegrid.platform.store.models import Department, User
from onegrid.platform.trace.chain import append

# Signed-in users who pull shared data for their department (the command centre's screen).
SESSION_ROLES = ("operator", "department_staff")


@dataclass(frozen=True)
class Caller:
    department: Department
    actor: str  # who the trace names: "dept:SCJG" for a token, "user:op1" for a session


def caller() -> Caller:
    """This request's caller, or UnauthorizedError with what to send."""
    if "caller" not in g:
        # A request that sends a token is judged by the token alone, never by a cookie too.
        bearer = request.headers.get("Authorization", "").lower().startswith("bearer ")
        g.caller = _from_token() if bearer else _from_session()
    if g.caller is None:
        raise UnauthorizedError("send 'Authorization: Bearer <token>' with your department's API "
                                "token (onegrid token create --department CODE), or sign in")
    return cast(Caller, g.caller)


def _from_token() -> Caller | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    department = department_for_token(store.session(), token.strip())
    return Caller(department, f"dept:{department.code}") if department else None


def _from_session() -> Caller | None:
    user_id = session.get("user_id")
    user = store.session().get(User, user_id) if user_id else None
    if user is None or user.role not in SESSION_ROLES or user.department_id is None:
        return None
    department = store.session().get(Department, user.department_id)
    return Caller(department, f"user:{user.username}") if department else None


def views() -> dict[str, DatasetView]:
    """What the caller may read now."""
    return readable(store.session(), caller().department)


def purpose(view: DatasetView | None = None) -> str:
    """The stated purpose (X-Purpose or ?purpose=); required to pull a conditional dataset."""
    stated = (request.headers.get("X-Purpose") or request.args.get("purpose") or "").strip()
    if not stated and view is not None and view.sharing_class == "conditional" and not view.owner:
        raise InvalidInputError(f"dataset {view.dataset_id!r} is shared on request: state the "
                                "purpose of this pull in the X-Purpose header or the purpose "
                                "parameter")
    return stated[:500]


def trace_pull(target: str, detail: dict[str, Any]) -> None:
    """Append the pull to the natural trace and commit it with the request's work."""
    db = store.session()
    # A pull changes no data, so its entry need not wait for the disk: a crash may lose the
    # last fraction of a second of pull entries but never breaks or reorders the chain.
    db.execute(text("SET LOCAL synchronous_commit = off"))
    append(db, caller().actor, "data.pull", target,
           {"department": caller().department.code, "route": str(request.url_rule),
            "query": request.query_string.decode(errors="replace")[:1000], **detail})
    db.commit()
