"""Shared-API fixtures: the demo datasets, records written by the real ingest writer, tokens."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session

from onegrid.platform.tokens import create_token
from tests.ingest.conftest import catalog, envelope, write  # noqa: F401  (fixtures)

RESIDENT_ID = "330302198001011230"


@pytest.fixture
def token(db: Session, catalog) -> Callable[[str], dict[str, str]]:  # noqa: F811
    """Headers with a fresh bearer token of the named department."""
    def headers(department: str, **extra: str) -> dict[str, str]:
        _, clear = create_token(db, department, label="test")
        return {"Authorization": f"Bearer {clear}", **extra}
    return headers


@pytest.fixture
def shared(write, db: Session) -> None:  # noqa: F811
    """A business (unconditional, with personal fields), its taxpayer record and a resident."""
    write(envelope(legal_person="张伟", phone="0577-88001234", employees=12),
          envelope(dataset="tax.taxpayer", department="SWJ", record_id="t-1", credit_grade="A"),
          envelope(dataset="population.resident", department="GAJ", subject_key=RESIDENT_ID,
                   record_id="p-1", name="张伟", gender="男", phone="13812345678",
                   birth_year=1980))
    db.flush()
