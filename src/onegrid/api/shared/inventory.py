"""The forms inventory (填表报数目录) under /api/v1/burden: a department registers the forms it
asks of streets, communities and grids; everyone reads their coverage by shared data and the
departments' burden figures against the office's targets."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, request

from onegrid.api import store
from onegrid.api.caller import caller
from onegrid.api.features import json_response
from onegrid.api.params import body_text, json_body, number
from onegrid.api.shared.requests import _strings
from onegrid.platform.burden.inventory import FormReport, FormSpec, register_form, reports
from onegrid.platform.burden.targets import burdens

bp = Blueprint("inventory", __name__, url_prefix="/api/v1/burden")


def _form(r: FormReport) -> dict[str, Any]:
    return {"id": r.form.id, "department": r.department, "name": r.form.name,
            "fields": r.form.fields, "frequency": r.form.frequency, "levels": r.form.levels,
            "status": r.form.status, "units": r.units, "burden": r.burden,
            "coverage": {"covered": r.covered, "fields": len(r.form.fields),
                         "answerable": {f: s for f, s in r.answerable.items() if s}},
            "flag_retire": r.retire}


@bp.post("/forms")
def create_form() -> Response:
    """Register (or update) one of the caller's department's forms.
    ---
    post:
      tags: [burden]
      summary: List a form or periodic report the caller's department asks of the grassroots
      requestBody: {json: BurdenFormIn, required: true}
      responses:
        '201':
          description: the form with its coverage by shared data and its burden
          json: BurdenForm
      problems: [400, 401, 403, 413]
    """
    who, body = caller(), json_body()
    spec = FormSpec(who.department.code, body_text(body, "name"), _strings(body, "fields"),
                    body_text(body, "frequency"), _strings(body, "levels"))
    with store.unit_of_work() as db:
        form = register_form(db, spec, who.actor)
    return json_response(_form(_report_of(who.department.code, form.id)), status=201)


def _report_of(department: str, form_id: int) -> FormReport:
    """A form's report: its coverage is computed with every form of its department."""
    return next(r for r in reports(store.session(), department) if r.form.id == form_id)


@bp.get("/forms")
def list_forms() -> Response:
    """The inventory.
    ---
    get:
      tags: [burden]
      summary: Every department's forms, with coverage, burden and the retirement flag
      parameters: [department]
      responses:
        '200': {description: by department and name, json: BurdenFormList}
      problems: [401, 403]
    """
    found = reports(store.session(), request.args.get("department") or None)
    return json_response({"forms": list(map(_form, found))})


@bp.get("/departments")
def department_burdens() -> Response:
    """Burden per department against the year's target.
    ---
    get:
      tags: [burden]
      summary: Each department's burden figure (fields × times a year × units) and target
      parameters:
        - {in: query, name: year, schema: {type: integer, minimum: 2000, maximum: 2100}}
      responses:
        '200': {description: by department code, json: BurdenList}
      problems: [400, 401, 403]
    """
    year = number("year", datetime.now(UTC).year, 2000, 2100)
    rows = [{"department": d.department, "forms": d.forms, "fields": d.fields,
             "burden": d.burden, "forms_to_retire": d.to_retire, "target_pct": d.target_pct,
             "baseline": d.baseline, "goal": d.goal, "reduced_pct": d.reduced_pct, "met": d.met}
            for d in burdens(store.session(), year)]
    return json_response({"year": year, "departments": rows})
