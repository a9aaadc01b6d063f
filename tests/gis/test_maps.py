"""The grid map: our Leaflet, the grid polygons, base tiles only when configured."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from onegrid.gis.maps import grid_map
from onegrid.platform.loop.queries import IssuePoint
from onegrid.platform.store.models import Area
from tests.places import spot

pytestmark = pytest.mark.usefixtures("city")


def _render(db, tile_url: str = ""):
    here = spot(db, 17)
    grid_id = db.scalar(select(Area.id).where(Area.code == here.grid_code))
    issues = [IssuePoint(id=1, status="routed", category="E0102", lon=here.lon, lat=here.lat)]
    return grid_map(db, [grid_id], issues, [], leaflet_js="/static/l.js",
                    leaflet_css="/static/l.css", tile_url=tile_url), here


def test_the_map_uses_our_leaflet_and_draws_the_grid_without_a_base_layer(db) -> None:
    rendered, here = _render(db)
    page = rendered.header + rendered.html + rendered.script
    assert '<script src="/static/l.js">' in rendered.header
    assert "http://" not in page and "https://" not in page
    assert "tileLayer" not in rendered.script
    assert here.grid_code in rendered.script and rendered.name in rendered.html
    assert "$(" not in rendered.script  # no jQuery: we do not serve it
    assert 'bindPopup("\\u003ca href=\\"/issues/1\\"' in rendered.script


def test_base_tiles_come_from_the_configured_url(db) -> None:
    rendered, _ = _render(db, "http://127.0.0.1:9/tiles/{z}/{x}/{y}.png")
    assert "http://127.0.0.1:9/tiles/{z}/{x}/{y}.png" in rendered.script
