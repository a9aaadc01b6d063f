"""The burden report: counts per period and department, honest about the year before."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from sqlalchemy import text, update

from onegrid.platform.governance.ledger import record_burden
from onegrid.platform.screen.burden import ALL, MEASURES, Period, burden_report
from onegrid.platform.screen.rules import ScreenRules
from onegrid.platform.store.models import TraceEntry

pytestmark = pytest.mark.usefixtures("city")
ZONE = ScreenRules().tz


def _today() -> Period:
    today = datetime.now(ZONE).date()
    return Period(today, today, ZONE)


def _line(lines, department: str, measure: str):
    return next(x for x in lines if x.department == department and x.measure == measure)


def test_ledger_lines_count_for_their_department_and_the_city(db) -> None:
    before = burden_report(db, _today())
    record_burden(db, "flag_already_have", "SWJ", {})
    record_burden(db, "flag_not_admitted", "SWJ", {})
    record_burden(db, "form_avoided", None, {})
    after = burden_report(db, _today())
    assert _line(after, "SWJ", "flags_raised").current == 2
    city = {m: _line(after, ALL, m).current - _line(before, ALL, m).current for m in MEASURES}
    assert city["flags_raised"] == 2 and city["forms_avoided"] == 1
    assert [x.measure for x in burden_report(db, _today(), "SWJ")] == list(MEASURES)


def test_a_year_before_the_trace_began_is_no_data_not_zero(db) -> None:
    record_burden(db, "form_avoided", "SCJG", {})
    line = _line(burden_report(db, _today(), "SCJG"), "SCJG", "forms_avoided")
    assert line.previous is None and line.change_pct is None


def test_year_on_year_change_when_the_platform_was_recording(db) -> None:
    period = Period(date(2031, 3, 1), date(2031, 3, 31), ZONE)
    # the store "began" in 2029: its first trace entry moves back there (the append-only
    # trigger is off inside this test's transaction only, which is rolled back)
    db.execute(text("ALTER TABLE trace_entry DISABLE TRIGGER USER"))
    db.execute(update(TraceEntry).where(TraceEntry.seq == 1)
               .values(at=datetime(2029, 1, 1, tzinfo=ZONE)))
    for day in (date(2030, 3, 5), date(2030, 3, 6), date(2031, 3, 10)):
        event = record_burden(db, "task_refused_admission", "MZJ", {})
        event.at = datetime.combine(day, time(9), ZONE)
    db.flush()
    line = _line(burden_report(db, period, "MZJ"), "MZJ", "tasks_refused")
    assert (line.current, line.previous, line.change_pct) == (1, 2, -50.0)
