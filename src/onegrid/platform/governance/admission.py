"""The admission list (准入制度): only admitted task types may be pushed down to grids, and
they reach grid workers only in working hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from onegrid.platform.accounts.departments import get_department
from onegrid.platform.errors import InvalidInputError, NotFoundError, OneGridError
from onegrid.platform.governance.ledger import record_burden
from onegrid.platform.governance.working_time import WorkingHours
from onegrid.platform.store.models import AdmissionItem, Area, GridTask, User, user_grid
from onegrid.platform.trace.chain import append


class NotAdmittedError(OneGridError, status=422, code="not-admitted",
                       title="This task type is not on the admission list"):
    """A department pushed down a task type that is not on the admission list."""


@dataclass(frozen=True)
class TaskDecision:
    """A task pushed down, or the reason it was refused (the refusal is already in the ledger)."""

    task: GridTask | None
    refusal: str = ""


def is_admitted(session: Session, task_type: str) -> bool:
    """True when departments may push ``task_type`` down to streets, communities or grids."""
    return session.get(AdmissionItem, task_type) is not None


def admission_list(session: Session) -> list[AdmissionItem]:
    return list(session.scalars(select(AdmissionItem).order_by(AdmissionItem.task_type)))


def push_task(session: Session, *, department_code: str, task_type: str, grid_code: str,
              title: str, detail: str, by: User, hours: WorkingHours,
              now: datetime | None = None) -> TaskDecision:
    """Queue an admitted task for a grid, released at the next working period; refuse (and
    record the refusal in the burden ledger) any other type."""
    now = now or datetime.now(UTC)
    department = get_department(session, department_code)
    grid = session.scalars(select(Area).where(Area.code == grid_code, Area.level == "grid")).first()
    if grid is None:
        raise InvalidInputError(f"no grid with code {grid_code!r}")
    if not is_admitted(session, task_type):
        reason = (f"task type {task_type!r} is not on the admission list: departments may not "
                  "push it down to grids")
        record_burden(session, "task_refused_admission", department.code,
                      {"task_type": task_type, "grid": grid_code, "title": title,
                       "by": by.username})
        append(session, by.username, "task.refused", f"area:{grid_code}",
               {"task_type": task_type, "reason": reason})
        return TaskDecision(None, reason)
    task = GridTask(task_type=task_type, department_id=department.id, grid_id=grid.id,
                    title=title, detail=detail, status="open", created_by=by.id,
                    release_at=hours.next_start(now))
    session.add(task)
    session.flush()
    append(session, by.username, "task.pushed", f"task:{task.id}",
           {"task_type": task_type, "grid": grid_code, "release_at": task.release_at})
    return TaskDecision(task)


def complete_task(session: Session, task_id: int, by: User) -> GridTask:
    """Mark a task of ``by``'s grids done, traced; NotFoundError for a task outside them."""
    task = session.get(GridTask, task_id)
    if task is None or task.grid_id not in {grid.id for grid in by.grids}:
        raise NotFoundError(f"no task {task_id} in your grids")
    task.status = "done"
    append(session, by.username, "task.done", f"task:{task.id}", {"name": by.display_name})
    return task


def tasks_for_worker(session: Session, user: User, now: datetime | None = None) -> list[GridTask]:
    """Open admitted tasks for the worker's grids that have reached their working period."""
    grids = select(user_grid.c.area_id).where(user_grid.c.user_id == user.id)
    return list(session.scalars(
        select(GridTask).where(GridTask.grid_id.in_(grids), GridTask.status == "open",
                               GridTask.release_at <= (now or datetime.now(UTC)))
        .order_by(GridTask.release_at)))
