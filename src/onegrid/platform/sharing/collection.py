"""The report-at-most-once gate (最多报一次): a request to collect fields from the grassroots is
first answered with what already exists; what is left becomes one shared form (一表通)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from onegrid.platform.errors import InvalidInputError
from onegrid.platform.governance.admission import is_admitted
from onegrid.platform.governance.ledger import record_burden
from onegrid.platform.governance.working_time import WorkingHours
from onegrid.platform.store.models import (
    Area,
    CollectionRequest,
    CollectionTask,
    Dataset,
    Department,
)
from onegrid.platform.trace.chain import append

MIN_WORKING_DAYS = 2  # a request for materials needs at least 2 working days' notice


@dataclass(frozen=True)
class Ask:
    """What a department wants collected, where, by when, as which admitted task type."""

    task_type: str
    fields: list[str]
    grid_codes: list[str]
    deadline: date


def working_days_until(deadline: date, hours: WorkingHours, now: datetime) -> int:
    """Working days after today up to and including ``deadline`` (in the city's zone, by its
    working calendar)."""
    return hours.working_days(now.astimezone(ZoneInfo(hours.zone)).date(), deadline)


def existing(session: Session) -> dict[str, list[dict[str, str]]]:
    """Each field any dataset already holds: where it is and the API path to pull it."""
    found: dict[str, list[dict[str, str]]] = {}
    for ds in session.scalars(select(Dataset).order_by(Dataset.id)):
        for name in ds.attribute_schema.get("properties", {}):
            found.setdefault(name, []).append(
                {"dataset": ds.id, "sharing_class": ds.sharing_class,
                 "api": f"/api/v1/datasets/{ds.id}/records"})
    return found


def _check(session: Session, ask: Ask) -> None:
    if not ask.fields or not ask.grid_codes:
        raise InvalidInputError("name at least one field and one target grid (or area) code")
    known = set(session.scalars(select(Area.code).where(Area.code.in_(ask.grid_codes))))
    if missing := sorted(set(ask.grid_codes) - known):
        raise InvalidInputError(f"unknown area codes: {', '.join(missing)}")


def _refusal(session: Session, ask: Ask, hours: WorkingHours, now: datetime) -> str:
    if not is_admitted(session, ask.task_type):
        return (f"task type {ask.task_type!r} is not on the admission list: it may not be "
                "pushed down to the grassroots")
    if working_days_until(ask.deadline, hours, now) < MIN_WORKING_DAYS:
        return (f"the deadline {ask.deadline} is less than {MIN_WORKING_DAYS} working days away: "
                "a request for materials needs at least 2 working days' notice")
    return ""


def _task_for(session: Session, field: str, department: Department, ask: Ask) -> tuple[int, bool]:
    """The one task collecting ``field``; True when an existing task now serves one more."""
    task = session.scalars(select(CollectionTask).where(CollectionTask.field == field)
                           .with_for_update()).first()
    if task is None:
        task = CollectionTask(field=field, task_type=ask.task_type, grid_codes=ask.grid_codes,
                              deadline=ask.deadline, departments=[department.code])
        session.add(task)
        session.flush()
        return task.id, False
    joined = department.code not in task.departments
    task.departments = sorted({*task.departments, department.code})
    task.grid_codes = sorted({*task.grid_codes, *ask.grid_codes})
    return task.id, joined


def declare(session: Session, department: Department, actor: str, ask: Ask,
            hours: WorkingHours, now: datetime | None = None) -> CollectionRequest:
    """Answer a collection request field by field: fields that exist are refused (pull them);
    the rest join or open one shared task, if admitted and with 2 working days' notice."""
    _check(session, ask)
    have = existing(session)
    refused = {f: have[f] for f in ask.fields if f in have}
    wanted = [f for f in dict.fromkeys(ask.fields) if f not in refused]
    refusal = _refusal(session, ask, hours, now or datetime.now(UTC)) if wanted else ""
    tasks: dict[str, int] = {}
    if refused:  # answered with shared data: no form for these fields reaches the grassroots
        for kind in ("request_answered_from_shared_data", "form_avoided"):
            record_burden(session, kind, department.code,
                          {"fields": sorted(refused), "task_type": ask.task_type})
    if refusal and not is_admitted(session, ask.task_type):
        record_burden(session, "task_refused_admission", department.code,
                      {"task_type": ask.task_type, "fields": wanted})
    for field in wanted if not refusal else []:
        tasks[field], joined = _task_for(session, field, department, ask)
        if joined:
            record_burden(session, "form_avoided", department.code,
                          {"field": field, "collection_task": tasks[field]})
    status = "refused" if refusal else ("accepted" if wanted else "answered")
    req = CollectionRequest(department_id=department.id, task_type=ask.task_type,
                            fields=ask.fields, grid_codes=ask.grid_codes, deadline=ask.deadline,
                            status=status, answer={"already_available": refused,
                                                   "collection_tasks": tasks, "refusal": refusal})
    session.add(req)
    session.flush()
    append(session, actor, f"collection.{status}", f"collection-request:{req.id}",
           {"department": department.code, "fields": ask.fields, "grids": ask.grid_codes,
            "deadline": ask.deadline, **req.answer})
    return req
