"""Vector tiles: hierarchy layers, record layers within the caller's grants, tile checks."""

from __future__ import annotations

import math

import mapbox_vector_tile
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from onegrid.gis.tiles import tile
from onegrid.platform.accounts.departments import get_department
from onegrid.platform.errors import AccessDeniedError, InvalidInputError, NotFoundError
from onegrid.platform.sharing.views import readable
from onegrid.platform.store.models import User
from tests.api.conftest import catalog, shared, token, write  # noqa: F401  (fixtures)
from tests.ingest.conftest import LUCHENG_POINT


def _xyz(z: int) -> tuple[int, int, int]:
    lon, lat = LUCHENG_POINT
    n, r = 2**z, math.radians(lat)
    return z, int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(r)) / math.pi) / 2 * n)


def _decode(data: bytes) -> dict:
    return mapbox_vector_tile.decode(data)


def test_grid_layer_carries_code_name_and_level(db: Session, city) -> None:
    layer = _decode(tile(db, "area.grid", *_xyz(14), {}))["area.grid"]
    props = layer["features"][0]["properties"]
    assert set(props) == {"code", "name", "level"} and props["level"] == "grid"
    assert props["code"].startswith("330302")


def test_record_layer_shows_only_what_the_caller_may_see(db: Session, shared) -> None:  # noqa: F811
    views = readable(db, get_department(db, "ZHZX"))
    layer = _decode(tile(db, "record.market.business", *_xyz(15), views))
    (feature,) = layer["record.market.business"]["features"]
    props = feature["properties"]
    assert props["subject_key"] == "91330302MA2AXXXXX8" and props["employees"] == 12
    assert "phone" not in props and "legal_person" not in props  # personal: masked for ZHZX
    assert props["grid"].startswith("330302")


def test_record_layer_of_an_ungranted_dataset_is_refused(db: Session, shared) -> None:  # noqa: F811
    views = readable(db, get_department(db, "ZHZX"))
    with pytest.raises(AccessDeniedError, match="how to ask"):
        tile(db, "record.population.resident", *_xyz(15), views)


def test_bad_layers_and_tiles_are_named(db: Session, city) -> None:
    with pytest.raises(NotFoundError):
        tile(db, "area.planet", 0, 0, 0, {})
    with pytest.raises(InvalidInputError):
        tile(db, "area.grid", 3, 8, 0, {})


def test_the_endpoint_serves_mvt_to_tokens_and_operators(client, db, token, shared) -> None:  # noqa: F811
    z, x, y = _xyz(14)
    assert client.get(f"/tiles/area.grid/{z}/{x}/{y}.mvt").status_code == 401
    ok = client.get(f"/tiles/area.grid/{z}/{x}/{y}.mvt", headers=token("SCJG"))
    assert ok.status_code == 200 and ok.mimetype == "application/vnd.mapbox-vector-tile"
    with client.session_transaction() as cookie:
        cookie["user_id"] = db.scalar(select(User.id).where(User.username == "op1"))
        cookie["generation"] = 0  # the session generation signing in puts in the cookie
    screen = client.get(f"/tiles/record.market.business/{z}/{x}/{y}.mvt")
    assert screen.status_code == 200 and "record.market.business" in _decode(screen.data)
