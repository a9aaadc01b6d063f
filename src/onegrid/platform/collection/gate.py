"""The gate (最多报一次): a department asking the grassroots for fields is first answered from
shared data. A field "exists" in an area only where a dataset holds it with the same meaning
(synonyms, type; about the same kind of subject), the asker reads it or may be granted it, and
records with it lie in that area. The answer says, per field, where and how to pull it and which
grant to request; what exists nowhere becomes a collection task (tasks.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import islice, takewhile
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from onegrid.platform.burden.synonyms import Meanings, meanings
from onegrid.platform.collection.areas import under
from onegrid.platform.collection.tasks import end_overdue, open_tasks
from onegrid.platform.errors import InvalidInputError
from onegrid.platform.governance.admission import is_admitted
from onegrid.platform.governance.ledger import record_burden
from onegrid.platform.governance.working_time import WorkingHours
from onegrid.platform.sharing.views import DatasetView, readable
from onegrid.platform.store.models import (
    SUBJECT_KEY_KINDS,
    Area,
    CollectionRequest,
    Dataset,
    Department,
    Record,
)
from onegrid.platform.trace.chain import append

MIN_WORKING_DAYS = 2  # a request for materials needs at least 2 working days' notice
GRANT_PATH = "/api/v1/grant-requests"


@dataclass(frozen=True)
class Ask:
    """What a department wants collected, about which subjects, where, by when, as which
    admitted task type, and which of its datasets keeps what grid workers collect."""

    task_type: str
    fields: list[str]
    grid_codes: list[str]  # target areas, at any level
    deadline: date | None = None
    working_days: int | None = None  # instead of a deadline: this many working days from now
    dataset: str | None = None  # the asker's dataset that keeps what is collected
    subject: str | None = None  # a subject key kind; the dataset's when one is named


def _working_days(hours: WorkingHours, now: datetime) -> Iterator[date]:
    """The working days after today, in order, as the working calendar's next_start says."""
    zone = ZoneInfo(hours.zone)
    day = now.astimezone(zone).date()
    while True:
        start = hours.next_start(datetime.combine(day + timedelta(days=1), time(), tzinfo=zone))
        day = start.astimezone(zone).date()
        yield day


def working_days_until(deadline: date, hours: WorkingHours, now: datetime,
                       at_most: int = 366) -> int:
    """Working days after today up to and including ``deadline`` (in the city's zone, by its
    working calendar: holidays, adjusted working days and the city's own days), counted up to
    ``at_most``."""
    days = takewhile(lambda day: day <= deadline, _working_days(hours, now))
    return sum(1 for _ in islice(days, at_most))


def add_working_days(hours: WorkingHours, now: datetime, days: int) -> date:
    """The date ``days`` working days after today."""
    if not 1 <= days <= 250:
        raise InvalidInputError("working_days must be between 1 and 250")
    return next(islice(_working_days(hours, now), days - 1, None))


@dataclass(frozen=True)
class Request:
    """An Ask checked: its dataset, subject kind, deadline and target areas' paths."""

    ask: Ask
    dataset: Dataset | None
    subject: str | None
    deadline: date
    paths: dict[str, str]


def _checked(session: Session, department: Department, ask: Ask, hours: WorkingHours,
             now: datetime) -> Request:
    if not ask.fields or not ask.grid_codes:
        raise InvalidInputError("name at least one field and one target grid (or area) code")
    paths = {code: path for code, path in session.execute(
        select(Area.code, Area.path).where(Area.code.in_(ask.grid_codes)))}
    if missing := sorted(set(ask.grid_codes) - set(paths)):
        raise InvalidInputError(f"unknown area codes: {', '.join(missing)}")
    dataset = session.get(Dataset, ask.dataset) if ask.dataset else None
    if ask.dataset and (dataset is None or dataset.owner_department_id != department.id):
        raise InvalidInputError(f"dataset {ask.dataset!r} is not one of your department's: "
                                "collected data is kept in a dataset the asker owns")
    subject = dataset.subject_key_kind if dataset else ask.subject
    if subject is not None and subject not in SUBJECT_KEY_KINDS:
        raise InvalidInputError(f"subject must be one of {', '.join(SUBJECT_KEY_KINDS)}")
    if (ask.deadline is None) == (ask.working_days is None):
        raise InvalidInputError("give either a deadline (a date) or working_days")
    deadline = ask.deadline or add_working_days(hours, now, ask.working_days or 0)
    return Request(ask, dataset, subject, deadline, paths)


def _grids_under(session: Session, paths: dict[str, str]) -> dict[int, list[str]]:
    """Each grid under the target areas: the targets it is under (one prefix match per
    target, on the area path index)."""
    found: dict[int, list[str]] = {}
    for code, path in paths.items():
        for grid_id in session.scalars(select(Area.id).where(
                Area.level == "grid", under(path, Area.path))):
            found.setdefault(grid_id, []).append(code)
    return found


def _areas_with_records(session: Session, dataset_id: str, field: str,
                        grids: dict[int, list[str]]) -> list[str]:
    """The target areas in which ``dataset_id`` has a record with ``field`` set: the records
    are read grid by grid (the record_grid_page_idx index), never the whole dataset."""
    held = session.scalars(select(Record.grid_id).distinct().where(
        Record.grid_id.in_(list(grids)), Record.dataset_id == dataset_id,
        Record.attributes.has_key(field)))
    return sorted({code for grid_id in held if grid_id is not None for code in grids[grid_id]})


def _grant_to_request(dataset: Dataset, field: str) -> dict[str, Any]:
    return {"method": "POST", "path": GRANT_PATH,
            "body": {"dataset": dataset.id, "fields": [field], "purpose": "...",
                     "expires_at": "YYYY-MM-DDT00:00:00+08:00"},
            "decided_by": "the dataset's owner department"}


def _source(session: Session, dataset: Dataset, field: str, view: DatasetView | None,
            grids: dict[int, list[str]]) -> dict[str, Any] | None:
    """Where ``field`` of ``dataset`` answers the request, or None (no records there)."""
    areas = _areas_with_records(session, dataset.id, field, grids)
    if not areas:
        return None
    api = f"/api/v1/datasets/{dataset.id}/records"
    readable_now = view is not None and field in view.fields
    return {"dataset": dataset.id, "field": field, "sharing_class": dataset.sharing_class,
            "access": "readable" if readable_now else "grant_required",
            "areas": areas, "api": api, "pull": [f"{api}?grid={code}" for code in areas],
            **({} if readable_now else {"grant_request": _grant_to_request(dataset, field)})}


def _holders(session: Session, department: Department, req: Request,
             meaning: Meanings) -> dict[str, list[dict[str, Any]]]:
    """Per asked field, the datasets that answer it in some target area."""
    views = readable(session, department)
    datasets = [ds for ds in session.scalars(select(Dataset).order_by(Dataset.id))
                if (req.subject is None or ds.subject_key_kind == req.subject)
                and (ds.id in views or ds.sharing_class == "conditional")]
    found: dict[str, list[dict[str, Any]]] = {}
    grids = _grids_under(session, req.paths)
    for term in dict.fromkeys(req.ask.fields):
        sources = [_source(session, ds, name, views.get(ds.id), grids)
                   for ds in datasets if (name := meaning.held_by(ds, term))]
        found[term] = [s for s in sources if s is not None]
    return found


def _refusal(session: Session, req: Request, missing: dict[str, list[str]], meaning: Meanings,
             hours: WorkingHours, now: datetime) -> str:
    """Why the missing fields cannot be sent to grid workers, or ""."""
    if not is_admitted(session, req.ask.task_type, now):
        return (f"task type {req.ask.task_type!r} is not on the admission list in force: it "
                "may not be pushed down to the grassroots (apply for admission first)")
    if working_days_until(req.deadline, hours, now, MIN_WORKING_DAYS) < MIN_WORKING_DAYS:
        return (f"the deadline {req.deadline} is less than {MIN_WORKING_DAYS} working days away:"
                " a request for materials needs at least 2 working days' notice")
    if req.dataset is None:
        return (f"{', '.join(missing)}: found nowhere in shared data; to have grid workers "
                "collect it, name your department's dataset that will keep it (dataset)")
    if unheld := [term for term in missing if meaning.held_by(req.dataset, term) is None]:
        return (f"dataset {req.dataset.id!r} has no field meaning {', '.join(unheld)}: add it "
                "to the dataset's schema before asking grid workers for it")
    return ""


def _missing(req: Request, available: dict[str, list[dict[str, Any]]]) -> dict[str, list[str]]:
    """Per asked field, the target areas no source answers."""
    missing = {term: [code for code in req.ask.grid_codes
                      if not any(code in s["areas"] for s in sources)]
               for term, sources in available.items()}
    return {term: codes for term, codes in missing.items() if codes}


def _ledger(session: Session, department: Department, req: Request, answered: list[str],
            refusal: str, now: datetime) -> None:
    if answered:  # answered with shared data: no form for these fields reaches the grassroots
        for kind in ("request_answered_from_shared_data", "form_avoided"):
            record_burden(session, kind, department.code,
                          {"fields": answered, "task_type": req.ask.task_type})
    if refusal and not is_admitted(session, req.ask.task_type, now):
        record_burden(session, "task_refused_admission", department.code,
                      {"task_type": req.ask.task_type, "fields": req.ask.fields})


def declare(session: Session, department: Department, actor: str, ask: Ask,
            hours: WorkingHours, now: datetime | None = None) -> CollectionRequest:
    """Answer a collection request field by field and area by area: what exists is answered
    (where to pull it, which grant to ask); the rest joins or opens collection tasks, if the
    task type is admitted and the deadline gives 2 working days' notice."""
    now = now or datetime.now(UTC)
    req = _checked(session, department, ask, hours, now)
    end_overdue(session, hours, now)
    meaning = meanings(session)
    available = _holders(session, department, req, meaning)
    missing = _missing(req, available)
    refusal = _refusal(session, req, missing, meaning, hours, now) if missing else ""
    tasks = {} if refusal or req.dataset is None else open_tasks(
        session, department, actor, req.dataset, missing, meaning,
        task_type=ask.task_type, deadline=req.deadline)
    status = "refused" if refusal else ("accepted" if missing else "answered")
    answered = [term for term, sources in available.items() if sources]
    _ledger(session, department, req, answered, refusal, now)
    answer = {"available": {t: s for t, s in available.items() if s}, "missing": missing,
              "collection_tasks": tasks, "refusal": refusal, "subject": req.subject,
              "dataset": req.dataset.id if req.dataset else None}
    row = CollectionRequest(department_id=department.id, task_type=ask.task_type,
                            fields=ask.fields, grid_codes=ask.grid_codes, deadline=req.deadline,
                            status=status, answer=answer)
    session.add(row)
    session.flush()
    record_burden(session, "collection_gate_answered", department.code,
                  {"request": row.id, "status": status, "answered": answered,
                   "missing": missing, "collection_tasks": tasks})
    append(session, actor, f"collection.{status}", f"collection-request:{row.id}",
           {"department": department.code, "fields": ask.fields, "grids": ask.grid_codes,
            "deadline": req.deadline, **answer})
    return row
