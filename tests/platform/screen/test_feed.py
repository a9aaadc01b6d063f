"""The live feed's events: new issues, merges, dispatches, SLA breaches, dead-letter spikes."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from onegrid.platform.screen.dispatch import dispatch_to
from onegrid.platform.screen.feed import Cursor, poll, start
from onegrid.platform.screen.rules import ScreenRules
from onegrid.platform.store.models import DeadLetter, TraceEntry
from tests.platform.screen.factory import make_issue, now, operator

pytestmark = pytest.mark.usefixtures("city")
RULES = ScreenRules(dead_letter_spike=3)


def _kinds(db, cursor: Cursor) -> tuple[list[tuple[str, int | None]], Cursor]:
    events, cursor = poll(db, cursor, now(), RULES)
    return [(e.kind, e.data.get("issue_id")) for e in events], cursor


def test_new_issues_merges_and_dispatches_arrive_in_order_and_only_once(db) -> None:
    cursor = _fresh(db)
    issue = make_issue(db, 160, "C0401")  # no owner: with the command centre
    make_issue(db, 160, "C0401")
    dispatch_to(db, issue.id, "CGJ", operator(db))
    kinds, cursor = _kinds(db, cursor)
    assert kinds == [("new_issue", issue.id), ("merge", issue.id), ("dispatch", issue.id)]
    assert _kinds(db, cursor)[0] == []


def test_a_new_screen_replays_the_latest_events(db) -> None:
    issue = make_issue(db, 161, "E0502")
    events, _ = poll(db, start(db, now()), now(), RULES)
    assert events[-1].kind == "new_issue" and events[-1].data["issue_id"] == issue.id
    assert events[-1].data["grid_name"] and events[-1].data["category_name"]


def test_an_issue_falling_due_is_a_breach_once(db) -> None:
    cursor = _fresh(db)
    issue = make_issue(db, 162, "E0502", metres=5)
    issue.response_due = now() + timedelta(milliseconds=1)
    db.flush()
    kinds, cursor = _kinds(db, replace(cursor, trace_seq=_fresh(db).trace_seq))
    assert ("sla_breach", issue.id) in kinds
    assert ("sla_breach", issue.id) not in _kinds(db, cursor)[0]


def test_many_dead_letters_in_the_window_are_one_spike_while_it_lasts(db) -> None:
    rules = replace(RULES, dead_letter_spike=_dead_letters_in_window(db) + 3)
    cursor = _fresh(db)
    _dead_letters(db, range(3))
    events, cursor = poll(db, cursor, now(), rules)
    spikes = [e for e in events if e.kind == "dead_letter_spike"]
    assert len(spikes) == 1 and spikes[0].data["count"] == rules.dead_letter_spike
    assert poll(db, cursor, now(), rules)[0] == []
    _dead_letters(db, range(3, 6))  # the spike goes on: not announced again
    assert poll(db, cursor, now(), rules)[0] == []


def _dead_letters(db, offsets: range) -> None:
    for offset in offsets:
        db.add(DeadLetter(topic="test.spike", partition=0, offset=offset, reason="bad json"))
    db.flush()


def _dead_letters_in_window(db) -> int:
    return db.scalar(select(func.count()).where(
        DeadLetter.received_at > now() - RULES.dead_letter_window))


def test_the_cursor_survives_its_text_form() -> None:
    cursor = Cursor(12, 3, now().replace(microsecond=0))
    assert Cursor.parse(str(cursor)) == cursor
    assert Cursor.parse("not-a-cursor") is None


def _fresh(db) -> Cursor:
    """A cursor past everything already in the store (no replay)."""
    last = db.scalar(select(func.max(TraceEntry.seq)))
    return replace(start(db, now()), trace_seq=last)
