"""/admin/credentials: the departments' ingest keys and API tokens; issue one (its secret shown
this once) or revoke one, through the services `onegrid department key …` and `onegrid token …`
call, traced as theirs are (listing the tokens too)."""

from __future__ import annotations

from flask import request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from onegrid.api import store
from onegrid.api.admin.blueprint import actor, attempt, page, route, saved, unit_of_work
from onegrid.api.forms import whole
from onegrid.platform.accounts.departments import list_departments
from onegrid.platform.accounts.ingest_keys import issue_key, list_keys, revoke_key
from onegrid.platform.sharing.tokens import DEFAULT_DAYS, issue_token, listed_tokens, revoke_token
from onegrid.platform.store.models import TOKEN_SCOPES


@route("/credentials", "The departments' ingest keys and API tokens (never their secrets)")
def credentials() -> ResponseReturnValue:
    """Ingest keys and API tokens."""
    return _page()


@route("/credentials/keys", "Issue an ingest key; 200 with the secret, 404 for an unknown "
       "department", method="post", form="AdminKey", answers=(200, 404))
def new_key() -> ResponseReturnValue:
    """Issue an ingest key to a department; the page shows its secret this once."""
    form = request.form
    return attempt(lambda db: issue_key(db, form.get("department", ""),
                                        store.settings().secret_key, form.get("label", ""),
                                        actor()),
                   lambda made: _page(shown=("key", f"{made[0].kid} {made[1]}")), _page)


@route("/credentials/keys/<kid>/revoke", "Revoke an ingest key; 302 back, 404 for an "
       "unknown one", method="post", form="Form", parameters=("kid",), answers=(404,))
def drop_key(kid: str) -> ResponseReturnValue:
    """Revoke an ingest key for good."""
    return attempt(lambda db: revoke_key(db, kid, actor()),
                   lambda _: saved(url_for(".credentials")), _page)


@route("/credentials/tokens", "Issue an API token; 200 with the token, 400 or 404 with "
       "the page saying why", method="post", form="AdminToken", answers=(200, 400, 404))
def new_token() -> ResponseReturnValue:
    """Issue an API token to a department; the page shows it this once."""
    form = request.form

    def change(db: Session) -> str:
        days = whole(form, "days", 1, 3650) or DEFAULT_DAYS
        _, clear = issue_token(db, form.get("department", ""), form.get("label", ""), days,
                               form.get("scope", "data"), actor())
        return clear

    return attempt(change, lambda clear: _page(shown=("token", clear)), _page)


@route("/credentials/tokens/<int:token_id>/revoke", "Revoke an API token; 302 back, 404 "
       "for an unknown one", method="post", form="Form", parameters=("token_id",),
       answers=(404,))
def drop_token(token_id: int) -> ResponseReturnValue:
    """Revoke an API token."""
    return attempt(lambda db: revoke_token(db, token_id, actor()),
                   lambda _: saved(url_for(".credentials")), _page)


def _page(error: str = "", status: int = 200, shown: tuple[str, str] | None = None
          ) -> ResponseReturnValue:
    with unit_of_work() as db:  # listing the tokens is traced, as `onegrid token list` is
        departments = list_departments(db)
        keys = {d.code: list_keys(db, d.code) for d in departments}
        tokens = listed_tokens(db, actor())
    return page("credentials.html", status, error=error, shown=shown, departments=departments,
                keys=keys, tokens=tokens, scopes=TOKEN_SCOPES)
