"""The grid worker's page (/grid): the map of their grids, logging issues, tasks and flags."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from onegrid.api import store
from onegrid.api.auth import require, signed_in
from onegrid.api.forms import number, required, upload
from onegrid.gis.maps import grid_map
from onegrid.platform.errors import InvalidInputError, NotFoundError
from onegrid.platform.governance.admission import tasks_for_worker
from onegrid.platform.governance.ledger import record_burden
from onegrid.platform.loop.intake import report_issue
from onegrid.platform.loop.photos import store_photo
from onegrid.platform.loop.queries import categories, issue_points, queue, records_in_grids
from onegrid.platform.store.models import Department, GridTask
from onegrid.platform.trace.chain import append

bp = Blueprint("grid", __name__)
FLAG_KINDS = ("flag_already_have", "flag_not_admitted")


@bp.get("/grid")
@require("grid_worker")
def home() -> str:
    user, db = signed_in(), store.session()
    grid_ids = [grid.id for grid in user.grids]
    mine = queue(db, user)
    rendered = grid_map(db, grid_ids, issue_points(db, mine), records_in_grids(db, grid_ids),
                        leaflet_js=url_for("static", filename="vendor/leaflet/leaflet.js"),
                        leaflet_css=url_for("static", filename="vendor/leaflet/leaflet.css"),
                        tile_url=store.settings().tile_url)
    return render_template("grid.html", map=rendered, issues=mine, user=user,
                           categories=categories(db), tasks=tasks_for_worker(db, user),
                           flagged=request.args.get("flagged"))


@bp.post("/grid/issues")
@require("grid_worker")
def report() -> ResponseReturnValue:
    """Log an issue (multipart form); 201 with the issue, the same issue for a retried client id."""
    user, db, form = signed_in(), store.session(), request.form
    issue = report_issue(db, client_id=required(form, "client_id"),
                         category=required(form, "category"),
                         description=required(form, "description"), lon=number(form, "lon"),
                         lat=number(form, "lat"), reporter_user_id=user.id, source="grid")
    photo = upload(request.files, "photo")
    if photo is not None:
        store_photo(db, issue.id, "report", photo)
    db.commit()
    return jsonify(id=issue.id, status=issue.status, report_count=issue.report_count), 201


@bp.post("/grid/flags")
@require("grid_worker")
def flag() -> ResponseReturnValue:
    """The burden flag: 'the platform already has this' or 'not on the admission list'."""
    user, db, form = signed_in(), store.session(), request.form
    kind = required(form, "kind")
    if kind not in FLAG_KINDS:
        raise InvalidInputError(f"a flag is one of {', '.join(FLAG_KINDS)}")
    task = db.get(GridTask, int(form["task_id"])) if form.get("task_id") else None
    code = form.get("department") or None
    if task is not None:
        code = db.get_one(Department, task.department_id).code
    detail = {"target": form.get("target", ""), "task_id": task.id if task else None,
              "by": user.username}
    event = record_burden(db, kind, code, detail)
    append(db, user.username, f"burden.{kind}", f"burden:{event.id}", detail | {"department": code})
    db.commit()
    return redirect(url_for("grid.home", flagged=1))


@bp.post("/grid/tasks/<int:task_id>/done")
@require("grid_worker")
def task_done(task_id: int) -> ResponseReturnValue:
    user, db = signed_in(), store.session()
    task = db.get(GridTask, task_id)
    if task is None or task.grid_id not in {grid.id for grid in user.grids}:
        raise NotFoundError(f"no task {task_id} in your grids")
    task.status = "done"
    append(db, user.username, "task.done", f"task:{task.id}", {"name": user.display_name})
    db.commit()
    return redirect(url_for("grid.home"))


@bp.get("/grid/sw.js")
def service_worker() -> ResponseReturnValue:
    """The offline worker, allowed to control /grid although it is served below it."""
    response = current_app.send_static_file("sw.js")
    response.headers["Service-Worker-Allowed"] = "/grid"
    response.headers["Cache-Control"] = "no-cache"
    return response
