from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from onegrid.platform.accounts.departments import add_department
from onegrid.platform.errors import InvalidInputError, NotFoundError
from onegrid.platform.sharing.tokens import (
    create_token,
    list_tokens,
    revoke_token,
    valid_token,
)
from onegrid.platform.store.models import ApiToken


@pytest.fixture
def department(db: Session):
    return add_department(db, "TESTDEP", "测试局", "Test Bureau")


def test_a_token_identifies_its_department_and_only_its_hash_is_stored(db: Session,
                                                                        department) -> None:
    row, clear = create_token(db, "TESTDEP", "analytics")
    found = valid_token(db, clear)
    assert found is not None and found[1].code == "TESTDEP" and found[0].scope == "data"
    stored = db.scalars(select(ApiToken.token_hash)).all()
    assert row.token_hash in stored and clear not in stored


def test_unknown_revoked_and_expired_tokens_identify_nobody(db: Session, department) -> None:
    assert valid_token(db, "og_not-a-token") is None
    revoked, clear = create_token(db, "TESTDEP")
    revoke_token(db, revoked.id, "test")
    assert valid_token(db, clear) is None
    expired, clear = create_token(db, "TESTDEP", valid_days=1)
    expired.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    db.flush()
    assert valid_token(db, clear) is None


def test_a_token_for_an_unknown_department_is_refused(db: Session) -> None:
    with pytest.raises(NotFoundError, match="NOPE"):
        create_token(db, "NOPE")


def test_a_token_expires_after_a_year_unless_told_and_keeps_its_scope(db: Session,
                                                                      department) -> None:
    row, _ = create_token(db, "TESTDEP", scope="open311")
    assert row.scope == "open311"
    assert row.expires_at is not None
    assert timedelta(days=364) < row.expires_at - datetime.now(UTC) <= timedelta(days=365)
    assert (row, "TESTDEP") in list_tokens(db)


def test_an_unknown_scope_or_token_id_is_refused(db: Session, department) -> None:
    with pytest.raises(InvalidInputError, match="scope"):
        create_token(db, "TESTDEP", scope="admin")
    with pytest.raises(NotFoundError, match="no token"):
        revoke_token(db, 0, "test")
