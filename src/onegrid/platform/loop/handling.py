"""Handling an issue by hand: each step checked against the state machine and the person's
scope (their department or their grids), applied, and traced in the same transaction."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from onegrid.platform.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
)
from onegrid.platform.loop.states import TRANSITIONS, next_status
from onegrid.platform.store.models import Department, Issue, User, user_grid
from onegrid.platform.trace.chain import append


def act(session: Session, issue_id: int, action: str, user: User, *, note: str = "",
        satisfaction: int | None = None, department_code: str | None = None) -> Issue:
    """Take one step on the issue as ``user``; returns the issue in its new state."""
    issue = session.get(Issue, issue_id, with_for_update=True)
    if issue is None:
        raise NotFoundError(f"no issue {issue_id}")
    source = issue.status
    target = next_status(action, source, user.role)
    check_scope(session, user, issue)
    detail = _apply(session, issue, action, note.strip(), satisfaction, department_code)
    issue.status, issue.updated_at = target, datetime.now(UTC)
    append(session, user.username, f"issue.{action}", f"issue:{issue.id}",
           {"name": user.display_name, "from": source, "to": target,
            "step": TRANSITIONS[action].step} | detail)
    session.flush()
    return issue


def check_scope(session: Session, user: User, issue: Issue) -> None:
    """Department staff act on their department's issues, grid workers on their grids'."""
    if user.role == "department_staff" and user.department_id != issue.department_id:
        raise ForbiddenError("this issue belongs to another department")
    if user.role == "grid_worker" and not session.scalar(
            select(user_grid.c.area_id).where(user_grid.c.user_id == user.id,
                                              user_grid.c.area_id == issue.grid_id)):
        raise ForbiddenError("this issue is in another grid")


def _apply(session: Session, issue: Issue, action: str, note: str, satisfaction: int | None,
           department_code: str | None) -> dict[str, Any]:
    now = datetime.now(UTC)
    if action in ("reassign", "hand_over"):
        return _pass_on(session, issue, action, department_code, note)
    if action == "accept":
        issue.accepted_at = now
    elif action in ("resolve", "reject") and not note:
        raise InvalidInputError(f"{action} needs a note saying what was done or what is missing")
    elif action == "resolve":
        issue.result_note, issue.resolved_at = note, now
    elif action == "reject":
        issue.rejections += 1
    elif action == "evaluate":
        if satisfaction not in (1, 2, 3, 4, 5):
            raise InvalidInputError("satisfaction is a whole number from 1 to 5")
        issue.satisfaction = satisfaction
        return {"satisfaction": satisfaction, "note": note}
    elif action == "close":
        issue.closed_at = now
    return {"note": note} if note else {}


def _pass_on(session: Session, issue: Issue, action: str, department_code: str | None,
             note: str) -> dict[str, Any]:
    """Reassign (the command centre) or hand over (the first office, 首问负责, only while the
    responsibility list names no owner) to another department, which then holds the issue."""
    if action == "hand_over" and not issue.awaiting_owner:
        raise ConflictError("the responsibility list names this issue's owner: ask the command "
                            "centre to reassign it instead")
    department = session.scalars(
        select(Department).where(Department.code == (department_code or ""))).first()
    if department is None:
        raise InvalidInputError(f"name the department to {action.replace('_', ' ')} to")
    before = session.get(Department, issue.department_id) if issue.department_id else None
    issue.department_id, issue.level, issue.awaiting_owner = department.id, None, False
    return {"department": department.code, "from_department": before.code if before else None,
            "note": note}
