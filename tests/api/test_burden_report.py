"""The year-on-year burden report through Flask's client, signed in as the operator: every
figure on the page, the printable page and the CSV equals a count made row by row from the
ledger and the registers, in both years; no data only where nothing was recorded."""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser

import pytest

from onegrid.platform.screen.burden import ALL, MEASURES, SHARE
from tests.api.test_grid_pages import _sign_in
from tests.platform.screen.burden_history import LAST, THIS, expected, seed

pytestmark = pytest.mark.usefixtures("city")
CODES = ["MZJ", "SCJG", "SWJ"]
ASK = f"first={THIS.first}&last={THIS.last}"


class _Tables(HTMLParser):
    """{(department or ALL, measure): [cell texts]} of the report's tables."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[tuple[str, str], list[str]] = {}
        self._table = self._row = ""
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "table" and found.get("data-department"):
            self._table = found["data-department"] or ""
        elif tag == "tr" and found.get("data-measure"):
            self._row = found["data-measure"] or ""
            self.rows[(self._table, self._row)] = []
        elif tag == "td" and self._row:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None:
            self.rows[(self._table, self._row)].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr":
            self._row = ""

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


@pytest.fixture
def operator(client):
    _sign_in(client, "op1")
    return client


@pytest.fixture
def history(db):
    seed(db, CODES)
    return expected(db, THIS), expected(db, LAST)


def _tables(html: str) -> dict[tuple[str, str], list[str]]:
    parser = _Tables()
    parser.feed(html)
    return parser.rows


def _share(counts, code: str) -> float:
    return round(100 * counts[(code, "requests_answered")] / counts[(code, "requests_made")], 1)


@pytest.mark.parametrize("path", ["/screen/burden", "/screen/burden/print"])
def test_every_figure_on_the_pages_is_the_rows_count(operator, history, path) -> None:
    now, before = history
    page = operator.get(f"{path}?{ASK}").get_data(as_text=True)
    assert "减负同比报告" in page and "无数据" not in page
    rows = _tables(page)
    departments = {key for key, _ in rows}
    assert set(CODES) | {"ALL"} <= departments
    for department in departments:
        code = "" if department == "ALL" else department
        for measure in MEASURES:
            current, previous = now[(code, measure)], before[(code, measure)]
            change = f"{100 * (current - previous) / previous:+.1f} %" if previous else "—"
            assert rows[(department, measure)][1:] == [str(current), str(previous), change]
    mzj = rows[("MZJ", SHARE)][1:]
    assert mzj[:2] == [f"{_share(now, 'MZJ'):.1f} %", f"{_share(before, 'MZJ'):.1f} %"]
    assert mzj[2] == f"{_share(now, 'MZJ') - _share(before, 'MZJ'):+.1f} 个百分点"


def test_every_figure_in_the_csv_is_the_rows_count(operator, history) -> None:
    now, before = history
    sheet = operator.get(f"/screen/burden.csv?{ASK}&department=SWJ")
    assert sheet.headers["Content-Disposition"] == \
        'attachment; filename="burden_2031-01-01_2031-06-30_SWJ.csv"'
    rows = list(csv.DictReader(io.StringIO(sheet.get_data(as_text=True).lstrip("\ufeff"))))
    assert [r["measure"] for r in rows] == [*MEASURES, SHARE]
    for row in rows[:-1]:
        key = ("SWJ", row["measure"])
        assert (row["period_first"], row["period_last"], row["department"]) == \
            ("2031-01-01", "2031-06-30", "SWJ")
        assert (int(row["current"]), int(row["previous_year"])) == (now[key], before[key])
        assert float(row["change_pct"]) == round(100 * (now[key] - before[key]) / before[key], 1)
    share = rows[-1]
    assert (float(share["current"]), float(share["previous_year"])) == \
        (_share(now, "SWJ"), _share(before, "SWJ"))
    city = list(csv.DictReader(io.StringIO(
        operator.get(f"/screen/burden.csv?{ASK}").get_data(as_text=True).lstrip("\ufeff"))))
    totals = {r["measure"]: int(r["current"]) for r in city if r["department"] == "ALL"
              and r["measure"] != SHARE}
    assert totals == {m: now[(ALL, m)] for m in MEASURES}


def test_no_data_a_year_before_anything_was_recorded_and_the_english_switch(operator) -> None:
    page = operator.get("/screen/burden").get_data(as_text=True)  # this year so far
    assert "减负同比报告" in page and "无数据" in page and 'id="burden-lang"' in page
    sheet = operator.get("/screen/burden.csv?department=SCJG")
    rows = list(csv.DictReader(io.StringIO(sheet.get_data(as_text=True).lstrip("\ufeff"))))
    assert {r["measure"] for r in rows} == {*MEASURES, SHARE}
    assert all(r["department"] == "SCJG" and r["previous_year"] == "" for r in rows)
    printable = operator.get(f"/screen/burden/print?{ASK}&lang=en").get_data(as_text=True)
    assert "Year-on-year burden report" in printable and "Same period last year" in printable
    assert "No data: the platform was not recording" in printable
    assert operator.get("/screen/burden?first=2026-02-01&last=2026-01-01").status_code == 400
    assert operator.get("/screen/burden.csv?last=9999-12-31").status_code == 400


def test_the_report_is_for_operators(client) -> None:
    for path in ("/screen/burden", "/screen/burden/print", "/screen/burden.csv"):
        assert client.get(path).status_code == 302
    _sign_in(client, "scjg1")
    assert client.get("/screen/burden.csv").status_code == 403
