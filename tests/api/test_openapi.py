"""The OpenAPI document is generated, valid and covers every route; schemathesis, as each kind of
caller, finds no 5xx and no status or body the document does not declare, operation by
operation (valid and hostile input) and along the document's links (create, then get or
decide). ``--fuzz-examples`` sets the examples per operation (`make fuzz`: 200)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.result import Err
from schemathesis.generation import GenerationMode
from sqlalchemy import text
from sqlalchemy.orm import Session

from onegrid.api import create_app
from onegrid.api.openapi import build
from onegrid.platform.screen.feed import poll, start
from onegrid.platform.settings import Settings
from onegrid.platform.sharing.tokens import create_token
from tests.api.test_grid_pages import _csrf, _sign_in
from tests.conftest import acting_as, role_of

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
CALLERS = ("anonymous", "department", "operator", "grid_worker")


def undocumented(app: Flask) -> list[tuple[str, str]]:
    """(method, path) of every route the app answers that its document leaves out."""
    with app.app_context():
        paths = build()["paths"]
    missing = []
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        missing += [(m, path) for m in methods if m.lower() not in paths.get(path, {})]
    return missing


def test_the_document_covers_every_route(app: Flask, client) -> None:
    assert undocumented(app) == []
    document = client.get("/api/openapi.json").json
    assert document["openapi"].startswith("3.0")
    assert {"/open311/v2/requests.{fmt}", "/healthz", "/metrics", "/screen/state.json",
            "/grid/issues"} <= set(document["paths"])
    page = client.get("/api/docs")
    assert page.status_code == 200 and b"/api/v1/datasets" in page.data


def test_a_route_left_out_of_the_document_is_found(settings: Settings) -> None:
    app = create_app({"SETTINGS": settings, "TESTING": True})
    app.add_url_rule("/api/v1/forgotten/<int:n>", "forgotten", lambda n: "")
    assert undocumented(app) == [("GET", "/api/v1/forgotten/{n}")]


def test_every_operation_may_answer_503_with_retry_after(client) -> None:
    document = client.get("/api/openapi.json").json
    statuses = {op["responses"]["503"]["$ref"] for path, item in document["paths"].items()
                for op in item.values() if path != "/healthz"}  # its own JSON says why
    assert statuses == {"#/components/responses/unavailable",
                        "#/components/responses/open311_unavailable"}
    assert "Retry-After" in document["components"]["responses"]["unavailable"]["headers"]


@pytest.fixture
def fuzzed(settings: Settings, connection, db: Session, catalog, shared) -> Flask:
    """The app on the test's transaction, its screen feed short enough to fuzz."""
    quick = replace(settings, screen=replace(settings.screen, feed_seconds=0.0))
    app = create_app({"SETTINGS": quick, "TESTING": True})
    app.extensions["onegrid"]["sessions"] = acting_as(role_of(settings.database_url), connection)
    return app


@dataclass(frozen=True)
class Credentials:
    """What a caller sends: headers, cookies, and an Open311 api_key for its form posts."""

    headers: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)
    api_key: str = ""

    def sent(self, case: Any) -> dict[str, Any]:
        """case.call's arguments as this caller."""
        if self.api_key and isinstance(case.body, dict) and "api_key" in case.body:
            case.body["api_key"] = self.api_key  # a known key reaches Open311's handler
        return {"headers": {**(case.headers or {}), **self.headers},
                "cookies": {**(case.cookies or {}), **self.cookies}}


def _credentials(app: Flask, db: Session, caller: str) -> Credentials:
    if caller == "anonymous":
        return Credentials()
    _, api_key = create_token(db, "SCJG", label="fuzz", scope="open311")
    if caller == "department":
        _, clear = create_token(db, "SCJG", label="fuzz")
        return Credentials({"Authorization": f"Bearer {clear}", "X-Purpose": "fuzz"},
                           api_key=api_key)
    client = app.test_client()
    _sign_in(client, "op1" if caller == "operator" else str(db.scalar(text(
        "SELECT username FROM app_user WHERE role = 'grid_worker' ORDER BY username LIMIT 1"))))
    csrf = _csrf(client)
    cookie = client.get_cookie("session")
    assert cookie is not None
    return Credentials({"X-CSRF-Token": csrf}, {"session": cookie.value}, api_key)


def _fuzz_one(operation: Any, mode: GenerationMode, examples: int,
              call: Callable[[Any], None]) -> None:
    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case: Any) -> None:
        call(case)

    check()


def _summary(exc: BaseException) -> str:
    """Each finding's first lines (schemathesis groups them; the full text is long)."""
    found = getattr(exc, "exceptions", None) or [exc]
    return "; ".join(" / ".join(str(e).strip().splitlines()[:3]) for e in found)


@pytest.mark.slow
@pytest.mark.parametrize("caller", CALLERS)
def test_schemathesis_finds_no_server_error_and_nothing_undocumented(
        fuzzed: Flask, db: Session, caller: str, fuzz_examples: int) -> None:
    credentials = _credentials(fuzzed, db, caller)
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", fuzzed)

    def call(case: Any) -> None:
        case.call_and_validate(**credentials.sent(case), checks=CHECKS)

    operations = []
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            raise result.err()
        operations.append(result.ok())
    failures = []
    # signing out ends the caller's session: last
    for operation in sorted(operations, key=lambda op: op.path == "/logout"):
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _fuzz_one(operation, mode, fuzz_examples, call)
            except Unsatisfiable:  # nothing to get wrong: an operation without parameters
                continue
            except (Exception, BaseExceptionGroup) as exc:  # every operation's findings
                failures.append(f"{operation.label} ({mode.value}): {_summary(exc)}")
    assert not failures, "\n\n".join(failures)


@pytest.mark.slow
@pytest.mark.parametrize("caller", ["department", "grid_worker"])
def test_schemathesis_follows_the_links_without_a_server_error(
        fuzzed: Flask, db: Session, caller: str, fuzz_examples: int) -> None:
    credentials = _credentials(fuzzed, db, caller)
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", fuzzed)

    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return credentials.sent(case)

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            case.validate_response(response, checks=CHECKS)

    Workflow.run(settings=settings(max_examples=fuzz_examples, deadline=None, database=None,
                                   derandomize=True, stateful_step_count=6,
                                   suppress_health_check=list(HealthCheck)))


BEYOND_BIGINT = str(2**63)


def test_hostile_ids_and_numbers_are_4xx_problems(client, token, db: Session, city) -> None:
    """The inputs schemathesis first found 500s with, each a clear 4xx now."""
    headers = token("SCJG")
    for url in (f"/api/v1/grant-requests/{BEYOND_BIGINT}/approve",
                f"/api/v1/grant-requests/{'9' * 40}/deny"):
        answer = client.post(url, headers=headers, json={})
        assert (answer.status_code, answer.mimetype) == (404, "application/problem+json")
    for url in (f"/open311/v2/requests/{BEYOND_BIGINT}.json",
                f"/open311/v2/requests.json?service_request_id={BEYOND_BIGINT}"):
        assert client.get(url).status_code == 404
    assert client.get("/open311/v2/requests.json?end_date=0001-01-01T00:00:00Z").status_code == 200
    _sign_in(client, "op1")
    csrf = {"X-CSRF-Token": _csrf(client)}
    for form in ({"satisfaction": "很满意"}, {"satisfaction": "9" * 30}):
        answer = client.post("/issues/1/close", data=form, headers=csrf)
        assert (answer.status_code, answer.mimetype) == (400, "application/problem+json")
    assert client.post("/screen/dispatch", data={"issue_id": BEYOND_BIGINT, "department": "SCJG"},
                       headers=csrf).status_code == 400
    assert client.post("/logout", headers={"X-CSRF-Token": "令牌"}).status_code == 403


@pytest.mark.parametrize("last_id", ["abc", "1-2", f"{BEYOND_BIGINT}-0-0", "1-1-99999999999999999"])
def test_a_feed_resumed_from_a_strange_event_id_starts_afresh(db: Session, last_id: str) -> None:
    """What the stream service (api/screen/stream.py) does with a Last-Event-ID header: an id
    the feed never gave starts it afresh, and its first look at the store succeeds."""
    now = datetime.now(UTC)
    cursor = start(db, now, last_id)
    assert cursor == start(db, now)
    poll(db, cursor, now, Settings.from_env().screen)


@pytest.mark.parametrize("url", ["/api/v1/datasets/a%00b", "/open311/v2/services/a%00.json",
                                 "/api/v1/datasets/market.business/records?name=%00"])
def test_text_holding_nul_is_a_400_wherever_it_is(client, token, url: str) -> None:
    assert client.get(url, headers=token("SCJG")).status_code == 400
    assert client.post("/open311/v2/requests.json", data={"api_key": "k\x00"}).status_code == 400
