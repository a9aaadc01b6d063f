"""/admin/lists: each versioned list's versions and what changed between two of them, and a
new version imported from an uploaded CSV or XLSX with the day it takes force (the services of
`onegrid list versions|diff|import`, traced as the command's import is)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from tempfile import TemporaryDirectory
from zoneinfo import ZoneInfo

from flask import request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from onegrid.api import store
from onegrid.api.admin.blueprint import (
    actor,
    attempt,
    keep_upload,
    owner_session,
    page,
    route,
    saved,
)
from onegrid.api.forms import required
from onegrid.platform.errors import InvalidInputError
from onegrid.platform.governance.lists import (
    check_kind,
    diff,
    effective_start,
    import_file,
    versions,
)
from onegrid.platform.store.models import LIST_KINDS, ListVersion

SUFFIXES = (".csv", ".xlsx")


@route("/lists", "A list's versions, what changed between two (default the newest two), and the "
       "form that imports a new version", parameters=("list_kind", "old", "new"),
       problems=(400, 404))
def lists() -> ResponseReturnValue:
    """A list's versions and a diff."""
    return _page()


@route("/lists", "Import a list version; 302 to its versions, 400 with the page naming each "
       "bad row and column", method="post", form="AdminListUpload", answers=(400,),
       problems=(404,))
def import_list() -> ResponseReturnValue:
    """Import an uploaded list file as a new version in force from its effective day."""
    kind = request.form.get("kind", "")

    def change(db: Session) -> tuple[ListVersion, bool]:
        at = effective_start(_day(required(request.form, "effective")),
                             store.settings().working_hours.zone)
        with TemporaryDirectory(prefix="onegrid-list-") as folder:
            path = keep_upload("file", SUFFIXES, Path(folder))
            return import_file(db, check_kind(kind), path, at, actor())

    return attempt(change, lambda done: saved(url_for(".lists", kind=kind),
                                              "admin.saved" if done[1] else "admin.same_list"),
                   _page)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInputError("effective is a day like 2026-01-31") from None


def _page(error: str = "", status: int = 200) -> ResponseReturnValue:
    kind = check_kind(request.values.get("kind") or LIST_KINDS[0])
    db = owner_session()
    known = versions(db, kind)
    old, new = (request.args.get(name, type=int) for name in ("old", "new"))
    change = diff(db, kind, old, new) if known else None
    return page("lists.html", status, error=error, kinds=LIST_KINDS, kind=kind,
                versions=known, change=change, zone=ZoneInfo(store.settings().working_hours.zone))
