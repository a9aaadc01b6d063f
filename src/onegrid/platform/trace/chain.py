"""The natural trace (自然留痕): an append-only, hash-chained log of every action.

Each entry's hash covers the previous entry's hash and the entry's own canonical JSON, so
changing, inserting or deleting any entry breaks every hash after it; ``verify`` finds the first."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from onegrid.platform.store.models import TraceEntry

GENESIS = "0" * 64
_APPEND = text("SELECT onegrid_trace_append(:at, :actor, :action, :target, "
               "CAST(:detail AS jsonb), :tail, :durable)")


def _canonical(items: list[Any]) -> str:
    return json.dumps(items, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      default=str)


def _digest(prev_hash: str, seq: int, at: datetime, actor: str, action: str, target: str,
            detail: dict[str, Any]) -> str:
    body = _canonical([seq, at.astimezone(UTC).isoformat(), actor, action, target, detail])
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def append(session: Session, actor: str, action: str, target: str,
           detail: dict[str, Any] | None = None, durable: bool = True) -> int:
    """Add one entry in the caller's transaction (after flushing what the caller added); it
    becomes visible when the caller commits. Returns its seq. One statement
    (trace/sql/append.sql): the lock, the head, the hash and the row. ``durable`` false lets
    the commit skip waiting for the disk, for entries that record a read."""
    session.flush()
    # Microsecond precision survives the round trip through timestamptz, so verify recomputes it.
    at = datetime.now(UTC)
    detail = json.loads(json.dumps(detail or {}, default=str))
    # The entry's canonical JSON but its seq, which the store assigns under the lock: the
    # function hashes the head's hash, "[", the seq, "," and this tail, as _digest does.
    tail = _canonical([at.isoformat(), actor, action, target, detail])[1:]
    return int(session.execute(_APPEND, {
        "at": at, "actor": actor, "action": action, "target": target,
        "detail": json.dumps(detail, ensure_ascii=False), "tail": tail, "durable": durable,
    }).scalar_one())


@dataclass(frozen=True)
class Step:
    """One action to trace (append_all)."""

    actor: str
    action: str
    target: str
    detail: dict[str, Any]


def append_all(session: Session, steps: Iterable[Step]) -> list[int]:
    """Append the entries in order, in the caller's transaction (an import's thousand users);
    returns their seqs."""
    return [append(session, s.actor, s.action, s.target, s.detail) for s in steps]


@dataclass(frozen=True)
class Verdict:
    entries: int
    first_bad_seq: int | None = None
    reason: str = ""
    head: tuple[int, str] = (0, GENESIS)
    """The last entry found sound (seq and hash): what a checkpoint may sign."""

    @property
    def ok(self) -> bool:
        return self.first_bad_seq is None


def verify(session: Session, batch: int = 10_000,
           since: tuple[int, str] = (0, GENESIS)) -> Verdict:
    """Walk the chain in order from the entry after ``since`` (a seq and its hash, known good);
    report the first entry that was altered or is missing."""
    (prev_seq, prev), count = since, 0
    query = (select(TraceEntry).where(TraceEntry.seq > prev_seq).order_by(TraceEntry.seq)
             .execution_options(yield_per=batch))
    entries = session.scalars(query)
    try:
        for entry in entries:
            problem = _break_in_chain(entry, prev_seq + 1, prev)
            if problem:
                return Verdict(count, problem[0], problem[1], (prev_seq, prev))
            prev_seq, prev, count = entry.seq, entry.hash, count + 1
    finally:
        entries.close()  # a server-side cursor: close it even when we stop early
    return Verdict(count, head=(prev_seq, prev))


def _break_in_chain(entry: TraceEntry, expected_seq: int, prev: str) -> tuple[int, str] | None:
    if entry.seq != expected_seq:
        return expected_seq, f"entry {expected_seq} is missing"
    if entry.prev_hash != prev:
        return entry.seq, f"entry {entry.seq} does not link to entry {entry.seq - 1}"
    recomputed = _digest(prev, entry.seq, entry.at, entry.actor, entry.action, entry.target,
                         entry.detail)
    if recomputed != entry.hash:
        return entry.seq, f"entry {entry.seq} was altered after it was written"
    return None
