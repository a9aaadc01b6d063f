"""The pull service: refusals raise and leave no trace; answers are masked and traced once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onegrid.gis.tiles import RecordTile
from onegrid.platform.accounts.departments import get_department
from onegrid.platform.errors import AccessDeniedError, InvalidInputError, NotFoundError
from onegrid.platform.settings import Settings
from onegrid.platform.sharing.grants import decide, request_grant
from onegrid.platform.sharing.pull import Asker, Query, pull
from onegrid.platform.sharing.queries import ChangesSince, OneRecord, RecordPage, Subject
from onegrid.platform.sharing.records import RecordFilter
from onegrid.platform.store.models import Record, TraceEntry
from tests.api.conftest import RESIDENT_ID, catalog, shared, write  # noqa: F401  (fixtures)

RESIDENTS = RecordPage("population.resident", RecordFilter())
BUSINESSES = RecordPage("market.business", RecordFilter())


def _asker(db: Session, code: str, purpose: str = "") -> Asker:
    return Asker(get_department(db, code), f"dept:{code}", purpose)


def _grant(db: Session, fields: list[str]) -> None:
    asked = request_grant(db, get_department(db, "MZJ"), "dept:MZJ",
                          dataset_id="population.resident", purpose="低保核查", fields=fields,
                          expires_at=datetime(2099, 1, 1, tzinfo=UTC))
    decide(db, get_department(db, "GAJ"), "dept:GAJ", asked.id, approve=True)


def _entries(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(TraceEntry)) or 0


def _last(db: Session) -> TraceEntry:
    return db.scalars(select(TraceEntry).order_by(TraceEntry.seq.desc()).limit(1)).one()


def test_a_dataset_without_a_grant_is_refused_saying_how_to_ask(db: Session, shared) -> None:  # noqa: F811
    before = _entries(db)
    with pytest.raises(AccessDeniedError, match="POST /api/v1/grant-requests"):
        pull(db, _asker(db, "MZJ", "养老服务对象核查"), RESIDENTS)
    with pytest.raises(NotFoundError, match="no dataset 'nowhere'"):
        pull(db, _asker(db, "MZJ"), RecordPage("nowhere", RecordFilter()))
    assert _entries(db) == before


@pytest.mark.parametrize("purpose", ["", "   "])
def test_data_shared_on_request_is_refused_without_a_purpose(db: Session, shared,  # noqa: F811
                                                             purpose: str) -> None:
    _grant(db, ["gender"])
    before = _entries(db)
    with pytest.raises(InvalidInputError, match="X-Purpose"):
        pull(db, _asker(db, "MZJ", purpose), RESIDENTS)
    assert _entries(db) == before


def test_a_granted_pull_is_masked_and_traced_once_with_its_purpose(db: Session,
                                                                   shared) -> None:  # noqa: F811
    _grant(db, ["gender", "name"])
    before = _entries(db)
    page = pull(db, _asker(db, "MZJ", " 养老服务对象核查 "), RESIDENTS)
    (row,) = page.rows
    assert row["attributes"] == {"gender": "男", "name": "张*"}  # personal stays masked
    assert page.fields == ("name", "gender")  # the granted fields, in schema order
    assert _entries(db) == before + 1
    entry = _last(db)
    assert (entry.action, entry.actor, entry.target) == (
        "data.pull", "dept:MZJ", "dataset:population.resident")
    assert entry.detail["purpose"] == "养老服务对象核查" and entry.detail["rows"] == 1
    assert entry.detail["department"] == "MZJ" and "via" not in entry.detail


def test_the_owner_and_open_data_need_no_purpose(db: Session, shared) -> None:  # noqa: F811
    (own,) = pull(db, _asker(db, "GAJ"), RESIDENTS).rows
    assert own["attributes"]["name"] == "张伟"  # the owner sees its own data in the clear
    (business,) = pull(db, _asker(db, "MZJ"), BUSINESSES).rows
    assert business["attributes"]["legal_person"] == "张*"


def test_a_subject_needs_a_purpose_only_where_it_is_shared_on_request(
        db: Session, shared, settings: Settings) -> None:  # noqa: F811
    business = Subject.named("91330302MA2AXXXXX8", settings.pii_key)
    assert pull(db, _asker(db, "MZJ"), business)  # unconditional datasets only
    _grant(db, ["gender", "subject_key"])
    resident = Subject.named(RESIDENT_ID, settings.pii_key)  # found by the ID's keyed hash
    with pytest.raises(InvalidInputError, match="'population.resident' is shared on request"):
        pull(db, _asker(db, "MZJ"), resident)
    (row,) = pull(db, _asker(db, "MZJ", "低保核查"), resident)
    assert row["subject_key"] == "330302********1230" and row["attributes"] == {"gender": "男"}
    assert pull(db, _asker(db, "MZJ"), Subject.named("nobody-at-all", settings.pii_key)) == []


def _record_id(db: Session) -> int:
    return db.scalars(select(Record.id).where(Record.dataset_id == "market.business")
                      .order_by(Record.id.desc()).limit(1)).one()


@pytest.mark.parametrize(("query", "target", "detail"), [
    (lambda _: BUSINESSES, "dataset:market.business", {"rows", "fields"}),
    (lambda db: OneRecord("market.business", _record_id(db)), "record:", {"rows"}),
    (lambda _: ChangesSince("market.business", 0), "dataset:market.business",
     {"rows", "changes_since"}),
    (lambda _: RecordTile("market.business", 0, 0, 0), "dataset:market.business",
     {"tile", "bytes"}),
    (lambda _: Subject(("91330302MA2AXXXXX8",), "91330302MA2AXXXXX8"),
     "subject:91330302MA2AXXXXX8", {"rows", "datasets"}),
])
def test_each_query_names_its_pull_in_the_trace(db: Session, shared, query: Any,  # noqa: F811
                                                target: str, detail: set[str]) -> None:
    asked: Query[Any] = query(db)
    pull(db, Asker(get_department(db, "MZJ"), "dept:MZJ", "核查", "/route", "a=1", via="ogc"),
         asked)
    entry = _last(db)
    assert entry.action == "data.pull" and entry.target.startswith(target)
    assert set(entry.detail) == {"department", "route", "query", "purpose", "via"} | detail
    assert (entry.detail["route"], entry.detail["query"], entry.detail["via"]) == (
        "/route", "a=1", "ogc")
