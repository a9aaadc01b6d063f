"""Signed checkpoints of the trace's head, kept outside the store.

Whoever can write `trace_entry` can recompute the whole chain, or cut its newest entries, and
the chain alone still verifies. A checkpoint is the last entry's seq and hash at a moment,
signed with a key the store never holds; it goes to a file (one JSON line each) and to the
topic `onegrid.trace.checkpoints`, so rewriting what a checkpoint covered is found later
(`audit.py`)."""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from confluent_kafka import KafkaError, KafkaException, Message, Producer
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from onegrid.platform.errors import ConflictError, OneGridError
from onegrid.platform.store.models import TraceEntry
from onegrid.platform.streams import CHECKPOINT_TOPIC, create_topics
from onegrid.platform.trace.chain import GENESIS, verify

_DOMAIN = b"onegrid trace checkpoint v1\n"  # a signature made for anything else never fits


class TraceBrokenError(ConflictError, code="trace-broken", title="The trace was tampered with"):
    """The trace no longer agrees with itself or with a signed checkpoint."""


class CheckpointNotPublishedError(OneGridError, status=503, code="checkpoint-not-published",
                                  title="The broker did not take the checkpoint"):
    """The checkpoint is in its file but not (yet) on the topic."""


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    """The last entry covered (0: the trace was empty)."""
    head_hash: str
    at: str
    """When it was signed, ISO 8601 in UTC."""
    signature: str
    """Ed25519 over _DOMAIN + [seq, head_hash, at] as compact JSON, in base64."""

    def line(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    def is_signed_by(self, key: Ed25519PublicKey) -> bool:
        try:
            key.verify(base64.b64decode(self.signature, validate=True), _signed(
                self.seq, self.head_hash, self.at))
        except (InvalidSignature, binascii.Error):
            return False
        return True


def _signed(seq: int, head_hash: str, at: str) -> bytes:
    return _DOMAIN + json.dumps([seq, head_hash, at], separators=(",", ":")).encode()


def sign(key: Ed25519PrivateKey, head: tuple[int, str], at: datetime) -> Checkpoint:
    seq, head_hash = head
    when = at.astimezone(UTC).isoformat(timespec="seconds")
    signature = key.sign(_signed(seq, head_hash, when))
    return Checkpoint(seq, head_hash, when, base64.b64encode(signature).decode())


def take(session: Session, key: Ed25519PrivateKey, since: Checkpoint | None) -> Checkpoint:
    """Sign the trace's head, once the entries after ``since`` (this key's last checkpoint)
    are found to chain onto it; otherwise raise TraceBrokenError and sign nothing, so a
    checkpoint never vouches for a rewritten trace."""
    start = (since.seq, since.head_hash) if since else (0, GENESIS)
    if since and since.seq:
        now = session.scalar(select(TraceEntry.hash).where(TraceEntry.seq == since.seq))
        if now != since.head_hash:
            raise TraceBrokenError(f"entry {since.seq} is gone or changed since the checkpoint "
                                   f"of {since.at}: no checkpoint signed")
    verdict = verify(session, since=start)
    if not verdict.ok:
        raise TraceBrokenError(f"{verdict.reason}: no checkpoint signed")
    return sign(key, verdict.head, datetime.now(UTC))


def parse(text: str) -> Checkpoint | None:
    """The checkpoint a line holds, or None when it holds none."""
    try:
        fields: Any = json.loads(text)
        checkpoint = Checkpoint(**fields)
    except (ValueError, TypeError):
        return None
    typed = (isinstance(checkpoint.seq, int) and isinstance(checkpoint.head_hash, str)
             and isinstance(checkpoint.at, str) and isinstance(checkpoint.signature, str))
    return checkpoint if typed else None


def read(path: Path) -> Iterator[tuple[int, Checkpoint | None]]:
    """Each non-empty line's number and checkpoint (None: not a checkpoint)."""
    with path.open(encoding="utf-8", errors="replace") as lines:
        for number, text in enumerate(lines, 1):
            if text.strip():
                yield number, parse(text)


def last_signed(path: Path, key: Ed25519PublicKey) -> Checkpoint | None:
    """The newest checkpoint in ``path`` that ``key`` signed, if any."""
    if not path.exists():
        return None
    last = None
    for _, checkpoint in read(path):
        if checkpoint and checkpoint.is_signed_by(key):
            last = checkpoint
    return last


def keep(checkpoint: Checkpoint, path: Path) -> None:
    """Append the checkpoint to ``path``, on disk before this returns."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        out.write(checkpoint.line() + "\n")
        out.flush()
        os.fsync(out.fileno())


class TopicCopy:
    """The checkpoints' copy on the topic: one partition, so readers see them in order."""

    def __init__(self, kafka: Mapping[str, str]) -> None:
        """``kafka``: the clients' librdkafka settings (Settings.kafka)."""
        self.kafka = kafka
        self.producer = Producer({**kafka, "enable.idempotence": True})
        self.topic_ready = False

    def send(self, checkpoint: Checkpoint, timeout: float = 10) -> None:
        """Publish and wait for the broker's acknowledgement, or raise
        CheckpointNotPublishedError saying why."""
        failures: list[str] = []

        def delivered(err: KafkaError | None, _: Message) -> None:
            if err is not None:
                failures.append(err.str())

        try:
            if not self.topic_ready:
                create_topics(self.kafka, [CHECKPOINT_TOPIC], partitions=1)
                self.topic_ready = True
            self.producer.produce(CHECKPOINT_TOPIC, key=b"trace", value=checkpoint.line(),
                                  on_delivery=delivered)
        except KafkaException as exc:
            failures.append(str(exc))
        if not failures and self.producer.flush(timeout):
            failures.append(f"no acknowledgement from the broker within {timeout:g} s")
        if failures:
            raise CheckpointNotPublishedError(
                f"checkpoint of entry {checkpoint.seq} not published to {CHECKPOINT_TOPIC}: "
                f"{failures[0]}")
