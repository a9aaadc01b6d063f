"""/admin/admission: every department's admission applications; a pending one approved or
refused, with the reason, in the name of its area's reviewer (platform/governance/review.py),
traced as the reviewer's decision is, naming the administrator."""

from __future__ import annotations

from flask import request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from onegrid.api.admin.blueprint import actor, attempt, owner_session, page, route, saved
from onegrid.platform.accounts.departments import list_departments
from onegrid.platform.errors import InvalidInputError
from onegrid.platform.governance.review import all_applications, decide_as_reviewer
from onegrid.platform.store.models import AdmissionApplication


@route("/admission", "Admission applications, newest first, with the forms that decide them")
def admission() -> ResponseReturnValue:
    """The admission applications."""
    return _page()


@route("/admission/<int:application_id>", "Decide an admission application; 302 back, 400, "
       "404 or 409 with the page saying why", method="post", form="AdminDecision",
       parameters=("application_id",), answers=(400, 404, 409))
def decide(application_id: int) -> ResponseReturnValue:
    """Approve or refuse a pending application, with a reason."""
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
