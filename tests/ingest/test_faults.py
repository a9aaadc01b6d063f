"""A message only costs itself: what fails in one message's merge or bridge makes it a dead
letter with its reason, and the rest of its batch is stored (the real store, one batch each)."""

from __future__ import annotations

import random

from sqlalchemy import event, text
from sqlalchemy.orm import Session

from onegrid.demo import factories
from tests.ingest.conftest import envelope

GOOD_TICKET = "鹿城路120号：路灯不亮，夜间出行不便"


def ticket(number: int, **attributes: str) -> dict:
    message = envelope(dataset="hotline.ticket", department="RX12345",
                       subject_key=f"RX20261123{number:08d}", record_id=f"rx-{number}",
                       crs="BD-09", geometry={"type": "Point", "coordinates": [120.6615, 28.0198]},
                       category="道路设施", issue_category="C0106", description=GOOD_TICKET)
    message["attributes"].pop("name")
    message["attributes"].update(attributes)
    return message


def businesses(n: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    return [envelope(subject_key=factories.credit_code(rng), record_id=f"b-{seed}-{i}")
            for i in range(n)]


def stored(db: Session, dataset: str) -> int:
    return db.scalar(text("SELECT count(*) FROM record WHERE dataset_id = :d"), {"d": dataset})


def savepoints(db: Session) -> list[int]:
    """A list that counts the SAVEPOINT statements the test's connection sends from now on."""
    seen: list[int] = []
    event.listen(db.connection(), "before_cursor_execute",
                 lambda _c, _cur, statement, *_: seen.append(1)
                 if statement.startswith("SAVEPOINT") else None)
    return seen


def test_tickets_the_loop_refuses_are_dead_letters_and_their_batch_is_stored(write, db) -> None:
    """An issue category the store does not know and an empty description pass the dataset's
    schema; the issue loop refuses them. Before, each failed its whole batch, at every restart."""
    before = db.scalar(text("SELECT count(*) FROM issue"))
    tax = envelope(dataset="tax.taxpayer", department="SWJ", credit_grade="A",
                   subject_key="91330302MA2AXXXXX8")
    outcome = write(*businesses(3, 1), ticket(1, issue_category="C9999"), tax,
                    ticket(2, description=""), ticket(3), *businesses(3, 2))
    reasons = {d.offset: r.reason for d, r in outcome.dead_letters}
    assert reasons == {
        3: "the ticket cannot open an issue in the loop: unknown category 'C9999' "
           "(see /open311/v2/services.json)",
        5: "the ticket cannot open an issue in the loop: describe the issue in a few words"}
    assert stored(db, "market.business") == 6 and stored(db, "tax.taxpayer") == 1
    assert stored(db, "hotline.ticket") == 1, "the refused tickets' records went with them"
    assert db.scalar(text("SELECT count(*) FROM issue")) == before + 1
    assert outcome.counts[("hotline.ticket", "RX12345")] == {"received": 3, "new": 1,
                                                             "versions": 1, "dead_letters": 2}
    letters = db.execute(text("SELECT \"offset\", reason, dataset FROM dead_letter "
                              "WHERE topic = 'onegrid.ingest.hotline.ticket' ORDER BY 1")).all()
    assert [(o, r, d) for o, r, d in letters] == [(o, reasons[o], "hotline.ticket")
                                                   for o in (3, 5)]
    assert db.scalar(text("SELECT max(next_offset) FROM ingest_offset "
                          "WHERE consumer_group = 'test-group'")) == 10


def test_a_record_the_store_refuses_is_a_dead_letter_without_its_values(write, db) -> None:
    """A constraint of the store (here one added for the test) refuses one record: the reason
    names the rule, never the values, which the store's own message would quote."""
    db.execute(text("ALTER TABLE record ADD CONSTRAINT record_test_phone CHECK "
                    "(attributes ->> 'phone' IS DISTINCT FROM '0577-88001313') NOT VALID"))
    messages = businesses(5, 3)
    messages[2]["attributes"]["phone"] = "0577-88001313"
    outcome = write(*messages)
    [(delivery, refusal)] = outcome.dead_letters
    assert delivery.offset == 2
    assert refusal.reason == ("the store refused it: it breaks the rule record_test_phone of "
                              "table record (check violation, SQLSTATE 23514)")
    assert refusal.dataset == "market.business" and refusal.department == "SCJG"
    assert stored(db, "market.business") == 4
    assert outcome.counts[("market.business", "SCJG")] == {"received": 5, "new": 4,
                                                          "versions": 4, "dead_letters": 1}


def test_a_subjects_reports_keep_their_order_around_a_refused_one(write, db) -> None:
    """The batch is written again in parts, in arrival order: a subject's later report still
    merges after its earlier ones, across the parts."""
    db.execute(text("ALTER TABLE record ADD CONSTRAINT record_test_employees CHECK "
                    "(attributes ->> 'employees' IS DISTINCT FROM '13') NOT VALID"))
    # one moment for all three: each report's values win over the ones merged before it
    first, second, third = (envelope(record_id=f"r-{n}", name=name, employees=n)
                            for n, name in ((1, "甲公司"), (2, "乙公司"), (3, "丙公司")))
    bad = envelope(subject_key=factories.credit_code(random.Random(9)), record_id="bad",
                   employees=13)
    outcome = write(first, *businesses(4, 4), second, bad, *businesses(4, 5), third)
    assert [d.offset for d, _ in outcome.dead_letters] == [6]
    name, version, reports = db.execute(text(
        "SELECT attributes ->> 'name', version, reports FROM record "
        "WHERE dataset_id = 'market.business' AND subject_key = '91330302MA2AXXXXX8'")).one()
    assert (name, version, reports) == ("丙公司", 3, 3)


def test_a_clean_batch_takes_no_savepoint_and_a_poisoned_one_few(write, db) -> None:
    """The normal path writes the batch in one go; only after a failure are its reports merged
    in halves (a batch of 64 with one bad ticket: about 2 log2(64) parts, not 64)."""
    clean = savepoints(db)
    write(*businesses(64, 6))
    assert len(clean) == 1, "the writer's transaction only (a savepoint in the test's)"
    poisoned = savepoints(db)
    outcome = write(*businesses(40, 7), ticket(9, issue_category="C9999"), *businesses(23, 8))
    assert len(outcome.dead_letters) == 1
    assert 2 < len(poisoned) <= 2 + 2 * 6  # the two tries' transactions, the parts


def test_a_ticket_whose_issue_the_store_refuses_is_a_dead_letter(write, db) -> None:
    """A failure inside the issue loop's own writes (its session flushes into the batch's
    transaction) costs the ticket alone too."""
    db.execute(text("ALTER TABLE issue ADD CONSTRAINT issue_test_description CHECK "
                    "(description <> '无法受理') NOT VALID"))
    outcome = write(ticket(11), ticket(12, description="无法受理", issue_category="E0699"),
                    *businesses(2, 10))
    assert [(d.offset, r.reason) for d, r in outcome.dead_letters] == [
        (1, "the store refused it: it breaks the rule issue_test_description of table issue "
            "(check violation, SQLSTATE 23514)")]
    assert stored(db, "hotline.ticket") == 1 and stored(db, "market.business") == 2
