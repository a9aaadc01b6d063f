"""Collection tasks: the form grid workers fill for fields the gate found nowhere. One open task
per (dataset, field, area): a later request for the same meaning there joins it. A task ends
when every area has answered or at its deadline; each step is in the trace and the ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from onegrid.platform.burden.synonyms import Meanings
from onegrid.platform.collection.areas import under
from onegrid.platform.governance.ledger import record_burden
from onegrid.platform.governance.working_time import WorkingHours
from onegrid.platform.store.models import (
    Area,
    CollectionTask,
    CollectionTaskArea,
    Dataset,
    Department,
    User,
    user_grid,
)
from onegrid.platform.trace.chain import append

# Serialises task creation, so that two requests at once cannot open two tasks for the same
# (dataset, field, area): a transaction-scoped advisory lock (the web may not lock datasets).
TASK_LOCK = 0x0C011EC7


@dataclass(frozen=True)
class FormField:
    """One question of a task's form, from the dataset's schema."""

    name: str
    value_type: str  # string, integer, number, boolean
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class WorkerTask:
    """An open task as one grid worker sees it: for one of their grids, in one target area."""

    id: int
    area_code: str
    grid_code: str
    dataset_id: str
    title: str
    subject_kind: str
    department: str
    deadline: date
    fields: tuple[FormField, ...]


def _joinable(session: Session, meaning: Meanings, concept: str, code: str,
              subject: str) -> CollectionTask | None:
    """The open task already collecting ``concept`` in area ``code``, if any."""
    rows = session.execute(
        select(CollectionTask, Dataset).join(CollectionTaskArea).join(Dataset)
        .where(CollectionTask.status == "open", CollectionTaskArea.area_code == code)
        .order_by(CollectionTask.id))
    return next((task for task, ds in rows
                 if ds.subject_key_kind == subject
                 and any(meaning.concept(f) == concept for f in task.fields)), None)


def _join(session: Session, task: CollectionTask, department: Department, actor: str,
          term: str, code: str) -> None:
    if department.code not in task.departments:
        task.departments = sorted({*task.departments, department.code})
    record_burden(session, "form_avoided", department.code,
                  {"field": term, "area": code, "collection_task": task.id})
    append(session, actor, "collection.task_joined", f"collection-task:{task.id}",
           {"department": department.code, "field": term, "area": code})


def open_tasks(session: Session, department: Department, actor: str, dataset: Dataset,
               missing: dict[str, list[str]], meaning: Meanings, *, task_type: str,
               deadline: date) -> dict[str, list[int]]:
    """Join or open tasks for each (field, area) in ``missing``, whose fields ``dataset``
    holds (the gate checked); the task ids per field."""
    session.execute(select(func.pg_advisory_xact_lock(TASK_LOCK)))
    subject = dataset.subject_key_kind
    found: dict[str, set[int]] = {term: set() for term in missing}
    to_ask: dict[str, set[str]] = {}  # area -> dataset fields to ask there
    asked_as: dict[str, list[str]] = {}  # dataset field -> the terms it answers
    for term, codes in missing.items():
        for code in codes:
            task = _joinable(session, meaning, meaning.concept(term), code, subject)
            if task is not None:
                _join(session, task, department, actor, term, code)
                found[term].add(task.id)
                continue
            name = meaning.held_by(dataset, term) or term
            to_ask.setdefault(code, set()).add(name)
            asked_as.setdefault(name, []).append(term)
    forms: dict[tuple[str, ...], list[str]] = {}  # one form per set of fields: its areas
    for code, names in to_ask.items():
        forms.setdefault(tuple(sorted(names)), []).append(code)
    for fields, codes in forms.items():
        task = _create(session, department, actor, dataset, list(fields), codes,
                       task_type=task_type, deadline=deadline)
        for name in fields:
            for term in asked_as[name]:
                found[term].add(task.id)
    return {term: sorted(ids) for term, ids in found.items()}


def _create(session: Session, department: Department, actor: str, dataset: Dataset,
            fields: list[str], codes: list[str], *, task_type: str,
            deadline: date) -> CollectionTask:
    task = CollectionTask(dataset_id=dataset.id, department_id=department.id, fields=fields,
                          task_type=task_type, deadline=deadline, departments=[department.code],
                          status="open", end_reason="")
    session.add(task)
    session.flush()
    session.add_all(CollectionTaskArea(task_id=task.id, area_code=code) for code in codes)
    detail = {"dataset": dataset.id, "fields": fields, "areas": sorted(codes),
              "deadline": deadline.isoformat(), "task_type": task_type}
    record_burden(session, "collection_task_created", department.code,
                  {"collection_task": task.id, **detail})
    append(session, actor, "collection.task_created", f"collection-task:{task.id}", detail)
    return task


def end_task(session: Session, task: CollectionTask, reason: str, actor: str,
             now: datetime) -> None:
    """Close ``task`` (every area answered, or its deadline passed): workers no longer see it."""
    task.status, task.end_reason, task.ended_at = "ended", reason, now
    areas = session.execute(select(CollectionTaskArea.area_code, CollectionTaskArea.answered_at)
                            .where(CollectionTaskArea.task_id == task.id)).all()
    detail = {"reason": reason, "dataset": task.dataset_id,
              "answered": sorted(code for code, at in areas if at is not None),
              "unanswered": sorted(code for code, at in areas if at is None)}
    department = session.get_one(Department, task.department_id)
    record_burden(session, "collection_task_ended", department.code,
                  {"collection_task": task.id, **detail})
    append(session, actor, "collection.task_ended", f"collection-task:{task.id}", detail)


def end_overdue(session: Session, hours: WorkingHours, now: datetime) -> int:
    """End every open task whose deadline has passed (in the city's zone); how many."""
    today = now.astimezone(ZoneInfo(hours.zone)).date()
    overdue = session.scalars(select(CollectionTask).where(
        CollectionTask.status == "open", CollectionTask.deadline < today)
        .with_for_update(skip_locked=True)).all()
    for task in overdue:
        end_task(session, task, "deadline", "deadline", now)
    return len(overdue)


def _form(dataset: Dataset, fields: list[str]) -> tuple[FormField, ...]:
    props: dict[str, Any] = dataset.attribute_schema.get("properties", {})
    out = []
    for name in fields:
        prop = props.get(name, {})
        choices = tuple(str(c) for c in prop.get("enum", ()))
        out.append(FormField(name, str(prop.get("type", "string")), choices))
    return tuple(out)


def tasks_for_worker(session: Session, user: User, today: date) -> list[WorkerTask]:
    """Open tasks with an unanswered target area at or above one of the worker's grids."""
    target, grid = aliased(Area), aliased(Area)
    mine = select(user_grid.c.area_id).where(user_grid.c.user_id == user.id)
    rows = session.execute(
        select(CollectionTask, CollectionTaskArea.area_code, grid.code, Dataset, Department.name)
        .join(CollectionTaskArea).join(target, target.code == CollectionTaskArea.area_code)
        .join(grid, under(target.path, grid.path)).join(Dataset)
        .join(Department, Department.id == CollectionTask.department_id)
        .where(grid.id.in_(mine), grid.level == "grid", CollectionTask.status == "open",
               CollectionTask.deadline >= today, CollectionTaskArea.answered_at.is_(None))
        .order_by(CollectionTask.deadline, CollectionTask.id, grid.code))
    seen: set[int] = set()
    found = []
    for task, area_code, grid_code, dataset, department in rows:
        if task.id in seen:  # a worker with several grids in one area answers it once
            continue
        seen.add(task.id)
        found.append(WorkerTask(task.id, area_code, grid_code, dataset.id, dataset.title,
                                dataset.subject_key_kind, department, task.deadline,
                                _form(dataset, task.fields)))
    return found
