"""The burden report: /screen/burden on screen, as CSV, and as a printable page."""

from __future__ import annotations

import re
from datetime import date, datetime

from flask import Response, render_template, request

from onegrid.api import store
from onegrid.api.auth import current_user, require
from onegrid.api.csv_ import csv_document
from onegrid.api.screen.blueprint import bp, now, rules
from onegrid.platform.accounts.departments import list_departments
from onegrid.platform.errors import InvalidInputError
from onegrid.platform.screen.burden import BurdenLine, Period, burden_report

_SAFE = re.compile(r"[^A-Za-z0-9_-]")
CSV_COLUMNS = ("period_first", "period_last", "department", "measure", "current",
               "previous_year", "change_pct")


@bp.get("/screen/burden")
@require("operator")
def burden_page() -> str:
    """The burden report.
    ---
    get:
      tags: [pages]
      summary: The burden report for a period
      security: [{session: []}]
      parameters: [first, last, department]
      responses:
        '200': {$ref: '#/components/responses/page'}
        '302': {$ref: '#/components/responses/sign_in'}
      problems: [400, 403]
    """
    return _render("burden.html")


@bp.get("/screen/burden/print")
@require("operator")
def burden_print() -> str:
    """The burden report to print.
    ---
    get:
      tags: [pages]
      summary: The burden report as a printable page
      security: [{session: []}]
      parameters: [first, last, department]
      responses:
        '200': {$ref: '#/components/responses/page'}
        '302': {$ref: '#/components/responses/sign_in'}
      problems: [400, 403]
    """
    return _render("burden_print.html")


@bp.get("/screen/burden.csv")
@require("operator")
def burden_csv() -> Response:
    """One row per department and measure; previous_year is empty when there is no data.
    ---
    get:
      tags: [pages]
      summary: The burden report as CSV
      security: [{session: []}]
      parameters: [first, last, department]
      responses:
        '200': {$ref: '#/components/responses/csv'}
        '302': {$ref: '#/components/responses/sign_in'}
      problems: [400, 403]
    """
    period, department = _asked()
    rows = ([period.first, period.last, line.department or "ALL", line.measure, line.current,
             "" if line.previous is None else line.previous,
             "" if line.change_pct is None else line.change_pct]
            for line in burden_report(store.session(), period, department))
    # a department code is letters; anything else asked for stays out of the header
    name = f"burden_{period.first}_{period.last}_{_SAFE.sub('_', department or 'ALL')}.csv"
    return Response(csv_document(CSV_COLUMNS, rows), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _render(template: str) -> str:
    period, department = _asked()
    lines = burden_report(store.session(), period, department)
    names = {d.code: d.name for d in list_departments(store.session())}
    table: dict[str, list[BurdenLine]] = {}
    for line in lines:
        table.setdefault(line.department, []).append(line)
    return render_template(template, user=current_user(), period=period, department=department,
                           table=table, names=names, generated=now().astimezone(rules().tz))


def _asked() -> tuple[Period, str | None]:
    """The period (?first=&last=, ISO dates; default this month so far) and department."""
    today = now().astimezone(rules().tz).date()
    first = _day("first", today.replace(day=1))
    last = _day("last", today)
    if last < first:
        raise InvalidInputError("the period's last day is before its first")
    return Period(first, last, rules().tz), request.args.get("department") or None


def _day(name: str, default: date) -> date:
    value = request.args.get(name)
    if not value:
        return default
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError as exc:
        raise InvalidInputError(f"{name} is a date like 2026-01-31") from exc
