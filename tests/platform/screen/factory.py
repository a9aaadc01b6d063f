"""Issues for the screen's tests: reported through intake, then moved in time or state."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from onegrid.platform.loop.dedup import DEFAULT_RULE
from onegrid.platform.loop.intake import report_issue
from onegrid.platform.store.models import Issue, User
from tests.clock import round_the_clock
from tests.places import east_of, spot


def operator(db: Session, name: str = "op1") -> User:
    return db.scalars(select(User).where(User.username == name)).one()


def make_issue(db: Session, rank: int, category: str = "E0502", *, metres: float = 0,
               age: timedelta = timedelta(0), **columns) -> Issue:
    """A new issue in the ``rank``-th grid, ``metres`` east of its centre (apart from others,
    so nothing merges), reported ``age`` ago, with any other column set as given."""
    here = spot(db, rank)
    lon, lat = east_of(db, here.lon, here.lat, metres) if metres else (here.lon, here.lat)
    issue = report_issue(db, client_id=uuid.uuid4(), category=category, description="测试事件",
                         lon=lon, lat=lat, reporter_user_id=None, source="hotline",
                         rule=DEFAULT_RULE, hours=round_the_clock())
    if age or columns:
        shift = {"created_at": Issue.created_at - age, "response_due": Issue.response_due - age,
                 "resolve_due": Issue.resolve_due - age} if age else {}
        db.execute(update(Issue).where(Issue.id == issue.id).values(**shift, **columns))
        db.refresh(issue)
    return issue


def now() -> datetime:
    return datetime.now(UTC)
