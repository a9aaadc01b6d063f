"""How OneGrid's categories and issues read as Open311 GeoReport v2 services and requests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onegrid.platform.loop.states import open311_status
from onegrid.platform.store.models import Department, Issue, IssueCategory


def w3c(at: datetime | None) -> str | None:
    return at.isoformat(timespec="seconds") if at else None


def service(category: IssueCategory) -> dict[str, Any]:
    return {"service_code": category.code, "service_name": category.name,
            "description": f"{category.class_name} / {category.name} ({category.name_en})",
            "metadata": False, "type": "realtime",
            "keywords": f"{category.kind},{category.class_name_en},{category.name_en}",
            "group": category.class_name}


def service_definition(category: IssueCategory) -> dict[str, Any]:
    # No extra attributes: a category, a place and a description are all the loop needs.
    return {"service_code": category.code, "attributes": []}


def service_requests(session: Session, issues: list[Issue]) -> list[dict[str, Any]]:
    """Requests in the spec's field order, with lat/long read from PostGIS, as the public may
    see them: anyone may read Open311, so the handlers' result notes (internal), the reporter's
    address text and photo link (which may show people) stay out; status_notes is the state."""
    if not issues:
        return []
    ids = [i.id for i in issues]
    points = dict((row.id, (row.x, row.y)) for row in session.execute(
        select(Issue.id, func.ST_X(Issue.geom).label("x"), func.ST_Y(Issue.geom).label("y"))
        .where(Issue.id.in_(ids))))
    names = {c.code: c.name for c in session.scalars(select(IssueCategory))}
    agencies: dict[int | None, str] = {d.id: d.name for d in session.scalars(select(Department))}
    return [{
        "service_request_id": str(i.id), "status": open311_status(i.status),
        "status_notes": i.status, "service_name": names.get(i.category),
        "service_code": i.category, "description": i.description,
        "agency_responsible": agencies.get(i.department_id), "service_notice": "",
        "requested_datetime": w3c(i.created_at), "updated_datetime": w3c(i.updated_at),
        "expected_datetime": w3c(i.resolve_due), "address": None, "address_id": "",
        "zipcode": "", "lat": points[i.id][1], "long": points[i.id][0],
        "media_url": None,
    } for i in issues]

