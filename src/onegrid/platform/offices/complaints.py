"""Burden complaints (减负投诉): taken in from letters, visits, the web, the phone and the 12345
hotline (tickets in the burden category come here rather than to the issue loop), verified
against the department concerned, rectified, published, and chosen as a quarter's typical
cases; counted per department."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from onegrid.platform.accounts.departments import get_department
from onegrid.platform.errors import ConflictError, InvalidInputError, NotFoundError
from onegrid.platform.governance.ledger import record_burden
from onegrid.platform.store.models import (
    COMPLAINT_CHANNELS,
    BurdenComplaint,
    Department,
)
from onegrid.platform.trace.chain import append

# The hotline's categories (its own words, attribute `category`) that are burden complaints.
BURDEN_CATEGORIES = frozenset({"基层减负", "减负", "形式主义", "burden"})
FINAL_STATES = ("published", "dismissed")  # a complaint in any other state awaits handling
HANDLE_WITHIN_DAYS = 15  # working days from receipt to a published result (or a dismissal)
# step: (from, to, the field its text fills)
STEPS: dict[str, tuple[str, str, str]] = {
    "verify": ("received", "verifying", ""),           # the department concerned is named
    "uphold": ("verifying", "rectifying", "finding"),  # founded: the department rectifies
    "dismiss": ("verifying", "dismissed", "finding"),  # unfounded, with what was found
    "rectify": ("rectifying", "rectified", "rectification"),
    "publish": ("rectified", "published", "result"),
}


def receive(session: Session, channel: str, summary: str, actor: str,
            department_code: str | None = None) -> BurdenComplaint:
    """Take a complaint in (state received), a ledger line and a trace entry."""
    if channel not in COMPLAINT_CHANNELS:
        raise InvalidInputError(f"channel is one of {', '.join(COMPLAINT_CHANNELS)}")
    if not summary.strip():
        raise InvalidInputError("say what the complaint is about")
    department = get_department(session, department_code) if department_code else None
    complaint = BurdenComplaint(channel=channel, summary=summary.strip(), status="received",
                                department_id=department.id if department else None)
    session.add(complaint)
    session.flush()
    _received(session, complaint, actor, department_code)
    return complaint


def _received(session: Session, complaint: BurdenComplaint, actor: str,
              department_code: str | None) -> None:
    # The summary may name people: the ledger and the trace keep only where it came from.
    detail = {"complaint": complaint.id, "channel": complaint.channel}
    record_burden(session, "burden_complaint", department_code, detail)
    append(session, actor, "complaint.received", f"complaint:{complaint.id}",
           detail | {"department": department_code})


def from_hotline(session: Session, ticket: str, summary: str, via: str) -> None:
    """A burden-category hotline ticket as a complaint, once per ticket number (a re-reported
    ticket adds nothing)."""
    if not summary.strip():
        raise InvalidInputError("a burden complaint needs a description")
    complaint_id = session.scalar(
        insert(BurdenComplaint).values(channel="hotline", ticket=ticket, summary=summary.strip(),
                                       status="received", finding="", rectification="",
                                       result="")
        .on_conflict_do_nothing(index_elements=["ticket"]).returning(BurdenComplaint.id))
    if complaint_id is not None:
        _received(session, session.get_one(BurdenComplaint, complaint_id), f"dept:{via}", None)


def step(session: Session, complaint_id: int, name: str, text: str, actor: str,
         department_code: str | None = None) -> BurdenComplaint:
    """Move a complaint one step (STEPS), traced; ``verify`` names the department concerned,
    every other step says its text (finding, rectification, result)."""
    if name not in STEPS:
        raise InvalidInputError(f"a step is one of {', '.join(STEPS)}")
    complaint = session.get(BurdenComplaint, complaint_id, with_for_update=True)
    if complaint is None:
        raise NotFoundError(f"no burden complaint {complaint_id}")
    before, after, field = STEPS[name]
    if complaint.status != before:
        raise ConflictError(f"complaint {complaint_id} is {complaint.status}: {name} "
                            f"takes one that is {before}")
    if name == "verify":
        if not department_code:
            raise InvalidInputError("name the department the complaint concerns")
        complaint.department_id = get_department(session, department_code).id
    elif not text.strip():
        raise InvalidInputError(f"say the {field}")
    else:
        setattr(complaint, field, text.strip())
    complaint.status = after
    session.flush()
    append(session, actor, f"complaint.{name}", f"complaint:{complaint.id}",
           {"status": after, "department": department_code, field or "text": text.strip()})
    return complaint


def mark_typical(session: Session, complaint_id: int, quarter: str, actor: str
                 ) -> BurdenComplaint:
    """Choose a published complaint as a typical case (典型案例) of ``quarter`` (2026Q4)."""
    if not re.fullmatch(r"20\d\dQ[1-4]", quarter):
        raise InvalidInputError(f"{quarter!r} is not a quarter such as 2026Q4")
    complaint = session.get(BurdenComplaint, complaint_id, with_for_update=True)
    if complaint is None:
        raise NotFoundError(f"no burden complaint {complaint_id}")
    if complaint.status != "published":
        raise ConflictError("only a complaint with a published result is a typical case")
    complaint.typical = quarter
    session.flush()
    append(session, actor, "complaint.typical", f"complaint:{complaint.id}", {"quarter": quarter})
    return complaint


def typical_cases(session: Session, quarter: str) -> list[BurdenComplaint]:
    return list(session.scalars(select(BurdenComplaint).where(BurdenComplaint.typical == quarter)
                                .order_by(BurdenComplaint.id)))


def per_department(session: Session) -> dict[str, dict[str, int]]:
    """Complaints per department concerned (``""``: not yet verified), by state."""
    counted: dict[str, dict[str, int]] = {}
    for code, status, n in session.execute(
            select(Department.code, BurdenComplaint.status, func.count())
            .outerjoin(Department, Department.id == BurdenComplaint.department_id)
            .group_by(Department.code, BurdenComplaint.status)):
        counted.setdefault(code or "", {})[status] = n
    return counted
