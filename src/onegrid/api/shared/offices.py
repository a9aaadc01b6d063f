"""The burden-reduction office's registers under /api/v1: apps and work groups, inspection
plans and indicators, burden complaints, and the counts per department. Deciding is the
office's (a department holding burden_office); a department files its own plan and indicators."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from onegrid.api import store
from onegrid.api.caller import Caller, caller
from onegrid.api.decisions import Decision, add_decision_routes
from onegrid.api.features import json_response
from onegrid.api.params import body_text, instant, json_body, number
from onegrid.platform.errors import InvalidInputError
from onegrid.platform.offices import apps, complaints, documents, inspections
from onegrid.platform.offices.inspections import IndicatorIncreaseError
from onegrid.platform.offices.office import require_office
from onegrid.platform.store.models import (
    BurdenComplaint,
    Department,
    InspectionPlan,
    WorkChannel,
)

bp = Blueprint("offices", __name__, url_prefix="/api/v1")


def _office() -> Caller:
    who = caller()
    require_office(store.session(), who.department)
    return who


def _whole(body: dict[str, Any], name: str, low: int = 0) -> int:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= 2**31 - 1:
        raise InvalidInputError(f"{name} is required (a whole number, at least {low})")
    return value


def _texts(body: dict[str, Any], name: str) -> list[str]:
    value = body.get(name)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInputError(f"{name} is required (a list of strings)")
    return value


def _optional(body: dict[str, Any], name: str) -> str:
    value = body.get(name, "")
    if not isinstance(value, str):
        raise InvalidInputError(f"{name} is a string")
    return value


def _channel(row: WorkChannel, idle: timedelta) -> dict[str, Any]:
    return {"id": row.id, "kind": row.kind, "name": row.name, "levels": row.levels,
            "members": row.members, "last_active_at": row.last_active_at,
            "zombie": row.last_active_at <= datetime.now(UTC) - idle,
            "zombie_since": row.zombie_since}


def _idle() -> timedelta:
    return timedelta(days=number("idle_days", apps.ZOMBIE_IDLE_DAYS, 1, 3650))


@bp.post("/work-channels")
def add_channel() -> Response:
    """Enter an app or work group.
    ---
    post:
      tags: [burden office]
      summary: Enter (or update) a government app or work group (the office only)
      requestBody: {json: WorkChannelIn, required: true}
      responses:
        '201': {description: the app or group, json: WorkChannel}
      problems: [400, 401, 403, 404, 413, 503]
    """
    who, body = _office(), json_body()
    channel = apps.Channel(body_text(body, "kind"), body_text(body, "name"),
                           body_text(body, "department"), _texts(body, "levels"),
                           _whole(body, "members"),
                           instant(body_text(body, "last_active_at"), "last_active_at"))
    with store.unit_of_work() as db:
        row = apps.register(db, channel, who.actor)
        answer = _channel(row, timedelta(days=apps.ZOMBIE_IDLE_DAYS))
    return json_response(answer, status=201)


@bp.get("/work-channels")
def channels() -> Response:
    """The register of apps and groups.
    ---
    get:
      tags: [burden office]
      summary: Every app and work group, with whether it is idle past idle_days (a zombie)
      parameters:
      - {in: query, name: idle_days, schema: {type: integer, minimum: 1, maximum: 3650}}
      responses:
        '200': {description: by name, json: WorkChannelList}
      problems: [400, 401, 403, 503]
    """
    caller()
    idle = _idle()
    rows = store.session().scalars(select(WorkChannel).order_by(WorkChannel.kind,
                                                                WorkChannel.name))
    return json_response({"work_channels": [_channel(r, idle) for r in rows]})


@bp.post("/work-channels/zombies")
def zombies() -> Response:
    """Flag the zombies.
    ---
    post:
      tags: [burden office]
      summary: Flag apps and groups idle for idle_days (each once, in the burden ledger)
      parameters:
      - {in: query, name: idle_days, schema: {type: integer, minimum: 1, maximum: 3650}}
      responses:
        '200': {description: 'the zombies, longest idle first', json: WorkChannelList}
      problems: [400, 401, 403, 503]
    """
    who, idle = _office(), _idle()
    with store.unit_of_work() as db:
        found = [_channel(r, idle) for r in apps.flag_zombies(db, idle, who.actor)]
    return json_response({"work_channels": found})


def _plan(row: InspectionPlan) -> dict[str, Any]:
    return {"id": row.id, "year": row.year, "inspections": row.inspections,
            "detail": row.detail, "status": row.status, "decided_by": row.decided_by,
            "decision_reason": row.decision_reason}


@bp.post("/inspection-plans")
def submit_plan() -> Response:
    """File the caller's annual plan.
    ---
    post:
      tags: [burden office]
      summary: File the department's inspection and assessment plan for a year, for the office
      requestBody: {json: InspectionPlanIn, required: true}
      responses:
        '201': {description: the pending plan, json: InspectionPlan}
      problems: [400, 401, 403, 409, 413, 503]
    """
    who, body = caller(), json_body()
    with store.unit_of_work() as db:
        row = inspections.submit_plan(db, who.department.code, _whole(body, "year"),
                                      _whole(body, "inspections"), body_text(body, "detail"),
                                      who.actor)
        answer = _plan(row)
    return json_response(answer, status=201)


def _decide_plan(db: Session, who: Caller, plan_id: int, approve: bool,
                 reason: str) -> dict[str, Any]:
    return _plan(inspections.decide_plan(db, plan_id, approve, reason, who.actor))


add_decision_routes(bp, Decision(
    "/inspection-plans/<int:plan_id>", ("approve", "refuse"), "burden office",
    "{verb} an inspection plan (the office only)", "InspectionPlan", _office), _decide_plan,
    endpoint_suffix="_plan")


@bp.post("/indicators")
def set_indicators() -> Response:
    """Set a year's assessment indicators.
    ---
    post:
      tags: [burden office]
      summary: Set the department's indicators for a year; more than last year's only by the
        office, with increase_reason (otherwise 422 and a line in the burden ledger)
      requestBody: {json: IndicatorsIn, required: true}
      responses:
        '201': {description: the version stored, json: Indicators}
      problems: [400, 401, 403, 404, 409, 413, 422, 503]
    """
    who, body = caller(), json_body()
    department, reason = _optional(body, "department"), _optional(body, "increase_reason")
    if (department and department != who.department.code) or reason.strip():
        require_office(store.session(), who.department)  # for another, or an increase
    with store.unit_of_work() as db:
        decision = inspections.set_indicators(
            db, department or who.department.code, _whole(body, "year"),
            _texts(body, "indicators"), who.actor, reason)
        version = decision.version
        answer = None if version is None else {
            "id": version.id, "year": version.year, "indicators": version.indicators,
            "increase_reason": version.increase_reason, "approved_by": version.approved_by}
    if answer is None:  # raised after the unit of work: the refusal's ledger line is kept
        raise IndicatorIncreaseError(decision.refusal)
    return json_response(answer, status=201)


def _complaint(row: BurdenComplaint) -> dict[str, Any]:
    department = store.session().get(Department, row.department_id) if row.department_id else None
    return {"id": row.id, "channel": row.channel, "status": row.status,
            "department": department.code if department else None, "summary": row.summary,
            "finding": row.finding, "rectification": row.rectification, "result": row.result,
            "typical": row.typical, "received_at": row.received_at}


@bp.post("/burden-complaints")
def receive_complaint() -> Response:
    """Take a burden complaint in.
    ---
    post:
      tags: [burden office]
      summary: Take in a burden complaint from a letter, visit, the web or the phone (the office)
      requestBody: {json: ComplaintIn, required: true}
      responses:
        '201': {description: 'the complaint, received', json: Complaint}
      problems: [400, 401, 403, 404, 413, 503]
    """
    who, body = _office(), json_body()
    with store.unit_of_work() as db:
        row = complaints.receive(db, body_text(body, "channel"), body_text(body, "summary"),
                                 who.actor, _optional(body, "department") or None)
        answer = _complaint(row)
    return json_response(answer, status=201)


@bp.post("/burden-complaints/<int:complaint_id>/<step>")
def complaint_step(complaint_id: int, step: str) -> Response:
    """Move a complaint one step.
    ---
    post:
      tags: [burden office]
      summary: "verify (name the department), uphold or dismiss (the finding), rectify, publish
        (the result), or typical (text: the quarter, e.g. 2026Q4)"
      parameters:
      - {in: path, name: complaint_id, required: true, schema: {type: integer}}
      - {in: path, name: step, required: true, schema: {type: string, enum: [verify, uphold,
         dismiss, rectify, publish, typical]}}
      requestBody: {json: ComplaintStep}
      responses:
        '200': {description: the complaint after the step, json: Complaint}
      problems: [400, 401, 403, 404, 409, 413, 503]
    """
    who, body = _office(), json_body(required=False)
    text = _optional(body, "text")
    with store.unit_of_work() as db:
        row = (complaints.mark_typical(db, complaint_id, text, who.actor) if step == "typical"
               else complaints.step(db, complaint_id, step, text, who.actor,
                                    _optional(body, "department") or None))
        answer = _complaint(row)
    return json_response(answer)


@bp.get("/burden-office/counts")
def counts() -> Response:
    """The registers' figures per department.
    ---
    get:
      tags: [burden office]
      summary: Per department, inspections and indicators of a year, complaints by state,
        documents and meetings (and those over a cap)
      parameters:
      - {in: query, name: year, schema: {type: integer, minimum: 2000, maximum: 2100}}
      responses:
        '200': {description: per department code, json: OfficeCounts}
      problems: [400, 401, 403, 503]
    """
    _office()
    db, year = store.session(), number("year", datetime.now(UTC).year, 2000, 2100)
    return json_response({"year": year, "inspections": inspections.counts(db, year),
                          "complaints": complaints.per_department(db),
                          "documents_and_meetings": documents.per_department(db)})


@bp.put("/output-caps/<kind>/<measure>")
def set_cap(kind: str, measure: str) -> Response:
    """Set a cap on documents or meetings.
    ---
    put:
      tags: [burden office]
      summary: Cap a measure of documents (pages, characters) or meetings (minutes, speakers),
        for what is imported from now on (the office only)
      parameters:
      - {in: path, name: kind, required: true, schema: {type: string, enum: [document, meeting]}}
      - {in: path, name: measure, required: true, schema: {type: string}}
      requestBody: {json: CapIn, required: true}
      responses:
        '200': {description: the cap in force, json: CapIn}
      problems: [400, 401, 403, 413, 503]
    """
    who, body = _office(), json_body()
    with store.unit_of_work() as db:
        cap = documents.set_cap(db, kind, measure, _whole(body, "cap", 1), who.actor).cap
    return json_response({"cap": cap})
