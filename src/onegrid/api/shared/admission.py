"""Admission review (准入审核), pushes and the versioned lists, for departments: apply to push a
new item down, decide as the district's reviewer, push an admitted task to a street, community
or grid, read the lists' versions and what changed."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from onegrid.api import store
from onegrid.api.caller import caller
from onegrid.api.decisions import Decision, add_decision_routes, by_department
from onegrid.api.features import json_response
from onegrid.api.params import body_text, json_body
from onegrid.platform.errors import InvalidInputError
from onegrid.platform.governance import review
from onegrid.platform.governance.admission import NotAdmittedError, push_task
from onegrid.platform.governance.lists import check_kind, diff, versions
from onegrid.platform.store.models import AdmissionApplication, ListVersion

bp = Blueprint("admission", __name__, url_prefix="/api/v1")


def _application(row: AdmissionApplication) -> dict[str, Any]:
    return {"id": row.id, "status": row.status, "task_type": row.task_type, "name": row.name,
            "kind": row.kind, "level": row.level, "reason": row.reason,
            "workload": row.workload, "applied_by": row.applied_by,
            "decided_by": row.decided_by, "decided_at": row.decided_at,
            "decision_reason": row.decision_reason, "list_version": row.version_id}


@bp.post("/admission-applications")
def apply() -> Response:
    """Apply to push a new item down.
    ---
    post:
      tags: [admission]
      summary: Apply to push a new item down to a level (准入审核), for the area's reviewer
      requestBody: {json: AdmissionApplicationIn, required: true}
      responses:
        '201': {description: the pending application, json: AdmissionApplication}
      problems: [400, 401, 403, 409, 413]
    """
    who, body = caller(), json_body()
    app = review.Application(*(body_text(body, name) for name in (
        "task_type", "name", "kind", "level", "reason", "workload", "area")))
    with store.unit_of_work() as db:
        row = review.apply(db, who.department, who.actor, app)
    return json_response(_application(row), status=201)


@bp.get("/admission-applications")
def applications() -> Response:
    """Applications made or to decide.
    ---
    get:
      tags: [admission]
      summary: The caller's applications and those it reviews, newest first
      responses:
        '200': {description: newest first, json: AdmissionApplicationList}
      problems: [401, 403]
    """
    found = review.applications_for(store.session(), caller().department)
    return json_response({"admission_applications": [_application(r) for r in found]})


add_decision_routes(bp, Decision(
    "/admission-applications/<int:application_id>", ("approve", "refuse"), "admission",
    "{verb} an admission application (the area's admission reviewer only)",
    "AdmissionApplication"), by_department(review.decide, _application))


@bp.post("/tasks")
def push() -> Response:
    """Push an admitted task down.
    ---
    post:
      tags: [admission]
      summary: Push a task of the admission list in force to a street, community or grid
      description: Only duty and assistance items in force, to their level or above; a refusal
        is 422 and a line in the burden ledger.
      requestBody: {json: TaskIn, required: true}
      responses:
        '201':
          description: the task, released to the grassroots at the next working period
          json: Task
      problems: [400, 401, 403, 404, 413, 422]
    """
    who, body = caller(), json_body()
    detail = body.get("detail", "")
    with store.unit_of_work() as db:
        decision = push_task(db, department_code=who.department.code,
                             task_type=body_text(body, "task_type"),
                             area_code=body_text(body, "area"), title=body_text(body, "title"),
                             detail=detail if isinstance(detail, str) else "", actor=who.actor,
                             hours=store.settings().working_hours)
    # Raised after the unit of work: a refusal is committed too, a line in the burden ledger.
    if decision.task is None:
        raise NotAdmittedError(decision.refusal)
    task = decision.task
    return json_response({"id": task.id, "task_type": task.task_type,
                          "area": body_text(body, "area"), "release_at": task.release_at,
                          "admission_version": task.admission_version_id}, status=201)


def _version(version: ListVersion | None) -> dict[str, Any] | None:
    return None if version is None else {"id": version.id, "effective_at": version.effective_at,
                        "source": version.source, "imported_by": version.imported_by}


@bp.get("/lists/<kind>/versions")
def list_versions(kind: str) -> Response:
    """A list's versions.
    ---
    get:
      tags: [lists]
      summary: The versions of a list (categories, responsibility, admission), in force order
      parameters: [{in: path, name: kind, required: true, schema: {type: string}}]
      responses:
        '200': {description: oldest first, json: ListVersions}
      problems: [400, 401, 403]
    """
    caller()
    found = versions(store.session(), check_kind(kind))
    return json_response({"versions": [_version(v) for v in found]})


@bp.get("/lists/<kind>/diff")
def list_diff(kind: str) -> Response:
    """What changed between two versions of a list.
    ---
    get:
      tags: [lists]
      summary: Entries added, removed and changed (field by field) from one version to another
      parameters:
      - {in: path, name: kind, required: true, schema: {type: string}}
      - {in: query, name: old, schema: {type: integer}, description: default the one before new}
      - {in: query, name: new, schema: {type: integer}, description: default the newest}
      responses:
        '200': {description: the change, json: ListDiff}
      problems: [400, 401, 403, 404]
    """
    caller()
    try:
        ids = [int(request.args[n]) if n in request.args else None for n in ("old", "new")]
    except ValueError:
        raise InvalidInputError("old and new are version ids (integers)") from None
    old, new, change = diff(store.session(), check_kind(kind), *ids)
    changed = {key: {name: {"old": a, "new": b} for name, (a, b) in fields.items()}
               for key, fields in change.changed.items()}
    return json_response({"old": _version(old), "new": _version(new), "added": change.added,
                          "removed": change.removed, "changed": changed})
