"""The screen through Flask's client: operators only, state JSON, drill-down, dispatch; and
the feed as text/event-stream from the stream service (the burden report:
test_burden_report.py)."""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select

from onegrid.api.screen.stream import Looks
from onegrid.platform.screen.feed import start
from onegrid.platform.screen.kpis import KPI_NAMES
from onegrid.platform.screen.rules import ScreenRules
from onegrid.platform.store.models import Department, TraceEntry
from tests.api.test_grid_pages import _post, _sign_in
from tests.liveserver import stream_server
from tests.places import spot
from tests.platform.screen.factory import make_issue

pytestmark = pytest.mark.usefixtures("city")


@pytest.fixture
def operator(client):
    _sign_in(client, "op1")
    return client


def test_the_screen_is_for_operators(client, db) -> None:
    assert client.get("/screen").status_code == 302
    _sign_in(client, "scjg1")
    assert client.get("/screen").status_code == 403


def test_operators_find_the_screen_from_their_queue(operator) -> None:
    assert 'href="/screen"' in operator.get("/issues").get_data(as_text=True)


def test_the_wall_page_names_every_tile_in_chinese_and_in_english(operator) -> None:
    page = operator.get("/screen").get_data(as_text=True)
    assert all(f'data-kpi="{name}"' in page for name in KPI_NAMES) and "今日新增事件" in page
    assert "Issues today" in operator.get("/screen?lang=en").get_data(as_text=True)


def test_state_follows_the_store(operator, db) -> None:
    before = operator.get("/screen/state.json").json
    make_issue(db, 180, "C0401", age=timedelta(days=3))
    after = operator.get("/screen/state.json").json
    assert set(after["kpis"]) == set(KPI_NAMES)
    assert after["kpis"]["overdue"] == before["kpis"]["overdue"] + 1
    assert after["kpis"]["open"] == before["kpis"]["open"] + 1


def test_drill_down_from_the_city_to_a_grid(operator) -> None:
    city = operator.get("/screen/area.json").json
    assert city["level"] == "city" and city["children"]["features"]
    code = city["children"]["features"][0]["properties"]["code"]
    while True:
        view = operator.get(f"/screen/area.json?code={code}").json
        assert [c["code"] for c in view["breadcrumbs"]][-1] == code
        if not view["children"]["features"]:
            break
        code = view["children"]["features"][0]["properties"]["code"]
    assert view["level"] == "grid" and len(view["breadcrumbs"]) == 5


def test_open_issues_count_for_their_grid_and_every_area_above(operator, db) -> None:
    before = operator.get("/screen/area.json").json["children"]["features"][0]["properties"]
    make_issue(db, 181, "E0502")
    make_issue(db, 181, "E0102")
    counts = operator.get("/screen/open-grids.json").json
    assert counts[spot(db, 181).grid_code] == 2 and all(n > 0 for n in counts.values())
    after = operator.get("/screen/area.json").json["children"]["features"][0]["properties"]
    assert after["open"] == before["open"] + 2


def test_dispatch_from_the_screen_assigns_and_traces(operator, db) -> None:
    issue = make_issue(db, 182, "C0401")
    response = _post(operator, "/screen/dispatch", {"issue_id": issue.id, "department": "ZJJ"})
    assert response.status_code == 200 and response.json["status"] == "dispatched"
    assert db.get(Department, response.json["department_id"]).code == "ZJJ"
    actors = db.scalars(select(TraceEntry.actor).where(
        TraceEntry.target == f"issue:{issue.id}", TraceEntry.action == "issue.dispatch")).all()
    assert actors == ["op1"]
    again = _post(operator, "/screen/dispatch", {"issue_id": issue.id, "department": "NOPE"})
    assert again.status_code == 400


def test_the_feed_is_a_bounded_event_stream_of_its_own_process(app, settings, operator,
                                                                db) -> None:
    """The stream service (an ASGI app) with the site's sign-in: operators only, CORS for the
    site's pages on another port of the same host and for no other origin."""
    quick = ScreenRules(feed_seconds=0.3, feed_poll=0.1)
    app.extensions["onegrid"]["settings"] = replace(settings, screen=quick)
    issue = make_issue(db, 183, "E0502")
    cookie = operator.get_cookie("session")
    assert cookie is not None

    def get(url: str, **headers: str) -> tuple[int, dict[str, str], str]:
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers),
                                        timeout=10) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read().decode()
    with stream_server(app) as stream:
        status, headers, body = get(f"{stream}/screen/feed", Cookie=f"session={cookie.value}",
                                    Origin="http://127.0.0.1:8000")
        anonymous = get(f"{stream}/screen/feed", Origin="http://127.0.0.1:8000")
        elsewhere = get(f"{stream}/screen/feed", Cookie=f"session={cookie.value}",
                        Origin="http://evil.example")
        _sign_in(operator, "scjg1")
        staff = operator.get_cookie("session")
        assert staff is not None
        forbidden = get(f"{stream}/screen/feed", Cookie=f"session={staff.value}")
    assert status == 200 and headers["content-type"].startswith("text/event-stream")
    assert headers["access-control-allow-origin"] == "http://127.0.0.1:8000"
    assert headers["access-control-allow-credentials"] == "true"
    assert body.startswith("retry: ") and "event: new_issue" in body
    assert f'"issue_id": {issue.id}' in body and body.rstrip().endswith("data: {}")
    assert anonymous[0] == 401 and anonymous[1]["content-type"] == "application/problem+json"
    assert "access-control-allow-origin" not in elsewhere[1]
    assert forbidden[0] == 403


def test_streams_at_the_same_cursor_share_one_look_a_poll(app, db, connection) -> None:
    """50 walls at the head of the feed cost the store one look a poll, not 50."""
    make_issue(db, 183, "E0502")
    rules = ScreenRules(feed_poll=3600.0)  # the whole test within one poll
    looks, cursor = Looks(app), start(db, datetime.now(UTC) - timedelta(minutes=1))
    statements: list[str] = []
    event.listen(connection, "before_cursor_execute",
                 lambda _conn, _cursor, sql, *_: statements.append(sql))
    found, after = looks.look(cursor, rules)
    asked = len(statements)
    assert asked and [e.kind for e in found][-1:] == ["new_issue"]
    assert all(looks.look(cursor, rules) == (found, after) for _ in range(49))
    assert len(statements) == asked
    assert looks.look(after, rules) == ([], after)  # the head, looked at once more
    assert len(statements) > asked


def test_the_wall_opens_the_feed_where_the_stream_service_listens(app, settings,
                                                                   operator) -> None:
    app.extensions["onegrid"]["settings"] = replace(
        settings, web=replace(settings.web, stream_port=8001))
    page = operator.get("/screen").get_data(as_text=True)
    assert '"feed": "/screen/feed"' in page and '"feedPort": 8001' in page
