"""The workbench's list: a department's routed issues, collection tasks, admission applications
and burden complaints as one list of work items, each with its deadline in working time, overdue
first; filtered, counted and paged by the store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, func, select, union_all
from sqlalchemy.orm import Session

from onegrid.platform.errors import ForbiddenError, InvalidInputError
from onegrid.platform.governance.working_time import WorkingHours
from onegrid.platform.store.models import Department, User
from onegrid.platform.workbench.filters import WorkFilter
from onegrid.platform.workbench.kinds import BUILDERS, WorkItem

MAX_PAGE = 200


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
    parts = []
    for kind, build in BUILDERS.items():
        if wanted.kind in (None, kind) and (kind != "complaint" or wanted.area_path is None):
            parts.append(build(session, wanted, hours, now))
    return parts


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
