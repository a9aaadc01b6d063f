"""What the map shows: shared records in a grid with their personal fields masked."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from onegrid.platform.config import STORE_SRID
from onegrid.platform.loop.queries import MASK, records_in_grids
from onegrid.platform.models import Area, Dataset, Department, Record
from tests.places import spot

pytestmark = pytest.mark.usefixtures("city")


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
                  attributes={"name_masked": "王*", "phone": "13800000000"},
                  geom=func.ST_SetSRID(func.ST_MakePoint(here.lon, here.lat), STORE_SRID),
                  occurred_at=func.now()))
    db.flush()
    [record] = records_in_grids(db, [grid_id])
    assert record["attributes"] == {"name_masked": "王*", "phone": MASK}
    assert record["dataset"] == "困难群众" and abs(record["lon"] - here.lon) < 1e-9
