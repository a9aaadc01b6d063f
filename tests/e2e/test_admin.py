"""The administrator's index in headless chromium: Chinese first, English after the switch,
nothing loaded from off the host."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect
from sqlalchemy import Engine, delete
from sqlalchemy.orm import Session

from onegrid.demo.city import DEMO_PASSWORD
from onegrid.platform.accounts.passwords import hash_password
from onegrid.platform.store.models import User
from tests.e2e.browser import wall  # noqa: F401  (fixture)
from tests.e2e.test_grid_worker import _sign_in
from tests.liveserver import live_servers, live_url  # noqa: F401  (fixtures)

pytestmark = pytest.mark.slow
ADMIN = "e2e.admin"


@pytest.fixture
def administrator(engine: Engine) -> Iterator[str]:
    """An admin committed for the live server (which has its own connections), removed after."""
    with Session(engine) as session:
        session.add(User(username=ADMIN, display_name="管理员", role="admin",
                         password_hash=hash_password(DEMO_PASSWORD)))
        session.commit()
    yield ADMIN
    with Session(engine) as session:
        session.execute(delete(User).where(User.username == ADMIN))
        session.commit()


def test_the_admin_page_opens_in_chinese_and_switches_to_english(
        wall, live_url, administrator: str) -> None:  # noqa: F811
    context, escaped = wall
    page = context.new_page()
    _sign_in(page, live_url, administrator)
    assert page.url.endswith("/admin")  # an admin's home
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("h1")).to_have_text("系统管理")
    expect(page.locator("#admin-sections a").first).to_have_text("部门")
    page.click("#lang-switch")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Administration")
    page.click("#admin-sections a >> text=Departments")
    expect(page.locator("#departments")).to_contain_text("SCJG")
    assert escaped == []
