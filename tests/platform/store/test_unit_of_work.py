"""The unit of work: the block's work commits when it ends normally and rolls back when it
raises (inside the test's transaction, a commit releases a savepoint)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from onegrid.platform.accounts.departments import add_department
from onegrid.platform.store.db import unit_of_work
from onegrid.platform.store.models import Department


def _kept(sessions: sessionmaker[Session], code: str) -> bool:
    """Whether ``code`` outlived the session that added it (closing one rolls it back)."""
    with sessions() as other:
        return other.scalar(select(Department.id).where(Department.code == code)) is not None


def test_the_work_commits_when_the_block_ends(sessions: sessionmaker[Session]) -> None:
    with sessions() as session, unit_of_work(session) as db:
        add_department(db, "UOWA", "提交测试局")
    assert _kept(sessions, "UOWA")


def test_the_work_rolls_back_when_the_block_raises(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        with pytest.raises(LookupError), unit_of_work(session) as db:
            add_department(db, "UOWB", "回滚测试局")
            raise LookupError("a service refused")
        assert session.scalar(select(Department.id).where(Department.code == "UOWB")) is None
    assert not _kept(sessions, "UOWB")


def test_a_session_closed_outside_a_unit_of_work_keeps_nothing(
        sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        add_department(session, "UOWC", "未提交测试局")
        session.flush()
    assert not _kept(sessions, "UOWC")
