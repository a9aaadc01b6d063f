"""Geocoding: a point for an address the store can place, from the names of its areas."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onegrid.platform.store.models import Area


def locate_address(session: Session, address: str) -> tuple[float, float] | None:
    """A point for an address string: the deepest area whose name it mentions (a grid, a
    community or a street), or None; OneGrid has no street-level geocoder yet."""
    row = session.execute(
        select(func.ST_X(func.ST_PointOnSurface(Area.geom)),
               func.ST_Y(func.ST_PointOnSurface(Area.geom)))
        .where(Area.level.in_(("grid", "community", "street")),
               func.strpos(address, Area.name) > 0)
        .order_by(func.length(Area.path).desc(), func.length(Area.name).desc()).limit(1)
    ).first()
    return (row[0], row[1]) if row else None
