"""The report-at-most-once gate: existing fields refused, one shared form, admission, notice."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from onegrid.platform.governance.ledger import burden_totals
from onegrid.platform.governance.working_time import WorkingHours
from onegrid.platform.sharing.collection import working_days_until
from onegrid.platform.store.models import TraceEntry

FAR = "2099-01-05"


def _ask(client, token, department: str, fields: list[str], task_type: str = "RENTAL_CHECK",
         deadline: str = FAR):
    return client.post("/api/v1/collection-requests", headers=token(department), json={
        "task_type": task_type, "fields": fields, "grid_codes": ["330302001001001"],
        "deadline": deadline})


def test_fields_that_exist_are_refused_with_where_to_pull_them(client, db: Session, catalog,
                                                              token) -> None:
    before = burden_totals(db)
    answer = _ask(client, token, "ZJJ", ["employees", "phone"]).json
    assert answer["status"] == "answered" and answer["collection_tasks"] == {}
    assert {"dataset": "market.business", "sharing_class": "unconditional",
            "api": "/api/v1/datasets/market.business/records"} in \
        answer["already_available"]["employees"]
    after = burden_totals(db)
    assert after["request_answered_from_shared_data"] == \
        before["request_answered_from_shared_data"] + 1
    assert after["form_avoided"] == before["form_avoided"] + 1


def test_one_form_serves_every_department_asking_for_a_field(client, db: Session, catalog,
                                                            token) -> None:
    first = _ask(client, token, "ZJJ", ["rooftop_solar", "employees"]).json
    assert first["status"] == "accepted" and list(first["already_available"]) == ["employees"]
    before = burden_totals(db)["form_avoided"]
    second = _ask(client, token, "STHJ", ["rooftop_solar"]).json
    assert second["collection_tasks"] == first["collection_tasks"]  # the same task: 一表通
    assert burden_totals(db)["form_avoided"] == before + 1


def test_a_task_type_off_the_admission_list_is_refused(client, db: Session, catalog,
                                                      token) -> None:
    before = burden_totals(db)["task_refused_admission"]
    answer = _ask(client, token, "ZJJ", ["rooftop_solar"], task_type="SELFIE_CHECKIN").json
    assert answer["status"] == "refused" and "admission list" in answer["refusal"]
    assert burden_totals(db)["task_refused_admission"] == before + 1


def test_less_than_two_working_days_notice_is_refused(client, catalog, token) -> None:
    answer = _ask(client, token, "ZJJ", ["rooftop_solar"], deadline=date.today().isoformat()).json
    assert answer["status"] == "refused" and "2 working days" in answer["refusal"]


def test_working_days_skip_the_weekend() -> None:
    friday = datetime(2026, 11, 20, 10, tzinfo=UTC)
    hours = WorkingHours()
    assert working_days_until(date(2026, 11, 23), hours, friday) == 1  # Monday
    assert working_days_until(date(2026, 11, 24), hours, friday) == 2


def test_the_request_and_answer_are_in_the_trace(client, db: Session, catalog, token) -> None:
    _ask(client, token, "ZJJ", ["employees"])
    entry = db.scalars(select(TraceEntry).order_by(TraceEntry.seq.desc()).limit(1)).one()
    assert entry.action == "collection.answered" and entry.actor == "dept:ZJJ"


def test_text_the_store_cannot_keep_is_refused_as_invalid_input(client, catalog, token) -> None:
    """PostgreSQL text holds no NUL character: a request carrying one is a 400, not a 500."""
    for fields, grids in ((["rooms\x00"], ["330302001001001"]), (["rooms"], ["3303\x00"])):
        answer = client.post("/api/v1/collection-requests", headers=token("ZJJ"), json={
            "task_type": "RENTAL_CHECK", "fields": fields, "grid_codes": grids,
            "deadline": FAR})
        assert answer.status_code == 400, answer.json
        assert "NUL" in answer.json["detail"]
