"""Open311 GeoReport v2 under /open311: discovery, services, requests (GET and POST), tokens."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from flask import Blueprint, Response, request, url_for
from sqlalchemy import Select, select
from werkzeug.datastructures import MultiDict

from onegrid.api import store
from onegrid.api.forms import number
from onegrid.api.open311.mapping import (
    service,
    service_definition,
    service_requests,
)
from onegrid.api.open311.render import FORMATS, check_format, respond
from onegrid.api.params import BIGINT
from onegrid.api.scopes import token_department
from onegrid.gis.geocode import locate_address
from onegrid.platform.errors import InvalidInputError, NotFoundError, OneGridError
from onegrid.platform.loop.intake import report_issue
from onegrid.platform.loop.queries import categories
from onegrid.platform.loop.states import CLOSED_FOR_CITIZENS, OPEN_STATES
from onegrid.platform.store.models import Issue, IssueCategory, IssueReport

bp = Blueprint("open311", __name__, url_prefix="/open311")
SPEC = "http://wiki.open311.org/GeoReport_v2"
DEFAULT_RANGE = timedelta(days=90)  # the spec's default when no dates are given
EARLIEST = datetime.min.replace(tzinfo=UTC)  # where the default range stops (end_date in year 1)
MAX_REQUESTS = 1000


class InvalidApiKeyError(OneGridError, status=403, code="invalid-api-key",
                         title="Invalid api_key"):
    """An Open311 POST whose api_key no department holds."""


@bp.errorhandler(OneGridError)
def _error(err: OneGridError) -> Response:
    """Errors as the spec's list of {code, description}, in the format the path asked for."""
    fmt = "xml" if request.path.endswith(".xml") else "json"
    return respond(fmt, "errors", [{"code": err.status, "description": err.detail}], err.status)


@bp.get("/discovery.<fmt>")
def discovery(fmt: str) -> Response:
    """Where the service is and how to get a key.
    ---
    get:
      tags: [open311]
      summary: Open311 discovery
      security: []
      parameters: [fmt]
      responses: {'200': {$ref: '#/components/responses/open311'}}
      problems: [400]
    """
    fmt = check_format(fmt)
    url = url_for("open311.services", fmt="json", _external=True).rsplit("/", 1)[0]
    return respond(fmt, "discovery", {
        "changeset": "2026-11-23T00:00:00Z", "contact": "OneGrid command centre (指挥中心)",
        "key_service": "api_key: a department token of scope open311 from "
                       "`onegrid token create --scope open311`",
        "endpoints": [{"specification": SPEC, "url": url, "changeset": "2026-11-23T00:00:00Z",
                       "type": "production", "formats": list(FORMATS.values())}]})


@bp.get("/v2/services.<fmt>")
def services(fmt: str) -> Response:
    """The issue categories as services.
    ---
    get:
      tags: [open311]
      summary: The services (issue categories)
      security: []
      parameters: [fmt]
      responses: {'200': {$ref: '#/components/responses/open311'}}
      problems: [400]
    """
    listed = [service(c) for c in categories(store.session())]
    return respond(check_format(fmt), "services", listed)


@bp.get("/v2/services/<code>.<fmt>")
def definition(code: str, fmt: str) -> Response:
    """One service's definition.
    ---
    get:
      tags: [open311]
      summary: A service definition (no extra attributes)
      security: []
      parameters: [fmt, {in: path, name: code, required: true, schema: {type: string}}]
      responses: {'200': {$ref: '#/components/responses/open311'}}
      problems: [400, 404]
    """
    category = store.session().get(IssueCategory, code)
    if category is None:
        raise NotFoundError(f"no service {code!r}")
    return respond(check_format(fmt), "service_definition", service_definition(category))


@bp.get("/v2/requests.<fmt>")
def requests_list(fmt: str) -> Response:
    """Service requests, newest first (at most 1,000).
    ---
    get:
      tags: [open311]
      summary: Service requests by ids, or by service_code, status and dates (90 days by default)
      security: []
      parameters:
        - fmt
        - {in: query, name: service_request_id, schema: {type: string},
           description: "ids, comma-separated (overrides the other filters)"}
        - {in: query, name: service_code, schema: {type: string}}
        - {in: query, name: status, schema: {type: string}, description: "open, closed or both"}
        - {in: query, name: start_date, schema: {type: string, format: date-time}}
        - {in: query, name: end_date, schema: {type: string, format: date-time}}
      responses: {'200': {$ref: '#/components/responses/open311'}}
      problems: [400, 404]
    """
    fmt, db = check_format(fmt), store.session()
    query = select(Issue).order_by(Issue.created_at.desc()).limit(MAX_REQUESTS)
    ids = _csv_arg("service_request_id")
    if ids:  # the spec: an id list overrides every other filter
        query = query.where(Issue.id.in_([_int(i) for i in ids]))
    else:
        query = _filtered(query)
    return respond(fmt, "service_requests", service_requests(db, list(db.scalars(query))))


@bp.get("/v2/requests/<request_id>.<fmt>")
def request_one(request_id: str, fmt: str) -> Response:
    """One service request.
    ---
    get:
      tags: [open311]
      summary: One service request
      security: []
      parameters: [fmt, {in: path, name: request_id, required: true, schema: {type: string}}]
      responses: {'200': {$ref: '#/components/responses/open311'}}
      problems: [400, 404]
    """
    fmt, db = check_format(fmt), store.session()
    issue = db.get(Issue, _int(request_id))
    if issue is None:
        raise NotFoundError(f"no service request {request_id}")
    return respond(fmt, "service_requests", service_requests(db, [issue]))


@bp.get("/v2/tokens/<token>.<fmt>")
def token(token: str, fmt: str) -> Response:
    """The request a POST's token became.
    ---
    get:
      tags: [open311]
      summary: The service request id of a token
      security: []
      parameters: [fmt, {in: path, name: token, required: true, schema: {type: string}}]
      responses: {'200': {$ref: '#/components/responses/open311'}}
      problems: [400, 404]
    """
    fmt, db = check_format(fmt), store.session()
    try:
        issue_id = db.scalar(select(IssueReport.issue_id)
                             .where(IssueReport.client_id == uuid.UUID(token)))
    except ValueError:
        issue_id = None
    if issue_id is None:
        raise NotFoundError(f"no token {token}")
    return respond(fmt, "service_requests", [{"service_request_id": str(issue_id),
                                              "token": token}])


@bp.post("/v2/requests.<fmt>")
def create(fmt: str) -> Response:
    """A citizen's request through a department's client: api_key is that department's token.
    ---
    post:
      tags: [open311]
      summary: File a service request (api_key is a department token of scope open311)
      security: []
      parameters: [fmt]
      requestBody: {form: Open311Request, required: true}
      responses:
        '200':
          description: the new request's id and token
          content: {application/json: {schema: {type: array, items: {type: object}}},
                    text/xml: {schema: {type: string}}}
          links:
            request:
              operationId: get_open311.request_one
              parameters: {request_id: '$response.body#/0/service_request_id', fmt: json}
            token:
              operationId: get_open311.token
              parameters: {token: '$response.body#/0/token', fmt: json}
      problems: [400, 403, 404, 413]
    """
    fmt, form = check_format(fmt), request.form
    department = token_department(form.get("api_key", ""))
    if department is None:
        raise InvalidApiKeyError("api_key is missing or not a valid department token")
    lon, lat = _location(form)
    client_id = uuid.uuid4()
    with store.unit_of_work() as db:
        issue = report_issue(db, client_id=client_id, category=form.get("service_code", ""),
                             description=form.get("description", ""), lon=lon, lat=lat,
                             reporter_user_id=None, source="open311",
                             rule=store.settings().dedup, hours=store.settings().working_hours,
                             address=form.get("address_string", ""),
                             media_url=form.get("media_url", ""), via=department.code)
    return respond(fmt, "service_requests", [{
        "service_request_id": str(issue.id), "token": str(client_id),
        "service_notice": "", "account_id": None}])


def _location(form: MultiDict[str, str]) -> tuple[float, float]:
    if form.get("lat") and form.get("long"):
        return number(form, "long"), number(form, "lat")
    if form.get("address_string"):
        point = locate_address(store.session(), form["address_string"])
        if point is None:
            raise InvalidInputError("address_string names no street, community or grid we know; "
                                    "send lat and long")
        return point
    raise InvalidInputError("a location is required: lat and long, or address_string")


def _filtered(query: Select[Issue]) -> Select[Issue]:
    codes = _csv_arg("service_code")
    if codes:
        query = query.where(Issue.category.in_(codes))
    states = _csv_arg("status")
    if states:
        wanted = [s for s in states if s in ("open", "closed")]
        internal = (OPEN_STATES if "open" in wanted else ()) + (
            CLOSED_FOR_CITIZENS if "closed" in wanted else ())
        query = query.where(Issue.status.in_(internal))
    end = _date("end_date") or datetime.now(UTC)
    start = _date("start_date") or (end - DEFAULT_RANGE if end - EARLIEST > DEFAULT_RANGE
                                    else EARLIEST)
    return query.where(Issue.created_at >= start, Issue.created_at <= end)


def _csv_arg(name: str) -> list[str]:
    return [part.strip() for part in request.args.get(name, "").split(",") if part.strip()]


def _date(name: str) -> datetime | None:
    value = request.args.get(name)
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInputError(
            f"{name} must be a W3C date-time such as 2026-01-01T00:00:00Z") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _int(value: str) -> int:
    """A service request's id; NotFoundError for anything that cannot be one (not a number,
    or beyond the store's bigint)."""
    try:
        number = int(value)
    except ValueError:
        number = -1
    if not 0 <= number <= BIGINT:
        raise NotFoundError(f"no service request {value[:40]}")
    return number
