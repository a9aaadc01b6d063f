"""The collection loop end to end, over HTTP and in headless chromium at 360×740: a department
asks for a field shared data lacks; the gate makes it a task; the grid worker of the area sees it
on /grid, fills it offline and it is sent when the connection returns; the answer is a record of
the asker's dataset; the next department asking for that field is answered from it (with the
grant to request, then readable once granted). Each decision is in the trace and the ledger."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
import uuid
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from onegrid.platform.sharing.catalog import register
from onegrid.platform.sharing.tokens import create_token
from onegrid.platform.store.models import (
    BurdenEvent,
    CollectionSubmission,
    CollectionTask,
    Record,
    TraceEntry,
)
from tests.e2e.browser import phone  # noqa: F401  (fixture)
from tests.e2e.test_grid_worker import _sign_in
from tests.liveserver import live_servers, live_url  # noqa: F401  (fixtures)
from tests.places import spot

pytestmark = pytest.mark.slow


def _call(url: str, token: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}",
                                                   "Content-Type": "application/json"},
                                     data=json.dumps(body).encode() if body else None)
    with urllib.request.urlopen(request, timeout=10) as response:
        answer: dict[str, Any] = json.load(response)
        return answer


def _setup(engine) -> tuple[str, dict[str, str]]:
    """A conditional dataset of ZJJ's that holds the field to collect, and tokens."""
    dataset = f"t{uuid.uuid4().hex[:10]}.rooftop"
    with Session(engine) as session:
        register(session, {
            "id": dataset, "title": "屋顶光伏摸排", "owner": "ZJJ", "subject_key": "address_code",
            "geometry": "Point", "sharing": "conditional",
            "schema": {"type": "object", "properties": {
                "rooftop_solar": {"type": "integer", "minimum": 0}}}})
        tokens = {code: create_token(session, code, label="e2e")[1] for code in ("ZJJ", "STHJ")}
        session.commit()
    return dataset, tokens


def test_a_missing_field_is_collected_offline_on_grid_and_answers_the_next_request(
        phone, live_url, engine) -> None:  # noqa: F811
    context, escaped = phone
    dataset, tokens = _setup(engine)
    with Session(engine) as session:
        here = spot(session, 24)
    api = f"{live_url}/api/v1"
    ask = {"task_type": "RENTAL_CHECK", "fields": ["rooftop_solar"],
           "grid_codes": [here.grid_code], "working_days": 3}
    first = _call(f"{api}/collection-requests", tokens["ZJJ"], ask | {"dataset": dataset})
    assert first["status"] == "accepted" and first["missing"] == {"rooftop_solar":
                                                                  [here.grid_code]}
    [task_id] = first["collection_tasks"]["rooftop_solar"]

    page = context.new_page()
    _sign_in(page, live_url, here.worker)
    task_form = page.locator(f"form.collect[data-task='{task_id}']")
    expect(task_form).to_be_visible()
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    context.set_offline(True)
    page.reload()  # the service worker serves the page, with the task, without a connection
    task_form.locator("input[name=subject]").fill("ADDR-E2E-1")
    task_form.locator("input[name='f.rooftop_solar']").fill("4")
    task_form.locator("button[type=submit]").click()
    expect(page.locator("#outbox")).to_contain_text("离线", timeout=5_000)
    with Session(engine) as session:
        assert session.scalars(select(CollectionSubmission)
                               .where(CollectionSubmission.task_id == task_id)).all() == []
    context.set_offline(False)
    expect(task_form).to_have_count(0, timeout=15_000)  # sent, and the area is answered

    with Session(engine) as session:
        [done] = session.scalars(select(CollectionSubmission)
                                 .where(CollectionSubmission.task_id == task_id)).all()
        record = session.get_one(Record, done.record_id)
        assert record.dataset_id == dataset and record.attributes == {"rooftop_solar": 4}
        assert record.sources["1"]["by"] == f"user:{here.worker}"
        task = session.get_one(CollectionTask, task_id)
        assert (task.status, task.end_reason) == ("ended", "answered")

    again = ask | {"subject": "address_code"}
    answered = _call(f"{api}/collection-requests", tokens["STHJ"], again)
    assert answered["status"] == "answered" and answered["collection_tasks"] == {}
    [source] = answered["available"]["rooftop_solar"]
    assert source["dataset"] == dataset and source["access"] == "grant_required"
    grant = source["grant_request"]["body"] | {"purpose": "屋顶光伏普查",
                                               "expires_at": "2099-01-01T00:00:00+08:00"}
    asked = _call(f"{live_url}{source['grant_request']['path']}", tokens["STHJ"], grant)
    _call(f"{api}/grant-requests/{asked['id']}/approve", tokens["ZJJ"], {"reason": "依规"})
    readable = _call(f"{api}/collection-requests", tokens["STHJ"], again)
    [source] = readable["available"]["rooftop_solar"]
    assert source["access"] == "readable"
    purpose = urllib.parse.quote("屋顶光伏普查")
    pulled = _call(f"{live_url}{source['pull'][0]}&purpose={purpose}", tokens["STHJ"])
    assert [f["properties"]["rooftop_solar"] for f in pulled["features"]] == [4]

    with Session(engine) as session:
        actions = session.scalars(select(TraceEntry.action).where(
            TraceEntry.target == f"collection-task:{task_id}").order_by(TraceEntry.seq)).all()
        assert actions == ["collection.task_created", "collection.submitted",
                           "collection.task_ended"]
        kinds = session.scalars(select(BurdenEvent.kind).where(
            BurdenEvent.detail["collection_task"].as_integer() == task_id)
            .order_by(BurdenEvent.id)).all()
        assert kinds == ["collection_task_created", "collection_submitted",
                         "collection_task_ended"]
        gate = session.scalars(select(TraceEntry.action).where(
            TraceEntry.target.like("collection-request:%"), TraceEntry.actor.in_(
                ["dept:ZJJ", "dept:STHJ"])).order_by(TraceEntry.seq.desc()).limit(3)).all()
        assert gate == ["collection.answered", "collection.answered", "collection.accepted"]
        gate_ledger = session.scalars(select(BurdenEvent.detail["status"].as_string()).where(
            BurdenEvent.kind == "collection_gate_answered",
            BurdenEvent.detail["request"].as_integer().in_(
                [first["id"], answered["id"], readable["id"]])).order_by(BurdenEvent.id)).all()
        assert gate_ledger == ["accepted", "answered", "answered"]
    assert escaped == []
