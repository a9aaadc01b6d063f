"""/admin/admission: every department's admission applications; a pending one approved or
refused, with the reason, in the name of its area's reviewer (platform/governance/review.py),
traced as the reviewer's decision is, naming the administrator."""

from __future__ import annotations

from flask import request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from onegrid.api.admin.blueprint import actor, attempt, bp, owner_session, page, saved
from onegrid.api.auth import require
from onegrid.platform.accounts.departments import list_departments
from onegrid.platform.errors import InvalidInputError
from onegrid.platform.governance.review import all_applications, decide_as_reviewer
from onegrid.platform.store.models import AdmissionApplication


@bp.get("/admission")
@require("admin")
def admission() -> ResponseReturnValue:
    """The admission applications.
    ---
    get:
      tags: [pages]
      summary: Admission applications, newest first, with the forms that decide them
      security: [{session: []}]
      responses:
        '200': {$ref: '#/components/responses/page'}
        '302': {$ref: '#/components/responses/sign_in'}
      problems: [403]
    """
    return _page()


@bp.post("/admission/<int:application_id>")
@require("admin")
def decide(application_id: int) -> ResponseReturnValue:
    """Approve or refuse a pending application, with a reason.
    ---
    post:
      tags: [pages]
      summary: Decide an admission application; 302 back, 400, 404 or 409 with the page
        saying why
      security: [{session: []}]
      parameters: [application_id]
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema: {$ref: '#/components/schemas/AdminDecision'}
      responses:
        '302': {$ref: '#/components/responses/sign_in'}
        '400': {$ref: '#/components/responses/page_or_problem'}
        '404': {$ref: '#/components/responses/page_or_problem'}
        '409': {$ref: '#/components/responses/page_or_problem'}
      problems: [403, 413]
    """
    decision = request.form.get("decision", "")

    def change(db: Session) -> AdmissionApplication:
        if decision not in ("approve", "refuse"):
            raise InvalidInputError("decision is approve or refuse")
        return decide_as_reviewer(db, actor(), application_id,
                                  decision == "approve", request.form.get("reason", ""))

    return attempt(change, lambda _: saved(url_for(".admission")), _page)


def _page(error: str = "", status: int = 200) -> ResponseReturnValue:
    db = owner_session()
    codes = {d.id: d.code for d in list_departments(db)}
    return page("admission.html", status, error=error, applications=all_applications(db),
                departments=codes)
