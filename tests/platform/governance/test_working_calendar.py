"""The official working calendar: holidays, adjusted working days and the city's own days, in
every working-time rule (notice for collection requests, SLA deadlines, release of tasks)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from onegrid.platform.accounts.departments import get_department
from onegrid.platform.collection.gate import Ask, declare, working_days_until
from onegrid.platform.errors import ConfigurationError
from onegrid.platform.governance.working_time import (
    LocalDays,
    WorkingHours,
    official_years,
    read_local_days,
)
from onegrid.platform.loop.sla import due_dates
from onegrid.platform.settings import Settings
from onegrid.platform.store.models import IssueCategory
from tests.platform.test_settings import REQUIRED

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOURS = WorkingHours()


def at(day: str, clock: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=SHANGHAI)


def test_the_package_has_2026s_official_arrangement() -> None:
    assert 2026 in official_years()
    national_day = [date(2026, 10, d) for d in range(1, 8)]
    assert not any(HOURS.is_working_day(d) for d in national_day)
    assert HOURS.is_working_day(date(2026, 10, 10))  # Saturday, worked for National Day
    assert HOURS.is_working_day(date(2026, 9, 20))  # Sunday, worked too
    assert not HOURS.is_working_day(date(2026, 9, 25))  # Mid-Autumn, a Friday
    assert not HOURS.is_working_day(date(2026, 10, 11))  # an ordinary Sunday


@pytest.mark.usefixtures("city")
@pytest.mark.parametrize(("deadline", "days"), [("2026-10-08", 1), ("2026-10-09", 2)])
def test_a_collection_request_made_on_30_september_is_due_no_earlier_than_9_october(
        db: Session, deadline: str, days: int) -> None:
    now, due = at("2026-09-30", "10:00"), date.fromisoformat(deadline)
    assert working_days_until(due, HOURS, now) == days  # National Day's week skipped
    ask = Ask("RENTAL_CHECK", ["rooftop_solar_2026"], ["330302001001001"], deadline=due)
    request = declare(db, get_department(db, "ZJJ"), "test", ask, HOURS, now=now)
    assert request.status == "refused"  # no dataset to keep it: only the notice differs
    assert ("2 working days" in request.answer["refusal"]) == (days < 2)


def test_an_sla_that_spans_national_day_ends_on_the_right_working_hour() -> None:
    category = IssueCategory(response_hours=2, resolve_hours=24)
    reported = at("2026-09-30", "16:00")  # 1.5 working hours left that Wednesday
    response, resolution = due_dates(category, reported, HOURS)
    assert response == at("2026-10-08", "09:00")  # the holiday week skipped
    # 1.5 + 7 (Thu 8th) + 7 (Fri 9th) + 7 (Sat 10th, a working day) + 1.5 on Monday 12th
    assert resolution == at("2026-10-12", "10:00")
    assert resolution.tzinfo is SHANGHAI


def test_working_time_counts_only_periods_of_working_days() -> None:
    assert HOURS.after_working(at("2026-11-23", "11:00"), timedelta(hours=2)) == at(
        "2026-11-23", "15:00")  # the lunch break does not count
    assert HOURS.after_working(at("2026-11-23", "17:00"), timedelta(minutes=30)) == at(
        "2026-11-23", "17:30")  # due at the end of the day, not the next morning
    assert HOURS.next_start(at("2026-09-30", "18:00")) == at("2026-10-08", "08:30")
    assert HOURS.next_start(datetime(2026, 11, 23, 1, 0, tzinfo=UTC)) == datetime(
        2026, 11, 23, 1, 0, tzinfo=UTC)


def test_the_citys_file_adds_days_off_and_working_days(tmp_path: Path) -> None:
    path = tmp_path / "local-days.csv"
    path.write_text("date,kind,name\n2026-11-24,off,畲族三月三\n2027-01-02,work,调休上班\n",
                    "utf-8")
    settings = Settings.from_env(REQUIRED | {"ONEGRID_LOCAL_CALENDAR": str(path)})
    hours = settings.working_hours
    assert hours.local == LocalDays(off=frozenset({date(2026, 11, 24)}),
                                    work=frozenset({date(2027, 1, 2)}))
    assert not hours.is_working_day(date(2026, 11, 24))  # a Tuesday, off in this city
    assert hours.working_days(date(2026, 11, 23), date(2026, 11, 26)) == 2
    assert hours.next_start(at("2026-11-23", "18:00")) == at("2026-11-25", "08:30")
    assert hours.is_working_day(date(2027, 1, 2))  # a Saturday the city says is worked


def test_a_year_the_package_lacks_falls_back_to_the_working_weekdays() -> None:
    beyond = official_years().stop
    monday = date(beyond, 1, 1) + timedelta(days=-date(beyond, 1, 1).weekday() + 7)
    assert HOURS.is_working_day(monday)
    assert not HOURS.is_working_day(monday + timedelta(days=5))


@pytest.mark.parametrize(("content", "fault"), [
    ("day,kind\n2026-11-24,off\n", "the first line must name the columns"),
    ("date,kind,name\n2026-11-24,holiday,x\n", "line 2: kind must be off or work"),
    ("date,kind,name\n2026-11-24,off,x\n24/11/2026,off,y\n", "line 3: the date must read"),
    ("date,kind\n2026-11-24,off\n2026-11-24,work\n", "2026-11-24 is listed both"),
])
def test_a_bad_local_file_is_a_configuration_error_naming_the_line(
        tmp_path: Path, content: str, fault: str) -> None:
    path = tmp_path / "days.csv"
    path.write_text(content, "utf-8")
    with pytest.raises(ConfigurationError, match=f"^ONEGRID_LOCAL_CALENDAR=.*{fault}"):
        Settings.from_env(REQUIRED | {"ONEGRID_LOCAL_CALENDAR": str(path)})
    with pytest.raises(ValueError, match="cannot read it"):
        read_local_days(str(tmp_path / "missing.csv"))
