"""CSV for spreadsheet programs: UTF-8 with a byte-order mark (so they read Chinese), and no
cell they would run as a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

# OWASP's CSV injection list. defusedcsv, the library for this, leaves a leading tab or
# carriage return alone, so the rule is these few lines instead.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutral(value: object) -> object:
    """A text cell that starts like a formula, with an apostrophe in front: the spreadsheet
    shows it as text (a producer's ``=HYPERLINK(…)`` stays words). Numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_document(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """The header and rows as one CSV text, every cell neutral."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([neutral(value) for value in row] for row in rows)
    return "\ufeff" + out.getvalue()
