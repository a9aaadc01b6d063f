"""The burden ledger (减负台账): every form avoided, request or task refused, and flag raised."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onegrid.platform.accounts.departments import get_department
from onegrid.platform.errors import InvalidInputError
from onegrid.platform.store.models import BurdenEvent

BURDEN_KINDS = (
    "form_avoided",                       # a department pulled shared data instead of a form
    "request_answered_from_shared_data",  # a data request answered with what already exists
    "task_refused_admission",             # a pushed-down task not on the admission list
    "duplicate_merged",                   # a second report merged into an open issue
    "flag_already_have",                  # a worker: "the platform already has this"
    "flag_not_admitted",                  # a worker: "this is not on the admission list"
)


def record_burden(session: Session, kind: str, department_code: str | None,
                  detail: dict[str, Any] | None = None) -> BurdenEvent:
    """Add one ledger line in the caller's transaction; ``department_code`` names the department
    the burden concerns (None when no department is involved). Unknown kinds raise InvalidInputError
    so a typo never starts a new column in the office's report."""
    if kind not in BURDEN_KINDS:
        raise InvalidInputError(f"unknown burden kind {kind!r}; known: {', '.join(BURDEN_KINDS)}")
    department_id = get_department(session, department_code).id if department_code else None
    event = BurdenEvent(kind=kind, department_id=department_id, detail=detail or {})
    session.add(event)
    session.flush()
    return event


def burden_totals(session: Session) -> dict[str, int]:
    """Count of ledger lines per kind (kinds with none are 0)."""
    rows = session.execute(select(BurdenEvent.kind, func.count()).group_by(BurdenEvent.kind))
    return {kind: 0 for kind in BURDEN_KINDS} | {kind: count for kind, count in rows}
