"""Record queries shared by the data API, OGC API Features and the change feed.

Every query is cut to a DatasetView: only visible fields come back, personal ones masked, and
filters may use visible, unmasked fields only (a filter on a masked field would reveal it).
Geometry, grid and masked key the view hides come back as null, and a bbox or area filter on
records whose location the view hides is refused (its answer would reveal the location).
Pages are keyset-paginated on the record id, so the order is stable while data changes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Result, Select, cast, func, literal, or_, select
from sqlalchemy.dialects.postgresql import JSON
from sqlalchemy.orm import Session

from onegrid.platform.errors import InvalidInputError, NotFoundError
from onegrid.platform.settings import STORE_SRID
from onegrid.platform.sharing.views import DatasetView
from onegrid.platform.store.models import Area, Dataset, Record
from onegrid.platform.store.recent import Recent

MAX_LIMIT = 1000


@dataclass(frozen=True)
class RecordFilter:
    """What a caller asks for; every part is optional."""

    area_code: str | None = None  # a code at any level of the hierarchy
    bbox: tuple[float, float, float, float] | None = None  # lon/lat, CGCS2000
    updated_since: datetime | None = None
    occurred: tuple[datetime | None, datetime | None] | None = None
    equals: dict[str, str] = field(default_factory=dict)
    text: str | None = None
    after: int | None = None  # the cursor: the last record id of the previous page
    limit: int = 100


@dataclass(frozen=True)
class Page:
    """Records in id order, the fields the reader sees (in schema order), the next cursor."""

    rows: list[dict[str, Any]]
    fields: tuple[str, ...]
    next_cursor: int | None


# The tables' own columns rather than the ORM's attributes: a page is rows, not objects, and a
# statement that names no mapped class skips the ORM's compiling and loading (≈ 5 % of a page's
# CPU).
R, _DATASET, _AREA = Record.__table__.c, Dataset.__table__.c, Area.__table__.c

# A record as the API shows it: subject key (masked), grid code, GeoJSON geometry (as json, not
# jsonb: the store need not build a binary document it only sends on); its subject kind is the
# view's. The grid's code is a subquery, not a join: a query stays on record alone, so its
# filter, order and limit pick the rows before anything else is read, and PostgreSQL looks the
# code up for the rows returned only (a join let it look it up for every match, or fetch each
# row twice: a grid's page of 100 took 1.5 times as long in the store, a box's 2.4 times). A
# grid's page leaves it out (IN_GRID): every row's code is the one asked. Built once: a query
# adds its own clauses.
_RECORD = (R.id, R.dataset_id, func.coalesce(R.subject_key_masked, R.subject_key).label(
    "subject_key"), R.attributes, R.provenance, R.sources, R.version, R.reports, R.occurred_at,
    R.created_at, R.updated_at, cast(func.ST_AsGeoJSON(R.geom, 7, 0), JSON).label("geometry"))
IN_GRID: Select[*tuple[Any, ...]] = select(*_RECORD)  # more than select()'s typed overloads
COLUMNS: Select[*tuple[Any, ...]] = IN_GRID.add_columns(
    select(_AREA.code).where(_AREA.id == R.grid_id).scalar_subquery().label("grid"))


# An area's id, level and path by code, changed only when the city's hierarchy is loaded again.
_areas: Recent[str, Any] = Recent()


def _area(session: Session, code: str) -> Any:
    area = _areas.get(code)
    if area is None:
        area = session.execute(select(_AREA.id, _AREA.level, _AREA.path)
                               .where(_AREA.code == code)).first()
        if area is None:
            raise InvalidInputError(f"no area with code {code!r} (any level: district, street, "
                                    "community or grid)")
        _areas.put(code, area)
    return area


def _grid_by_code(code: str) -> Any:
    return R.grid_id == select(_AREA.id).where(_AREA.code == code, _AREA.level == "grid") \
        .scalar_subquery()


def _area_clause(area: Any) -> Any:
    if area.level == "grid":
        return R.grid_id == area.id
    grids = select(_AREA.id).where(_AREA.level == "grid", _AREA.path.startswith(area.path + "."))
    return R.grid_id.in_(grids)


def _filterable(view: DatasetView, name: str) -> str:
    if name not in view.fields or name in view.pii_fields:
        raise InvalidInputError(f"cannot filter on {name!r}: filters may use the visible, unmasked "
                                f"fields of {view.dataset_id}")
    return name


def _located(view: DatasetView, locator: str, what: str) -> None:
    if not view.sees(locator):
        raise InvalidInputError(f"cannot filter {view.dataset_id} by {what}: its records are "
                                f"about people, and your grant does not name {locator!r} (ask "
                                "for it as a field in a grant request)")


def _clauses(view: DatasetView, flt: RecordFilter) -> list[Any]:
    """The filter's clauses but the area's (find adds it)."""
    clauses: list[Any] = [R.dataset_id == view.dataset_id]
    if flt.area_code:
        _located(view, "grid", "area")
    if flt.bbox:
        _located(view, "geometry", "bbox")
        clauses.append(R.geom.op("&&")(func.ST_MakeEnvelope(*flt.bbox, STORE_SRID)))
    if flt.updated_since:
        clauses.append(R.updated_at > flt.updated_since)
    if flt.occurred:
        start, end = flt.occurred
        clauses += [R.occurred_at >= start] if start else []
        clauses += [R.occurred_at <= end] if end else []
    for name, value in flt.equals.items():
        clauses.append(R.attributes[_filterable(view, name)].astext == value)
    if flt.text:
        searchable = [f for f in view.fields if f not in view.pii_fields]
        words = func.jsonb_each_text(R.attributes).table_valued("key", "value")
        clauses.append(select(literal(1)).select_from(words).where(
            words.c.key.in_(searchable), words.c.value.ilike(f"%{_escape(flt.text)}%"))
            .exists())
    return clauses


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def as_dicts(result: Result[Any]) -> list[dict[str, Any]]:
    """Each row of ``result`` as a dict, its keys read once (``dict(row._mapping)`` builds
    them again for every row: ten times the cost, a sixth of a page's CPU), the rows fetched in
    one call (iterating a Result asks the driver for them one by one)."""
    keys = list(result.keys())
    return [dict(zip(keys, row, strict=True)) for row in result.all()]


def shape(view: DatasetView, item: dict[str, Any]) -> dict[str, Any]:
    """One record (a row of ``COLUMNS`` as a dict, which this changes) as a caller may see
    it: visible attributes and their provenance only, and the location's (as ``geometry``)
    when the caller sees it."""
    item["subject_kind"] = view.subject_kind
    item["attributes"] = view.visible(item["attributes"])
    for locator in view.hidden:  # the record comes without where and who it is
        item[locator] = None
    sources, later = item.pop("sources"), item["provenance"]
    first = _said(sources, 1)  # what most records say everything with, made once
    provenance = dict.fromkeys(item["attributes"], first)
    if item["geometry"] is not None:
        provenance["geometry"] = first
    for name in later.keys() & provenance.keys() if later else ():
        provenance[name] = _said(sources, later[name])
    item["provenance"] = provenance
    return item


def _said(sources: dict[str, Any], version: int) -> dict[str, Any]:
    return {**sources[str(version)], "version": version}


def find(session: Session, view: DatasetView, flt: RecordFilter) -> Page:
    """A page of matching records in id order and the cursor of the next page (None at the end)."""
    if not 1 <= flt.limit <= MAX_LIMIT:
        raise InvalidInputError(f"limit must be 1..{MAX_LIMIT}")
    clauses = _clauses(view, flt)
    if flt.after is not None:
        clauses.append(R.id > flt.after)
    if not flt.area_code:
        return _page(session, view, flt.limit, clauses)
    area = _areas.get(flt.area_code)
    if area is None:
        # Most pulls by area name a grid: its page is asked for by the code at once, and the
        # code is looked up only when that finds nothing (another level, an unknown code, or a
        # grid with no more records), which saves most pulls a round trip to the store.
        page = _page(session, view, flt.limit, [*clauses, _grid_by_code(flt.area_code)],
                     grid=flt.area_code)
        if page.rows:
            return page
        area = _area(session, flt.area_code)
        if area.level == "grid":
            return page
    # A grid's page comes in order from record_grid_page_idx; a community's few records are
    # fetched by grid and sorted, rather than let the planner walk the primary key in order
    # hoping to meet them early (40 ms on 1M records).
    return _page(session, view, flt.limit, [*clauses, _area_clause(area)],
                 R.id + 0 if area.level == "community" else R.id,
                 grid=flt.area_code if area.level == "grid" else None)


def _page(session: Session, view: DatasetView, limit: int, clauses: list[Any],
          order: Any = R.id, grid: str | None = None) -> Page:
    """Rows in ``order``; ``grid``, when every row is in that grid, is their code."""
    columns = COLUMNS if grid is None else IN_GRID
    rows = as_dicts(session.execute(columns.where(*clauses).order_by(order).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    if grid is not None:
        for row in rows:
            row["grid"] = grid
    return Page([shape(view, r) for r in rows], view.fields, rows[-1]["id"] if more else None)


def get(session: Session, view: DatasetView, record_id: int) -> dict[str, Any]:
    """One record of the view's dataset, or NotFoundError."""
    rows = as_dicts(session.execute(COLUMNS.where(R.id == record_id,
                                                    R.dataset_id == view.dataset_id)))
    if not rows:
        raise NotFoundError(f"no record {record_id} in {view.dataset_id}")
    return shape(view, rows[0])


def of_subject(session: Session, views: Mapping[str, DatasetView],
               keys: list[str]) -> list[dict[str, Any]]:
    """Every readable record of the subject stored under any of ``keys``, by dataset."""
    rows = as_dicts(session.execute(COLUMNS.where(
        R.subject_key.in_(keys), R.dataset_id.in_(list(views)) if views else or_(False))
        .order_by(R.dataset_id)))
    return [shape(views[r["dataset_id"]], r) for r in rows]
