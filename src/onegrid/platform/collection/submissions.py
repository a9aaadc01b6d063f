"""A grid worker's answer to a collection task becomes a record of the task's dataset (the
requesting department's), shared by that dataset's sharing class, with the worker as its
source: the next request for those fields in that area is answered from it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onegrid.platform.collection.tasks import WorkerTask, end_task, tasks_for_worker
from onegrid.platform.errors import InvalidInputError, NotFoundError
from onegrid.platform.governance.ledger import record_burden
from onegrid.platform.governance.working_time import WorkingHours
from onegrid.platform.sharing.catalog import compile_attribute_schema, problem
from onegrid.platform.sharing.identity import subject_key
from onegrid.platform.sharing.views import PERSON_KEY_KIND
from onegrid.platform.store.models import (
    Area,
    CollectionSubmission,
    CollectionTask,
    CollectionTaskArea,
    Dataset,
    Department,
    Record,
    RecordVersion,
    User,
)
from onegrid.platform.store.models.data import change_seq
from onegrid.platform.trace.chain import append

TRUE = ("true", "1", "yes", "是")


def _typed(name: str, value_type: str, text: str) -> Any:
    try:
        if value_type == "integer":
            return int(text)
        if value_type == "number":
            return float(text)
    except ValueError:
        raise InvalidInputError(f"{name}: expected a {value_type}") from None
    if value_type == "boolean":
        return text.lower() in TRUE
    return text


def _attributes(dataset: Dataset, work: WorkerTask, values: dict[str, str]) -> dict[str, Any]:
    """The form's answers, typed and checked against the dataset's schema (its own required
    fields aside: the form asks only the task's)."""
    attributes = {f.name: _typed(f.name, f.value_type, values[f.name].strip())
                  for f in work.fields if values.get(f.name, "").strip()}
    if not attributes:
        raise InvalidInputError("answer at least one of the form's fields")
    schema = {**dataset.attribute_schema, "required": []}
    if wrong := problem(compile_attribute_schema(schema), attributes):
        raise InvalidInputError(wrong)
    return attributes


def _new_version(session: Session, record: Record, attributes: dict[str, Any],
                 source: dict[str, Any], department_id: int, now: datetime) -> None:
    """A known subject: the changed attributes as a new version, as ingest's merge writes it
    (the first version is written lazily, when a second one comes)."""
    if record.version == 1:
        first = record.sources.get("1", {})
        said_by = session.scalar(select(Department.id).where(
            Department.code == first.get("department"))) or department_id
        session.add(RecordVersion(record_id=record.id, version=1, department_id=said_by,
                                  source_record_id=first.get("record_id", ""),
                                  changes=record.attributes, occurred_at=record.occurred_at,
                                  dataset_id=record.dataset_id))
    version = record.version + 1
    changes = {k: v for k, v in attributes.items() if record.attributes.get(k) != v}
    record.attributes = {**record.attributes, **attributes}
    record.provenance = {**record.provenance, **{k: version for k in changes}}
    record.sources = {**record.sources, str(version): source}
    record.version, record.reports, record.updated_at = version, record.reports + 1, now
    session.add(RecordVersion(record_id=record.id, version=version, department_id=department_id,
                              source_record_id=source["record_id"], changes=changes,
                              occurred_at=now, dataset_id=record.dataset_id,
                              change_seq=session.scalar(select(change_seq.next_value()))))


def _record(session: Session, task: CollectionTask, dataset: Dataset, work: WorkerTask,
            subject: str, attributes: dict[str, Any], source: dict[str, Any], pii_key: str,
            now: datetime) -> Record:
    key = subject_key(dataset.subject_key_kind, subject.strip(), pii_key)
    record = session.scalars(select(Record).where(
        Record.dataset_id == dataset.id, Record.subject_key == key.key).with_for_update()).first()
    if record is not None:
        _new_version(session, record, attributes, source, task.department_id, now)
        return record
    grid_id, spot = session.execute(select(Area.id, func.ST_PointOnSurface(Area.geom))
                                    .where(Area.code == work.grid_code)).one()
    record = Record(dataset_id=dataset.id, subject_key=key.key,
                    subject_key_masked=key.masked if dataset.subject_key_kind == PERSON_KEY_KIND
                    else None, attributes=attributes, provenance={}, sources={"1": source},
                    pii_hashes={}, geom=spot, grid_id=grid_id, version=1, reports=1,
                    occurred_at=now)
    session.add(record)
    session.flush()
    return record


def submit(session: Session, user: User, task_id: int, *, client_id: str, subject: str,
           values: dict[str, str], pii_key: str, hours: WorkingHours,
           now: datetime | None = None) -> CollectionSubmission:
    """Keep one answer of ``user`` to task ``task_id`` as a record; the same submission again
    for a retried ``client_id``. The area is answered; when every area is, the task ends."""
    if not client_id.strip() or len(client_id) > 64:
        raise InvalidInputError("client_id is required (at most 64 characters)")
    if (done := session.get(CollectionSubmission, client_id)) is not None:
        return done
    now = now or datetime.now(UTC)
    today = now.astimezone(ZoneInfo(hours.zone)).date()
    work = next((w for w in tasks_for_worker(session, user, today) if w.id == task_id), None)
    task = session.get(CollectionTask, task_id, with_for_update=True)
    if work is None or task is None or task.status != "open":
        raise NotFoundError(f"no open collection task {task_id} for your grids")
    dataset = session.get_one(Dataset, task.dataset_id)
    attributes = _attributes(dataset, work, values)
    source = {"department": session.get_one(Department, task.department_id).code,
              "record_id": f"collection-task:{task.id}:{client_id}", "at": now.isoformat(),
              "by": f"user:{user.username}"}
    record = _record(session, task, dataset, work, subject, attributes, source, pii_key, now)
    done = CollectionSubmission(client_id=client_id, task_id=task.id, area_code=work.area_code,
                                user_id=user.id, record_id=record.id)
    session.add(done)
    session.get_one(CollectionTaskArea, (task.id, work.area_code)).answered_at = now
    session.flush()
    detail = {"dataset": dataset.id, "area": work.area_code, "grid": work.grid_code,
              "record": record.id, "fields": sorted(attributes)}
    record_burden(session, "collection_submitted", source["department"],
                  {"collection_task": task.id, "by": user.username, **detail})
    append(session, user.username, "collection.submitted", f"collection-task:{task.id}", detail)
    unanswered = session.scalar(select(func.count()).select_from(CollectionTaskArea).where(
        CollectionTaskArea.task_id == task.id, CollectionTaskArea.answered_at.is_(None)))
    if not unanswered:
        end_task(session, task, "answered", user.username, now)
    return done
