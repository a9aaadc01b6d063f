"""The grid hierarchy as feature layers: one level's areas by bbox, page by page, or one area."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, cast, func, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from onegrid.platform.errors import NotFoundError
from onegrid.platform.settings import STORE_SRID
from onegrid.platform.store.models import AREA_LEVELS, Area


def _columns(level: str) -> Select[int, str, str, str, str | None, dict[str, Any]]:
    if level not in AREA_LEVELS:
        raise NotFoundError(f"no hierarchy level {level!r}; levels: {', '.join(AREA_LEVELS)}")
    parent = Area.__table__.alias("parent")
    return (select(Area.id, Area.code, Area.name, Area.level, parent.c.code.label("parent"),
                   cast(func.ST_AsGeoJSON(Area.geom, 7, 0), JSONB).label("geometry"))
            .outerjoin(parent, parent.c.id == Area.parent_id).where(Area.level == level))


def feature(row: Any) -> dict[str, Any]:
    return {"type": "Feature", "id": row.code, "geometry": row.geometry,
            "properties": {"code": row.code, "name": row.name, "level": row.level,
                           "parent": row.parent}}


def page(session: Session, level: str, bbox: tuple[float, float, float, float] | None,
         after: int | None, limit: int) -> tuple[list[dict[str, Any]], int | None]:
    """Areas of ``level`` meeting ``bbox`` in id order, and the cursor of the next page."""
    query = _columns(level)
    if bbox:
        query = query.where(Area.geom.op("&&")(func.ST_MakeEnvelope(*bbox, STORE_SRID)))
    if after is not None:
        query = query.where(Area.id > after)
    rows = session.execute(query.order_by(Area.id).limit(limit + 1)).all()
    more = len(rows) > limit
    return [feature(r) for r in rows[:limit]], rows[limit - 1].id if more else None


def one(session: Session, level: str, code: str) -> dict[str, Any]:
    row = session.execute(_columns(level).where(Area.code == code)).first()
    if row is None:
        raise NotFoundError(f"no {level} with code {code!r}")
    return feature(row)


def extent(session: Session) -> list[float] | None:
    """The bbox of the whole hierarchy (its top level), lon/lat."""
    box = session.execute(select(func.ST_XMin(func.ST_Extent(Area.geom)),
                                 func.ST_YMin(func.ST_Extent(Area.geom)),
                                 func.ST_XMax(func.ST_Extent(Area.geom)),
                                 func.ST_YMax(func.ST_Extent(Area.geom)))
                          .where(Area.parent_id.is_(None))).one()
    return None if box[0] is None else [float(v) for v in box]
