"""The change feed: what changed in a dataset after a cursor (record_change_seq: a record's
creation, and each later version, take the next number)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Subquery, and_, cast, func, null, select, union_all
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from onegrid.platform.errors import InvalidInputError
from onegrid.platform.sharing.records import COLUMNS, MAX_LIMIT, as_dicts, shape
from onegrid.platform.sharing.views import DatasetView
from onegrid.platform.store.models import Department, Record, RecordVersion


def _kind(row: dict[str, Any]) -> str:
    """new: reported once; merged: reported again without a change; updated: a value or the
    location changed."""
    if row["version"] > 1:
        return "updated"
    return "merged" if row["reports"] > 1 else "new"


def _versions(session: Session, view: DatasetView,
              ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Each record's versions: the visible attributes each set, and the location it set
    (``geometry``: null when it kept the record's, or when the caller does not see it)."""
    located = view.sees("geometry")
    moved = cast(func.ST_AsGeoJSON(RecordVersion.geom, 7, 0), JSONB) if located else null()
    rows = session.execute(
        select(RecordVersion.record_id, RecordVersion.version, Department.code,
               RecordVersion.changes, RecordVersion.occurred_at, moved.label("geometry"))
        .join(Department, Department.id == RecordVersion.department_id)
        .where(RecordVersion.record_id.in_(ids))
        .order_by(RecordVersion.record_id, RecordVersion.version))
    found: dict[int, list[dict[str, Any]]] = {}
    for r in rows:
        found.setdefault(r.record_id, []).append(
            {"version": r.version, "department": r.code, "occurred_at": r.occurred_at,
             "changes": view.visible(r.changes), "geometry": r.geometry})
    return found


def _positions(dataset_id: str, cursor: int, limit: int) -> Subquery:
    """The first ``limit`` records after ``cursor`` by their place in the feed (id, seq): a
    record's latest version's position, or its creation's while it has no later version. Each
    side is an index range (record's and record_version's per-dataset change indexes)."""
    created = (select(Record.id, Record.change_seq.label("seq"))
               .where(Record.dataset_id == dataset_id, Record.change_seq > cursor,
                      Record.version == 1)
               .order_by(Record.change_seq).limit(limit).subquery())
    changed = (select(RecordVersion.record_id.label("id"), RecordVersion.change_seq.label("seq"))
               .join(Record, and_(Record.id == RecordVersion.record_id,
                                  Record.version == RecordVersion.version))  # the latest only
               .where(RecordVersion.dataset_id == dataset_id, RecordVersion.change_seq > cursor)
               .order_by(RecordVersion.change_seq).limit(limit).subquery())
    both = union_all(select(created), select(changed)).subquery()
    return select(both).order_by(both.c.seq).limit(limit).subquery()


def since(session: Session, view: DatasetView, cursor: int, limit: int = 100) -> dict[str, Any]:
    """Records changed after ``cursor`` in change order, each with its kind and versions, and
    the cursor to ask with next time (unchanged when nothing is new)."""
    if not 1 <= limit <= MAX_LIMIT or cursor < 0:
        raise InvalidInputError(f"since must be >= 0 and limit 1..{MAX_LIMIT}")
    page = _positions(view.dataset_id, cursor, limit)
    rows = [shape(view, r) for r in as_dicts(session.execute(
        COLUMNS.add_columns(page.c.seq.label("change_seq"))
        .join(page, page.c.id == Record.id).order_by(page.c.seq)))]
    versions = _versions(session, view, [r["id"] for r in rows]) if rows else {}
    for row in rows:
        row["change"] = _kind(row)
        row["versions"] = versions.get(row["id"], [])
    return {"changes": rows, "next": rows[-1]["change_seq"] if rows else cursor,
            "more": len(rows) == limit}
