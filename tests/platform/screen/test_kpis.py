"""KPI tiles and the league table follow the store: change the data, the numbers change."""

from __future__ import annotations

from datetime import timedelta

import pytest

from onegrid.platform.governance.ledger import record_burden
from onegrid.platform.screen.kpis import KPI_NAMES, kpis
from onegrid.platform.screen.league import league
from onegrid.platform.screen.rules import ScreenRules
from tests.platform.screen.factory import make_issue, now

pytestmark = pytest.mark.usefixtures("city")
RULES = ScreenRules()


def test_every_tile_has_a_value_computed_from_the_store(db) -> None:
    values = kpis(db, now(), RULES)
    assert set(values) == set(KPI_NAMES)
    assert all(isinstance(v, int) for k, v in values.items() if k != "median_resolve_hours")


def test_reporting_merging_and_refusing_move_their_tiles(db) -> None:
    before = kpis(db, now(), RULES)
    first = make_issue(db, 140, "E0102")
    make_issue(db, 140, "E0102")  # same place and category: merged into the first
    make_issue(db, 141, "E0502", age=timedelta(days=3))  # overdue, not today
    record_burden(db, "task_refused_admission", "SCJG", {})
    record_burden(db, "form_avoided", "SCJG", {})
    after = kpis(db, now(), RULES)
    assert after["issues_today"] - before["issues_today"] == 1
    assert after["open"] - before["open"] == 2
    assert after["overdue"] - before["overdue"] == 1
    assert after["duplicates_merged_today"] - before["duplicates_merged_today"] == 1
    assert after["tasks_refused_today"] - before["tasks_refused_today"] == 1
    assert after["forms_avoided_today"] - before["forms_avoided_today"] == 1
    assert first.report_count == 2


def test_median_time_to_resolve_and_the_league_table_read_resolved_issues(db) -> None:
    # A month ahead, with a one-day window: only these issues are in it, whatever else the
    # session's other tests committed.
    later, rules = now() + timedelta(days=30), ScreenRules(resolve_window=timedelta(days=1))
    for rank, hours, late in ((142, 2, False), (143, 4, False), (144, 30, True)):
        made = make_issue(db, rank, "E0502", metres=10)
        made.created_at = later - timedelta(hours=hours + 1)
        made.resolved_at, made.status, made.satisfaction = later - timedelta(hours=1), "resolved", 4
        made.resolve_due = made.resolved_at + timedelta(hours=-1 if late else 1)
    db.flush()
    assert kpis(db, later, rules)["median_resolve_hours"] == pytest.approx(4.0, abs=0.01)
    row = next(r for r in league(db, later - timedelta(days=1), later) if r.code == "CGJ")
    assert (row.handled, row.on_time_rate, row.median_hours, row.satisfaction) == \
        (3, pytest.approx(0.667), 4.0, 4.0)
