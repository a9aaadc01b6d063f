from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from onegrid.platform.trace.chain import verify
from tests.platform.trace.attacker import add_entries


def test_an_untouched_chain_verifies(db: Session) -> None:
    before = verify(db).entries
    add_entries(db)
    verdict = verify(db)
    assert verdict.ok and verdict.entries == before + 5


def test_the_trace_refuses_updates_and_deletes(db: Session) -> None:
    add_entries(db, 1)
    with pytest.raises(DBAPIError, match="append-only"), db.begin_nested():
        db.execute(text("UPDATE trace_entry SET actor = 'someone else'"))
    with pytest.raises(DBAPIError, match="append-only"), db.begin_nested():
        db.execute(text("DELETE FROM trace_entry"))


def test_an_altered_entry_is_reported_first(tamperable: Session) -> None:
    add_entries(tamperable)
    third = tamperable.scalar(text("SELECT max(seq) - 2 FROM trace_entry"))
    tamperable.execute(text("UPDATE trace_entry SET detail = '{\"rows\": 999}' WHERE seq = :s"),
                       {"s": third})
    verdict = verify(tamperable)
    assert not verdict.ok
    assert verdict.first_bad_seq == third
    assert "altered" in verdict.reason


def test_a_deleted_entry_is_reported_missing(tamperable: Session) -> None:
    add_entries(tamperable)
    gone = tamperable.scalar(text("SELECT max(seq) - 1 FROM trace_entry"))
    tamperable.execute(text("DELETE FROM trace_entry WHERE seq = :s"), {"s": gone})
    verdict = verify(tamperable)
    assert (verdict.first_bad_seq, verdict.reason) == (gone, f"entry {gone} is missing")
