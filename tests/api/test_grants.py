"""Grants: 401/403 as problem+json saying how to ask, exactly the granted fields, expiry."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import yaml
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from onegrid.demo.datasets import SPECS
from onegrid.platform.sharing.catalog import register
from onegrid.platform.sharing.tokens import revoke_token
from onegrid.platform.store.models import TraceEntry

RESIDENTS = "/api/v1/datasets/population.resident/records"
PURPOSE = {"X-Purpose": "养老服务对象核查"}


def test_no_token_is_a_401_problem_saying_what_to_send(client, shared) -> None:
    response = client.get("/api/v1/datasets")
    assert response.status_code == 401 and response.mimetype == "application/problem+json"
    assert "Bearer" in response.headers["WWW-Authenticate"]
    assert "Authorization: Bearer" in response.json["detail"]


def test_a_revoked_or_unknown_token_is_a_401(client, db: Session, shared, token) -> None:
    assert client.get("/api/v1/datasets", headers={"Authorization": "Bearer og_x"}
                      ).status_code == 401
    headers = token("MZJ")
    assert client.get("/api/v1/datasets", headers=headers).status_code == 200
    revoke_token(db, db.scalar(text("SELECT max(id) FROM api_token")), "test")
    db.flush()
    assert client.get("/api/v1/datasets", headers=headers).status_code == 401


def test_without_a_grant_a_conditional_dataset_is_403_saying_how_to_ask(client, shared,
                                                                      token) -> None:
    response = client.get(RESIDENTS, headers=token("MZJ", **PURPOSE))
    assert response.status_code == 403 and response.mimetype == "application/problem+json"
    assert "POST /api/v1/grant-requests" in response.json["detail"]
    entry = client.get("/api/v1/datasets/population.resident", headers=token("MZJ")).json
    assert entry["access"]["readable"] is False
    assert "grant-requests" in entry["access"]["how_to_get_access"]


def test_a_conditional_grant_gives_exactly_the_granted_fields(client, shared, token,
                                                             grant) -> None:
    grant("MZJ", "GAJ", "population.resident", ["gender", "birth_year", "name"])
    response = client.get(RESIDENTS, headers=token("MZJ", **PURPOSE))
    assert response.status_code == 200
    (feature,) = response.json["features"]
    attributes = {k for k in feature["properties"]
                  if k not in ("subject_key", "subject_kind", "grid", "version", "reports",
                               "occurred_at", "updated_at", "provenance")}
    assert attributes == {"gender", "birth_year", "name"}
    assert feature["properties"]["name"] == "张*"  # personal information stays masked
    assert set(feature["properties"]["provenance"]) == attributes
    # where and who the person is come only when the grant names them (test_personal_data)
    assert feature["properties"]["subject_key"] is None and feature["geometry"] is None


def test_a_grant_for_personal_information_shows_it_in_the_clear(client, shared, token,
                                                               grant) -> None:
    grant("MZJ", "GAJ", "population.resident", ["name"], personal_information=True)
    (feature,) = client.get(RESIDENTS, headers=token("MZJ", **PURPOSE)).json["features"]
    assert feature["properties"]["name"] == "张伟"


def test_after_expiry_it_is_403_again(client, shared, token, grant) -> None:
    # The view a pull rests on is believed a few seconds, never past its grant's expiry.
    expires = datetime.now(UTC) + timedelta(seconds=2)
    grant("MZJ", "GAJ", "population.resident", ["gender"], expires_at=expires.isoformat())
    assert client.get(RESIDENTS, headers=token("MZJ", **PURPOSE)).status_code == 200
    time.sleep(max(0.0, (expires - datetime.now(UTC)).total_seconds()) + 0.1)
    assert client.get(RESIDENTS, headers=token("MZJ", **PURPOSE)).status_code == 403


def test_a_denied_request_grants_nothing(client, shared, token, grant) -> None:
    assert grant("MZJ", "GAJ", "population.resident", ["gender"], approve=False)["status"] \
        == "denied"
    assert client.get(RESIDENTS, headers=token("MZJ", **PURPOSE)).status_code == 403


def test_only_the_owner_decides_and_only_once(client, shared, token) -> None:
    asked = client.post("/api/v1/grant-requests", headers=token("MZJ"), json={
        "dataset": "population.resident", "purpose": "核查", "fields": ["gender"],
        "expires_at": "2099-01-01T00:00:00Z"}).json
    url = f"/api/v1/grant-requests/{asked['id']}/approve"
    assert client.post(url, headers=token("SCJG")).status_code == 403
    assert client.post(url, headers=token("GAJ")).status_code == 200
    assert client.post(url, headers=token("GAJ")).status_code == 409


def test_conditional_pulls_need_a_purpose(client, shared, token, grant) -> None:
    grant("MZJ", "GAJ", "population.resident", ["gender"])
    response = client.get(RESIDENTS, headers=token("MZJ"))
    assert response.status_code == 400 and "X-Purpose" in response.json["detail"]
    assert client.get(RESIDENTS + "?purpose=核查", headers=token("MZJ")).status_code == 200


def test_unconditional_data_is_open_to_all_with_personal_fields_masked(client, shared,
                                                                      token) -> None:
    (feature,) = client.get("/api/v1/datasets/market.business/records",
                            headers=token("MZJ")).json["features"]
    assert feature["properties"]["legal_person"] == "张*"
    assert feature["properties"]["employees"] == 12


def test_requests_decisions_and_pulls_are_in_the_trace(client, db: Session, shared, token,
                                                      grant) -> None:
    grant("MZJ", "GAJ", "population.resident", ["gender"])
    client.get(RESIDENTS, headers=token("MZJ", **PURPOSE))
    entries = db.scalars(select(TraceEntry).order_by(TraceEntry.seq.desc()).limit(3)).all()
    pull, approved, asked = entries
    assert (asked.action, approved.action, pull.action) == (
        "grant.requested", "grant.approved", "data.pull")
    assert pull.actor == "dept:MZJ" and pull.detail["purpose"] == "养老服务对象核查"
    assert pull.detail["rows"] == 1 and pull.target == "dataset:population.resident"


def test_a_decision_or_registration_holds_at_once_in_the_process_that_made_it(
        client, db: Session, shared, token, grant) -> None:
    # Views are believed a few seconds; whoever changes what they rest on forgets them.
    grant("MZJ", "GAJ", "population.resident", ["gender"])
    (feature,) = client.get(RESIDENTS, headers=token("MZJ", **PURPOSE)).json["features"]
    assert "birth_year" not in feature["properties"]
    grant("MZJ", "GAJ", "population.resident", ["birth_year"])
    (feature,) = client.get(RESIDENTS, headers=token("MZJ", **PURPOSE)).json["features"]
    assert feature["properties"]["birth_year"] == 1980

    businesses = "/api/v1/datasets/market.business/records"
    assert client.get(businesses, headers=token("MZJ")).status_code == 200
    spec = yaml.safe_load(SPECS.joinpath("market.business.yaml").read_text("utf-8"))
    register(db, {**spec, "sharing": "not_shared"})
    db.flush()
    assert client.get(businesses, headers=token("MZJ")).status_code == 403
