"""Drill-down geography for the command centre's screen: one area, its breadcrumbs, its
children with their open issues, and the open issues per grid for the grid choropleth."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onegrid.platform.errors import NotFoundError
from onegrid.platform.loop.states import OPEN_STATES
from onegrid.platform.store.models import Area, Issue
from onegrid.platform.store.sqlfiles import statements


def area_view(session: Session, code: str | None) -> dict[str, Any]:
    """The area (the city when ``code`` is None), its breadcrumbs from the city down, its
    bounding box [[south, west], [north, east]] and its children as a FeatureCollection with
    ``open`` (open issues below each child) in their properties."""
    query = select(Area).where(Area.code == code) if code else \
        select(Area).where(Area.level == "city").order_by(Area.code)
    area = session.scalars(query.limit(1)).first()
    if area is None:
        raise NotFoundError(f"no area {code!r}")
    codes = area.path.split(".")
    crumbs = {a.code: a for a in session.scalars(select(Area).where(Area.code.in_(codes)))}
    box = session.execute(select(func.ST_YMin(Area.geom), func.ST_XMin(Area.geom),
                                 func.ST_YMax(Area.geom), func.ST_XMax(Area.geom))
                          .where(Area.id == area.id)).one()
    (children,) = statements("onegrid.platform.screen", "drill_children")
    rows = session.execute(children, {"open": list(OPEN_STATES), "prefix": f"{area.path}.%",
                                      "parent_id": area.id})
    features = [{"type": "Feature", "geometry": json.loads(r.geojson),
                 "properties": {"code": r.code, "name": r.name, "level": r.level,
                                "open": r.open}} for r in rows]
    return {"code": area.code, "name": area.name, "level": area.level,
            "breadcrumbs": [{"code": c, "name": crumbs[c].name, "level": crumbs[c].level}
                            for c in codes if c in crumbs],
            "bounds": [[box[0], box[1]], [box[2], box[3]]],
            "children": {"type": "FeatureCollection", "features": features}}


def open_by_grid(session: Session) -> dict[str, int]:
    """{grid code: open issues} for the grids that have any."""
    rows = session.execute(
        select(Area.code, func.count()).join(Issue, Issue.grid_id == Area.id)
        .where(Issue.status.in_(OPEN_STATES)).group_by(Area.code))
    return {code: count for code, count in rows}
