"""Which part of the API a department token opens: its scope, looked up in one table.

A ``data`` token pulls shared data (the data API, OGC API Features, tiles); an ``open311`` key
files citizens' requests through an Open311 client, and nothing else. The two are kept apart on
purpose: an api_key sits inside a citizen-facing client, where it leaks more easily, so a leaked
key must not read departments' data; and a data token is refused as an api_key, so a department
that wants both holds one token of each scope."""

from __future__ import annotations

from flask import request

from onegrid.api import store
from onegrid.platform.errors import ForbiddenError
from onegrid.platform.sharing.tokens import valid_token
from onegrid.platform.store.models import Department

# scope → the blueprints its tokens open
OPENS: dict[str, frozenset[str]] = {
    "data": frozenset({"catalog", "records", "requests", "inventory", "admission", "offices", "ogc",
                       "ogc_items", "tiles"}),
    "open311": frozenset({"open311"}),
}


class TokenScopeError(ForbiddenError, code="token-scope", title="Your token does not open this"):
    """A valid token whose scope does not open the part of the API it was sent to."""


def token_department(clear: str) -> Department | None:
    """The department of a valid token that opens this request's blueprint; None for an unknown,
    revoked or expired token; TokenScopeError for a valid token of another scope."""
    found = valid_token(store.session(), clear)
    if found is None:
        return None
    token, department = found
    if request.blueprint not in OPENS[token.scope]:
        opening = [scope for scope, opened in OPENS.items() if request.blueprint in opened]
        raise TokenScopeError(
            f"this is a {token.scope!r} token; here send a token of scope "
            f"{' or '.join(repr(s) for s in opening) or 'none'} "
            f"(onegrid token create --department {department.code} --scope ...)")
    return department
