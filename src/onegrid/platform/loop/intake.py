"""Intake (信息采集 → 案卷建立): one issue however often reported, routed by the responsibility
list in force when it is reported.

Every channel (the grid worker's page, Open311 clients, the 12345 hotline feed) calls
``report_issue``. A report with a client id seen before returns the same issue (retries are
harmless); a report of the same category within the dedup radius and window of an open issue
merges into it; anything else becomes a new issue, routed at once: to the lead department the
responsibility list names, or, when it names none, to the first office that received the report
(首问负责: the reporter's department, else the department whose client sent it, else the
area's command centre), which holds it until it hands it on (platform/loop/handling.py)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select, text
from sqlalchemy.orm import Session

from onegrid.platform.accounts.departments import get_department
from onegrid.platform.errors import InvalidInputError
from onegrid.platform.governance.ledger import record_burden
from onegrid.platform.governance.lists import category_in_force, entry_in_force
from onegrid.platform.governance.offices import ancestor_at, office_of
from onegrid.platform.governance.working_time import WorkingHours
from onegrid.platform.loop.dedup import DedupRule
from onegrid.platform.loop.sla import due_dates
from onegrid.platform.loop.states import OPEN_STATES
from onegrid.platform.settings import STORE_SRID
from onegrid.platform.store.models import (
    ISSUE_SOURCES,
    Department,
    Issue,
    IssueReport,
    User,
)
from onegrid.platform.trace.chain import append

REPORT_NAMESPACE = uuid.UUID("6f1d0b3e-5c2a-4e0e-9a51-0e6121d00005")  # for non-UUID report ids


def report_issue(session: Session, *, client_id: uuid.UUID | str, category: str,
                 description: str, lon: float, lat: float, reporter_user_id: int | None,
                 source: str, rule: DedupRule, hours: WorkingHours, address: str = "",
                 media_url: str = "",
                 via: str = "") -> Issue:
    """The issue this report belongs to, new or merged, in the caller's transaction.

    ``client_id`` is a UUID, or any other stable id of the report (a hotline ticket number),
    which is turned into a UUID per source. ``lon``/``lat`` are in the store's datum
    (EPSG:4490). ``rule`` says which open issue a report merges into (Settings.dedup).
    ``hours`` counts its SLA (Settings.working_hours). ``via`` names the department whose
    client sent it, for the trace. Raises
    InvalidInputError for an unknown category or source, an empty description, or a point outside
    every grid."""
    if source not in ISSUE_SOURCES:
        raise InvalidInputError(f"unknown source {source!r}; one of {', '.join(ISSUE_SOURCES)}")
    if not description.strip():
        raise InvalidInputError("describe the issue in a few words")
    now = datetime.now(UTC)
    kind = category_in_force(session, category, now)
    if kind is None:
        # not on the categories list in force at the report
        raise InvalidInputError(f"unknown category {category!r} (see /open311/v2/services.json)")
    client_id = client_uuid(client_id, source)
    # One intake per category at a time, so two reports of one thing cannot both open an issue.
    session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"issue:{category}"})
    known = session.scalars(select(IssueReport.issue_id).where(IssueReport.client_id == client_id))
    issue_id = known.first()
    if issue_id is not None:
        return session.get_one(Issue, issue_id)
    point = func.ST_SetSRID(func.ST_MakePoint(lon, lat), STORE_SRID)
    actor = _actor(session, reporter_user_id, source, via)
    duplicate = _open_duplicate(session, category, point, rule)
    if duplicate is not None:
        return _merge(session, duplicate, client_id, reporter_user_id, source, description, actor)
    # The store's rule (gis/sql/placement.sql): on an edge shared by grids, the smallest code
    # wins.
    grid_id = session.scalar(select(func.onegrid_grid_of(point)))
    if grid_id is None:
        raise InvalidInputError(f"({lon}, {lat}) is outside every grid of the platform")
    response_due, resolve_due = due_dates(kind, now, hours)
    issue = Issue(client_id=client_id, category=category, description=description.strip(),
                  status="reported", source=source, geom=point, address=address,
                  grid_id=grid_id, reporter_id=reporter_user_id, media_url=media_url,
                  report_count=1, rejections=0, result_note="", response_due=response_due,
                  resolve_due=resolve_due, created_at=now, updated_at=now)
    session.add(issue)
    session.flush()
    session.add(IssueReport(client_id=client_id, issue_id=issue.id, reporter_id=reporter_user_id,
                            source=source, description=issue.description))
    append(session, actor[0], "issue.reported", f"issue:{issue.id}",
           {"name": actor[1], "category": category, "source": source, "grid_id": grid_id,
            "step": "信息采集"})
    _route(session, issue, via)
    return issue


def client_uuid(value: uuid.UUID | str, source: str) -> uuid.UUID:
    """The report's UUID: itself, or one derived from another id so each retry maps alike."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        if not str(value).strip():
            raise InvalidInputError("a report needs a client id") from None
        return uuid.uuid5(REPORT_NAMESPACE, f"{source}:{value}")


def _actor(session: Session, user_id: int | None, source: str, via: str) -> tuple[str, str]:
    """(username, display name) of the reporter; the channel's name for citizens' reports."""
    if user_id is None:
        channel = f"{source}:{via}" if via else source
        return channel, channel
    user = session.get(User, user_id)
    if user is None:
        raise InvalidInputError(f"no user with id {user_id}")
    return user.username, user.display_name


def _open_duplicate(session: Session, category: str, point: ColumnElement[Any],
                    rule: DedupRule) -> Issue | None:
    since = datetime.now(UTC) - rule.window
    here = func.geography(point)  # keeps the datum; distances in metres on the spheroid
    return session.scalars(
        select(Issue)
        .where(Issue.category == category, Issue.status.in_(OPEN_STATES),
               Issue.created_at >= since,
               func.ST_DWithin(func.geography(Issue.geom), here, rule.radius_m))
        .order_by(func.ST_Distance(func.geography(Issue.geom), here))
        .limit(1)
        .with_for_update()
    ).first()


def _merge(session: Session, issue: Issue, client_id: uuid.UUID, reporter_id: int | None,
           source: str, description: str, actor: tuple[str, str]) -> Issue:
    issue.report_count += 1
    issue.updated_at = datetime.now(UTC)
    session.add(IssueReport(client_id=client_id, issue_id=issue.id, reporter_id=reporter_id,
                            source=source, description=description.strip()))
    append(session, actor[0], "issue.merged", f"issue:{issue.id}",
           {"name": actor[1], "report_count": issue.report_count, "source": source,
            "client_id": client_id})
    department = session.get(Department, issue.department_id) if issue.department_id else None
    record_burden(session, "duplicate_merged", department.code if department else None,
                  {"issue_id": issue.id, "report_count": issue.report_count})
    session.flush()
    return issue


def _route(session: Session, issue: Issue, via: str) -> None:
    """案卷建立 by the responsibility list in force at the report: its lead department, at its
    level (the issue's area there); no owner, the first office holds it."""
    found = entry_in_force(session, "responsibility", issue.category, issue.created_at)
    duty = found[1] if found else None
    detail: dict[str, Any]
    department: Department | None
    if duty and duty["lead"]:
        department = get_department(session, duty["lead"])
        area = ancestor_at(session, issue.grid_id, duty["level"]) if issue.grid_id else None
        issue.level, issue.handling_area_id = duty["level"], area.id if area else None
        detail = {"rule": "responsibility list", "list_version": found[0].id if found else None,
                  "matter": duty["matter"], "supporting": duty["supporting"],
                  "area": area.code if area else None}
    else:
        department, rule = _first_office(session, issue, via)
        issue.level, issue.awaiting_owner = None, True
        detail = {"rule": rule, "list_version": found[0].id if found else None}
    issue.department_id, issue.status = (department.id if department else None), "routed"
    append(session, "routing", "issue.routed", f"issue:{issue.id}",
           {"department": department.code if department else None,
            "department_name": department.name if department else None,
            "level": issue.level, "step": "案卷建立"} | detail)
    session.flush()


def _first_office(session: Session, issue: Issue, via: str
                  ) -> tuple[Department | None, str]:
    """首问负责: the office that received the report, and how it is known."""
    reporter = session.get(User, issue.reporter_id) if issue.reporter_id else None
    if reporter is not None and reporter.department_id is not None:
        office = session.get_one(Department, reporter.department_id)
        return office, "首问负责: the reporter's office"
    if via:
        return get_department(session, via), "首问负责: the office whose client sent it"
    centre = office_of(session, "command_centre", issue.grid_id) if issue.grid_id else None
    return centre, ("首问负责: the area's command centre" if centre else
                    "首问负责: no office received it and the area has no command centre")
