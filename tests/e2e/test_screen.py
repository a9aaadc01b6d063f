"""The command centre's wall in headless chromium at 1920×1080 on the demo city: grids on the
map, every KPI tile filled from the store, nothing off 127.0.0.1, a screenshot kept; and the
time from an issue committed in the store to its arrival on the live feed."""

from __future__ import annotations

import re
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from onegrid.platform.loop.handling import act
from onegrid.platform.screen.kpis import KPI_NAMES, kpis
from onegrid.platform.screen.rules import ScreenRules
from onegrid.platform.store.models import Issue, User
from tests.e2e.browser import wall  # noqa: F401  (fixture)
from tests.e2e.test_grid_worker import _sign_in
from tests.liveserver import live_servers, live_url  # noqa: F401  (fixtures)
from tests.platform.screen.factory import make_issue, now

pytestmark = pytest.mark.slow
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
MAX_LATENCY_S = 2.0
NUMBER = re.compile(r"^\d+(\.\d+)?$")


def _commit_issue(engine: Engine, rank: int, category: str = "E0502") -> int:
    with Session(engine) as session:
        issue = make_issue(session, rank, category)
        session.commit()
        return issue.id


def _resolve_one(engine: Engine, rank: int) -> None:
    """One issue through the loop by hand, so the median time to resolve has something."""
    issue_id = _commit_issue(engine, rank, "E0502")
    with Session(engine) as session:
        users = {u.username: u for u in session.scalars(
            select(User).where(User.username.in_(["op1", "cgj1"])))}
        act(session, issue_id, "dispatch", users["op1"])
        act(session, issue_id, "accept", users["cgj1"])
        act(session, issue_id, "resolve", users["cgj1"], note="已清理")
        session.commit()


def _open_wall(page: Page, url: str) -> None:
    _sign_in(page, url, "op1")
    page.goto(f"{url}/screen")
    expect(page.locator("[data-kpi=open]")).to_have_text(NUMBER, timeout=15_000)


def test_the_wall_shows_grids_and_every_kpi_from_the_store(wall, live_url, engine,  # noqa: F811
                                                            tmp_path) -> None:
    context, escaped = wall
    _resolve_one(engine, 200)
    _commit_issue(engine, 201, "C0401")  # one for the dispatch list
    page = context.new_page()
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    tiles: list[str] = []
    page.on("request", lambda r: tiles.append(r.url) if "/tiles/area.grid/" in r.url else None)
    _open_wall(page, live_url)
    # the grids arrive as vector tiles (never as one big GeoJSON), drawn as SVG paths
    # (a locator, not wait_for_function: the page's CSP forbids the eval that one needs)
    page.locator("#map svg path").nth(100).wait_for(state="attached", timeout=20_000)
    assert tiles and all(url.endswith(".mvt") for url in tiles)
    page.wait_for_load_state("networkidle")
    shown = {name: page.locator(f"[data-kpi={name}]").inner_text() for name in KPI_NAMES}
    assert all(NUMBER.match(value) for value in shown.values()), shown
    with Session(engine) as session:
        stored = kpis(session, now(), ScreenRules())
    assert {k: float(v) for k, v in shown.items()} == \
        {k: float(v) for k, v in stored.items() if isinstance(v, int | float)}
    expect(page.locator("#crumbs strong")).to_have_text("温州市")
    expect(page.locator("#dispatch li[data-issue]").first).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    for folder in (ARTIFACTS, tmp_path):
        page.screenshot(path=str(folder / "screen-1920x1080.png"))
    assert escaped == [] and console_errors == []


def test_a_new_issue_reaches_the_wall_within_two_seconds_and_moves_its_kpi(
        wall, live_url, engine) -> None:  # noqa: F811
    context, escaped = wall
    page = context.new_page()
    _open_wall(page, live_url)
    page.wait_for_timeout(1500)  # the feed's stream is open and has replayed what it had
    before = int(page.locator("[data-kpi=issues_today]").inner_text())
    started = time.monotonic()
    issue_id = _commit_issue(engine, 202)
    page.locator(f"#feed li[data-issue='{issue_id}']").wait_for(timeout=5_000)
    latency = time.monotonic() - started
    print(f"store → wall feed: {latency:.3f} s")
    assert latency <= MAX_LATENCY_S
    expect(page.locator("[data-kpi=issues_today]")).to_have_text(str(before + 1))
    page.locator(f"#feed li[data-issue='{issue_id}']").click()  # drills down to its grid
    expect(page.locator("#crumbs > *")).to_have_count(5)
    page.click("#lang-switch")
    expect(page.locator("#kpi-open .kpi-label")).to_have_text("Open issues")
    assert escaped == []


def test_the_event_stream_delivers_a_committed_issue_within_two_seconds(
        live_servers, engine) -> None:  # noqa: F811
    site, stream_url = live_servers
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    login = opener.open(f"{site}/login").read().decode()
    form = re.search(r'name="csrf_token" value="([^"]+)"', login)
    assert form, login
    token = form.group(1)
    opener.open(f"{site}/login", data=urllib.parse.urlencode(
        {"username": "op2", "password": "onegrid-demo", "csrf_token": token}).encode())
    with Session(engine) as session:
        last = session.scalar(select(Issue.id).order_by(Issue.id.desc()).limit(1)) or 0
    # the stream service, on another port of the site's host: the sign-in cookie goes along
    stream = opener.open(f"{stream_url}/screen/feed", timeout=10)
    assert stream.readline().startswith(b"retry:")
    started = time.monotonic()
    issue_id = _commit_issue(engine, 203)
    assert issue_id > last
    for line in iter(stream.readline, b""):
        if line.startswith(b"data:") and f'"issue_id": {issue_id}'.encode() in line:
            break
    latency = time.monotonic() - started
    stream.close()
    print(f"store → SSE: {latency:.3f} s")
    assert latency <= MAX_LATENCY_S
