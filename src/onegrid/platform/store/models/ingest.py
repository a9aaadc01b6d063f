"""The ingest side's own bookkeeping: consumed offsets, dead letters, counters and the keys
departments sign their messages with."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from onegrid.platform.store.models.base import Base, created


class IngestOffset(Base):
    """The next offset to read, per consumer group and partition, committed with the data it
    describes (the broker's own offsets are only a copy for monitoring tools)."""

    __tablename__ = "ingest_offset"
    consumer_group: Mapped[str] = mapped_column(String(128), primary_key=True)
    topic: Mapped[str] = mapped_column(String(255), primary_key=True)
    partition: Mapped[int] = mapped_column(Integer, primary_key=True)
    next_offset: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = created()
    # Why ingest holds the partition (the broker's log ends before next_offset: it lost what
    # was stored); NULL while it is read. `onegrid ingest reset-offsets` clears it.
    held_reason: Mapped[str | None] = mapped_column(Text)


class DeadLetter(Base):
    """A message the platform refused, kept byte for byte with the reason, but for the resident
    IDs in it, masked (ingest/redaction.py)."""

    __tablename__ = "dead_letter"
    __table_args__ = (UniqueConstraint("topic", "partition", "offset"),)
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    topic: Mapped[str] = mapped_column(String(255))
    partition: Mapped[int] = mapped_column(Integer)
    offset: Mapped[int] = mapped_column(BigInteger)
    key: Mapped[bytes | None] = mapped_column(LargeBinary)
    value: Mapped[bytes | None] = mapped_column(LargeBinary)
    reason: Mapped[str] = mapped_column(Text)
    dataset: Mapped[str] = mapped_column(String(64), default="")
    department: Mapped[str] = mapped_column(String(32), default="")
    received_at: Mapped[datetime] = created()
    replayed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # the message's onegrid-signature header: a replay sends it again with the value
    signature: Mapped[bytes | None] = mapped_column(LargeBinary)


class IngestCounter(Base):
    """Running totals per dataset and department (``received = new + merged + dead_letters``)."""

    __tablename__ = "ingest_counter"
    dataset: Mapped[str] = mapped_column(String(64), primary_key=True)
    department: Mapped[str] = mapped_column(String(32), primary_key=True)
    received: Mapped[int] = mapped_column(BigInteger, default=0)
    new: Mapped[int] = mapped_column(BigInteger, default=0)
    merged: Mapped[int] = mapped_column(BigInteger, default=0)
    versions: Mapped[int] = mapped_column(BigInteger, default=0)
    dead_letters: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = created()


class IngestKey(Base):
    """A department's key for signing what it publishes (docs/ingest.md §2). ``secret`` is the
    shared secret encrypted under a key derived from ONEGRID_SECRET_KEY (AES-GCM, bound to the
    kid and the department: platform/accounts/ingest_keys.py); revoking erases it."""

    __tablename__ = "ingest_key"
    kid: Mapped[str] = mapped_column(String(32), primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    label: Mapped[str] = mapped_column(Text, default="")
    secret: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = created()
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
