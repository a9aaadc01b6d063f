"""The workbench's list: a department's routed issues, collection tasks, admission applications
and burden complaints as one list of work items, each with its deadline in working time, overdue
first; filtered, counted and paged by the store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
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
    union_all,
)
from sqlalchemy.orm import Session, aliased

from onegrid.platform.collection.areas import under
from onegrid.platform.errors import ForbiddenError, InvalidInputError
from onegrid.platform.governance import review
from onegrid.platform.governance.working_time import WorkingHours
from onegrid.platform.loop.sla import NOT_YET_ACCEPTED, overdue_clause
from onegrid.platform.loop.states import OPEN_STATES
from onegrid.platform.offices.complaints import FINAL_STATES, HANDLE_WITHIN_DAYS
from onegrid.platform.store.models import (
    APPLICATION_STATES,
    COLLECTION_TASK_STATES,
    COMPLAINT_STATES,
    ISSUE_STATES,
    AdmissionApplication,
    Area,
    BurdenComplaint,
    CollectionTask,
    CollectionTaskArea,
    Department,
    Issue,
    User,
)
from onegrid.platform.workbench.deadlines import due_after, end_of

KINDS = ("issue", "collection", "application", "complaint")
# A status filter names one kind's state, or every kind's waiting (open) or late (overdue) items.
STATUSES = tuple(dict.fromkeys(("open", "overdue", *ISSUE_STATES, *COLLECTION_TASK_STATES,
                                *APPLICATION_STATES, *COMPLAINT_STATES)))
MAX_PAGE = 200


@dataclass(frozen=True)
class WorkFilter:
    """What to list. ``department_id`` None lists every department's (an operator's view);
    ``area_path`` keeps items at or under that area (complaints have none, so it drops them);
    ``first``/``last`` bound the day each item arrived, in the city's calendar, inclusive."""

    department_id: int | None = None
    kind: str | None = None
    status: str | None = None
    category: str | None = None
    area_path: str | None = None
    first: date | None = None
    last: date | None = None

    def __post_init__(self) -> None:
        if self.kind is not None and self.kind not in KINDS:
            raise InvalidInputError(f"kind is one of {', '.join(KINDS)}")
        if self.status is not None and self.status not in STATUSES:
            raise InvalidInputError(f"status is one of {', '.join(STATUSES)}")
        if any(day and not 1900 <= day.year < 9999 for day in (self.first, self.last)):
            raise InvalidInputError("a day is between the years 1900 and 9998")
        if self.first and self.last and self.last < self.first:
            raise InvalidInputError("the last day is before the first")


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


@dataclass(frozen=True)
class WorkPage:
    items: list[WorkItem]
    total: int  # items matching the filter, on every page
    offset: int
    limit: int


def work_items(session: Session, wanted: WorkFilter, hours: WorkingHours, now: datetime,
               offset: int = 0, limit: int = 50) -> WorkPage:
    """One page of the items ``wanted``: overdue first, then waiting ones by deadline (soonest
    first), then the rest newest first; (kind, id) breaks ties, so pages never overlap."""
    if not 0 <= offset <= 2**62 or not 1 <= limit <= MAX_PAGE:
        raise InvalidInputError(f"a page holds 1..{MAX_PAGE} items from offset 0 on")
    parts = _parts(session, wanted, hours, now)
    if not parts:
        return WorkPage([], 0, offset, limit)
    items = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery("item")
    c = items.c
    where = _common(c, wanted, ZoneInfo(hours.zone))
    total = session.scalar(select(func.count()).select_from(items).where(*where)) or 0
    rows = session.execute(
        select(items).where(*where)
        .order_by(c.overdue.desc(), c.open.desc(), c.due_at.asc().nulls_last(),
                  c.created_at.desc(), c.kind, c.id)
        .offset(offset).limit(limit)).all()
    return WorkPage([WorkItem(**row._asdict()) for row in rows], total, offset, limit)


def _common(c: Any, wanted: WorkFilter, zone: ZoneInfo) -> list[ColumnElement[bool]]:
    """The filters every kind shares."""
    where: list[ColumnElement[bool]] = []
    if wanted.status == "open":
        where.append(c.open)
    elif wanted.status == "overdue":
        where.append(c.overdue)
    elif wanted.status:
        where.append(c.status == wanted.status)
    if wanted.category:
        where.append(c.category == wanted.category)
    if wanted.first:
        where.append(c.created_at >= datetime.combine(wanted.first, time(), zone))
    if wanted.last:
        where.append(c.created_at < datetime.combine(wanted.last + timedelta(days=1), time(),
                                                     zone))
    return where


def _parts(session: Session, wanted: WorkFilter, hours: WorkingHours, now: datetime
           ) -> list[Select[Any]]:
    builders = {"issue": _issues, "collection": _collection, "application": _applications,
                "complaint": _complaints}
    parts = []
    for kind, build in builders.items():
        if wanted.kind in (None, kind) and (kind != "complaint" or wanted.area_path is None):
            parts.append(build(session, wanted, hours, now))
    return parts


def _columns(kind: str, dated: bool, **values: Any) -> list[Any]:
    """One kind's row in the list's shape (WorkItem's fields, in order)."""
    values |= {"kind": literal(kind, String), "dated": literal(dated)}
    return [values.get(name, null()).label(name) for name in WorkItem.__dataclass_fields__]


def _issues(session: Session, wanted: WorkFilter, hours: WorkingHours, now: datetime
            ) -> Select[Any]:
    """Routed issues: due for a response until accepted, then for resolution (loop/sla.py)."""
    grid = aliased(Area)
    due = case((Issue.status.in_(NOT_YET_ACCEPTED),
                func.least(Issue.response_due, Issue.resolve_due)), else_=Issue.resolve_due)
    query = select(*_columns(
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


def _collection(session: Session, wanted: WorkFilter, hours: WorkingHours, now: datetime
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
    query = select(*_columns(
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


def _applications(session: Session, wanted: WorkFilter, hours: WorkingHours, now: datetime
                  ) -> Select[Any]:
    """Admission applications the department made or decides as a reviewer, due for a decision
    review.DECIDE_WITHIN_DAYS working days after they were filed."""
    waiting = AdmissionApplication.status == "pending"
    due = due_after(session, AdmissionApplication.created_at, waiting,
                    review.DECIDE_WITHIN_DAYS, hours)
    query = select(*_columns(
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


def _complaints(session: Session, wanted: WorkFilter, hours: WorkingHours, now: datetime
                ) -> Select[Any]:
    """Burden complaints concerning the department, due for a result HANDLE_WITHIN_DAYS
    working days after receipt. Listed by channel, never by summary: the department concerned
    does not read what the complainant wrote (it may name them)."""
    waiting = BurdenComplaint.status.not_in(FINAL_STATES)
    due = due_after(session, BurdenComplaint.received_at, waiting, HANDLE_WITHIN_DAYS, hours)
    query = select(*_columns(
        "complaint", True, id=BurdenComplaint.id, title=literal("", Text),
        status=BurdenComplaint.status, category=BurdenComplaint.channel,
        area_code=null(), department_id=BurdenComplaint.department_id,
        created_at=BurdenComplaint.received_at, due_at=due, open=waiting,
        overdue=and_(waiting, func.coalesce(due <= now, false()))))
    if wanted.department_id is not None:
        query = query.where(BurdenComplaint.department_id == wanted.department_id)
    return query


def department_scope(session: Session, user: User, code: str | None) -> int | None:
    """Whose items ``user`` lists: department staff their own department's (ForbiddenError
    for another's), an operator the department ``code`` names or, without one, every
    department's (None)."""
    if user.role != "operator":
        if user.department_id is None:
            raise ForbiddenError("your account belongs to no department")
        if code and session.get_one(Department, user.department_id).code != code:
            raise ForbiddenError("department staff see their own department's work only")
        return user.department_id
    if not code:
        return None
    found = session.scalar(select(Department.id).where(Department.code == code))
    if found is None:
        raise InvalidInputError(f"no department with code {code!r}")
    return found
