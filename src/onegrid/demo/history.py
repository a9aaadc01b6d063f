"""The demo's history: last year and this year to date for every department and grid, written
set-based (sql/history_*.sql) into the tables the services write, by the services' rules
(docs/demo.md, "The demo's history")."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from importlib.resources import as_file
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from onegrid.demo.city import DATA, LISTS
from onegrid.platform.governance.lists import effective_start, import_file
from onegrid.platform.governance.working_time import WorkingHours
from onegrid.platform.offices.documents import set_cap
from onegrid.platform.store.models import TraceEntry
from onegrid.platform.store.sqlfiles import statements
from onegrid.platform.trace.chain import append

# The trace action of each register's month of history, appended when it is written: a store
# that has one has the history already.
HISTORY_IMPORTED = "history.imported"
START = date(2024, 12, 1)  # a month before last year, so last year compares whole
SEED = "onegrid-demo-330302"
ACTOR = "demo.history"
REGISTERS = ("issues", "collection", "offices")  # sql/history_<name>.sql, in this order
CAPS = (("document", "pages", 12), ("document", "characters", 8000),
        ("meeting", "minutes", 90), ("meeting", "speakers", 6))
DEADLINES_AHEAD = timedelta(days=120)  # the calendar runs past today: deadlines lie ahead


def simulate(session: Session, hours: WorkingHours, now: datetime | None = None,
             progress: Callable[[str], None] = lambda _: None) -> dict[str, int] | None:
    """Write the history up to ``now`` in the caller's transaction; None when the store has it
    already (a second run adds nothing). Returns the rows written per register."""
    if session.scalar(select(TraceEntry.seq).where(TraceEntry.action == HISTORY_IMPORTED)
                      .limit(1)):
        return None
    now = now or datetime.now(UTC)
    zone = ZoneInfo(hours.zone)
    _lists_in_force(session, hours.zone)
    for kind, measure, cap in CAPS:
        set_cap(session, kind, measure, cap, ACTOR)
    for statement in statements("onegrid.demo", "history_calendar"):
        session.execute(statement)
    session.execute(text(
        "INSERT INTO sim_param VALUES (:now, :start, :first, :today, :zone, :seed, :workdays, "
        ":starts, :cums, :lens, :day_len)"),
        {"now": now, "start": datetime.combine(START, time(), zone), "first": START,
         "today": now.astimezone(zone).date(), "zone": hours.zone, "seed": SEED,
         **_calendar(hours, START, (now + DEADLINES_AHEAD).astimezone(zone).date())})
    for register in REGISTERS:
        for statement in statements("onegrid.demo", f"history_{register}"):
            session.execute(statement)
        progress(f"history: {register}")
    return _trace(session, START, now, zone)


def _lists_in_force(session: Session, zone: str) -> None:
    """The city's lists (the same files) in force since the history starts, so that each
    simulated report, push and request meets the list in force at its time."""
    for kind, name in LISTS:
        with as_file(DATA.joinpath(name)) as path:
            import_file(session, kind, path, effective_start(START, zone), ACTOR)


def _calendar(hours: WorkingHours, first: date, last: date) -> dict[str, Any]:
    """The working calendar as sql/history_calendar.sql reads it: the working days from
    ``first`` to ``last`` and the day's working periods (every working day has the same)."""
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    starts, lens = [], []
    for start, end in hours.periods:
        starts.append(_seconds(start))
        lens.append(_seconds(end) - _seconds(start))
    return {"workdays": [day for day in days if hours.is_working_day(day)], "starts": starts,
            "cums": [sum(lens[:n], 0.0) for n in range(len(lens))], "lens": lens,
            "day_len": sum(lens)}


def _seconds(moment: time) -> float:
    return float(moment.hour * 3600 + moment.minute * 60 + moment.second)


def _trace(session: Session, first: date, now: datetime, zone: ZoneInfo) -> dict[str, int]:
    """One chained entry per register and month, appended now: the simulated dates are in
    its detail, never in the entry's own time (docs/demo.md says why)."""
    totals: dict[str, int] = {}
    batches = session.execute(text(
        "SELECT register, month, rows, first_id, last_id, detail FROM sim_batch "
        "ORDER BY month, register")).all()
    for register, month, rows, first_id, last_id, detail in batches:
        covers_from = datetime.combine(max(month, first), time(), zone)
        next_month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
        covers_to = min(datetime.combine(next_month, time(), zone), now)
        append(session, ACTOR, HISTORY_IMPORTED, f"history:{register}:{month:%Y-%m}",
               {"register": register, "covers_from": covers_from, "covers_to": covers_to,
                "rows": rows, "first_id": first_id, "last_id": last_id, **detail})
        totals[register] = totals.get(register, 0) + rows
    return totals
