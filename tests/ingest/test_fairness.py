"""Fairness: a backlog on one dataset's topic does not starve another's trickle. bench.fairness
at a reduced size (its full size, 1,000,000 queued, is in bench/README.md)."""

from __future__ import annotations

import pytest
from bench.fairness import TARGET_P95, run
from sqlalchemy import Engine

from onegrid.platform.settings import Settings
from tests.conftest import environment

pytestmark = pytest.mark.usefixtures("city")

BACKLOG = 80_000
"""Queued before the workers start: before the read-ahead was bounded, a worker fetched its
share of all of them (up to 100,000) ahead of the trickle's first message."""


@pytest.mark.slow
def test_a_trickle_is_stored_within_seconds_while_another_topic_drains_a_backlog(
        settings: Settings, engine: Engine, own_prefix: Settings,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Two `onegrid ingest run` workers consume both topics; 20 envelopes a second arrive on
    the quiet one while the backlog drains, and 95 % of them are in the store within 5 s of
    their publication (run() raises unless every one is stored, and the whole backlog)."""
    for name, value in environment(settings).items():  # the workers' store and keys: ours
        monkeypatch.setenv(name, value)
    # the default max.poll.interval.ms (10 s): a busy machine's batches can take a few seconds,
    # and a worker that does not come back to the broker within it leaves the group
    monkeypatch.delenv("ONEGRID_KAFKA_MAX_POLL_MS", raising=False)
    measured = run(own_prefix, engine, BACKLOG, rate=20.0, count=2)
    # A trickle's message waits for about three batches (the one being written, its own
    # gathered and written). On a machine so busy that a batch takes over a second (the shared
    # test machine at times: 3.6 s, and 4.3 batches' wait at p95), five batches' time: still
    # well under the backlog's read-ahead it waited behind before (8 batches a worker here).
    assert measured.p95 <= max(TARGET_P95, 5 * measured.batch)
