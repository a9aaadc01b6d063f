"""The admission list (准入清单): only duty and assistance items of the version in force may be
pushed down, no lower than each item's level, and they reach grid workers only in working
hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from onegrid.platform.accounts.departments import get_department
from onegrid.platform.errors import InvalidInputError, NotFoundError, OneGridError
from onegrid.platform.governance.ledger import record_burden
from onegrid.platform.governance.lists import entries_of, entry_in_force, in_force
from onegrid.platform.governance.offices import area_by_code
from onegrid.platform.governance.working_time import WorkingHours
from onegrid.platform.store.models import ADMISSION_LEVELS, GridTask, User, user_grid
from onegrid.platform.trace.chain import append


@dataclass(frozen=True)
class AdmissionItem:
    """An item of the admission list version in force: pushable unless ``kind`` is removed."""

    task_type: str
    name: str
    name_en: str
    kind: str
    level: str
    basis: str


class NotAdmittedError(OneGridError, status=422, code="not-admitted",
                       title="This task may not be pushed down there"):
    """A department pushed down an item not admitted in force, or below its level."""


@dataclass(frozen=True)
class TaskDecision:
    """A task pushed down, or the reason it was refused (the refusal is already in the ledger)."""

    task: GridTask | None
    refusal: str = ""


def reaches(item_level: str, target_level: str) -> bool:
    """Whether an item whose lowest level is ``item_level`` may be pushed to ``target_level``
    (that level or above it: street above community above grid)."""
    return (target_level in ADMISSION_LEVELS
            and ADMISSION_LEVELS.index(target_level) <= ADMISSION_LEVELS.index(item_level))


def admitted_item(session: Session, task_type: str, at: datetime
                  ) -> tuple[int, AdmissionItem] | None:
    """(the version, the item) when ``task_type`` may be pushed down at ``at``; None when the
    version in force lacks it or lists it as removed."""
    found = entry_in_force(session, "admission", task_type, at)
    if found is None or found[1] is None or found[1]["kind"] == "removed":
        return None
    return found[0].id, _item(task_type, found[1])


def _item(task_type: str, data: dict[str, Any]) -> AdmissionItem:
    return AdmissionItem(task_type, data["name"], data["name_en"] or data["name"], data["kind"],
                         data["level"], data["basis"])


def is_admitted(session: Session, task_type: str, at: datetime | None = None) -> bool:
    """True when departments may push ``task_type`` down at ``at`` (now)."""
    return admitted_item(session, task_type, at or datetime.now(UTC)) is not None


def admission_list(session: Session, at: datetime | None = None) -> list[AdmissionItem]:
    """The pushable items in force at ``at`` (now), by code."""
    version = in_force(session, "admission", at or datetime.now(UTC))
    items = [_item(key, data) for key, data in entries_of(session, version).items()] \
        if version else []
    return [item for item in items if item.kind != "removed"]


def push_task(session: Session, *, department_code: str, task_type: str, area_code: str,
              title: str, detail: str, actor: str, hours: WorkingHours,
              user_id: int | None = None, now: datetime | None = None) -> TaskDecision:
    """Queue an admitted task for a street, community or grid, released at the next working
    period; refuse (in the burden ledger and the trace) an item not admitted now or a target
    below its level. ``actor`` names who pushes in the trace (a username, ``dept:CODE``);
    ``user_id`` the signed-in person, if any."""
    now = now or datetime.now(UTC)
    department = get_department(session, department_code)
    area = area_by_code(session, area_code)
    if area.level not in ADMISSION_LEVELS:
        raise InvalidInputError(f"push to a street, community or grid, not a {area.level}")
    admitted = admitted_item(session, task_type, now)
    if admitted is None:
        reason = (f"task type {task_type!r} is not on the admission list in force: departments "
                  "may not push it down (apply for admission first)")
    elif not reaches(admitted[1].level, area.level):
        reason = (f"{task_type!r} may be pushed down to a {admitted[1].level} at the lowest, "
                  f"not to a {area.level}")
    else:
        task = GridTask(task_type=task_type, admission_version_id=admitted[0],
                        department_id=department.id, area_id=area.id, title=title,
                        detail=detail, status="open", created_by=user_id,
                        release_at=hours.next_start(now))
        session.add(task)
        session.flush()
        append(session, actor, "task.pushed", f"task:{task.id}",
               {"task_type": task_type, "area": area_code, "release_at": task.release_at,
                "admission_version": admitted[0]})
        return TaskDecision(task)
    record_burden(session, "task_refused_admission", department.code,
                  {"task_type": task_type, "area": area_code, "title": title, "by": actor})
    append(session, actor, "task.refused", f"area:{area_code}",
           {"task_type": task_type, "reason": reason})
    return TaskDecision(None, reason)


def complete_task(session: Session, task_id: int, by: User) -> GridTask:
    """Mark a task of ``by``'s grids done, traced; NotFoundError for a task outside them."""
    task = session.get(GridTask, task_id)
    if task is None or task.area_id not in {grid.id for grid in by.grids}:
        raise NotFoundError(f"no task {task_id} in your grids")
    task.status = "done"
    append(session, by.username, "task.done", f"task:{task.id}", {"name": by.display_name})
    return task


def tasks_for_worker(session: Session, user: User, now: datetime | None = None) -> list[GridTask]:
    """Open admitted tasks for the worker's grids that have reached their working period."""
    grids = select(user_grid.c.area_id).where(user_grid.c.user_id == user.id)
    return list(session.scalars(
        select(GridTask).where(GridTask.area_id.in_(grids), GridTask.status == "open",
                               GridTask.release_at <= (now or datetime.now(UTC)))
        .order_by(GridTask.release_at)))
