"""The attacker's tools: entries to tamper with, a rewrite that recomputes every later hash so
the chain verifies again, and a cut of the newest entries."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from onegrid.platform.store.models import TraceEntry
from onegrid.platform.trace.chain import _digest, append


def add_entries(db: Session, n: int = 5) -> None:
    for i in range(n):
        append(db, "tester", "record.pull", f"dataset:demo.{i}", {"rows": i, "filter": "网格"})


def rewrite(db: Session, seq: int, detail: dict[str, Any]) -> None:
    """Change entry ``seq``'s detail and recompute its hash and every later one, as an attacker
    who read chain.py would: afterwards the chain alone verifies."""
    entries = db.scalars(select(TraceEntry).where(TraceEntry.seq >= seq)
                         .order_by(TraceEntry.seq)).all()
    prev = entries[0].prev_hash
    for entry in entries:
        if entry.seq == seq:
            entry.detail = detail
        entry.prev_hash = prev
        entry.hash = prev = _digest(prev, entry.seq, entry.at, entry.actor, entry.action,
                                    entry.target, entry.detail)
        db.flush()  # one at a time: each new hash must be unique when written


def delete_newest(db: Session, count: int) -> None:
    db.execute(text("DELETE FROM trace_entry WHERE seq > (SELECT max(seq) FROM trace_entry) - :n"),
               {"n": count})
