"""Rows of a table the office receives as CSV (UTF-8, with or without BOM) or XLSX: one dict a
row, keyed by the header, values as stripped text."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from zipfile import BadZipFile

from openpyxl import load_workbook

from onegrid.platform.errors import InvalidInputError


def read_rows(path: Path) -> list[dict[str, str]]:
    """The rows of ``path`` (.csv or .xlsx, its first sheet); InvalidInputError otherwise."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return list(csv_rows(path.read_text("utf-8-sig")))
    if suffix == ".xlsx":
        return _xlsx_rows(path)
    raise InvalidInputError(f"{path.name}: import a .csv or .xlsx file")


def csv_rows(text: str) -> list[dict[str, str]]:
    return [{(k or "").strip(): (v or "").strip() for k, v in row.items()}
            for row in csv.DictReader(io.StringIO(text))]


def _xlsx_rows(path: Path) -> list[dict[str, str]]:
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (OSError, ValueError, KeyError, BadZipFile) as exc:
        raise InvalidInputError(f"{path.name} is not a readable .xlsx workbook") from exc
    try:  # a read-only workbook holds its file open until closed
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = [str(h or "").strip() for h in next(rows, ())]
        return [{h: "" if v is None else str(v).strip() for h, v in zip(header, row, strict=False)}
                for row in rows if any(v is not None for v in row)]
    finally:
        book.close()


def split_list(text: str) -> list[str]:
    """``"姓名、联系电话;地址"`` as its items: a form's fields or levels, however separated."""
    for sep in "、;；,，|":
        text = text.replace(sep, "\n")
    return [item.strip() for item in text.splitlines() if item.strip()]
