"""The grid worker's page (/grid): the map of their grids, logging issues, tasks and flags."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from onegrid.api import store
from onegrid.api.auth import require, signed_in
from onegrid.api.forms import number, required, row_id, upload
from onegrid.gis.maps import grid_map
from onegrid.platform.collection.submissions import submit
from onegrid.platform.collection.tasks import tasks_for_worker as collection_tasks
from onegrid.platform.governance.admission import complete_task, tasks_for_worker
from onegrid.platform.governance.ledger import raise_flag
from onegrid.platform.loop.intake import report_issue
from onegrid.platform.loop.photos import store_photo
from onegrid.platform.loop.queries import (
    GridRecord,
    GridRecords,
    categories,
    issue_points,
    queue,
)
from onegrid.platform.sharing.pull import Asker, pull
from onegrid.platform.store.models import Department, User

bp = Blueprint("grid", __name__)
# What the map's pulls state as their purpose (grants for grid workers are asked for it).
PATROL_PURPOSE = "网格员巡查地图：本网格内的共享记录 (the grid worker's map of their grids)"


@bp.get("/grid")
@require("grid_worker")
def home() -> str:
    """The grid worker's page.
    ---
    get:
      tags: [pages]
      summary: The grid worker's map, issues, tasks and flags
      parameters: [{in: query, name: flagged, schema: {type: string}}]
      page: signed_in
      problems: [403]
    """
    user, db = signed_in(), store.session()
    grid_ids = [grid.id for grid in user.grids]
    mine = queue(db, user)
    rendered = grid_map(db, grid_ids, issue_points(db, mine), _shared_records(user),
                        leaflet_js=url_for("static", filename="vendor/leaflet/leaflet.js"),
                        leaflet_css=url_for("static", filename="vendor/leaflet/leaflet.css"),
                        tile_url=store.settings().tile_url)
    return render_template("grid.html", map=rendered, issues=mine, user=user,
                           categories=categories(db), tasks=tasks_for_worker(db, user),
                           collections=collection_tasks(db, user, _today()),
                           flagged=request.args.get("flagged"))


def _today() -> date:
    return datetime.now(ZoneInfo(store.settings().working_hours.zone)).date()


def _shared_records(user: User) -> list[GridRecord]:
    """The shared records in the worker's grids, pulled (checked against grants and traced) as
    the worker's department: the grid role is a department in data, whose grants say what grid
    workers see. A worker without a department sees none."""
    department = store.session().get(Department, user.department_id) if user.department_id \
        else None
    if department is None or not user.grids:
        return []
    asker = Asker(department, f"user:{user.username}", PATROL_PURPOSE, str(request.url_rule),
                  via="grid")
    with store.unit_of_work() as db:
        return pull(db, asker, GridRecords(tuple(sorted(grid.code for grid in user.grids))),
                    store.read_session())


@bp.post("/grid/issues")
@require("grid_worker")
def report() -> ResponseReturnValue:
    """Log an issue (multipart form); 201 with the issue, the same issue for a retried client id.
    ---
    post:
      tags: [pages]
      summary: Log an issue (the same issue again for a retried client_id)
      security: [{session: []}]
      requestBody: {multipart: GridIssue}
      responses:
        '201':
          description: the issue (id, status, report_count)
          content: {application/json: {schema: {type: object}}}
          links:
            issue:
              operationId: get_issues.detail
              parameters: {issue_id: '$response.body#/id'}
            step:
              operationId: post_issues.step
              parameters: {issue_id: '$response.body#/id'}
        '302': {$ref: '#/components/responses/sign_in'}
      problems: [400, 403, 404, 409, 413]
    """
    user, form, photo = signed_in(), request.form, upload(request.files, "photo")
    with store.unit_of_work() as db:
        issue = report_issue(db, client_id=required(form, "client_id"),
                             category=required(form, "category"),
                             description=required(form, "description"),
                             lon=number(form, "lon"), lat=number(form, "lat"),
                             reporter_user_id=user.id, source="grid",
                             rule=store.settings().dedup,
                             hours=store.settings().working_hours)
        if photo is not None:
            store_photo(db, issue.id, "report", photo)
    return jsonify(id=issue.id, status=issue.status, report_count=issue.report_count), 201


@bp.post("/grid/flags")
@require("grid_worker")
def flag() -> ResponseReturnValue:
    """The burden flag: 'the platform already has this' or 'not on the admission list'.
    ---
    post:
      tags: [pages]
      summary: Raise a burden flag; 302 back to the page
      security: [{session: []}]
      requestBody: {multipart: Flag}
      responses:
        '302': {$ref: '#/components/responses/sign_in'}
      problems: [400, 403, 404, 413]
    """
    user, form = signed_in(), request.form
    task_id = row_id(form, "task_id")
    with store.unit_of_work() as db:
        raise_flag(db, required(form, "kind"), user, task_id=task_id,
                   department_code=form.get("department") or None,
                   target=form.get("target", ""))
    return redirect(url_for("grid.home", flagged=1))


@bp.post("/grid/tasks/<int:task_id>/done")
@require("grid_worker")
def task_done(task_id: int) -> ResponseReturnValue:
    """A pushed task done.
    ---
    post:
      tags: [pages]
      summary: Mark a task done; 302 back to the page
      security: [{session: []}]
      parameters: [task_id]
      requestBody: {multipart: Form}
      responses:
        '302': {$ref: '#/components/responses/sign_in'}
      problems: [400, 403, 404, 409, 413]
    """
    with store.unit_of_work() as db:
        complete_task(db, task_id, signed_in())
    return redirect(url_for("grid.home"))


@bp.post("/grid/collection-tasks/<int:task_id>")
@require("grid_worker")
def collect(task_id: int) -> ResponseReturnValue:
    """A worker's answer to a collection task (form fields ``f.<field>``, ``subject``,
    ``client_id``); 201 with the record it became, the same for a retried client id.
    ---
    post:
      tags: [pages]
      summary: Answer a collection task; the answer becomes a record of the task's dataset
      security: [{session: []}]
      parameters: [task_id]
      requestBody: {multipart: CollectionAnswer}
      responses:
        '201':
          description: the task, the area answered and the record (task, area, record)
          content: {application/json: {schema: {type: object}}}
        '302': {$ref: '#/components/responses/sign_in'}
      problems: [400, 403, 404, 413]
    """
    form = request.form
    # A multipart part without a name comes as the key None: it names no field.
    values = {key.removeprefix("f."): value for key, value in form.items()
              if isinstance(key, str) and key.startswith("f.")}
    with store.unit_of_work() as db:
        done = submit(db, signed_in(), task_id, client_id=required(form, "client_id"),
                      subject=required(form, "subject"), values=values,
                      pii_key=store.settings().pii_key, hours=store.settings().working_hours)
    return jsonify(task=done.task_id, area=done.area_code, record=done.record_id), 201


@bp.get("/grid/sw.js")
def service_worker() -> ResponseReturnValue:
    """The offline worker, allowed to control /grid although it is served below it.
    ---
    get:
      tags: [pages]
      summary: The grid page's service worker (offline outbox)
      security: []
      responses:
        '200':
          description: JavaScript
          content: {text/javascript: {schema: {type: string}}}
    """
    response = current_app.send_static_file("sw.js")
    response.headers["Service-Worker-Allowed"] = "/grid"
    response.headers["Cache-Control"] = "no-cache"
    return response
