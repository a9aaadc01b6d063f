"""The live feed: new issues, merges, dispatches, SLA breaches and dead-letter spikes, read by
polling cheap cursors (the trace's sequence, the dead letters' id, the last look's time)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    SQLColumnExpression,
    and_,
    case,
    cast,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session

from onegrid.platform.loop.sla import NOT_YET_ACCEPTED
from onegrid.platform.loop.states import OPEN_STATES
from onegrid.platform.screen.rules import ScreenRules
from onegrid.platform.store.models import Area, DeadLetter, Issue, IssueCategory, TraceEntry

TRACE_EVENTS = {"issue.reported": "new_issue", "issue.merged": "merge",
                "issue.dispatch": "dispatch"}
REPLAY = 20  # a screen that opens the feed sees the last few events at once
BATCH = 100


@dataclass(frozen=True)
class Cursor:
    """Where a feed stands; its text form is the SSE event id (Last-Event-ID on reconnect)."""

    trace_seq: int
    dead_letter_id: int
    checked_at: datetime

    def __str__(self) -> str:
        return f"{self.trace_seq}-{self.dead_letter_id}-{int(self.checked_at.timestamp() * 1000)}"

    @classmethod
    def parse(cls, text: str) -> Cursor | None:
        """The cursor an event id names; None for anything a browser did not get from us
        (the stream then starts afresh rather than fail)."""
        try:
            seq, dead, millis = (int(part) for part in text.split("-"))
            at = datetime.fromtimestamp(millis / 1000, UTC)
        except (ValueError, OverflowError, OSError):  # not numbers, or no date
            return None
        if not (0 <= seq < 2**63 and 0 <= dead < 2**63):  # beyond the store's bigint
            return None
        return cls(seq, dead, at)


@dataclass(frozen=True)
class FeedEvent:
    kind: str
    cursor: Cursor
    data: dict[str, Any]


def start(session: Session, now: datetime, last_event_id: str = "") -> Cursor:
    """The cursor a stream resumes from, or a new one that replays the last REPLAY events."""
    known = Cursor.parse(last_event_id) if last_event_id else None
    if known is not None:
        return known
    recent = select(TraceEntry.seq).where(TraceEntry.action.in_(TRACE_EVENTS)) \
        .order_by(TraceEntry.seq.desc()).limit(REPLAY).subquery()
    first = session.scalar(select(func.min(recent.c.seq)))
    seq = first - 1 if first else session.execute(
        select(func.coalesce(func.max(TraceEntry.seq), 0))).scalar_one()
    dead = session.execute(select(func.coalesce(func.max(DeadLetter.id), 0))).scalar_one()
    return Cursor(seq, dead, now)


def poll(session: Session, cursor: Cursor, now: datetime,
         rules: ScreenRules) -> tuple[list[FeedEvent], Cursor]:
    """Events after ``cursor`` up to ``now``, oldest first, and the cursor after them."""
    events = _trace_events(session, cursor)
    if events:
        cursor = events[-1].cursor
    if len(events) == BATCH:  # more trace events wait: time-based checks can wait a poll too
        return events, cursor
    cursor, spikes = _dead_letter_spike(session, cursor, now, rules)
    breaches = _breaches(session, cursor.checked_at, now)
    cursor = replace(cursor, checked_at=now)
    return events + [FeedEvent(kind, cursor, data) for kind, data in spikes + breaches], cursor


def _issue_columns() -> tuple[SQLColumnExpression[Any], ...]:
    return (Issue.id.label("issue_id"), Issue.category, IssueCategory.name.label("category_name"),
            IssueCategory.name_en.label("category_name_en"), Issue.status,
            Issue.report_count, Area.code.label("grid_code"), Area.name.label("grid_name"),
            Area.path.label("grid_path"), func.ST_X(Issue.geom).label("lon"),
            func.ST_Y(Issue.geom).label("lat"))


def _trace_events(session: Session, cursor: Cursor) -> list[FeedEvent]:
    rows = session.execute(
        select(TraceEntry.seq, TraceEntry.at, TraceEntry.action, TraceEntry.actor,
               *_issue_columns())
        .join(Issue, Issue.id == _issue_id(TraceEntry.target))  # the issue's primary key, indexed
        .join(IssueCategory, IssueCategory.code == Issue.category)
        .outerjoin(Area, Area.id == Issue.grid_id)
        .where(TraceEntry.seq > cursor.trace_seq, TraceEntry.action.in_(TRACE_EVENTS))
        .order_by(TraceEntry.seq).limit(BATCH))
    return [FeedEvent(TRACE_EVENTS[r.action], replace(cursor, trace_seq=r.seq),
                      _jsonable(r._mapping, drop=("seq", "action"))) for r in rows]


def _issue_id(target: SQLColumnExpression[str]) -> ColumnElement[int]:
    """The id in a trace target "issue:<id>"."""
    return cast(func.substr(target, len("issue:") + 1), BigInteger)


def _breaches(session: Session, since: datetime,
              now: datetime) -> list[tuple[str, dict[str, Any]]]:
    """Issues whose response or resolution fell due in (since, now] while still undone."""
    response = and_(Issue.status.in_(NOT_YET_ACCEPTED), Issue.response_due > since,
                    Issue.response_due <= now)
    resolution = and_(Issue.status.in_(OPEN_STATES), Issue.resolve_due > since,
                      Issue.resolve_due <= now)
    rows = session.execute(
        select(*_issue_columns(), response.label("response"),
               case((response, Issue.response_due), else_=Issue.resolve_due).label("at"))
        .join(IssueCategory, IssueCategory.code == Issue.category)
        .outerjoin(Area, Area.id == Issue.grid_id)
        .where(or_(response, resolution)).order_by(Issue.id).limit(BATCH))
    return [("sla_breach", _jsonable(r._mapping, drop=("response",))
             | {"sla": "response" if r.response else "resolution"}) for r in rows]


def _dead_letter_spike(session: Session, cursor: Cursor, now: datetime,
                       rules: ScreenRules) -> tuple[Cursor, list[tuple[str, dict[str, Any]]]]:
    """One event when new dead letters lift the window's count to the threshold; a spike that
    goes on is not announced again until the window has dropped below it."""
    newest = session.scalar(select(func.max(DeadLetter.id)).where(
        DeadLetter.id > cursor.dead_letter_id))
    if newest is None:
        return cursor, []
    recent = DeadLetter.received_at > now - rules.dead_letter_window
    in_window, before = session.execute(select(
        func.count(), func.count().filter(DeadLetter.id <= cursor.dead_letter_id)
    ).where(recent)).one()
    cursor = replace(cursor, dead_letter_id=newest)
    if in_window < rules.dead_letter_spike or before >= rules.dead_letter_spike:
        return cursor, []
    return cursor, [("dead_letter_spike", {
        "count": in_window, "window_s": int(rules.dead_letter_window.total_seconds()),
        "at": now.isoformat()})]


def _jsonable(row: Any, drop: tuple[str, ...]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v
            for k, v in row.items() if k not in drop}
