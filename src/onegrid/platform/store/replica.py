"""Reading from a replica while every caller still reads its own writes.

A read path (records, OGC items, tiles, the grid page, the screen's figures) may run its query
on a streaming replica (Settings.database_read_url). Replication is asynchronous to the
reader: a replica may not yet have replayed a commit the primary acknowledged a moment ago,
such as the caller's own. So
before a request reads from the replica, it asks the primary how far its WAL has been written
(one round trip, on the session the request already holds for the grant check) and waits,
briefly, until the replica has replayed that far; if it has not within ``wait_s``, the request
reads from the primary. Whatever committed before the request began, the caller's own writes
included, is then in what it reads, whichever process served those writes."""

from __future__ import annotations

import time

from sqlalchemy import text
from sqlalchemy.orm import Session

_WRITTEN = text("SELECT pg_current_wal_lsn()::text")
# A primary (a replica promoted, or PgBouncer sent to the leader when no replica is left) has
# everything committed; there pg_last_wal_replay_lsn() is NULL, or where its crash recovery
# ended, and says nothing.
_REPLAYED = text("SELECT NOT pg_is_in_recovery() "
                 "OR pg_last_wal_replay_lsn() >= CAST(:lsn AS pg_lsn)")


def written(primary: Session) -> str:
    """The primary's current WAL position."""
    return str(primary.execute(_WRITTEN).scalar_one())


def replayed(reader: Session, lsn: str, wait_s: float, poll_s: float = 0.005) -> bool:
    """Whether ``reader``'s server has replayed the WAL up to ``lsn``, waiting up to
    ``wait_s``. Each look is its own statement outside any snapshot the reader then uses."""
    deadline = time.monotonic() + wait_s
    while True:
        caught_up = bool(reader.execute(_REPLAYED, {"lsn": lsn}).scalar_one())
        reader.rollback()  # the read that follows takes a snapshot after the replay
        if caught_up or time.monotonic() >= deadline:
            return caught_up
        time.sleep(poll_s)
