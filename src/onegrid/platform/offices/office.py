"""What every register shares: who the office is, and reading an imported table."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from onegrid.platform.errors import ForbiddenError
from onegrid.platform.governance.listfiles import MAX_ERRORS, Column, ListFileError, read_rows
from onegrid.platform.store.models import AreaOffice, Department

OFFICE = "burden_office"  # 减负办: `onegrid office set burden_office AREA DEPARTMENT`


def require_office(session: Session, department: Department) -> None:
    """ForbiddenError unless the department is the burden-reduction office of some area."""
    if not session.scalar(select(exists().where(AreaOffice.department_id == department.id,
                                                AreaOffice.role == OFFICE))):
        raise ForbiddenError("only the burden-reduction office (减负办) decides this "
                             "(onegrid office set burden_office AREA DEPARTMENT)")


def read_table(path: Path, columns: Iterable[Column]) -> list[dict[str, Any]]:
    """The rows of a CSV or XLSX file checked column by column (English or Chinese headers),
    or ListFileError naming each bad row (the header is row 1) and column."""
    rows, columns = read_rows(path), tuple(columns)
    checked: list[dict[str, Any]] = []
    errors: list[str] = []
    for number, row in enumerate(rows, start=2):
        entry: dict[str, Any] = {}
        for column in columns:
            cell = row.get(column.field) or row.get(column.zh) or ""
            try:
                if not cell and column.required:
                    raise ValueError("is empty")
                entry[column.field] = column.check(cell) if cell else None
            except ValueError as exc:
                errors.append(f"row {number}, column {column.field} ({column.zh}): {exc}")
        checked.append(entry)
    if errors:
        more = f" (and {len(errors) - MAX_ERRORS} more)" if len(errors) > MAX_ERRORS else ""
        raise ListFileError("; ".join(errors[:MAX_ERRORS]) + more)
    if not checked:
        raise ListFileError(f"{path.name} has a header but no rows")
    return checked


def moment(zone: str) -> Callable[[str], datetime]:
    """A column's check: an ISO date-time, in the city's ``zone`` when it names none."""
    def check(cell: str) -> datetime:
        try:
            at = datetime.fromisoformat(cell)
        except ValueError:
            raise ValueError(f"{cell!r} is not a date-time such as 2026-03-02 09:30") from None
        return at if at.tzinfo else at.replace(tzinfo=ZoneInfo(zone))
    return check


def count(cell: str) -> int:
    if not cell.isdigit():
        raise ValueError(f"{cell!r} is not a whole number")
    return int(cell)


def yes_no(cell: str) -> bool:
    value = cell.strip().lower()
    if value in ("1", "true", "yes", "y", "是"):
        return True
    if value in ("0", "false", "no", "n", "否"):
        return False
    raise ValueError(f"{cell!r} is not yes or no (true/false, 1/0, 是/否)")
