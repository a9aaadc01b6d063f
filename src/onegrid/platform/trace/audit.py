"""The auditor's check: the chain, and the chain against the signed checkpoints kept outside.

The chain alone finds an entry edited in place. The checkpoints find what the chain cannot: a
chain rewritten with every later hash recomputed (a checkpoint's hash no longer matches the
entry at its seq) and its newest entries deleted (a checkpoint names a seq the store lacks)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onegrid.platform.store.models import TraceEntry
from onegrid.platform.trace.chain import verify
from onegrid.platform.trace.checkpoints import Checkpoint

UNSIGNED_SHOWN = 5  # unsigned lines named one by one; the rest are counted


@dataclass(frozen=True)
class Audit:
    entries: int
    """Entries found sound, from the first on."""
    checkpoints: tuple[Checkpoint, ...]
    """The checkpoints signed by the key, in the order kept."""
    findings: tuple[str, ...]
    """Each sign of tampering, in words; none when the trace is intact."""

    @property
    def ok(self) -> bool:
        return not self.findings


def audit(session: Session, key: Ed25519PublicKey | None,
          lines: Iterable[tuple[int, Checkpoint | None]]) -> Audit:
    """Check the chain, then each checkpoint line's signature with ``key``, then the store
    against the checkpoints that ``key`` signed."""
    verdict = verify(session)
    findings = [verdict.reason] if not verdict.ok else []
    signed: list[Checkpoint] = []
    unsigned: list[str] = []
    for number, checkpoint in lines:
        if checkpoint is None:
            unsigned.append(f"checkpoints line {number} holds no checkpoint")
        elif key is None or not checkpoint.is_signed_by(key):
            unsigned.append(f"the checkpoint on line {number} (entry {checkpoint.seq}, "
                            f"{checkpoint.at}) is not signed by this public key: forged, or "
                            "signed with another key")
        else:
            signed.append(checkpoint)
    findings += unsigned[:UNSIGNED_SHOWN]
    if len(unsigned) > UNSIGNED_SHOWN:
        findings.append(f"… and {len(unsigned) - UNSIGNED_SHOWN} more such lines")
    findings += _against_store(session, signed)
    return Audit(verdict.entries, tuple(signed), tuple(findings))


def _against_store(session: Session, signed: list[Checkpoint]) -> list[str]:
    if not signed:
        return []
    last = session.scalar(select(func.coalesce(func.max(TraceEntry.seq), 0))) or 0
    findings = []
    rewritten = _first_rewritten(session, sorted(signed, key=lambda c: c.seq), last)
    if rewritten:
        findings.append(rewritten)
    latest = max(signed, key=lambda c: c.seq)
    if latest.seq > last:
        findings.append(f"entries {last + 1}–{latest.seq} were deleted: the checkpoint of "
                        f"{latest.at} covers the trace up to entry {latest.seq}, but it ends "
                        f"at entry {last}")
    return findings


def _first_rewritten(session: Session, by_seq: list[Checkpoint], last: int) -> str | None:
    """The first checkpoint whose entry's hash is no longer the one it signed, in words."""
    seqs = {c.seq for c in by_seq if 0 < c.seq <= last}
    hashes = {seq: hash_ for seq, hash_ in session.execute(
        select(TraceEntry.seq, TraceEntry.hash).where(TraceEntry.seq.in_(seqs)))}
    matched = 0
    for checkpoint in by_seq:
        if checkpoint.seq not in seqs:
            continue
        if hashes.get(checkpoint.seq) != checkpoint.head_hash:
            return (f"entry {checkpoint.seq} does not match the checkpoint of {checkpoint.at}: "
                    f"an entry from {matched + 1} to {checkpoint.seq} was rewritten and the "
                    "hashes after it recomputed")
        matched = checkpoint.seq
    return None
