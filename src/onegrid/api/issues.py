"""Department and command-centre pages: the queue, one issue with its trace, the steps, tasks."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from onegrid.api import store
from onegrid.api.auth import require, signed_in
from onegrid.api.forms import required, upload, whole
from onegrid.platform.accounts.departments import list_departments
from onegrid.platform.errors import ForbiddenError, NotFoundError
from onegrid.platform.governance.admission import NotAdmittedError, admission_list, push_task
from onegrid.platform.governance.ledger import burden_totals
from onegrid.platform.loop.handling import act, check_scope
from onegrid.platform.loop.photos import store_photo
from onegrid.platform.loop.queries import issue_trace, queue
from onegrid.platform.loop.sla import overdue
from onegrid.platform.loop.states import actions_for
from onegrid.platform.store.models import ISSUE_STATES, Department, Issue, IssueCategory, IssuePhoto

bp = Blueprint("issues", __name__)


@bp.get("/issues")
@require("department_staff", "operator")
def queue_page() -> str:
    """The queue.
    ---
    get:
      tags: [pages]
      summary: The issue queue of the user's department (every issue for an operator)
      parameters: [{in: query, name: status, schema: {type: string}}]
      page: signed_in
      problems: [403]
    """
    user, db = signed_in(), store.session()
    status = request.args.get("status") or None
    issues = queue(db, user, status)
    now = datetime.now(UTC)
    return render_template(
        "queue.html", user=user, issues=issues, status=status, states=ISSUE_STATES,
        late={i.id: overdue(i, now) for i in issues}, names=_names(db),
        admission=admission_list(db),
        ledger=burden_totals(db) if user.role == "operator" else None)


@bp.get("/issues/<int:issue_id>")
@require()
def detail(issue_id: int) -> str:
    """One issue.
    ---
    get:
      tags: [pages]
      summary: One issue, its trace, photos and the steps the user may take
      parameters: [issue_id]
      page: signed_in
      problems: [403, 404]
    """
    user, db = signed_in(), store.session()
    issue = _issue(issue_id)
    photos = db.query(IssuePhoto.id, IssuePhoto.stage, IssuePhoto.sha256).filter(
        IssuePhoto.issue_id == issue.id).order_by(IssuePhoto.id).all()
    return render_template(
        "issue.html", user=user, issue=issue, category=db.get(IssueCategory, issue.category),
        trace=issue_trace(db, issue.id), photos=photos, names=_names(db),
        # handing over is the first office's while the list names no owner (首问负责)
        actions=[a for a in actions_for(issue.status, user.role)
                 if a != "hand_over" or issue.awaiting_owner],
        late=overdue(issue, datetime.now(UTC)),
        departments=list_departments(db), tz=ZoneInfo(store.settings().working_hours.zone))


@bp.post("/issues/<int:issue_id>/<action>")
@require()
def step(issue_id: int, action: str) -> ResponseReturnValue:
    """A step of the issue loop.
    ---
    post:
      tags: [pages]
      summary: Take a step (accept, dispatch, resolve, close, ...); 302 to the issue
      security: [{session: []}]
      parameters: [issue_id, {in: path, name: action, required: true, schema: {type: string}}]
      requestBody: {multipart: Step}
      responses:
        '302': {$ref: '#/components/responses/sign_in'}
      problems: [400, 403, 404, 409, 413]
    """
    user, form, photo = signed_in(), request.form, upload(request.files, "photo")
    satisfaction = whole(form, "satisfaction", 1, 5)
    with store.unit_of_work() as db:
        issue = act(db, issue_id, action, user, note=form.get("note", ""),
                    satisfaction=satisfaction,
                    department_code=form.get("department"))
        if photo is not None and action == "resolve":
            store_photo(db, issue.id, "resolve", photo)
    return redirect(url_for("issues.detail", issue_id=issue.id))


@bp.get("/photos/<int:photo_id>")
@require()
def photo(photo_id: int) -> Response:
    """A photo of an issue the user may see.
    ---
    get:
      tags: [pages]
      summary: A photo of an issue the user may see
      security: [{session: []}]
      parameters: [photo_id]
      responses:
        '200':
          description: the image
          content: {image/*: {schema: {type: string, format: binary}}}
        '302': {$ref: '#/components/responses/sign_in'}
      problems: [403, 404]
    """
    db = store.session()
    kept = db.get(IssuePhoto, photo_id)
    if kept is None:
        raise NotFoundError(f"no photo {photo_id}")
    _issue(kept.issue_id)
    response = Response(kept.data, mimetype=kept.content_type)
    response.headers["ETag"] = f'"{kept.sha256}"'
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


@bp.post("/tasks")
@require("department_staff")
def new_task() -> ResponseReturnValue:
    """Push a task down to a street, community or grid; an item not admitted in force, or a
    target below its level, is refused (422).
    ---
    post:
      tags: [pages]
      summary: Push a task to a street, community or grid; 422 when it is not admitted there
      security: [{session: []}]
      requestBody: {multipart: TaskForm}
      responses:
        '302': {$ref: '#/components/responses/sign_in'}
      problems: [400, 403, 404, 413, 422]
    """
    user, form = signed_in(), request.form
    if user.department_id is None:
        raise ForbiddenError("your account belongs to no department")
    with store.unit_of_work() as db:
        department = db.get_one(Department, user.department_id)
        decision = push_task(db, department_code=department.code,
                             task_type=required(form, "task_type"),
                             area_code=required(form, "area_code"),
                             title=required(form, "title"), detail=form.get("detail", ""),
                             actor=user.username, user_id=user.id,
                             hours=store.settings().working_hours)
    # Raised after the unit of work: a refusal is committed too, a line in the burden ledger.
    if decision.task is None:
        raise NotAdmittedError(decision.refusal)
    return redirect(url_for("issues.queue_page"))


def _issue(issue_id: int) -> Issue:
    user, db = signed_in(), store.session()
    issue = db.get(Issue, issue_id)
    if issue is None:
        raise NotFoundError(f"no issue {issue_id}")
    check_scope(db, user, issue)
    return issue


def _names(db: Session) -> dict[int, str]:
    return {d.id: d.name for d in list_departments(db)}

