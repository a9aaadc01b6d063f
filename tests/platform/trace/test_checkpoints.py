"""Signed checkpoints find what the chain alone cannot: a recomputed chain, deleted newest
entries; and a checkpoint the key did not sign counts for nothing."""

from __future__ import annotations

import stat
from dataclasses import replace
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text
from sqlalchemy.orm import Session

from onegrid.platform.errors import ConfigurationError
from onegrid.platform.trace.audit import audit
from onegrid.platform.trace.chain import verify
from onegrid.platform.trace.checkpoints import Checkpoint, TraceBrokenError, parse, take
from onegrid.platform.trace.signing import signing_key
from tests.platform.trace.attacker import add_entries, delete_newest, rewrite


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def _audit(db: Session, key: Ed25519PrivateKey, *checkpoints: Checkpoint) -> list[str]:
    lines = [(n, parse(c.line())) for n, c in enumerate(checkpoints, 1)]
    return list(audit(db, key.public_key(), lines).findings)


def test_a_clean_trace_agrees_with_its_checkpoints(db: Session, key: Ed25519PrivateKey) -> None:
    add_entries(db)
    first = take(db, key, None)
    add_entries(db, 2)
    second = take(db, key, first)
    assert second.seq == first.seq + 2
    result = audit(db, key.public_key(), [(1, first), (2, second)])
    assert result.ok and result.checkpoints == (first, second)


def test_a_rewritten_chain_with_recomputed_hashes_no_longer_matches_its_checkpoint(
        tamperable: Session, key: Ed25519PrivateKey) -> None:
    add_entries(tamperable)
    checkpoint = take(tamperable, key, None)
    add_entries(tamperable, 2)
    rewrite(tamperable, checkpoint.seq - 2, {"rows": 0})
    assert verify(tamperable).ok  # the chain alone no longer sees it
    [finding] = _audit(tamperable, key, checkpoint)
    assert finding.startswith(f"entry {checkpoint.seq} does not match the checkpoint of "
                              f"{checkpoint.at}: an entry from 1 to {checkpoint.seq} was "
                              "rewritten")


def test_the_last_matching_checkpoint_narrows_where_the_rewrite_is(
        tamperable: Session, key: Ed25519PrivateKey) -> None:
    add_entries(tamperable)
    early = take(tamperable, key, None)
    add_entries(tamperable, 3)
    late = take(tamperable, key, early)
    rewrite(tamperable, late.seq - 1, {"rows": 0})
    [finding] = _audit(tamperable, key, early, late)
    assert f"an entry from {early.seq + 1} to {late.seq} was rewritten" in finding


def test_deleted_newest_entries_are_reported(tamperable: Session,
                                             key: Ed25519PrivateKey) -> None:
    add_entries(tamperable)
    checkpoint = take(tamperable, key, None)
    delete_newest(tamperable, 2)
    assert verify(tamperable).ok  # the chain alone no longer sees it
    assert _audit(tamperable, key, checkpoint) == [
        f"entries {checkpoint.seq - 1}–{checkpoint.seq} were deleted: the checkpoint of "
        f"{checkpoint.at} covers the trace up to entry {checkpoint.seq}, but it ends at entry "
        f"{checkpoint.seq - 2}"]


def test_an_entry_edited_in_place_is_reported_by_the_chain(
        tamperable: Session, key: Ed25519PrivateKey) -> None:
    add_entries(tamperable)
    checkpoint = take(tamperable, key, None)
    tamperable.execute(text("UPDATE trace_entry SET actor = 'nobody' WHERE seq = :s"),
                       {"s": checkpoint.seq - 1})
    assert _audit(tamperable, key, checkpoint) == [
        f"entry {checkpoint.seq - 1} was altered after it was written"]


def test_a_checkpoint_signed_with_another_key_or_edited_counts_for_nothing(
        tamperable: Session, key: Ed25519PrivateKey) -> None:
    add_entries(tamperable)
    genuine = take(tamperable, key, None)
    delete_newest(tamperable, 2)
    # the attacker covers the cut with a checkpoint of their own, and edits the genuine one
    forged = take(tamperable, Ed25519PrivateKey.generate(), None)
    edited = replace(genuine, seq=genuine.seq - 2, head_hash=forged.head_hash)
    findings = audit(tamperable, key.public_key(),
                     [(1, forged), (2, edited), (3, None)]).findings
    assert findings == (
        f"the checkpoint on line 1 (entry {forged.seq}, {forged.at}) is not signed by this "
        "public key: forged, or signed with another key",
        f"the checkpoint on line 2 (entry {edited.seq}, {edited.at}) is not signed by this "
        "public key: forged, or signed with another key",
        "checkpoints line 3 holds no checkpoint")


def test_no_checkpoint_is_signed_over_a_trace_that_no_longer_chains_onto_the_last(
        tamperable: Session, key: Ed25519PrivateKey) -> None:
    add_entries(tamperable)
    checkpoint = take(tamperable, key, None)
    rewrite(tamperable, checkpoint.seq - 1, {"rows": 0})
    with pytest.raises(TraceBrokenError, match=f"entry {checkpoint.seq} is gone or changed"):
        take(tamperable, key, checkpoint)
    delete_newest(tamperable, 1)
    with pytest.raises(TraceBrokenError, match=f"entry {checkpoint.seq} is gone or changed"):
        take(tamperable, key, checkpoint)


def test_the_signing_key_is_made_once_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "trace.pem"
    made = signing_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert signing_key(path).public_key() == made.public_key()


def test_a_signing_key_others_may_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "trace.pem"
    signing_key(path)
    path.chmod(0o644)
    with pytest.raises(ConfigurationError, match="may be read by others"):
        signing_key(path)
