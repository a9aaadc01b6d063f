"""/admin/boundaries: a boundary file uploaded, checked and reported as `onegrid import
boundaries` does without --apply; then, from the report's page, applied as with --apply. The
file waits for the apply in the state folder, known to this session only; a new upload or the
apply removes it."""

from __future__ import annotations

import secrets
import shutil
from pathlib import Path

from flask import request, session
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from onegrid.api import store
from onegrid.api.admin.blueprint import (
    actor,
    attempt,
    keep_upload,
    owner_engine,
    owner_session,
    page,
    route,
)
from onegrid.api.forms import required
from onegrid.gis.boundaries.codes import LEVELS
from onegrid.gis.boundaries.importer import import_boundaries
from onegrid.gis.boundaries.report import KINDS, LEVEL_NAMES, Report
from onegrid.gis.boundaries.source import Fields
from onegrid.gis.hierarchy import settle
from onegrid.platform.errors import NotFoundError

SUFFIXES = (".geojson", ".json", ".zip", ".gpkg")
_ASKED = ("level", "layer", "code_field", "name_field", "parent_field", "city_name")


@route("/boundaries", "The form that uploads a boundary file to check")
def boundaries() -> ResponseReturnValue:
    """The boundary import's form."""
    return _form()


@route("/boundaries", "Upload and check a boundary file; 200 with the report, 400 with the "
       "form saying what is wrong with the file", method="post", form="AdminBoundaryUpload",
       answers=(200, 400))
def check() -> ResponseReturnValue:
    """Check an uploaded boundary file against the store and show the report; nothing is
    written."""
    _forget()
    asked = {name: request.form.get(name, "").strip() for name in _ASKED}
    token = secrets.token_urlsafe(16)
    folder = _folder(token)

    def change(_db: Session) -> Report:
        required(request.form, "level")
        folder.mkdir(mode=0o700, parents=True)
        path = keep_upload("file", SUFFIXES, folder)
        report = _run(path, asked, apply=False)
        session["boundary_upload"] = {"token": token, "file": path.name, **asked}
        return report

    def again(error: str, status: int) -> ResponseReturnValue:
        shutil.rmtree(folder, ignore_errors=True)
        return _form(error, status)

    return attempt(change, lambda report: _report(report, token), again)


@route("/boundaries/apply", "Apply the boundary file checked last; 200 with the report, 422 "
       "refused", method="post", form="AdminBoundaryApply", answers=(200, 404, 422))
def apply() -> ResponseReturnValue:
    """Write the checked file, as `onegrid import boundaries --apply`: refused (422, with the
    report) while it has errors."""
    upload = session.get("boundary_upload") or {}
    if not upload or request.form.get("upload") != upload["token"]:
        return _form(str(NotFoundError("no checked file to apply: upload it again").detail),
                     404)

    def change(_db: Session) -> Report:
        path = _folder(upload["token"]) / upload["file"]
        if not path.is_file():
            raise NotFoundError("the checked file is gone: upload it again")
        return _run(path, upload, apply=True)

    return attempt(change, _applied, _form)


def _applied(report: Report) -> ResponseReturnValue:
    _forget()  # written, or to be fixed and uploaded again
    if not report.applied:
        return _report(report, None, 422)
    settle(owner_engine())  # as the command does once its import has committed
    return _report(report, None)


def _run(path: Path, asked: dict[str, str], apply: bool) -> Report:
    """The import as the command runs it, on the owner's session (it commits or rolls back)."""
    return import_boundaries(
        owner_session(), path, asked["level"], layer=asked["layer"] or None,
        fields=Fields(asked["code_field"] or None, asked["name_field"] or None,
                      asked["parent_field"] or None),
        city_name=asked["city_name"], actor=actor(), apply=apply)


def _folder(token: str) -> Path:
    return Path(store.settings().state_dir) / "uploads" / "boundaries" / token


def _forget() -> None:
    """Remove the file this session uploaded last, if any."""
    upload = session.pop("boundary_upload", None)
    if upload:
        shutil.rmtree(_folder(upload["token"]), ignore_errors=True)


def _form(error: str = "", status: int = 200) -> ResponseReturnValue:
    return page("boundaries.html", status, error=error, levels=LEVELS, level_names=LEVEL_NAMES,
                report=None)


def _report(report: Report, token: str | None, status: int = 200) -> ResponseReturnValue:
    return page("boundaries.html", status, error="", levels=LEVELS, level_names=LEVEL_NAMES,
                report=report, kinds=KINDS, token=token)
