"""What each person sees: their queue, their issues, one issue's trace, the records in a grid."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypedDict

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from onegrid.platform.sharing.pull import Answer
from onegrid.platform.sharing.views import DatasetView
from onegrid.platform.store.models import (
    Area,
    Dataset,
    Issue,
    IssueCategory,
    IssueReport,
    Record,
    TraceEntry,
    User,
    user_grid,
)

QUEUE_LIMIT = 200


class IssuePoint(TypedDict):
    """An issue as the grid worker's map draws it (lon/lat in the store datum)."""

    id: int
    status: str
    category: str
    lon: float
    lat: float


class GridRecord(TypedDict):
    """A shared record in a grid, for the map: a point on it and its visible attributes."""

    id: int
    dataset: str  # the dataset's title
    lon: float
    lat: float
    attributes: dict[str, Any]


def queue(session: Session, user: User, status: str | None = None) -> list[Issue]:
    """Operators see every issue, department staff their department's, grid workers the
    issues they reported or that lie in their grids; newest first."""
    query = select(Issue).order_by(Issue.created_at.desc()).limit(QUEUE_LIMIT)
    if user.role == "department_staff":
        query = query.where(Issue.department_id == user.department_id)
    elif user.role == "grid_worker":
        mine = select(IssueReport.issue_id).where(IssueReport.reporter_id == user.id)
        grids = select(user_grid.c.area_id).where(user_grid.c.user_id == user.id)
        query = query.where(or_(Issue.id.in_(mine), Issue.grid_id.in_(grids)))
    if status:
        query = query.where(Issue.status == status)
    return list(session.scalars(query))


def categories(session: Session) -> list[IssueCategory]:
    return list(session.scalars(select(IssueCategory).order_by(IssueCategory.code)))


def issue_trace(session: Session, issue_id: int) -> list[TraceEntry]:
    """Every trace entry about the issue, oldest first: who did what, when."""
    return list(session.scalars(
        select(TraceEntry).where(TraceEntry.target == f"issue:{issue_id}")
        .order_by(TraceEntry.seq)))


def issue_points(session: Session, issues: list[Issue]) -> list[IssuePoint]:
    """id, status, category, lon and lat of each issue, for the map."""
    if not issues:
        return []
    rows = session.execute(
        select(Issue.id, Issue.status, Issue.category, func.ST_X(Issue.geom).label("lon"),
               func.ST_Y(Issue.geom).label("lat"))
        .where(Issue.id.in_([i.id for i in issues])))
    return [IssuePoint(id=r.id, status=r.status, category=r.category, lon=r.lon, lat=r.lat)
            for r in rows]


@dataclass(frozen=True)
class GridRecords:
    """The shared records placed in some grids, for a grid worker's map, asked as a pull
    (platform.sharing.pull) by the grid workers' department: only datasets it reads whose
    records' location it sees, only their visible fields, personal ones masked."""

    grid_codes: tuple[str, ...]
    limit: int = 200

    @property
    def dataset_id(self) -> None:
        """The map looks in every dataset the department may read."""

    def run(self, session: Session,
            views: Mapping[str, DatasetView]) -> Answer[list[GridRecord]]:
        located = {d: view for d, view in views.items() if view.sees("geometry")}
        point = func.ST_PointOnSurface(Record.geom)
        rows = session.execute(
            select(Record.id, Record.dataset_id, Record.attributes, Dataset.title,
                   func.ST_X(point).label("lon"), func.ST_Y(point).label("lat"))
            .join(Dataset, Dataset.id == Record.dataset_id)
            .join(Area, Area.id == Record.grid_id)
            .where(Area.code.in_(self.grid_codes), Area.level == "grid",
                   Record.dataset_id.in_(list(located)), Record.geom.is_not(None))
            .order_by(Record.id).limit(self.limit)).all()
        found = [GridRecord(id=r.id, dataset=r.title, lon=r.lon, lat=r.lat,
                            attributes=located[r.dataset_id].visible(r.attributes or {}))
                 for r in rows]
        shown = Counter(r.dataset_id for r in rows)
        return Answer(found, f"area:{','.join(self.grid_codes)}",
                      {"rows": len(found), "datasets": dict(sorted(shown.items()))},
                      tuple(shown))
