"""The year-on-year burden report: /screen/burden on screen, as CSV, and as a printable page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from flask import Response, render_template, request

from onegrid.api import store
from onegrid.api.auth import current_user, require
from onegrid.api.csv_ import csv_document
from onegrid.api.screen.blueprint import bp, now, rules
from onegrid.platform.accounts.departments import list_departments
from onegrid.platform.errors import InvalidInputError
from onegrid.platform.screen.burden import SHARE, BurdenReport, Period, burden_report

_SAFE = re.compile(r"[^A-Za-z0-9_-]")
CSV_COLUMNS = ("period_first", "period_last", "department", "measure", "current",
               "previous_year", "change_pct", "change_points")

_REPORT_DOC = """The year-on-year burden report{what}.
    ---
    get:
      tags: [pages]
      summary: The year-on-year burden report{what}, for a period (default this year so far)
      page: signed_in
      parameters: [first, last, department]
      responses: {{'200': {{$ref: '#/components/responses/{response}'}}}}
      problems: [400, 403]
    """


@bp.get("/screen/burden")
@require("operator")
def burden_page() -> str:
    return _render("burden.html")


@bp.get("/screen/burden/print")
@require("operator")
def burden_print() -> str:
    return _render("burden_print.html")


@bp.get("/screen/burden.csv")
@require("operator")
def burden_csv() -> Response:
    period, department = _asked()
    report = burden_report(store.session(), period, department)
    # a department code is letters; anything else asked for stays out of the header
    name = f"burden_{period.first}_{period.last}_{_SAFE.sub('_', department or 'ALL')}.csv"
    return Response(csv_document(CSV_COLUMNS, _csv_rows(period, report)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


burden_page.__doc__ = _REPORT_DOC.format(what="", response="page")
burden_print.__doc__ = _REPORT_DOC.format(what=" as a printable page", response="page")
burden_csv.__doc__ = _REPORT_DOC.format(
    what=" as CSV, a row per department and measure (previous_year empty where there is no "
         "data; the share of requests answered from shared data in per cent, its change in "
         "change_points)", response="csv")


def _csv_rows(period: Period, report: BurdenReport) -> Iterator[list[Any]]:
    for code, lines in report.lines.items():
        for line in lines:
            yield [period.first, period.last, code or "ALL", line.measure, line.current,
                   _blank(line.previous), _blank(line.change_pct), ""]
        share = report.shares[code]
        yield [period.first, period.last, code or "ALL", SHARE, _blank(share.current),
               _blank(share.previous), "", _blank(share.change_points)]


def _blank(value: float | None) -> float | str:
    return "" if value is None else value


def _render(template: str) -> str:
    period, department = _asked()
    report = burden_report(store.session(), period, department)
    names = {d.code: d.name for d in list_departments(store.session())}
    return render_template(template, user=current_user(), period=period, department=department,
                           report=report, names=names, generated=now().astimezone(rules().tz))


def _asked() -> tuple[Period, str | None]:
    """The period (?first=&last=, ISO dates; default this year so far) and department."""
    today = now().astimezone(rules().tz).date()
    first = _day("first", today.replace(month=1, day=1))
    last = _day("last", today)
    if last < first:
        raise InvalidInputError("the period's last day is before its first")
    return Period(first, last, rules().tz), request.args.get("department") or None


def _day(name: str, default: date) -> date:
    value = request.args.get(name)
    if not value:
        return default
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError as exc:
        raise InvalidInputError(f"{name} is a date like 2026-01-31") from exc
    if not 1 < day.year < 9999:  # the year before, and the day after the last, must exist
        raise InvalidInputError(f"{name} is a day of the years 2 to 9998")
    return day
