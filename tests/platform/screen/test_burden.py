"""The year-on-year burden report: every figure equals a count made row by row from the
ledger and the registers, both years; no data only where a measure's source was not recorded."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from onegrid.platform.governance.ledger import record_burden
from onegrid.platform.screen.burden import ALL, MEASURES, Period, burden_report
from onegrid.platform.store.models import BurdenComplaint, BurdenForm
from tests.platform.screen.burden_history import LAST, THIS, ZONE, at, expected, seed

pytestmark = pytest.mark.usefixtures("city")
CODES = ["MZJ", "SCJG", "SWJ"]


def _today() -> Period:
    today = datetime.now(ZONE).date()
    return Period(today, today, ZONE)


def _line(report, department: str, measure: str):
    return next(x for x in report.lines[department] if x.measure == measure)


def test_every_figure_equals_a_count_of_the_rows_in_both_years(db) -> None:
    seed(db, CODES)
    report = burden_report(db, THIS)
    now, before = expected(db, THIS), expected(db, LAST)
    assert list(report.lines)[-1] == ALL and set(CODES) <= set(report.lines)
    for code, lines in report.lines.items():
        assert [x.measure for x in lines] == list(MEASURES)
        for line in lines:
            assert (line.current, line.previous) == (now[(code, line.measure)],
                                                     before[(code, line.measure)]), line
    for code in [*CODES, ALL]:  # the seeds make every measure of these differ year on year
        assert all(x.previous and x.current != x.previous and x.change_pct is not None
                   for x in report.lines[code]), code
    swj = _line(report, "SWJ", "requests_made")
    assert (swj.current, swj.previous, swj.change_pct) == (6, 3, 100.0)


def test_the_share_answered_from_shared_data_is_the_ledgers(db) -> None:
    seed(db, CODES)
    record_burden(db, "collection_gate_answered", "MZJ", {}).at = at(date(2031, 5, 5))
    db.flush()
    share = burden_report(db, THIS, "MZJ").shares["MZJ"]
    now, before = expected(db, THIS), expected(db, LAST)
    assert share.current == round(100 * now[("MZJ", "requests_answered")]
                                  / now[("MZJ", "requests_made")], 1) == 66.7
    assert share.previous == round(100 * before[("MZJ", "requests_answered")]
                                   / before[("MZJ", "requests_made")], 1) == 100.0
    assert share.recorded and share.change_points == -33.3


def test_no_data_is_per_measure_from_the_first_day_its_source_holds(db) -> None:
    seed(db, CODES)
    # complaints began to be recorded only this year: the earlier rows were never kept
    db.query(BurdenComplaint).filter(BurdenComplaint.received_at < at(THIS.first)).delete()
    report = burden_report(db, THIS)
    assert _line(report, ALL, "complaints").previous is None
    assert _line(report, ALL, "complaints").change_pct is None
    assert _line(report, ALL, "meetings").previous is not None
    # a source is recorded from the first of the month of its earliest row (2 January 2030)
    assert _line(report, ALL, "forms").previous is not None
    late = Period(date(2031, 1, 1), date(2031, 1, 31), ZONE)
    db.query(BurdenForm).filter(BurdenForm.created_at < at(date(2030, 2, 1))).delete()
    assert _line(burden_report(db, late), ALL, "forms").previous is None
    assert _line(burden_report(db, late), ALL, "apps").previous is not None


def test_a_year_before_anything_was_recorded_is_no_data_not_zero(db) -> None:
    record_burden(db, "form_avoided", "SCJG", {})
    report = burden_report(db, _today(), "SCJG")
    line = _line(report, "SCJG", "forms_avoided")
    assert line.current >= 1 and line.previous is None and line.change_pct is None
    assert list(report.lines) == ["SCJG"] and not report.shares["SCJG"].recorded
