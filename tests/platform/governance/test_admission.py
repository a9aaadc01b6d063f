"""The admission list, working hours and the burden ledger."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from onegrid.platform.errors import InvalidInputError
from onegrid.platform.governance.admission import is_admitted, push_task, tasks_for_worker
from onegrid.platform.governance.ledger import burden_totals, record_burden
from onegrid.platform.governance.working_time import WorkingHours, parse_periods, parse_weekdays
from onegrid.platform.store.models import User
from tests.places import spot

SHANGHAI_MONDAY_0700 = datetime(2026, 11, 23, 23, 0, tzinfo=UTC)  # Tue 07:00 in Shanghai
HOURS = WorkingHours()


def test_working_hours_default_to_the_two_periods_of_a_weekday_in_shanghai() -> None:
    assert HOURS.is_working(datetime(2026, 11, 23, 1, 0, tzinfo=UTC))  # Mon 09:00
    assert not HOURS.is_working(datetime(2026, 11, 23, 4, 30, tzinfo=UTC))  # Mon 12:30
    assert HOURS.next_start(datetime(2026, 11, 23, 4, 30, tzinfo=UTC)) == datetime(
        2026, 11, 23, 6, 0, tzinfo=UTC)  # 14:00
    friday_evening = datetime(2026, 11, 27, 11, 0, tzinfo=UTC)  # Fri 19:00
    assert HOURS.next_start(friday_evening) == datetime(2026, 11, 30, 0, 30, tzinfo=UTC)


def test_working_hours_are_configurable() -> None:
    hours = WorkingHours(parse_periods("09:00-18:00"), parse_weekdays("1-6"))
    assert hours.is_working(datetime(2026, 11, 28, 2, 0, tzinfo=UTC))  # Saturday 10:00


@pytest.mark.usefixtures("city")
def test_an_admitted_task_waits_for_the_next_working_period(db) -> None:
    here = spot(db, 13)
    staff = db.scalars(select(User).where(User.username == "mzj1")).one()
    worker = db.scalars(select(User).where(User.username == here.worker)).one()
    decision = push_task(db, department_code="MZJ", task_type="POP_VISIT",
                         area_code=here.grid_code, title="探访独居老人", detail="",
                         actor=staff.username, user_id=staff.id,
                         hours=HOURS, now=SHANGHAI_MONDAY_0700)
    assert decision.task is not None, decision.refusal
    assert decision.task.release_at == datetime(2026, 11, 24, 0, 30, tzinfo=UTC)
    assert tasks_for_worker(db, worker, now=SHANGHAI_MONDAY_0700) == []
    assert tasks_for_worker(db, worker, now=decision.task.release_at) == [decision.task]


@pytest.mark.usefixtures("city")
def test_a_task_type_not_on_the_list_is_refused_and_lands_in_the_ledger(db) -> None:
    here = spot(db, 14)
    staff = db.scalars(select(User).where(User.username == "scjg1")).one()
    before = burden_totals(db)["task_refused_admission"]
    decision = push_task(db, department_code="SCJG", task_type="FORM_STATS",
                         area_code=here.grid_code, title="填报季度报表", detail="",
                         actor=staff.username, user_id=staff.id,
                         hours=HOURS)
    assert decision.task is None and "not on the admission list" in decision.refusal
    assert burden_totals(db)["task_refused_admission"] == before + 1
    assert is_admitted(db, "RENTAL_CHECK") and not is_admitted(db, "FORM_STATS")


@pytest.mark.usefixtures("city")
def test_the_ledger_names_the_department_and_rejects_unknown_kinds(db) -> None:
    event = record_burden(db, "form_avoided", "GAJ", {"dataset": "population"})
    assert event.department_id is not None
    with pytest.raises(InvalidInputError):
        record_burden(db, "typo", None, {})
