"""The burden ledger (减负台账): every form avoided, request or task refused, and flag raised."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onegrid.platform.accounts.departments import get_department
from onegrid.platform.errors import InvalidInputError
from onegrid.platform.store.models import BurdenEvent, Department, GridTask, User
from onegrid.platform.trace.chain import append

BURDEN_KINDS = (
    "form_avoided",                       # a department pulled shared data instead of a form
    "request_answered_from_shared_data",  # a data request answered with what already exists
    "task_refused_admission",             # a pushed-down task not on the admission list
    "duplicate_merged",                   # a second report merged into an open issue
    "flag_already_have",                  # a worker: "the platform already has this"
    "flag_not_admitted",                  # a worker: "this is not on the admission list"
    "collection_gate_answered",           # the collection gate's answer to a request
    "collection_task_created",            # fields found nowhere sent to grid workers as a form
    "collection_submitted",               # a grid worker's answer, now a shared record
    "collection_task_ended",              # a form closed: every area answered, or its deadline
    "form_retired",                       # a form of the inventory stopped
    # the burden-reduction office's registers (platform/offices/)
    "zombie_channel",                     # an app or work group idle past the office's limit
    "assignment_out_of_hours",            # work assigned in a group outside working hours
    "indicator_increase_refused",         # more assessment indicators than last year, refused
    "burden_complaint",                   # a burden complaint received
    "output_over_cap",                    # a document or meeting above the office's cap
)
FLAG_KINDS = ("flag_already_have", "flag_not_admitted")


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


def raise_flag(session: Session, kind: str, by: User, *, task_id: int | None,
               department_code: str | None, target: str) -> BurdenEvent:
    """A grid worker's flag, in the ledger and the trace. It concerns the task's department
    when it names a task, else ``department_code``; a kind not in FLAG_KINDS is
    InvalidInputError."""
    if kind not in FLAG_KINDS:
        raise InvalidInputError(f"a flag is one of {', '.join(FLAG_KINDS)}")
    task = session.get(GridTask, task_id) if task_id is not None else None
    if task is not None:
        department_code = session.get_one(Department, task.department_id).code
    detail = {"target": target, "task_id": task.id if task else None, "by": by.username}
    event = record_burden(session, kind, department_code, detail)
    append(session, by.username, f"burden.{kind}", f"burden:{event.id}",
           detail | {"department": department_code})
    return event


def burden_totals(session: Session) -> dict[str, int]:
    """Count of ledger lines per kind (kinds with none are 0)."""
    rows = session.execute(select(BurdenEvent.kind, func.count()).group_by(BurdenEvent.kind))
    return {kind: 0 for kind in BURDEN_KINDS} | {kind: count for kind, count in rows}
