"""What the map shows: shared records in a grid with their personal fields masked."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from onegrid.platform.loop.queries import GridRecord, GridRecords
from onegrid.platform.settings import STORE_SRID
from onegrid.platform.sharing.views import DatasetView
from onegrid.platform.store.models import Area, Dataset, Department, Record
from tests.places import spot

pytestmark = pytest.mark.usefixtures("city")


def _view(dataset_id: str, **extra: object) -> dict[str, DatasetView]:
    return {dataset_id: DatasetView(dataset_id, "unconditional", "event_id", ("name", "phone"),
                                    frozenset({"phone"}), **extra)}  # type: ignore[arg-type]


def _records(db, grid_id: int, views: dict[str, DatasetView]) -> list[GridRecord]:
    code = db.scalar(select(Area.code).where(Area.id == grid_id))
    return GridRecords((code,)).run(db, views).value


def test_records_in_the_grid_are_listed_with_personal_fields_masked(db) -> None:
    here = spot(db, 16)
    grid_id = db.scalar(select(Area.id).where(Area.code == here.grid_code))
    owner = db.scalar(select(Department.id).where(Department.code == "MZJ"))
    db.add(Dataset(id="test_residents", title="困难群众", owner_department_id=owner,
                   subject_key_kind="resident_id", sharing_class="unconditional",
                   pii_fields=["phone"]))
    db.flush()
    db.add(Record(dataset_id="test_residents", subject_key="hash-1",
                  subject_key_masked="3303**********0011", grid_id=grid_id,
                  attributes={"name": "王芳", "phone": "13800000000"},
                  geom=func.ST_SetSRID(func.ST_MakePoint(here.lon, here.lat), STORE_SRID),
                  occurred_at=func.now()))
    db.flush()
    [record] = _records(db, grid_id, _view("test_residents"))
    assert record["attributes"] == {"name": "王芳", "phone": "13*******00"}
    assert record["dataset"] == "困难群众" and abs(record["lon"] - here.lon) < 1e-9
    assert _records(db, grid_id, _view("test_residents", hidden=frozenset({"geometry"}))) == []
    assert _records(db, grid_id, {}) == []  # a dataset the department does not read


def test_only_the_grids_own_records_are_listed_even_on_a_shared_edge(db) -> None:
    grid_id = db.scalar(select(Area.id).where(Area.code == spot(db, 16).grid_code))
    grid = aliased(Area)
    neighbour, edge = db.execute(  # a neighbour and a point of the edge both grids share
        select(Area.id, func.ST_PointOnSurface(func.ST_Intersection(grid.geom, Area.geom)))
        .join(grid, func.ST_Touches(grid.geom, Area.geom))
        .where(grid.id == grid_id, Area.level == "grid").limit(1)).one()
    owner = db.scalar(select(Department.id).where(Department.code == "MZJ"))
    db.add(Dataset(id="test_sites", title="场所", owner_department_id=owner,
                   subject_key_kind="address_code", sharing_class="unconditional"))
    db.flush()
    db.add_all([Record(dataset_id="test_sites", subject_key=f"site-{g}", grid_id=g,
                       attributes={}, geom=edge, occurred_at=func.now())
                for g in (grid_id, neighbour)])
    db.flush()
    assert [r["id"] for r in _records(db, grid_id, _view("test_sites"))] == list(db.scalars(
        select(Record.id).where(Record.dataset_id == "test_sites", Record.grid_id == grid_id)))
