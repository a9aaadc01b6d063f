"""Loading the lists that drive the loop: categories, the responsibility and admission lists.

They are data (the demo ships them as CSV); loading is an upsert, so a second run changes
only what the files changed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from onegrid.platform.accounts.departments import get_department
from onegrid.platform.store.models import AdmissionItem, Base, IssueCategory, Responsibility

Row = Mapping[str, str]


def _upsert(session: Session, model: type[Base], key: str, rows: list[dict[str, Any]]) -> int:
    if not rows:
        return 0
    stmt = insert(model).values(rows)
    columns = {c: stmt.excluded[c] for c in rows[0] if c != key}
    session.execute(stmt.on_conflict_do_update(index_elements=[key], set_=columns))
    return len(rows)


def load_categories(session: Session, rows: Iterable[Row]) -> int:
    """Each row: code, kind, class_name, class_name_en, name, name_en, response_hours,
    resolve_hours, and optionally department and level (the responsibility list's entry)."""
    rows = list(rows)
    categories = [{k: row[k] for k in ("code", "kind", "class_name", "class_name_en", "name",
                                       "name_en")}
                  | {"response_hours": int(row["response_hours"]),
                     "resolve_hours": int(row["resolve_hours"])} for row in rows]
    count = _upsert(session, IssueCategory, "code", categories)
    duties = [{"category_code": row["code"],
               "department_id": get_department(session, row["department"]).id,
               "level": row["level"], "basis": row.get("basis", "")}
              for row in rows if row.get("department")]
    _upsert(session, Responsibility, "category_code", duties)
    return count


def load_admission_list(session: Session, rows: Iterable[Row]) -> int:
    """Each row: task_type, name, name_en, level, basis."""
    items = [{k: row[k] for k in ("task_type", "name", "name_en", "level", "basis")}
             for row in rows]
    return _upsert(session, AdmissionItem, "task_type", items)
