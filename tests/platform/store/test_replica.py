"""store/replica.py on a primary (its waits for a replica: tests/cluster, `make cluster-test`)."""

from __future__ import annotations

import time

from sqlalchemy.orm import Session

from onegrid.platform.store.replica import replayed, written


def test_a_primary_has_everything_it_wrote_and_never_waits(db: Session) -> None:
    lsn = written(db)
    assert lsn.count("/") == 1, lsn  # pg_lsn's text form, e.g. 0/1A2B3C4
    started = time.monotonic()
    assert replayed(db, "FFFFFFFF/FFFFFFFF", wait_s=5)  # nothing to replay on a primary
    assert time.monotonic() - started < 1
