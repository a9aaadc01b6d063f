"""A list file (CSV or XLSX) read into checked entries: each kind's columns, by their English or
Chinese header, and an error naming the row and column of every bad cell."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zipfile import BadZipFile

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from onegrid.platform.errors import InvalidInputError
from onegrid.platform.store.models import (
    ADMISSION_KINDS,
    ADMISSION_LEVELS,
    CATEGORY_KINDS,
    RESPONSIBILITY_LEVELS,
)

MAX_ERRORS = 20  # shown at once: enough to fix a file in a few rounds, short enough to read

# A cell as the people who keep the lists write it, in Chinese or English.
WORDS = {"部件": "component", "事件": "event", "市": "city", "区": "district", "街道": "street",
         "乡镇": "street", "社区": "community", "村": "community", "网格": "grid",
         "履职事项": "duty", "配合事项": "assistance", "取消事项": "removed"}


class ListFileError(InvalidInputError, code="list-file", title="The list file has errors"):
    """Rows of a list file break its kind's rules; the detail names each row and column."""


@dataclass(frozen=True)
class Column:
    """One column of a kind: the field it fills, its Chinese header, and how a cell is
    checked (``check`` returns the value stored, or raises ValueError saying what is wrong)."""

    field: str
    zh: str
    check: Callable[[str], Any] = str
    required: bool = True


def among(values: tuple[str, ...]) -> Callable[[str], str]:
    """A check that a cell (an English value or its Chinese word) is one of ``values``."""
    def check(cell: str) -> str:
        value = WORDS.get(cell, cell.lower())
        if value not in values:
            raise ValueError(f"{cell!r} is not one of {', '.join(values)}")
        return value
    return check


def two_digits(cell: str) -> str:
    if not re.fullmatch(r"\d{1,2}", cell):
        raise ValueError(f"{cell!r} is not a two-digit code (GB/T 30428.2: 01–99)")
    return cell.zfill(2)


def hours(cell: str) -> int:
    if not cell.isdigit() or int(cell) == 0:
        raise ValueError(f"{cell!r} is not a whole number of hours")
    return int(cell)


def codes(cell: str) -> list[str]:
    return [code for code in re.split(r"[,;、，；\s]+", cell) if code]


def key_code(cell: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,32}", cell):
        raise ValueError(f"{cell!r} is not a code (up to 32 letters, digits, _ . -)")
    return cell


COLUMNS: dict[str, tuple[Column, ...]] = {
    # GB/T 30428.2: a component (部件) or event (事件) by class (大类) and subclass (小类).
    "categories": (
        Column("kind", "类型", among(CATEGORY_KINDS)),
        Column("major_code", "大类代码", two_digits), Column("major_name", "大类名称"),
        Column("major_name_en", "大类英文名称", required=False),
        Column("minor_code", "小类代码", two_digits), Column("name", "小类名称"),
        Column("name_en", "小类英文名称", required=False),
        Column("response_hours", "响应时限", hours), Column("resolve_hours", "处置时限", hours)),
    # 权责清单: the matter (an issue category), who leads, who supports, at which level.
    "responsibility": (
        Column("category", "事项编码", key_code), Column("matter", "事项名称"),
        Column("lead", "牵头部门", required=False),
        Column("supporting", "配合部门", codes, required=False),
        Column("level", "层级", among(RESPONSIBILITY_LEVELS), required=False),
        Column("basis", "依据", required=False)),
    # 准入清单: what may be pushed down, of which kind, and the lowest level it may reach.
    "admission": (
        Column("task_type", "事项编码", key_code), Column("name", "事项名称"),
        Column("name_en", "英文名称", required=False),
        Column("kind", "事项类别", among(ADMISSION_KINDS)),
        Column("level", "最低层级", among(ADMISSION_LEVELS), required=False),
        Column("basis", "依据", required=False)),
}


def entry_key(kind: str, entry: Mapping[str, Any]) -> str:
    """The key an entry is known by across versions: a category's code (C0101 for component,
    class 01, subclass 01), the responsibility list's category, the admission item's code."""
    if kind == "categories":
        return f"{entry['kind'][0].upper()}{entry['major_code']}{entry['minor_code']}"
    return str(entry["category" if kind == "responsibility" else "task_type"])


def read_rows(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV (UTF-8, with or without BOM, or GB 18030 as Excel saves it) or of the
    first sheet of an XLSX, as {header: cell text}; the first row is the header."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        try:
            book = load_workbook(path, read_only=True, data_only=True)
        except (BadZipFile, InvalidFileException, KeyError) as exc:
            raise ListFileError(f"{path.name} is not a readable XLSX workbook ({exc})") from None
        try:  # read-only workbooks keep their file open until closed
            table = [[_cell(v) for v in row]
                     for row in book.worksheets[0].iter_rows(values_only=True)]
        finally:
            book.close()
    elif suffix == ".csv":
        table = _csv_table(path)
    else:
        raise ListFileError(f"{path.name}: read .csv or .xlsx files, not {suffix or 'this'}")
    table = [row for row in table if any(cell.strip() for cell in row)]
    if not table:
        raise ListFileError(f"{path.name} is empty")
    header = [cell.strip() for cell in table[0]]
    return [dict(zip(header, (cell.strip() for cell in row), strict=False)) for row in table[1:]]


def _csv_table(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    try:
        try:
            content = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            content = raw.decode("gb18030")
        return list(csv.reader(io.StringIO(content)))
    except (UnicodeDecodeError, csv.Error) as exc:  # a binary file named .csv
        raise ListFileError(f"{path.name} is not a CSV text file in UTF-8 or GB 18030 "
                            f"({exc.__class__.__name__})") from None


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel keeps 24 and 01 as numbers
    return str(value)


def check_rows(kind: str, rows: Iterable[Mapping[str, str]],
               extra: Callable[[dict[str, Any]], Iterable[tuple[str, str]]] = lambda _: ()
               ) -> dict[str, dict[str, Any]]:
    """The rows as entries by key, or ListFileError naming each bad row (numbered as in a
    spreadsheet: the header is row 1) and column. ``extra`` checks an entry against the store
    (departments, categories), yielding (field, problem) pairs."""
    columns = COLUMNS[kind]
    entries: dict[str, dict[str, Any]] = {}
    errors: list[str] = []
    for number, row in enumerate(rows, start=2):
        entry, problems = _entry(columns, row)
        if not problems:
            problems = list(extra(entry))
            key = entry_key(kind, entry)
            if key in entries:
                problems.append(("", f"{key} is already on an earlier row"))
            entries[key] = entry
        errors += [f"row {number}" + (f", column {_header(columns, f)}" if f else "") + f": {p}"
                   for f, p in problems]
    if errors:
        more = f" (and {len(errors) - MAX_ERRORS} more)" if len(errors) > MAX_ERRORS else ""
        raise ListFileError("; ".join(errors[:MAX_ERRORS]) + more)
    if not entries:
        raise ListFileError("the file has a header but no rows")
    return entries


def _header(columns: tuple[Column, ...], field: str) -> str:
    return next((f"{c.field} ({c.zh})" for c in columns if c.field == field), field)


def _entry(columns: tuple[Column, ...], row: Mapping[str, str]
           ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    entry: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    for column in columns:
        cell = row.get(column.field) or row.get(column.zh) or ""
        if not cell:
            if column.required:
                problems.append((column.field, "is empty"))
            entry[column.field] = [] if column.check is codes else ""
            continue
        try:
            entry[column.field] = column.check(cell)
        except ValueError as exc:
            problems.append((column.field, str(exc)))
    return entry, problems


def missing_headers(kind: str, rows: list[dict[str, str]]) -> list[str]:
    """Required columns the file's header lacks (under either name)."""
    header = set(rows[0]) if rows else set()
    return [f"{c.field} ({c.zh})" for c in COLUMNS[kind]
            if c.required and not {c.field, c.zh} & header]
