"""Import one level of the hierarchy from a boundary file: stage it in the store's datum, check
it against the store, and write it (in one transaction) only when asked and nothing is wrong.

Tolerances: two offices never draw a shared border with the same vertices, so a unit may stick
out of its parent, and two siblings may share, up to OUTSIDE_SHARE and OVERLAP_SHARE of the
(smaller) unit's area; more is an error. A parent covered below COVERAGE_MIN_PERCENT is a
warning (a lake or a military zone may belong to no unit); its gaps are listed from
GAP_LISTED_M2 up."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from sqlalchemy import CursorResult, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from onegrid.gis.boundaries.codes import LEVELS, PARENT_LEVEL, form_problem, implied_parent
from onegrid.gis.boundaries.report import GAP_LISTED_M2, Coverage, Finding, Gap, Report
from onegrid.gis.boundaries.source import Feature, Fields, Source, read
from onegrid.gis.hierarchy import ensure_city, refresh_city, zone_epsg
from onegrid.platform.errors import InvalidInputError
from onegrid.platform.loop.states import OPEN_STATES
from onegrid.platform.store.sqlfiles import statements
from onegrid.platform.trace.chain import append

PACKAGE = "onegrid.gis.boundaries"
OUTSIDE_SHARE = 0.001  # 0.1 % of the unit's area may lie outside its parent
OVERLAP_SHARE = 0.001  # siblings may share 0.1 % of the smaller one's area
COVERAGE_MIN_PERCENT = 99.9
NO_FIELDS = Fields()  # the columns' usual names


def import_boundaries(session: Session, path: Path, level: str, *, layer: str | None = None,
                      fields: Fields = NO_FIELDS, city_name: str = "", actor: str = "cli",
                      apply: bool = False) -> Report:
    """Check ``path``'s units of ``level`` against the store and report. With ``apply`` and no
    error, write them, re-place what their change moved, trace it and commit; otherwise roll
    back, so nothing is written. The report counts what was (or would be) changed and
    re-placed whenever it has no error."""
    try:
        report = check_and_write(session, path, level, layer=layer, fields=fields,
                                 city_name=city_name, actor=actor, apply=apply)
        if report.applied:
            session.commit()
            return report
    except BaseException:
        session.rollback()
        raise
    session.rollback()
    return report


def check_and_write(session: Session, path: Path, level: str, *, layer: str | None = None,
                    fields: Fields = NO_FIELDS, city_name: str = "", actor: str = "cli",
                    apply: bool = False) -> Report:
    """import_boundaries in the caller's transaction, which commits it or rolls it back: when
    the report has no error the units are written (to count the changes), and with ``apply``
    the placement cache is refreshed and the import traced."""
    if level not in LEVELS:
        raise InvalidInputError(f"no level {level!r}: one of {', '.join(LEVELS)}")
    source = read(path, layer, fields)
    report = Report(source.path, source.layer, source.crs, source.encoding, level,
                    len(source.features))
    _stage(session, source, report)
    if report.errors:
        return report
    _write(session, report, city_name, actor)
    if apply:
        if level == "grid":  # the placement cache near the changed grids, now
            session.execute(text("SELECT onegrid_refresh_grid_cells()"))
        report.applied = True
        append(session, actor, "boundaries.import", f"area-level:{level}",
               {"file": source.path, "layer": source.layer, "crs": source.crs,
                "changes": report.changes, "replaced": report.replaced,
                "warnings": len(report.warnings)})
    return report


def _stage(session: Session, source: Source, report: Report) -> None:
    level = report.level
    _run(session, "stage", {})
    srid = session.scalar(text("SELECT srid FROM spatial_ref_sys "
                               "WHERE auth_name || ':' || auth_srid = :crs"), {"crs": source.crs})
    rows = [_row(feature, level, report) | {"crs": source.crs, "srid": srid}
            for feature in source.features]
    try:
        with session.begin_nested():
            for statement in statements(PACKAGE, "insert"):
                session.execute(statement, rows)
    except DBAPIError as exc:
        reason = str(exc.orig).splitlines()[0] if exc.orig else str(exc)
        raise InvalidInputError(f"PostGIS could not take a feature of {source.path} (a ring "
                                "that is not closed, or coordinates PROJ cannot move from "
                                f"{source.crs[:60]} into EPSG:4490): {reason}") from exc
    params = _params(session, level)
    _run(session, "repair", params)
    off_map = [Finding("off-the-map", [label], f"its corner is at {x}, {y}: is {source.crs} "
                       "the CRS its coordinates are in?")
               for label, x, y in _rows(session, "off_map", params)]
    if off_map:
        report.findings += off_map
        return
    report.findings += [Finding(kind, list(units), detail, _point(x, y))
                        for kind, units, detail, x, y in _rows(session, "findings", params)]
    if level != "district":  # a city is the union of its districts: always covered
        _coverage(session, params, report)
    report.findings.sort(key=lambda f: f.severity != "error")  # errors first, else in order


def _coverage(session: Session, params: dict[str, Any], report: Report) -> None:
    for parent, percent, gaps, small in _rows(session, "coverage", params):
        report.coverage.append(Coverage(parent, round(percent, 3),
                                        [Gap(g["area_m2"], g["where"]) for g in gaps], small))
        if percent < COVERAGE_MIN_PERCENT:
            report.findings.append(Finding("incomplete-coverage", [parent],
                                           f"covered {percent:.3f} %, {len(gaps) + small} "
                                           "gaps (listed under coverage)"))


def _row(feature: Feature, level: str, report: Report) -> dict[str, Any]:
    """The feature as a staging row; what is wrong with its code, name or parent goes in the
    report."""
    label = f"#{feature.n} {feature.code or '(no code)'} {feature.name}".rstrip()

    def finding(kind: str, detail: str) -> None:
        report.findings.append(Finding(kind, [label], detail))

    problem = form_problem(level, feature.code) if feature.code else None
    parent = feature.parent or ""
    if not feature.code:
        finding("no-code", "the code field is empty")
    elif problem:
        finding("code-form", problem)
    else:
        implied = implied_parent(level, feature.code)
        if parent and parent != implied:
            finding("parent-mismatch", f"its parent is {parent}, but the code says {implied}")
        parent = parent or implied
    if not feature.name:
        finding("no-name", "the name field is empty")
    return {"n": feature.n, "label": label, "code": feature.code, "name": feature.name,
            "parent_code": parent, "wkb": feature.wkb}


def _params(session: Session, level: str) -> dict[str, Any]:
    lon = session.scalar(text("SELECT ST_X(ST_Centroid(ST_Extent(geom))) FROM boundary_unit "
                              "WHERE NOT ST_IsEmpty(geom)"))
    return {"level": level, "parent_level": PARENT_LEVEL[level],
            "epsg": zone_epsg(min(max(lon if lon is not None else 120.0, 75.0), 135.0)),
            "outside_share": OUTSIDE_SHARE, "overlap_share": OVERLAP_SHARE,
            "gap_min_m2": GAP_LISTED_M2, "open_states": list(OPEN_STATES)}


def _write(session: Session, report: Report, city_name: str, actor: str) -> None:
    params = _params(session, report.level)
    cities = []
    if report.level == "district":
        codes = session.scalars(text("SELECT DISTINCT parent_code FROM boundary_unit"))
        cities = [ensure_city(session, code, city_name or code) for code in codes]
    (changes,) = statements(PACKAGE, "changes")
    report.changes = dict(session.execute(changes).mappings().one())
    _run(session, "write", params)
    *steps, place_records, place_issues = statements(PACKAGE, "replace")
    for statement in steps:
        session.execute(statement, _used(statement.text, params))
    moved = cast(CursorResult[Any], session.execute(place_records)).rowcount
    issue_moves = session.execute(place_issues).all()
    for issue_id, _open, was, now in issue_moves:
        append(session, actor, "issue.replaced", f"issue:{issue_id}",
               {"from_grid": was, "to_grid": now})
    report.replaced = {"records": moved,
                       "open_issues": sum(1 for move in issue_moves if move.open),
                       "closed_issues": sum(1 for move in issue_moves if not move.open)}
    for city in cities:
        refresh_city(session, city.id)


def _point(x: float | None, y: float | None) -> list[float] | None:
    return None if x is None or y is None else [round(x, 7), round(y, 7)]


def _rows(session: Session, name: str, params: dict[str, Any]) -> list[Any]:
    (statement,) = statements(PACKAGE, name)
    return list(session.execute(statement, _used(statement.text, params)).all())


def _run(session: Session, name: str, params: dict[str, Any]) -> None:
    for statement in statements(PACKAGE, name):
        session.execute(statement, _used(statement.text, params))


def _used(sql: str, params: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if f":{k}" in sql}
