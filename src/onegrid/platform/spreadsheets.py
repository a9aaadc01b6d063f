"""Tables a city keeps in spreadsheets (XLSX, or CSV), read as text with each cell's place, so
that an error can name the row and the column a clerk will find it at."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from onegrid.platform.errors import InvalidInputError

FORMATS = (".xlsx", ".csv")


@dataclass(frozen=True)
class Sheet:
    """The first sheet: each column's letter by its header, and each non-empty row below the
    header as (its row number in the file, {header: text})."""

    name: str
    columns: dict[str, str]
    rows: list[tuple[int, dict[str, str]]]

    def place(self, row: int, header: str) -> str:
        """Where a cell is, as a clerk looks for it: ``row 4, column C (role)``."""
        return f"row {row}, column {self.columns.get(header, '?')} ({header})"


def read_sheet(path: Path, aliases: Mapping[str, Iterable[str]]) -> Sheet:
    """The file's first sheet, its headers renamed to the keys of ``aliases`` (each key lists
    the headers it may have, e.g. ``{"name": ("name", "姓名")}``, compared without case and
    spaces). InvalidInputError for a file it cannot read or a required header missing."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise InvalidInputError(f"{path.name}: expected an .xlsx or .csv file")
    try:
        grid = _xlsx(path) if suffix == ".xlsx" else _csv(path)
    except (OSError, UnicodeDecodeError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise InvalidInputError(f"{path.name}: cannot read it as {suffix[1:].upper()} "
                                f"({type(exc).__name__})") from None
    if not grid:
        raise InvalidInputError(f"{path.name}: the file is empty")
    names = {_plain(a): key for key, known in aliases.items() for a in (key, *known)}
    columns: dict[str, int] = {}
    for index, header in enumerate(grid[0]):
        key = names.get(_plain(header))
        if key is not None and key in columns:
            raise InvalidInputError(f"{path.name}: columns {get_column_letter(columns[key] + 1)}"
                                    f" and {get_column_letter(index + 1)} are both {key!r}")
        if key is not None:
            columns[key] = index
    if missing := [key for key in aliases if key not in columns]:
        raise InvalidInputError(f"{path.name}: row 1 lacks the column(s) {', '.join(missing)} "
                                f"(headers: {', '.join(_headers(aliases))})")
    rows = [(number, {key: _cell(cells, i) for key, i in columns.items()})
            for number, cells in enumerate(grid[1:], start=2) if any(c.strip() for c in cells)]
    return Sheet(path.name, {k: get_column_letter(i + 1) for k, i in columns.items()}, rows)


def _xlsx(path: Path) -> list[list[str]]:
    book = load_workbook(path, read_only=True, data_only=True)
    try:
        return [[_text(value) for value in row]
                for row in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()


def _csv(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text("utf-8-sig"), newline="")))


def _text(value: object) -> str:
    """A cell as its text: a whole number typed into a cell (a phone, a code) without ".0"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _cell(cells: list[str], index: int) -> str:
    return cells[index].strip() if index < len(cells) else ""


def _plain(header: str) -> str:
    return "".join(header.split()).casefold()


def _headers(aliases: Mapping[str, Iterable[str]]) -> list[str]:
    return [" / ".join(dict.fromkeys((key, *known))) for key, known in aliases.items()]
