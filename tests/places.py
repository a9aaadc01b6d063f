"""Places and people of the demo city that tests report issues at."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Spot:
    grid_code: str
    worker: str
    lon: float
    lat: float


def spot(session: Session, rank: int = 0) -> Spot:
    """The centre of a full-size grid (``rank``-th by code) and its grid worker."""
    row = session.execute(text(
        "SELECT code, ST_X(ST_PointOnSurface(geom)) AS lon, ST_Y(ST_PointOnSurface(geom)) AS lat "
        "FROM area WHERE level = 'grid' AND ST_Area(geom::geography) > 0.24e6 "
        "ORDER BY code OFFSET :n LIMIT 1"), {"n": rank}).one()
    return Spot(row.code, f"gw{row.code}", row.lon, row.lat)


def east_of(session: Session, lon: float, lat: float, metres: float) -> tuple[float, float]:
    """The point ``metres`` east of (lon, lat), projected by PostGIS on the spheroid."""
    row = session.execute(text(
        "SELECT ST_X(p::geometry) AS lon, ST_Y(p::geometry) AS lat FROM "
        "ST_Project(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography, :m, pi() / 2) p"),
        {"lon": lon, "lat": lat, "m": metres}).one()
    return row.lon, row.lat
