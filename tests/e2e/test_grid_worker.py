"""End to end in headless chromium at 360×740: a worker logs an issue on the map and the loop
closes by hand; an issue logged offline is sent exactly once when the connection returns."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onegrid.demo.city import DEMO_PASSWORD
from onegrid.platform.store.models import Department, Issue, IssuePhoto, User
from tests.e2e.browser import phone  # noqa: F401  (fixture)
from tests.liveserver import live_servers, live_url  # noqa: F401  (fixtures)
from tests.places import spot

pytestmark = pytest.mark.slow
PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)


def _sign_in(page: Page, url: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("#sign-in")
    page.wait_for_load_state("networkidle")


def _log_issue(page: Page, category: str, description: str, photo: Path | None = None) -> None:
    page.locator(".folium-map").click()  # the map is fitted to the grid: its centre is inside
    page.select_option("select[name=category]", category)
    page.fill("textarea[name=description]", description)
    if photo is not None:
        page.set_input_files("input[name=photo]", str(photo))
    page.click("#submit-issue")


def _issues(engine, description: str) -> list[Issue]:
    with Session(engine) as session:
        return list(session.scalars(select(Issue).where(Issue.description == description)))


def _step(page: Page, url: str, issue_id: int, action: str, note: str = "") -> None:
    page.goto(f"{url}/issues/{issue_id}")
    form = page.locator(f"#step-{action}")
    if note:
        form.locator("input[name=note]").fill(note)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")


def test_a_worker_logs_an_issue_and_the_loop_closes(phone, live_url, engine,  # noqa: F811
                                                     tmp_path) -> None:
    context, escaped = phone
    photo = tmp_path / "stall.png"
    photo.write_bytes(PNG)
    with Session(engine) as session:
        here = spot(session, 20)
    page = context.new_page()
    _sign_in(page, live_url, here.worker)
    expect(page).to_have_url(f"{live_url}/grid")
    # Mobile first: nothing wider than the 360 px screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    _log_issue(page, "E0502", "e2e 水果摊占道经营", photo)
    expect(page.locator("#my-issues")).to_contain_text("e2e 水果摊占道经营", timeout=10_000)
    [issue] = _issues(engine, "e2e 水果摊占道经营")
    with Session(engine) as session:
        assert session.get_one(Department, issue.department_id).code == "CGJ"
        kept = session.scalars(select(IssuePhoto).where(IssuePhoto.issue_id == issue.id)).one()
        assert kept.sha256 == hashlib.sha256(PNG).hexdigest()
        names = {u.username: u.display_name for u in session.scalars(
            select(User).where(User.username.in_([here.worker, "op1", "cgj1"])))}
    _sign_in(page, live_url, "op1")
    _step(page, live_url, issue.id, "dispatch")
    _sign_in(page, live_url, "cgj1")
    _step(page, live_url, issue.id, "accept")
    _step(page, live_url, issue.id, "resolve", note="摊位已劝离")
    _sign_in(page, live_url, here.worker)
    _step(page, live_url, issue.id, "verify")
    trace = page.locator("#trace li").all_inner_texts()
    steps = ["issue.reported", "issue.routed", "issue.dispatch", "issue.accept", "issue.resolve",
             "issue.verify"]
    assert [next(s for s in steps if s in line) for line in trace] == steps
    for line, who in zip(trace, [here.worker, "routing", "op1", "cgj1", "cgj1", here.worker],
                         strict=True):
        assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ", line)  # when
        assert who in line and names.get(who, who) in line  # who, by username and name
    assert "CGJ" in trace[1]
    assert escaped == []


def test_an_issue_logged_offline_is_sent_once_when_the_connection_returns(
        phone, live_url, engine) -> None:  # noqa: F811
    context, escaped = phone
    with Session(engine) as session:
        here = spot(session, 21)
    page = context.new_page()
    _sign_in(page, live_url, here.worker)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    context.set_offline(True)
    page.reload()  # the service worker serves the page without a connection
    expect(page.locator("#submit-issue")).to_be_visible()
    _log_issue(page, "C0302", "e2e 离线上报垃圾箱破损")
    expect(page.locator("#outbox")).to_contain_text("离线", timeout=5_000)
    assert _issues(engine, "e2e 离线上报垃圾箱破损") == []
    context.set_offline(False)
    expect(page.locator("#my-issues")).to_contain_text("e2e 离线上报垃圾箱破损", timeout=15_000)
    page.reload()
    page.wait_for_load_state("networkidle")
    with Session(engine) as session:
        count = session.scalar(select(func.count()).select_from(Issue)
                               .where(Issue.description == "e2e 离线上报垃圾箱破损"))
    assert count == 1
    assert page.evaluate("caches.keys()") != []
    page.click("#sign-out button")
    page.wait_for_url("**/login")
    assert page.evaluate("caches.keys()") == []  # no grid data left for the next person
    assert escaped == []


def test_the_phones_location_places_the_issue(phone, live_url, engine) -> None:  # noqa: F811
    context, escaped = phone
    with Session(engine) as session:
        here = spot(session, 22)
    context.grant_permissions(["geolocation"], origin=live_url)
    context.set_geolocation({"latitude": here.lat, "longitude": here.lon})
    page = context.new_page()
    _sign_in(page, live_url, here.worker)
    page.click("#locate")
    expect(page.locator("input[name=lat]")).to_have_value(str(here.lat), timeout=5_000)
    assert float(page.input_value("input[name=lon]")) == pytest.approx(here.lon)
    assert escaped == []
