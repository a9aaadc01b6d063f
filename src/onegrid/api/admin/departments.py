"""/admin and its departments: the sections' index, the departments' list and a new one."""

from __future__ import annotations

from flask import request, url_for
from flask.typing import ResponseReturnValue

from onegrid.api.admin.blueprint import actor, attempt, bp, owner_session, page, saved
from onegrid.api.auth import require
from onegrid.platform.accounts.departments import list_departments, register_department


@bp.get("")
@require("admin")
def home() -> ResponseReturnValue:
    """The administrator's index.
    ---
    get:
      tags: [pages]
      summary: The administration's sections
      security: [{session: []}]
      responses:
        '200': {$ref: '#/components/responses/page'}
        '302': {$ref: '#/components/responses/sign_in'}
      problems: [403]
    """
    return page("home.html")


@bp.get("/departments")
@require("admin")
def departments() -> ResponseReturnValue:
    """The departments.
    ---
    get:
      tags: [pages]
      summary: The departments, and the form that adds one
      security: [{session: []}]
      responses:
        '200': {$ref: '#/components/responses/page'}
        '302': {$ref: '#/components/responses/sign_in'}
      problems: [403]
    """
    return _page()


@bp.post("/departments")
@require("admin")
def add_department() -> ResponseReturnValue:
    """Add a department (or rename one), traced as `onegrid department add` is.
    ---
    post:
      tags: [pages]
      summary: Add a department; 302 back to the list, 400 with the page saying what is wrong
      security: [{session: []}]
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema: {$ref: '#/components/schemas/AdminDepartment'}
      responses:
        '302': {$ref: '#/components/responses/sign_in'}
        '400': {$ref: '#/components/responses/page_or_problem'}
      problems: [403, 413]
    """
    form = request.form
    return attempt(lambda db: register_department(db, form.get("code", ""),
                                                  form.get("name", ""), form.get("name_en", ""),
                                                  actor()),
                   lambda _: saved(url_for(".departments")), _page)


def _page(error: str = "", status: int = 200) -> ResponseReturnValue:
    return page("departments.html", status, error=error,
                departments=list_departments(owner_session()))
