"""Records that start work elsewhere: a 12345 hotline ticket becomes an issue in the loop.

Runs inside the batch's transaction, so a ticket is stored and its issue opened together;
report_issue is idempotent on the ticket number, so a re-reported ticket opens nothing new.
A ticket the loop refuses (a category it does not know, no description) raises InvalidInputError
saying why, and the writer keeps it as a dead letter with that reason."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import orjson
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from onegrid.ingest.decode import Report
from onegrid.platform.errors import InvalidInputError
from onegrid.platform.governance.working_time import WorkingHours
from onegrid.platform.loop.dedup import DEFAULT_RULE, DedupRule
from onegrid.platform.loop.intake import report_issue

OTHER = "E0699"  # GB/T 30428.2 "other events": the command centre routes it by hand


def hotline_ticket(session: Session, report: Report, dedup: DedupRule,
                   hours: WorkingHours) -> None:
    attributes = orjson.loads(report.attributes)
    assert report.point is not None, "hotline.ticket's rules require a Point geometry"
    lon, lat = report.point
    try:
        report_issue(session, client_id=report.key,
                     category=attributes.get("issue_category", OTHER),
                     description=attributes.get("description", ""), lon=lon, lat=lat,
                     reporter_user_id=None, source="hotline", rule=dedup, hours=hours,
                     via=report.department)
    except InvalidInputError as exc:
        raise InvalidInputError(f"the ticket cannot open an issue in the loop: {exc.detail}"
                           ) from None


BRIDGES: dict[str, Callable[[Session, Report, DedupRule, WorkingHours], None]] = {
    "hotline.ticket": hotline_ticket}


def run_bridges(conn: Connection, reports: Iterable[Report],
                dedup: DedupRule = DEFAULT_RULE, hours: WorkingHours | None = None) -> None:
    """Apply each dataset's bridge to its accepted reports, in the caller's transaction;
    ``dedup`` and ``hours`` are the worker's Settings.dedup and working_hours (the defaults,
    README's, serve tests and the older writers bench/writer_ab.py runs)."""
    bridged = [r for r in reports if r.dataset in BRIDGES]
    if not bridged:
        return
    # The session joins the batch's transaction and never commits or ends it itself.
    with Session(bind=conn, join_transaction_mode="rollback_only") as session:
        for report in bridged:
            BRIDGES[report.dataset](session, report, dedup, hours or WorkingHours())
        session.flush()
