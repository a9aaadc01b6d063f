"""Asking: grant requests (approved or denied by the owner) and collection requests."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response

from onegrid.api import store
from onegrid.api.caller import caller
from onegrid.api.decisions import Decision, add_decision_routes, by_department
from onegrid.api.features import json_response
from onegrid.api.params import body_text, instant, json_body
from onegrid.platform.collection.gate import Ask, declare
from onegrid.platform.errors import InvalidInputError
from onegrid.platform.sharing import grants
from onegrid.platform.store.models import CollectionRequest, GrantRequest

bp = Blueprint("requests", __name__, url_prefix="/api/v1")


def _strings(body: dict[str, Any], name: str) -> list[str]:
    value = body.get(name)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInputError(f"{name} must be a list of strings")
    return value


def _grant_request(req: GrantRequest) -> dict[str, Any]:
    return {"id": req.id, "dataset": req.dataset_id, "status": req.status,
            "purpose": req.purpose, "fields": req.fields,
            "personal_information": req.personal_information, "expires_at": req.expires_at,
            "decided_by": req.decided_by, "decided_at": req.decided_at, "reason": req.reason}


@bp.get("/grant-requests")
def list_grant_requests() -> Response:
    """Requests made or to decide.
    ---
    get:
      tags: [grants]
      summary: The caller's requests and those it must decide as owner
      responses:
        '200': {description: newest first, json: GrantRequestList}
      problems: [401, 403]
    """
    found = grants.requests_for(store.session(), caller().department)
    return json_response({"grant_requests": [_grant_request(r) for r in found]})


@bp.post("/grant-requests")
def create_grant_request() -> Response:
    """Ask for a conditional dataset.
    ---
    post:
      tags: [grants]
      summary: Ask the owner for fields of a conditional dataset, with a purpose and an expiry
      requestBody: {json: GrantRequestIn, required: true}
      responses:
        '201':
          description: the pending request
          json: GrantRequest
          links:
            approve:
              operationId: post_requests.approve
              parameters: {request_id: '$response.body#/id'}
            deny:
              operationId: post_requests.deny
              parameters: {request_id: '$response.body#/id'}
      problems: [400, 401, 403, 404, 413]
    """
    who, body = caller(), json_body()
    with store.unit_of_work() as db:
        req = grants.request_grant(
            db, who.department, who.actor, dataset_id=body_text(body, "dataset"),
            purpose=body_text(body, "purpose"), fields=_strings(body, "fields"),
            expires_at=instant(body_text(body, "expires_at"), "expires_at"),
            personal_information=body.get("personal_information") is True)
    return json_response(_grant_request(req), status=201)


add_decision_routes(bp, Decision(
    "/grant-requests/<int:request_id>", ("approve", "deny"), "grants",
    "{verb} a grant request (only the dataset's owner department may)", "GrantRequest"),
    by_department(grants.decide, _grant_request))


def _collection(req: CollectionRequest) -> dict[str, Any]:
    return {"id": req.id, "status": req.status, "task_type": req.task_type,
            "fields": req.fields, "grid_codes": req.grid_codes, "deadline": req.deadline,
            **req.answer}


def _optional_text(body: dict[str, Any], name: str) -> str | None:
    return body_text(body, name) if body.get(name) is not None else None


def _ask(body: dict[str, Any]) -> Ask:
    deadline, days = _optional_text(body, "deadline"), body.get("working_days")
    if days is not None and (not isinstance(days, int) or isinstance(days, bool)):
        raise InvalidInputError("working_days must be a whole number")
    try:
        day = date.fromisoformat(deadline) if deadline else None
    except ValueError:
        raise InvalidInputError("deadline must be a date, e.g. 2026-12-01") from None
    return Ask(body_text(body, "task_type"), _strings(body, "fields"),
               _strings(body, "grid_codes"), deadline=day, working_days=days,
               dataset=_optional_text(body, "dataset"), subject=_optional_text(body, "subject"))


@bp.post("/collection-requests")
def create_collection_request() -> Response:
    """Ask the grassroots for data, through the report-at-most-once gate.
    ---
    post:
      tags: [collection]
      summary: Declare fields to collect; what shared data holds is answered, the rest is a task
      description: >
        A field exists in an area when a dataset holds it with the same meaning (the office's
        synonyms and the field's type, about the same kind of subject), the caller reads it or
        may ask its owner for a grant, and records with it lie in that area. `available` says
        per field where and how to pull it (and the grant to request); `missing` lists the
        areas where it exists nowhere, which become collection tasks for the grid workers
        there (`collection_tasks`), kept in the caller's `dataset`.
      requestBody: {json: CollectionRequestIn, required: true}
      responses:
        '201': {description: 'the answer, field by field', json: CollectionRequest}
      problems: [400, 401, 403, 413]
    """
    who = caller()
    ask = _ask(json_body())
    with store.unit_of_work() as db:
        req = declare(db, who.department, who.actor, ask, store.settings().working_hours)
    return json_response(_collection(req), status=201)
