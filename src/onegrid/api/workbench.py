"""A department's workbench (/workbench): its issues, collection tasks, admission applications
and burden complaints in one list, overdue first, with a map; the same list as JSON."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, render_template, request, url_for

from onegrid.api import store
from onegrid.api.auth import require, signed_in
from onegrid.api.features import json_response
from onegrid.api.params import number
from onegrid.gis.maps import work_map
from onegrid.platform.accounts.departments import list_departments
from onegrid.platform.errors import InvalidInputError
from onegrid.platform.governance.offices import area_by_code
from onegrid.platform.workbench.filters import KINDS, STATUSES, WorkFilter
from onegrid.platform.workbench.items import MAX_PAGE, WorkPage, department_scope, work_items
from onegrid.platform.workbench.kinds import WorkItem

bp = Blueprint("workbench", __name__)
PER_PAGE = 50


@bp.get("/workbench")
@require("department_staff", "operator")
def page() -> str:
    """The workbench.
    ---
    get:
      tags: [pages]
      summary: A department's issues, collection tasks, admission applications and burden
        complaints, overdue first, with a map (an operator sees every department's or one)
      security: [{session: []}]
      parameters: [department, kind, status, category, area, first, last, page, per_page]
      responses:
        '200': {$ref: '#/components/responses/page'}
        '302': {$ref: '#/components/responses/sign_in'}
      problems: [400, 403]
    """
    wanted, found = _found()
    departments = list_departments(store.session())
    rendered = work_map(found.items,
                        leaflet_js=url_for("static", filename="vendor/leaflet/leaflet.js"),
                        leaflet_css=url_for("static", filename="vendor/leaflet/leaflet.css"),
                        tile_url=store.settings().tile_url)
    return render_template(
        "workbench.html", user=signed_in(), found=found, wanted=wanted, map=rendered,
        departments=departments, names={d.id: d.name for d in departments},
        kinds=KINDS, statuses=STATUSES, zone=_zone(), asked=request.args.to_dict(),
        pages=-(-found.total // found.limit), page_url=_page_url)


@bp.get("/workbench.json")
@require("department_staff", "operator")
def items() -> Response:
    """The workbench as JSON.
    ---
    get:
      tags: [pages]
      summary: The workbench's list as JSON, in the page's order, one page at a time
      security: [{session: []}]
      parameters: [department, kind, status, category, area, first, last, page, per_page]
      responses:
        '200':
          description: one page of the list and how many items match in all
          content:
            application/json: {schema: {$ref: '#/components/schemas/WorkPage'}}
        '302': {$ref: '#/components/responses/sign_in'}
      problems: [400, 403]
    """
    _, found = _found()
    codes = {d.id: d.code for d in list_departments(store.session())}
    return json_response({"total": found.total, "page": found.offset // found.limit + 1,
                          "per_page": found.limit,
                          "items": [_item(i, codes, _zone()) for i in found.items]})


def _found() -> tuple[WorkFilter, WorkPage]:
    db, args = store.session(), request.args
    area = args.get("area")
    wanted = WorkFilter(
        department_id=department_scope(db, signed_in(), args.get("department")),
        kind=args.get("kind") or None, status=args.get("status") or None,
        category=args.get("category") or None,
        area_path=area_by_code(db, area).path if area else None,
        first=_day("first"), last=_day("last"))
    per_page = number("per_page", PER_PAGE, 1, MAX_PAGE)
    offset = (number("page", 1, 1, 10**6) - 1) * per_page
    return wanted, work_items(db, wanted, store.settings().working_hours, datetime.now(UTC),
                              offset=offset, limit=per_page)


def _page_url(number: int) -> str:
    """This page with the same filters, at page ``number``."""
    values: dict[str, Any] = request.args.to_dict() | {"page": number}
    return url_for("workbench.page", **values)


def _day(name: str) -> date | None:
    raw = request.args.get(name)
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        raise InvalidInputError(f"{name} is a day such as 2026-10-01") from None


def _zone() -> ZoneInfo:
    return ZoneInfo(store.settings().working_hours.zone)


def _item(item: WorkItem, codes: dict[int, str], zone: ZoneInfo) -> dict[str, Any]:
    due_on = item.due_on(zone)
    return {"kind": item.kind, "id": item.id, "title": item.title, "status": item.status,
            "category": item.category, "area": item.area_code,
            "department": codes.get(item.department_id or 0),
            "created_at": item.created_at, "due_at": item.due_at,
            "due_on": due_on.isoformat() if due_on else None, "open": item.open,
            "overdue": item.overdue, "lon": item.lon, "lat": item.lat}
