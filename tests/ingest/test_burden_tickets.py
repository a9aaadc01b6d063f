"""A hotline ticket in the burden category becomes a burden complaint for the office, as
ingest's role, once per ticket, and opens no issue; other tickets still open issues."""

from __future__ import annotations

from sqlalchemy import func, select, text

from onegrid.platform.store.models import BurdenComplaint, BurdenEvent
from tests.ingest.test_faults import ticket

BURDEN = "社区反映某局要求每周在三个APP重复填报同一台账"


def test_a_burden_ticket_becomes_a_complaint_not_an_issue(write, db) -> None:
    issues = db.scalar(text("SELECT count(*) FROM issue"))
    outcome = write(ticket(11, category="基层减负", description=BURDEN), ticket(12),
                    ticket(11, category="基层减负", description=BURDEN))  # re-reported
    assert outcome.dead_letters == []
    complaints = db.scalars(select(BurdenComplaint)).all()
    assert [(c.channel, c.ticket, c.summary, c.status) for c in complaints] == [
        ("hotline", "RX2026112300000011", BURDEN, "received")]
    assert db.scalar(text("SELECT count(*) FROM issue")) == issues + 1, "only ticket 12's"
    assert db.scalar(select(func.count()).select_from(BurdenEvent)
                     .where(BurdenEvent.kind == "burden_complaint")) == 1


def test_a_burden_ticket_without_a_description_is_a_dead_letter(write, db) -> None:
    outcome = write(ticket(13, category="基层减负", description=""))
    assert [r.reason for _, r in outcome.dead_letters] == [
        "a burden complaint needs a description"]
