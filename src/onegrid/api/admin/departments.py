"""/admin and its departments: the sections' index, the departments' list and a new one."""

from __future__ import annotations

from flask import request, url_for
from flask.typing import ResponseReturnValue

from onegrid.api.admin.blueprint import actor, attempt, owner_session, page, route, saved
from onegrid.platform.accounts.departments import list_departments, register_department


@route("", "The administration's sections")
def home() -> ResponseReturnValue:
    """The administrator's index."""
    return page("home.html")


@route("/departments", "The departments, and the form that adds one")
def departments() -> ResponseReturnValue:
    """The departments."""
    return _page()


@route("/departments", "Add a department; 302 back to the list, 400 with the page saying why",
       method="post", form="AdminDepartment", answers=(400,))
def add_department() -> ResponseReturnValue:
    """Add a department (or rename one), traced as `onegrid department add` is."""
    form = request.form
    return attempt(lambda db: register_department(db, form.get("code", ""),
                                                  form.get("name", ""), form.get("name_en", ""),
                                                  actor()),
                   lambda _: saved(url_for(".departments")), _page)


def _page(error: str = "", status: int = 200) -> ResponseReturnValue:
    return page("departments.html", status, error=error,
                departments=list_departments(owner_session()))
