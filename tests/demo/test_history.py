"""The demo's history: what the wall and the burden report show on a fresh demo, the share
answered from shared data, and the services' rules kept by rows written set-based."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from onegrid.demo.datasets import register_all
from onegrid.demo.history import simulate
from onegrid.platform.accounts.departments import get_department
from onegrid.platform.collection.gate import add_working_days
from onegrid.platform.governance.lists import category_in_force, entry_in_force
from onegrid.platform.governance.offices import ancestor_at
from onegrid.platform.governance.working_time import WorkingHours
from onegrid.platform.loop.sla import due_dates
from onegrid.platform.screen.alerts import grid_spikes
from onegrid.platform.screen.burden import ALL, Period, burden_report
from onegrid.platform.screen.league import league
from onegrid.platform.screen.rules import ScreenRules
from onegrid.platform.settings import Settings
from onegrid.platform.store.models import BurdenEvent, Issue
from onegrid.platform.trace.chain import verify

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 7, 10, 0, tzinfo=ZONE)
YEARS = (2025, 2026)
# Each burden-office measure per year, dated by its table's own column or the ledger's time.
YEAR = "extract(year FROM {} AT TIME ZONE 'Asia/Shanghai') = :year"
MEASURES = {
    "forms": "SELECT count(*) FROM burden_form WHERE " + YEAR.format("created_at"),
    "fields": "SELECT sum(cardinality(fields)) FROM burden_form WHERE "
              + YEAR.format("created_at"),
    "requests_answered": "SELECT count(*) FROM burden_event WHERE kind = "
                         "'request_answered_from_shared_data' AND " + YEAR.format("at"),
    "tasks_refused": "SELECT count(*) FROM burden_event WHERE kind = 'task_refused_admission' "
                     "AND " + YEAR.format("at"),
    "apps": "SELECT count(*) FROM work_channel WHERE kind = 'app' AND "
            + YEAR.format("created_at"),
    "groups": "SELECT count(*) FROM work_channel WHERE kind = 'group' AND "
              + YEAR.format("created_at"),
    "inspections": "SELECT sum(inspections) FROM inspection_plan WHERE year = :year",
    "indicators": "SELECT sum(cardinality(indicators)) FROM indicator_version WHERE year = :year",
    "documents": "SELECT count(*) FROM office_output WHERE kind = 'document' AND "
                 + YEAR.format("held_on"),
    "meetings": "SELECT count(*) FROM office_output WHERE kind = 'meeting' AND "
                + YEAR.format("held_on"),
    "complaints": "SELECT count(*) FROM burden_complaint WHERE " + YEAR.format("received_at"),
}
FALLING = ("apps", "groups", "inspections", "indicators", "documents", "meetings", "complaints")


@pytest.fixture(scope="module")
def history(engine: Engine, city: None, settings: Settings) -> Iterator[Session]:
    """The demo city, its datasets and its history, rolled back after the module."""
    with engine.connect() as connection:
        outer = connection.begin()
        session = Session(bind=connection, join_transaction_mode="create_savepoint")
        register_all(session)
        written = simulate(session, settings.working_hours, NOW)
        assert written and all(written.values())
        yield session
        session.close()
        outer.rollback()


def _counts(session: Session) -> dict[str, int]:
    tables = ("issue", "issue_report", "burden_event", "trace_entry", "collection_request",
              "grid_task", "work_channel", "group_message", "burden_complaint", "office_output",
              "burden_form", "inspection_plan", "indicator_version", "list_version")
    return {t: session.scalar(text(f"SELECT count(*) FROM {t}")) or 0 for t in tables}


def test_a_second_run_adds_nothing(history: Session, settings: Settings) -> None:
    before = _counts(history)
    assert simulate(history, settings.working_hours, NOW) is None
    assert _counts(history) == before


@pytest.mark.parametrize("measure", sorted(MEASURES))
def test_every_measure_has_a_value_in_both_years(history: Session, measure: str) -> None:
    counts = [history.scalar(text(MEASURES[measure]), {"year": year}) for year in YEARS]
    assert all(counts), f"{measure}: {counts}"
    if measure in FALLING:
        assert counts[1] < counts[0], f"{measure} did not fall: {counts}"


def test_the_burden_report_compares_this_year_with_last(history: Session) -> None:
    report = burden_report(history, Period(date(2026, 1, 1), NOW.date(), ZONE))
    lines = report.lines[ALL]
    assert lines and all(line.previous is not None for line in lines)
    assert report.shares[ALL].recorded and (report.shares[ALL].current or 0) >= 60
    assert all(line.current and line.previous for line in lines), lines
    assert sum(line.change_pct is not None for line in lines) >= 5


def test_the_wall_has_a_league_and_warnings_with_a_baseline(history: Session) -> None:
    rules = ScreenRules()
    assert len(league(history, NOW - rules.resolve_window, NOW)) >= 5
    spikes = grid_spikes(history, NOW, rules)
    assert spikes and all(spike["baseline"] > 0 for spike in spikes)


@pytest.mark.parametrize("year", YEARS)
def test_most_requests_are_answered_from_shared_data(history: Session, year: int) -> None:
    def ledger(kind: str) -> int:
        return history.scalar(select(func.count()).select_from(BurdenEvent).where(
            BurdenEvent.kind == kind,
            func.extract("year", func.timezone("Asia/Shanghai", BurdenEvent.at)) == year)) or 0

    answered, asked = ledger("request_answered_from_shared_data"), ledger(
        "collection_gate_answered")
    assert asked and answered / asked >= 0.6


def test_issues_went_through_the_loop_in_order(history: Session) -> None:
    broken = history.scalar(text("""
        SELECT count(*) FROM issue i WHERE
            (i.status = 'closed' AND (i.accepted_at IS NULL OR i.resolved_at IS NULL
                                      OR i.closed_at IS NULL OR i.satisfaction IS NULL))
         OR NOT (i.created_at <= coalesce(i.accepted_at, 'infinity')
                 AND coalesce(i.accepted_at, '-infinity') <= coalesce(i.resolved_at, 'infinity')
                 AND coalesce(i.resolved_at, '-infinity') <= coalesce(i.closed_at, 'infinity'))
         OR (i.status IN ('routed', 'dispatched') AND i.accepted_at IS NOT NULL)
         OR (i.status = 'in_progress' AND (i.accepted_at IS NULL OR i.resolved_at IS NOT NULL))
         OR i.report_count <> (SELECT count(*) FROM issue_report r WHERE r.issue_id = i.id)
         OR i.department_id IS NULL OR i.updated_at < i.created_at"""))
    assert broken == 0
    closed = history.scalar(select(func.count()).where(Issue.status == "closed"))
    assert closed is not None and closed > 1000


def _sample(session: Session, size: int) -> list[Issue]:
    ids = session.scalars(text("SELECT id FROM issue ORDER BY md5(id::text) LIMIT :n"),
                          {"n": size}).all()
    return list(session.scalars(select(Issue).where(Issue.id.in_(ids))))


def test_issues_are_routed_by_the_list_in_force(history: Session) -> None:
    for issue in _sample(history, 200):
        duty = entry_in_force(history, "responsibility", issue.category, issue.created_at)
        assert duty is not None and duty[0].effective_at <= issue.created_at
        if issue.level and issue.grid_id:  # as routed: neither handed over nor escalated
            assert duty[1] is not None and issue.level == duty[1]["level"]
            assert issue.department_id == get_department(history, duty[1]["lead"]).id
            area = ancestor_at(history, issue.grid_id, issue.level)
            assert area is not None and area.id == issue.handling_area_id


def test_deadlines_are_working_time(history: Session, settings: Settings) -> None:
    hours: WorkingHours = settings.working_hours
    for issue in _sample(history, 200):
        category = category_in_force(history, issue.category, issue.created_at)
        assert category is not None
        assert due_dates(category, issue.created_at, hours) == (issue.response_due,
                                                                 issue.resolve_due)
    for created, release in history.execute(text(
            "SELECT created_at, release_at FROM grid_task ORDER BY md5(id::text) LIMIT 100")):
        assert release == hours.next_start(created)
    for created, deadline, status in history.execute(text(
            "SELECT created_at, deadline, status FROM collection_request "
            "ORDER BY md5(id::text) LIMIT 100")):
        days = 1 if status == "refused" and deadline == add_working_days(hours, created, 1) else 5
        assert deadline == add_working_days(hours, created, days)
    for sent_at, assignment, flagged in history.execute(text(
            "SELECT sent_at, is_assignment, out_of_hours FROM group_message")):
        assert flagged == (assignment and not hours.is_working(sent_at))


def test_the_trace_stays_one_chain_and_says_what_the_history_covers(history: Session) -> None:
    assert verify(history).ok
    covered = history.scalar(text(
        "SELECT min((detail ->> 'covers_from')::timestamptz) FROM trace_entry "
        "WHERE action = 'history.imported'"))
    assert covered is not None and covered < datetime(2025, 1, 1, tzinfo=ZONE)
    batches = history.scalar(text(
        "SELECT sum((detail ->> 'rows')::int) FROM trace_entry "
        "WHERE action = 'history.imported' AND detail ->> 'register' = 'issues'"))
    # Other modules may leave issues of their own in the shared test store: count the history's.
    simulated = history.scalar(select(func.count()).select_from(Issue).where(
        Issue.description.endswith("（模拟历史）")))
    assert batches == simulated
