"""A one-time password opens only the page that replaces it; a disabled user is let in nowhere."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from onegrid.platform.accounts.users import Person, apply_people, set_disabled
from onegrid.platform.settings import Settings
from onegrid.platform.store.models import TraceEntry, User
from tests.api.test_grid_pages import _post

pytestmark = pytest.mark.usefixtures("city")
NEW = "a-password-of-her-own"


def _new_worker(db: Session, settings: Settings, username: str) -> str:
    person = Person(username, "郭芳", "grid_worker", "WGZX", ("330302001001001",))
    return apply_people(db, [person], settings.pii_key, "test", "test").created[username]


def test_a_one_time_password_must_be_changed_before_any_page_opens(client, db: Session,
                                                                   settings: Settings) -> None:
    once = _new_worker(db, settings, "first.guo")
    signed = _post(client, "/login?next=/grid", {"username": "first.guo", "password": once})
    assert signed.status_code == 302 and signed.location.startswith("/password")
    page = client.get("/grid")
    assert page.status_code == 302 and page.location.startswith("/password")
    assert "修改密码" in client.get("/password").get_data(as_text=True)
    for wrong, status in (({"current": "guess", "new": NEW, "repeat": NEW}, "当前密码错误"),
                          ({"current": once, "new": NEW, "repeat": NEW + "x"}, "不一致"),
                          ({"current": once, "new": "short", "repeat": "short"}, "至少 10")):
        refused = _post(client, "/password?next=/grid", wrong)
        assert refused.status_code == 400 and status in refused.get_data(as_text=True)
    changed = _post(client, "/password?next=/grid", {"current": once, "new": NEW, "repeat": NEW})
    assert changed.status_code == 302 and changed.location == "/grid"
    assert client.get("/grid").status_code == 200  # the same session goes on
    user = db.scalars(select(User).where(User.username == "first.guo")).one()
    db.refresh(user)
    assert not user.must_change_password
    entry = db.scalars(select(TraceEntry).where(TraceEntry.target == "user:first.guo")
                       .order_by(TraceEntry.seq.desc())).first()
    assert entry is not None and entry.action == "user.change_password"
    _post(client, "/logout")
    assert _post(client, "/login", {"username": "first.guo", "password": once}).status_code == 401
    assert _post(client, "/login", {"username": "first.guo", "password": NEW}).status_code == 302


def test_a_disabled_user_cannot_sign_in_and_their_session_ends(client, db: Session,
                                                               settings: Settings) -> None:
    once = _new_worker(db, settings, "gone.guo")
    assert _post(client, "/login", {"username": "gone.guo", "password": once}).status_code == 302
    set_disabled(db, "gone.guo", True, "test")
    page = client.get("/password")
    assert page.status_code == 302 and page.location.startswith("/login")
    assert _post(client, "/login", {"username": "gone.guo", "password": once}).status_code == 401
