"""Each kind of work item as rows of one shape (WorkItem): issues routed to a department,
collection tasks it opened or joined, admission applications it made or decides, burden
complaints concerning it; each with its deadline in working time and whether it is late."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Select,
    String,
    Text,
    and_,
    any_,
    case,
    exists,
    false,
    func,
    literal,
    null,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session, aliased

from onegrid.platform.collection.areas import under
from onegrid.platform.governance import review
from onegrid.platform.governance.working_time import WorkingHours
from onegrid.platform.loop.sla import NOT_YET_ACCEPTED, overdue_clause
from onegrid.platform.loop.states import OPEN_STATES
from onegrid.platform.offices.complaints import FINAL_STATES, HANDLE_WITHIN_DAYS
from onegrid.platform.store.models import (
    AdmissionApplication,
    Area,
    BurdenComplaint,
    CollectionTask,
    CollectionTaskArea,
    Department,
    Issue,
)
from onegrid.platform.workbench.deadlines import due_after, end_of
from onegrid.platform.workbench.filters import WorkFilter


@dataclass(frozen=True)
class WorkItem:
    """One item. ``due_at`` is the instant it is late from (None: no deadline, or no longer
    waiting); ``dated`` when its deadline is a whole day (late from the end of that day)."""

    kind: str
    id: int
    title: str
    status: str
    category: str
    area_code: str | None
    department_id: int | None
    created_at: datetime
    due_at: datetime | None
    dated: bool
    open: bool
    overdue: bool
    lon: float | None
    lat: float | None

    def due_on(self, zone: ZoneInfo) -> date | None:
        """The last day of a whole-day deadline, in the city's calendar."""
        if self.due_at is None or not self.dated:
            return None
        return (self.due_at.astimezone(zone) - timedelta(days=1)).date()


def columns(kind: str, dated: bool, **values: Any) -> list[Any]:
    """One kind's row in the list's shape (WorkItem's fields, in order)."""
    values |= {"kind": literal(kind, String), "dated": literal(dated)}
    return [values.get(name, null()).label(name) for name in WorkItem.__dataclass_fields__]


def issues(session: Session, wanted: WorkFilter, hours: WorkingHours, now: datetime
            ) -> Select[Any]:
    """Routed issues: due for a response until accepted, then for resolution (loop/sla.py)."""
    grid = aliased(Area)
    due = case((Issue.status.in_(NOT_YET_ACCEPTED),
                func.least(Issue.response_due, Issue.resolve_due)), else_=Issue.resolve_due)
    query = select(*columns(
        "issue", False, id=Issue.id, title=Issue.description, status=Issue.status,
        category=Issue.category, area_code=grid.code, department_id=Issue.department_id,
        created_at=Issue.created_at, due_at=due, open=Issue.status.in_(OPEN_STATES),
        overdue=overdue_clause(now), lon=func.ST_X(Issue.geom), lat=func.ST_Y(Issue.geom))
    ).outerjoin(grid, grid.id == Issue.grid_id)
    if wanted.department_id is not None:
        query = query.where(Issue.department_id == wanted.department_id)
    if wanted.area_path is not None:
        query = query.where(under(wanted.area_path, grid.path))
    return query


def collection(session: Session, wanted: WorkFilter, hours: WorkingHours, now: datetime
                ) -> Select[Any]:
    """Collection tasks the department opened or joined, due by the end of their deadline day,
    placed (on the map) in their first target area."""
    point = func.ST_PointOnSurface(Area.geom)
    target = (select(Area.code, func.ST_X(point).label("lon"), func.ST_Y(point).label("lat"))
              .join(CollectionTaskArea, CollectionTaskArea.area_code == Area.code)
              .where(CollectionTaskArea.task_id == CollectionTask.id)
              .order_by(Area.code).limit(1).lateral("target"))
    waiting = CollectionTask.status == "open"
    due = end_of(CollectionTask.deadline, hours)
    query = select(*columns(
        "collection", True, id=CollectionTask.id,
        title=func.array_to_string(CollectionTask.fields, "、"), status=CollectionTask.status,
        category=CollectionTask.task_type, area_code=target.c.code,
        department_id=CollectionTask.department_id, created_at=CollectionTask.created_at,
        due_at=due, open=waiting, overdue=and_(waiting, due <= now),
        lon=target.c.lon, lat=target.c.lat)).outerjoin(target, true())
    if wanted.department_id is not None:
        code = select(Department.code).where(Department.id == wanted.department_id)
        query = query.where(or_(CollectionTask.department_id == wanted.department_id,
                                code.scalar_subquery() == any_(CollectionTask.departments)))
    if wanted.area_path is not None:
        query = query.where(exists().where(
            CollectionTaskArea.task_id == CollectionTask.id,
            CollectionTaskArea.area_code == Area.code, under(wanted.area_path, Area.path)))
    return query


def applications(session: Session, wanted: WorkFilter, hours: WorkingHours, now: datetime
                  ) -> Select[Any]:
    """Admission applications the department made or decides as a reviewer, due for a decision
    review.DECIDE_WITHIN_DAYS working days after they were filed."""
    waiting = AdmissionApplication.status == "pending"
    due = due_after(session, AdmissionApplication.created_at, waiting,
                    review.DECIDE_WITHIN_DAYS, hours)
    query = select(*columns(
        "application", True, id=AdmissionApplication.id, title=AdmissionApplication.name,
        status=AdmissionApplication.status, category=AdmissionApplication.task_type,
        area_code=Area.code, department_id=AdmissionApplication.department_id,
        created_at=AdmissionApplication.created_at, due_at=due, open=waiting,
        overdue=and_(waiting, func.coalesce(due <= now, false()))
    )).join(Area, Area.id == AdmissionApplication.area_id)
    if wanted.department_id is not None:
        query = query.where(review.concerning(wanted.department_id))
    if wanted.area_path is not None:
        query = query.where(under(wanted.area_path, Area.path))
    return query


def complaints(session: Session, wanted: WorkFilter, hours: WorkingHours, now: datetime
                ) -> Select[Any]:
    """Burden complaints concerning the department, due for a result HANDLE_WITHIN_DAYS
    working days after receipt. Listed by channel, never by summary: the department concerned
    does not read what the complainant wrote (it may name them)."""
    waiting = BurdenComplaint.status.not_in(FINAL_STATES)
    due = due_after(session, BurdenComplaint.received_at, waiting, HANDLE_WITHIN_DAYS, hours)
    query = select(*columns(
        "complaint", True, id=BurdenComplaint.id, title=literal("", Text),
        status=BurdenComplaint.status, category=BurdenComplaint.channel,
        area_code=null(), department_id=BurdenComplaint.department_id,
        created_at=BurdenComplaint.received_at, due_at=due, open=waiting,
        overdue=and_(waiting, func.coalesce(due <= now, false()))))
    if wanted.department_id is not None:
        query = query.where(BurdenComplaint.department_id == wanted.department_id)
    return query


BUILDERS = {"issue": issues, "collection": collection, "application": applications,
            "complaint": complaints}
