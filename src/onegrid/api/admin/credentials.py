"""/admin/credentials: the departments' ingest keys and API tokens; issue one (its secret shown
this once) or revoke one, through the services `onegrid department key …` and `onegrid token …`
call, traced as theirs are (listing the tokens too)."""

from __future__ import annotations

from flask import request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from onegrid.api import store
from onegrid.api.admin.blueprint import actor, attempt, bp, page, saved, unit_of_work
from onegrid.api.auth import require
from onegrid.api.forms import whole
from onegrid.platform.accounts.departments import list_departments
from onegrid.platform.accounts.ingest_keys import issue_key, list_keys, revoke_key
from onegrid.platform.sharing.tokens import DEFAULT_DAYS, issue_token, listed_tokens, revoke_token
from onegrid.platform.store.models import TOKEN_SCOPES


@bp.get("/credentials")
@require("admin")
def credentials() -> ResponseReturnValue:
    """Ingest keys and API tokens.
    ---
    get:
      tags: [pages]
      summary: The departments' ingest keys and API tokens (never their secrets)
      security: [{session: []}]
      responses:
        '200': {$ref: '#/components/responses/page'}
        '302': {$ref: '#/components/responses/sign_in'}
      problems: [403]
    """
    return _page()


@bp.post("/credentials/keys")
@require("admin")
def new_key() -> ResponseReturnValue:
    """Issue an ingest key to a department; the page shows its secret this once.
    ---
    post:
      tags: [pages]
      summary: Issue an ingest key; 200 with the secret, 404 for an unknown department
      security: [{session: []}]
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema: {$ref: '#/components/schemas/AdminKey'}
      responses:
        '200': {$ref: '#/components/responses/page'}
        '302': {$ref: '#/components/responses/sign_in'}
        '404': {$ref: '#/components/responses/page_or_problem'}
      problems: [400, 403, 413]
    """
    form = request.form
    return attempt(lambda db: issue_key(db, form.get("department", ""),
                                        store.settings().secret_key, form.get("label", ""),
                                        actor()),
                   lambda made: _page(shown=("key", f"{made[0].kid} {made[1]}")), _page)


@bp.post("/credentials/keys/<kid>/revoke")
@require("admin")
def drop_key(kid: str) -> ResponseReturnValue:
    """Revoke an ingest key for good.
    ---
    post:
      tags: [pages]
      summary: Revoke an ingest key; 302 back, 404 for an unknown one
      security: [{session: []}]
      parameters: [kid]
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema: {$ref: '#/components/schemas/Form'}
      responses:
        '302': {$ref: '#/components/responses/sign_in'}
        '404': {$ref: '#/components/responses/page_or_problem'}
      problems: [400, 403, 413]
    """
    return attempt(lambda db: revoke_key(db, kid, actor()),
                   lambda _: saved(url_for(".credentials")), _page)


@bp.post("/credentials/tokens")
@require("admin")
def new_token() -> ResponseReturnValue:
    """Issue an API token to a department; the page shows it this once.
    ---
    post:
      tags: [pages]
      summary: Issue an API token; 200 with the token, 400 or 404 with the page saying why
      security: [{session: []}]
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema: {$ref: '#/components/schemas/AdminToken'}
      responses:
        '200': {$ref: '#/components/responses/page'}
        '302': {$ref: '#/components/responses/sign_in'}
        '400': {$ref: '#/components/responses/page_or_problem'}
        '404': {$ref: '#/components/responses/page_or_problem'}
      problems: [403, 413]
    """
    form = request.form

    def change(db: Session) -> str:
        days = whole(form, "days", 1, 3650) or DEFAULT_DAYS
        _, clear = issue_token(db, form.get("department", ""), form.get("label", ""), days,
                               form.get("scope", "data"), actor())
        return clear

    return attempt(change, lambda clear: _page(shown=("token", clear)), _page)


@bp.post("/credentials/tokens/<int:token_id>/revoke")
@require("admin")
def drop_token(token_id: int) -> ResponseReturnValue:
    """Revoke an API token.
    ---
    post:
      tags: [pages]
      summary: Revoke an API token; 302 back, 404 for an unknown one
      security: [{session: []}]
      parameters: [token_id]
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema: {$ref: '#/components/schemas/Form'}
      responses:
        '302': {$ref: '#/components/responses/sign_in'}
        '404': {$ref: '#/components/responses/page_or_problem'}
      problems: [400, 403, 413]
    """
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
