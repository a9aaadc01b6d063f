"""The collection gate and loop through the API and the grid page: a field exists only with the
same meaning, readable or grantable, with records in the area; the rest becomes one task per
(dataset, field, area) whose answers become records that answer the next request."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onegrid.platform.burden.synonyms import Synonym, set_synonyms
from onegrid.platform.collection.gate import working_days_until
from onegrid.platform.collection.tasks import end_overdue
from onegrid.platform.governance.ledger import burden_totals
from onegrid.platform.governance.working_time import WorkingHours
from onegrid.platform.sharing.catalog import register
from onegrid.platform.store.models import (
    Area,
    CollectionTask,
    Record,
    TraceEntry,
    User,
)
from tests.api.test_grid_pages import _csrf, _post, _sign_in
from tests.ingest.conftest import contribution
from tests.places import spot

FAR = "2099-01-05"
SOLAR = {"id": "housing.rooftop", "title": "屋顶光伏摸排", "owner": "ZJJ",
         "subject_key": "address_code", "geometry": "Point", "sharing": "unconditional",
         "schema": {"type": "object", "additionalProperties": False, "properties": {
             "address": {"type": "string"}, "rooftop_solar": {"type": "integer", "minimum": 0},
             "roof_type": {"enum": ["平顶", "坡顶"]}}}}


@pytest.fixture
def grid_code(db: Session, shared) -> str:
    """The grid the shared fixture's records lie in."""
    return db.scalars(select(Area.code).join(Record, Record.grid_id == Area.id)
                      .where(Record.dataset_id == "market.business").limit(1)).one()


@pytest.fixture
def rooftop(db: Session, catalog) -> str:
    register(db, SOLAR)
    db.flush()
    return str(SOLAR["id"])


def _ask(client, token, department: str, fields: list[str], grids: list[str],
         **extra) -> dict:
    body = {"task_type": "RENTAL_CHECK", "fields": fields, "grid_codes": grids,
            "deadline": FAR} | extra
    answer = client.post("/api/v1/collection-requests", headers=token(department), json=body)
    assert answer.status_code == 201, answer.json
    return answer.json


def test_a_readable_field_with_records_in_the_area_is_answered_with_where_to_pull_it(
        client, db: Session, token, grid_code) -> None:
    before = burden_totals(db)
    answer = _ask(client, token, "ZJJ", ["employees"], [grid_code])
    assert answer["status"] == "answered" and answer["missing"] == {}
    [source] = answer["available"]["employees"]
    assert source["dataset"] == "market.business" and source["access"] == "readable"
    assert source["pull"] == [f"/api/v1/datasets/market.business/records?grid={grid_code}"]
    after = burden_totals(db)
    for kind in ("request_answered_from_shared_data", "form_avoided",
                 "collection_gate_answered"):
        assert after[kind] == before[kind] + 1


def test_a_field_of_another_subject_is_not_the_same_field(client, token, grid_code) -> None:
    """Businesses have a phone: that does not answer a request for residents' phones."""
    answer = _ask(client, token, "ZJJ", ["phone"], [grid_code], subject="resident_id")
    [source] = answer["available"]["phone"]
    assert source["dataset"] == "population.resident"
    assert source["access"] == "grant_required"  # conditional: the answer says what to ask
    assert source["grant_request"]["body"]["dataset"] == "population.resident"
    assert source["grant_request"]["path"] == "/api/v1/grant-requests"
    rooms = _ask(client, token, "ZJJ", ["phone"], [grid_code], subject="address_code")
    assert rooms["status"] == "accepted" or rooms["missing"] == {"phone": [grid_code]}


def test_a_granted_reader_is_told_the_field_is_readable(client, token, grid_code,
                                                       grant) -> None:
    grant("ZJJ", "GAJ", "population.resident", ["phone"])
    answer = _ask(client, token, "ZJJ", ["phone"], [grid_code], subject="resident_id")
    assert answer["available"]["phone"][0]["access"] == "readable"


def test_no_records_in_the_area_is_no_answer(client, db: Session, token, grid_code) -> None:
    elsewhere = db.scalars(select(Area.code).where(Area.level == "grid", Area.code != grid_code)
                           .order_by(Area.code.desc()).limit(1)).one()
    answer = _ask(client, token, "ZJJ", ["employees"], [grid_code, elsewhere],
                  subject="credit_code")
    assert answer["available"]["employees"][0]["areas"] == [grid_code]
    assert answer["missing"] == {"employees": [elsewhere]}


def test_synonyms_and_types_decide_the_meaning(client, db: Session, token, grid_code) -> None:
    set_synonyms(db, [Synonym("phone", "联系电话", "string")], "office")
    answer = _ask(client, token, "ZJJ", ["联系电话"], [grid_code], subject="credit_code")
    assert answer["available"]["联系电话"][0]["field"] == "phone"
    set_synonyms(db, [Synonym("phone", "联系电话", "integer")], "office")
    answer = _ask(client, token, "ZJJ", ["联系电话"], [grid_code], subject="credit_code")
    assert answer["available"] == {} and answer["missing"] == {"联系电话": [grid_code]}


def test_a_missing_field_becomes_one_task_that_others_join(client, db: Session, token,
                                                          grid_code, rooftop, write) -> None:
    write(contribution(dataset="housing.rental", department="ZJJ", subject_key="ADDR-9",
                       record_id="h-1", address="鹿城区示例路1号", tenants=2))
    before = burden_totals(db)
    first = _ask(client, token, "ZJJ", ["rooftop_solar", "tenants"], [grid_code],
                 dataset=rooftop, working_days=5, deadline=None)
    assert first["status"] == "accepted" and list(first["available"]) == ["tenants"]
    [task_id] = first["collection_tasks"]["rooftop_solar"]
    task = db.get_one(CollectionTask, task_id)
    assert task.fields == ["rooftop_solar"] and task.dataset_id == rooftop
    assert task.status == "open"
    assert working_days_until(task.deadline, WorkingHours(), datetime.now(UTC)) == 5
    second = _ask(client, token, "ZJJ", ["rooftop_solar"], [grid_code], dataset=rooftop)
    assert second["collection_tasks"] == {"rooftop_solar": [task_id]}  # one task, not two
    after = burden_totals(db)
    assert after["collection_task_created"] == before["collection_task_created"] + 1
    # other tests' live servers commit tasks of their own datasets: count this dataset's
    assert db.scalar(select(func.count()).select_from(CollectionTask)
                     .where(CollectionTask.dataset_id == rooftop)) == 1


def test_a_missing_field_needs_a_dataset_of_the_askers_that_holds_it(client, token,
                                                                    grid_code, rooftop) -> None:
    for extra, said in (({}, "name your department's dataset"),
                        ({"dataset": "housing.rental"}, "has no field meaning rooftop_solar")):
        answer = _ask(client, token, "ZJJ", ["rooftop_solar"], [grid_code], **extra)
        assert answer["status"] == "refused" and said in answer["refusal"]
        assert answer["missing"] == {"rooftop_solar": [grid_code]}
    answer = client.post("/api/v1/collection-requests", headers=token("ZJJ"), json={
        "task_type": "RENTAL_CHECK", "fields": ["rooftop_solar"], "grid_codes": [grid_code],
        "deadline": FAR, "dataset": "market.business"})
    assert answer.status_code == 400
    assert "not one of your department's" in answer.json["detail"]


def test_a_task_type_off_the_admission_list_is_refused(client, db: Session, token, grid_code,
                                                      rooftop) -> None:
    before = burden_totals(db)["task_refused_admission"]
    answer = _ask(client, token, "ZJJ", ["rooftop_solar"], [grid_code], dataset=rooftop,
                  task_type="SELFIE_CHECKIN")
    assert answer["status"] == "refused" and "admission list" in answer["refusal"]
    assert burden_totals(db)["task_refused_admission"] == before + 1


def test_less_than_two_working_days_notice_is_refused(client, token, grid_code,
                                                      rooftop) -> None:
    answer = _ask(client, token, "ZJJ", ["rooftop_solar"], [grid_code], dataset=rooftop,
                  deadline=date.today().isoformat())
    assert answer["status"] == "refused" and "2 working days" in answer["refusal"]


def test_working_days_skip_the_weekend() -> None:
    friday = datetime(2026, 11, 20, 10, tzinfo=UTC)
    hours = WorkingHours()
    assert working_days_until(date(2026, 11, 23), hours, friday) == 1  # Monday
    assert working_days_until(date(2026, 11, 24), hours, friday) == 2


def test_the_request_and_answer_are_in_the_trace(client, db: Session, token, grid_code) -> None:
    _ask(client, token, "ZJJ", ["employees"], [grid_code])
    entry = db.scalars(select(TraceEntry).order_by(TraceEntry.seq.desc()).limit(1)).one()
    assert entry.action == "collection.answered" and entry.actor == "dept:ZJJ"


def _submit(client, task_id: int, subject: str, **values: str):
    data = {"client_id": str(uuid.uuid4()), "subject": subject,
            **{f"f.{k}": v for k, v in values.items()}}
    return _post(client, f"/grid/collection-tasks/{task_id}", data)


def test_a_workers_answer_becomes_a_record_that_answers_the_next_request(
        client, db: Session, token, rooftop) -> None:
    here = spot(db, 40)
    first = _ask(client, token, "ZJJ", ["rooftop_solar"], [here.grid_code], dataset=rooftop)
    [task_id] = first["collection_tasks"]["rooftop_solar"]
    _sign_in(client, here.worker)
    page = client.get("/grid").get_data(as_text=True)
    assert f'data-task="{task_id}"' in page and 'name="f.rooftop_solar"' in page
    assert _submit(client, task_id, "ADDR-1", rooftop_solar="x").status_code == 400
    sent = _submit(client, task_id, "ADDR-1", rooftop_solar="3")
    assert sent.status_code == 201, sent.json
    record = db.get_one(Record, sent.json["record"])
    assert record.attributes == {"rooftop_solar": 3} and record.dataset_id == rooftop
    assert record.sources["1"]["by"] == f"user:{here.worker}"
    assert record.sources["1"]["department"] == "ZJJ"
    task = db.get_one(CollectionTask, task_id)
    assert task.status == "ended" and task.end_reason == "answered"  # its one area answered
    assert f'data-task="{task_id}"' not in client.get("/grid").get_data(as_text=True)
    again = _ask(client, token, "STHJ", ["rooftop_solar"], [here.grid_code],
                 subject="address_code")
    assert again["status"] == "answered"
    assert again["available"]["rooftop_solar"][0]["dataset"] == rooftop
    actions = list(db.scalars(select(TraceEntry.action).where(
        TraceEntry.target == f"collection-task:{task_id}").order_by(TraceEntry.seq)))
    assert actions == ["collection.task_created", "collection.submitted",
                       "collection.task_ended"]


def test_a_retried_answer_is_one_record_and_a_worker_elsewhere_cannot_answer(
        client, db: Session, token, rooftop) -> None:
    here, there = spot(db, 41), spot(db, 42)
    first = _ask(client, token, "ZJJ", ["rooftop_solar"], [here.grid_code], dataset=rooftop)
    [task_id] = first["collection_tasks"]["rooftop_solar"]
    _sign_in(client, there.worker)
    assert _submit(client, task_id, "ADDR-2", rooftop_solar="1").status_code == 404
    _sign_in(client, here.worker)
    data = {"client_id": "retried-1", "subject": "ADDR-2", "f.rooftop_solar": "1"}
    assert _post(client, f"/grid/collection-tasks/{task_id}", data).status_code == 201
    assert _post(client, f"/grid/collection-tasks/{task_id}", data).status_code == 201
    assert db.scalar(select(func.count()).select_from(Record)
                     .where(Record.dataset_id == rooftop)) == 1


def test_a_part_without_a_name_names_no_field(client, db: Session, token, rooftop) -> None:
    here = spot(db, 40)
    first = _ask(client, token, "ZJJ", ["rooftop_solar"], [here.grid_code], dataset=rooftop)
    [task_id] = first["collection_tasks"]["rooftop_solar"]
    _sign_in(client, here.worker)
    fields = {"csrf_token": _csrf(client), "client_id": str(uuid.uuid4()), "subject": "ADDR-3",
              "f.rooftop_solar": "2"}
    parts = [f'--b\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
             for k, v in fields.items()]
    body = "".join(parts) + "--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b--\r\n"
    sent = client.post(f"/grid/collection-tasks/{task_id}", data=body.encode(),
                       content_type="multipart/form-data; boundary=b")
    assert sent.status_code == 201, sent.json
    assert db.get_one(Record, sent.json["record"]).attributes == {"rooftop_solar": 2}


def test_a_task_ends_at_its_deadline(client, db: Session, token, rooftop) -> None:
    here = spot(db, 43)
    first = _ask(client, token, "ZJJ", ["rooftop_solar"], [here.grid_code], dataset=rooftop,
                 deadline="2099-01-05")
    [task_id] = first["collection_tasks"]["rooftop_solar"]
    before = burden_totals(db)["collection_task_ended"]
    assert end_overdue(db, WorkingHours(), datetime(2099, 1, 6, 12, tzinfo=UTC)) == 1
    task = db.get_one(CollectionTask, task_id)
    assert (task.status, task.end_reason) == ("ended", "deadline")
    assert burden_totals(db)["collection_task_ended"] == before + 1
    worker = db.scalars(select(User).where(User.username == here.worker)).one()
    assert worker is not None


def test_text_the_store_cannot_keep_is_refused_as_invalid_input(client, catalog, token) -> None:
    """PostgreSQL text holds no NUL character: a request carrying one is a 400, not a 500."""
    for fields, grids in ((["rooms\x00"], ["330302001001001"]), (["rooms"], ["3303\x00"])):
        answer = client.post("/api/v1/collection-requests", headers=token("ZJJ"), json={
            "task_type": "RENTAL_CHECK", "fields": fields, "grid_codes": grids,
            "deadline": FAR})
        assert answer.status_code == 400, answer.json
        assert "NUL" in answer.json["detail"]
