"""A trace an attacker can change: the append-only trigger switched off."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session


@pytest.fixture
def tamperable(db: Session) -> Session:
    """As an attacker with the table owner's rights would: the trigger switched off."""
    db.execute(text("ALTER TABLE trace_entry DISABLE TRIGGER trace_entry_append_only"))
    return db
