"""Admission review (准入审核): a department applies to push a new item down; the district's
reviewer approves it (the admission list gains it from that moment, as a new version) or
refuses it, with reasons. Every step is traced."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from onegrid.platform.errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError
from onegrid.platform.governance.admission import admitted_item
from onegrid.platform.governance.listfiles import key_code
from onegrid.platform.governance.lists import add_version, entries_of, in_force
from onegrid.platform.governance.offices import area_by_code, office_of
from onegrid.platform.store.models import (
    ADMISSION_KINDS,
    ADMISSION_LEVELS,
    AdmissionApplication,
    AreaOffice,
    Department,
)
from onegrid.platform.trace.chain import append

REVIEWER = "admission_reviewer"
DECIDE_WITHIN_DAYS = 10  # working days after the application for the reviewer's decision


@dataclass(frozen=True)
class Application:
    """What a department asks to push down: the item, why, how low, how much work, and the
    district whose reviewer decides."""

    task_type: str
    name: str
    kind: str
    level: str
    reason: str
    workload: str
    area_code: str


def _check(app: Application) -> None:
    try:
        key_code(app.task_type)
    except ValueError as exc:
        raise InvalidInputError(f"task_type: {exc}") from None
    if app.kind not in ADMISSION_KINDS[:2]:
        raise InvalidInputError(f"kind is one of {', '.join(ADMISSION_KINDS[:2])}")
    if app.level not in ADMISSION_LEVELS:
        raise InvalidInputError(f"level is the lowest it may reach: {', '.join(ADMISSION_LEVELS)}")
    for name in ("name", "reason", "workload"):
        if not getattr(app, name).strip():
            raise InvalidInputError(f"say {name} (a non-empty text)")


def apply(session: Session, department: Department, actor: str, app: Application
          ) -> AdmissionApplication:
    """File a pending application, traced; refused when the item is admitted already, is
    pending, or the area has no reviewer."""
    _check(app)
    area = area_by_code(session, app.area_code)
    if office_of(session, REVIEWER, area.id) is None:
        raise InvalidInputError(f"area {area.code} has no admission reviewer "
                                "(onegrid office set admission_reviewer AREA DEPARTMENT)")
    if admitted_item(session, app.task_type, datetime.now(UTC)) is not None:
        raise ConflictError(f"{app.task_type!r} is on the admission list in force already")
    if session.scalar(select(AdmissionApplication.id).where(
            AdmissionApplication.task_type == app.task_type,
            AdmissionApplication.status == "pending")):
        raise ConflictError(f"an application for {app.task_type!r} is pending already")
    row = AdmissionApplication(
        department_id=department.id, area_id=area.id, task_type=app.task_type,
        name=app.name.strip(), kind=app.kind, level=app.level, reason=app.reason.strip(),
        workload=app.workload.strip(), status="pending", applied_by=actor, decision_reason="")
    session.add(row)
    session.flush()
    append(session, actor, "admission.applied", f"admission-application:{row.id}",
           {"department": department.code, "task_type": row.task_type, "name": row.name,
            "kind": row.kind, "level": row.level, "reason": row.reason,
            "workload": row.workload, "area": area.code})
    return row


def decide(session: Session, department: Department, actor: str, application_id: int,
           approve: bool, reason: str, now: datetime | None = None) -> AdmissionApplication:
    """Approve or refuse a pending application, with a reason, as the reviewer of its area.
    An approval adds an admission list version, in force from ``now``, with the item."""
    now = now or datetime.now(UTC)
    row = session.get(AdmissionApplication, application_id, with_for_update=True)
    if row is None:
        raise NotFoundError(f"no admission application {application_id}")
    reviewer = office_of(session, REVIEWER, row.area_id)
    if reviewer is None or reviewer.id != department.id:
        raise ForbiddenError("only the admission reviewer of the application's area decides")
    if row.status != "pending":
        raise ConflictError(f"application {row.id} was {row.status} already")
    if not reason.strip():
        raise InvalidInputError("give the reason for the decision")
    row.status, row.decided_by, row.decided_at = ("approved" if approve else "refused"), actor, now
    row.decision_reason = reason.strip()
    if approve:
        row.version_id = _admit(session, row, actor, now)
    append(session, actor, f"admission.{row.status}", f"admission-application:{row.id}",
           {"task_type": row.task_type, "reason": row.decision_reason,
            "list_version": row.version_id})
    session.flush()
    return row


def _admit(session: Session, row: AdmissionApplication, actor: str, now: datetime) -> int:
    current = in_force(session, "admission", now)
    entries = entries_of(session, current) if current else {}
    entries[row.task_type] = {"task_type": row.task_type, "name": row.name, "name_en": "",
                              "kind": row.kind, "level": row.level,
                              "basis": f"准入审核 {row.id}: {row.decision_reason}"}
    version, _ = add_version(session, "admission", entries, now, f"application:{row.id}", actor)
    return version.id


def applications_for(session: Session, department: Department) -> list[AdmissionApplication]:
    """The department's applications and those its reviewer offices decide, newest first."""
    return list(session.scalars(
        select(AdmissionApplication).where(concerning(department.id))
        .order_by(AdmissionApplication.id.desc())))


def all_applications(session: Session, limit: int = 500) -> list[AdmissionApplication]:
    """The newest applications of every department, newest first."""
    return list(session.scalars(select(AdmissionApplication)
                                .order_by(AdmissionApplication.id.desc()).limit(limit)))


def decide_as_reviewer(session: Session, actor: str, application_id: int, approve: bool,
                       reason: str) -> AdmissionApplication:
    """decide() in the name of the reviewer office of the application's area (an administrator
    deciding for it; the trace names ``actor``)."""
    row = session.get(AdmissionApplication, application_id)
    reviewer = office_of(session, REVIEWER, row.area_id) if row is not None else None
    if row is None:
        raise NotFoundError(f"no admission application {application_id}")
    if reviewer is None:
        raise ConflictError(f"the area of application {row.id} has no admission reviewer "
                            "(onegrid office set admission_reviewer AREA DEPARTMENT)")
    return decide(session, reviewer, actor, application_id, approve, reason)


def concerning(department_id: int) -> ColumnElement[bool]:
    """An application the department made, or one its reviewer offices decide."""
    reviewed = select(AreaOffice.area_id).where(AreaOffice.department_id == department_id,
                                                AreaOffice.role == REVIEWER)
    return or_(AdmissionApplication.department_id == department_id,
               AdmissionApplication.area_id.in_(reviewed))
