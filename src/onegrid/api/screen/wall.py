"""The wall page and its data: KPIs, league table, warnings, drill-down areas, dispatch."""

from __future__ import annotations

from dataclasses import asdict

from flask import Response, jsonify, render_template, request, url_for
from sqlalchemy import select

from onegrid.api import store
from onegrid.api.auth import require, signed_in
from onegrid.api.forms import required, row_id
from onegrid.api.screen.blueprint import FEED_PATH, bp, now, rules
from onegrid.platform.accounts.departments import list_departments
from onegrid.platform.errors import InvalidInputError
from onegrid.platform.screen.alerts import grid_spikes, overdue_clusters
from onegrid.platform.screen.dispatch import dispatch_to, dispatchable
from onegrid.platform.screen.drill import area_view, open_by_grid
from onegrid.platform.screen.kpis import KPI_NAMES, kpis
from onegrid.platform.screen.league import league
from onegrid.platform.store.models import Dataset


@bp.get("/screen")
@require("operator")
def page() -> str:
    """The wall.
    ---
    get:
      tags: [pages]
      summary: The command centre's wall
      page: signed_in
      problems: [403]
    """
    db = store.session()
    datasets = {d.id: d.title for d in db.scalars(select(Dataset).order_by(Dataset.id))}
    departments = [{"code": d.code, "name": d.name, "name_en": d.name_en}
                   for d in list_departments(db)]
    config = {"state": url_for("screen.state"), "area": url_for("screen.area"),
              "feed": FEED_PATH, "feedPort": store.settings().web.stream_port,
              "dispatch": url_for("screen.dispatch"),
              "openGrids": url_for("screen.open_grids"), "tiles": url_for("tiles.list_layers"),
              "datasets": datasets, "departments": departments,
              "tileUrl": store.settings().tile_url}
    return render_template("screen.html", user=signed_in(), kpi_names=KPI_NAMES,
                           config=config)


@bp.get("/screen/state.json")
@require("operator")
def state() -> Response:
    """Everything on the wall but the map and the feed, computed now from the store.
    ---
    get:
      tags: [pages]
      summary: KPIs, league table, warnings and what may be dispatched
      security: [{session: []}]
      responses:
        '200': {$ref: '#/components/responses/json'}
        '302': {$ref: '#/components/responses/sign_in'}
      problems: [403]
    """
    db, moment, screen_rules = store.read_session(), now(), rules()
    return jsonify(
        kpis=kpis(db, moment, screen_rules),
        league=[asdict(row) for row in league(db, moment - screen_rules.resolve_window, moment)],
        spikes=grid_spikes(db, moment, screen_rules),
        clusters=overdue_clusters(db, moment, screen_rules),
        dispatchable=dispatchable(db, moment),
        sigma=screen_rules.warning_sigma, at=moment.isoformat())


@bp.get("/screen/area.json")
@require("operator")
def area() -> Response:
    """One area of the drill-down (the city without ?code=): breadcrumbs and children.
    ---
    get:
      tags: [pages]
      summary: One area of the drill-down, its breadcrumbs and children
      security: [{session: []}]
      parameters: [{in: query, name: code, schema: {type: string}}]
      responses:
        '200': {$ref: '#/components/responses/json'}
        '302': {$ref: '#/components/responses/sign_in'}
      problems: [403, 404]
    """
    return jsonify(area_view(store.read_session(), request.args.get("code") or None))


@bp.get("/screen/open-grids.json")
@require("operator")
def open_grids() -> Response:
    """{grid code: open issues}: the choropleth's numbers (the shapes come as vector tiles).
    ---
    get:
      tags: [pages]
      summary: Open issues per grid code
      security: [{session: []}]
      responses:
        '200': {$ref: '#/components/responses/json'}
        '302': {$ref: '#/components/responses/sign_in'}
      problems: [403]
    """
    return jsonify(open_by_grid(store.read_session()))


@bp.post("/screen/dispatch")
@require("operator")
def dispatch() -> Response:
    """Send an issue to a department (reassign + dispatch, both traced); 200 with its state.
    ---
    post:
      tags: [screen]
      summary: Send an issue to a department
      security: [{session: []}]
      requestBody: {form: Dispatch}
      responses:
        '200': {$ref: '#/components/responses/json'}
        '302': {$ref: '#/components/responses/sign_in'}
      problems: [400, 403, 404, 409, 413]
    """
    form = request.form
    issue_id = row_id(form, "issue_id")
    if issue_id is None:
        raise InvalidInputError("issue_id is required")
    with store.unit_of_work() as db:
        issue = dispatch_to(db, issue_id, required(form, "department"), signed_in(),
                            note=form.get("note", ""))
    return jsonify(id=issue.id, status=issue.status, department_id=issue.department_id)
