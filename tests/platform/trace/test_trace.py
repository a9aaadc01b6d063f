from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from onegrid.platform.trace.chain import append, verify


def _chain(db: Session, n: int = 5) -> None:
    for i in range(n):
        append(db, "tester", "record.pull", f"dataset:demo.{i}", {"rows": i, "filter": "网格"})


def test_an_untouched_chain_verifies(db: Session) -> None:
    before = verify(db).entries
    _chain(db)
    verdict = verify(db)
    assert verdict.ok and verdict.entries == before + 5


def test_the_trace_refuses_updates_and_deletes(db: Session) -> None:
    _chain(db, 1)
    with pytest.raises(DBAPIError, match="append-only"), db.begin_nested():
        db.execute(text("UPDATE trace_entry SET actor = 'someone else'"))
    with pytest.raises(DBAPIError, match="append-only"), db.begin_nested():
        db.execute(text("DELETE FROM trace_entry"))


@pytest.fixture
def tamperable(db: Session) -> Session:
    """As an attacker with the table owner's rights would: the trigger switched off."""
    db.execute(text("ALTER TABLE trace_entry DISABLE TRIGGER trace_entry_append_only"))
    return db


def test_an_altered_entry_is_reported_first(tamperable: Session) -> None:
    _chain(tamperable)
    third = tamperable.scalar(text("SELECT max(seq) - 2 FROM trace_entry"))
    tamperable.execute(text("UPDATE trace_entry SET detail = '{\"rows\": 999}' WHERE seq = :s"),
                       {"s": third})
    verdict = verify(tamperable)
    assert not verdict.ok
    assert verdict.first_bad_seq == third
    assert "altered" in verdict.reason


def test_a_deleted_entry_is_reported_missing(tamperable: Session) -> None:
    _chain(tamperable)
    gone = tamperable.scalar(text("SELECT max(seq) - 1 FROM trace_entry"))
    tamperable.execute(text("DELETE FROM trace_entry WHERE seq = :s"), {"s": gone})
    verdict = verify(tamperable)
    assert (verdict.first_bad_seq, verdict.reason) == (gone, f"entry {gone} is missing")
