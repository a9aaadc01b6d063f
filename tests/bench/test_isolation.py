"""The ingest bench beside a running platform worker: its database, topics and consumer group are
its own, removed when it ends (after a failure too), and the platform's store is left alone."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import uuid

import bench.ingest
import pytest
from bench.common import BENCH_PREFIX, bench_database, bench_settings
from bench.ingest import city_points, mix
from confluent_kafka.admin import AdminClient
from sqlalchemy import text

from onegrid.demo import factories
from onegrid.platform.settings import Settings
from onegrid.platform.streams import topic_for
from tests.conftest import environment
from tests.ingest.conftest import Dataset, encode, envelope, produce, wait_for

pytestmark = pytest.mark.usefixtures("city")

PLATFORM_STATE = """
    SELECT (SELECT count(*) FROM record), (SELECT count(*) FROM dead_letter),
           (SELECT count(*) FROM dataset), (SELECT coalesce(sum(received), 0) FROM ingest_counter),
           (SELECT md5(coalesce(string_agg(id || ':' || version || ':' || reports, ',' ORDER BY id),
                                ''))
            FROM record)"""


def _publish(settings: Settings, dataset: Dataset, n: int) -> None:
    rng = random.Random()
    produce(settings, dataset.topic, [encode(envelope(
        dataset=dataset.id, subject_key=factories.credit_code(rng), record_id=f"p{i}"))
        for i in range(n)])


def _bench_groups(admin: AdminClient) -> set[str]:
    return {g.group_id for g in admin.list_consumer_groups().result(timeout=10).valid
            if g.group_id.startswith("bench-")}


def _broken_ceiling(*_: object) -> tuple[int, float]:
    raise RuntimeError("the ceiling's COPY failed (as injected by the test)")


@pytest.mark.slow
def test_the_bench_beside_a_running_platform_worker_leaves_the_platform_alone(
        settings, engine, dataset, kafka_admin, monkeypatch, tmp_path) -> None:
    """A platform worker (every registered dataset, the default prefix) runs while the bench
    builds its database, runs two reduced mixes (the second fails at its end) and removes what
    it made. The platform's records, dead letters, datasets and counters stay as they were,
    and its worker goes on."""
    env = {**os.environ, **environment(settings), "ONEGRID_REQUIRE_SIGNATURES": "false"}
    env.pop("ONEGRID_TOPIC_PREFIX", None)
    _publish(settings, dataset, 5)
    groups_before = _bench_groups(kafka_admin)
    with (tmp_path / "worker.log").open("ab") as log:
        worker = subprocess.Popen([sys.executable, "-m", "onegrid.cli", "ingest", "run",
                                   "--group", f"platform-{uuid.uuid4().hex[:8]}"], env=env,
                                  stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_for(engine, dataset.id, received=5)
            with engine.connect() as conn:
                before = tuple(conn.execute(text(PLATFORM_STATE)).one())
            name = f"onegrid_bench_test_{uuid.uuid4().hex[:8]}"
            # the bench's workers: several batches a mix, and a short group join
            monkeypatch.setenv("ONEGRID_INGEST_BATCH", "250")
            monkeypatch.setenv("ONEGRID_KAFKA_MAX_POLL_MS", "3000")
            with bench_database(settings, name, warm=False) as bench_engine:
                ours = bench_settings(settings, bench_engine)
                points = city_points(bench_engine)
                mix(ours, bench_engine, "fresh", 2000, 0.0, points, 1)
                monkeypatch.setattr(bench.ingest, "ceiling", _broken_ceiling)
                with pytest.raises(RuntimeError, match="as injected"):
                    mix(ours, bench_engine, "rereport", 600, 0.5, points, 1)
                with bench_engine.connect() as conn:
                    stored: dict[str, int] = dict(conn.execute(text(
                        "SELECT dataset, sum(received) FROM ingest_counter GROUP BY 1")).all())
            assert sorted(stored.values()) == [600, 2000], "both mixes ran"
            with engine.connect() as conn:
                assert tuple(conn.execute(text(PLATFORM_STATE)).one()) == before
                assert not conn.scalar(text("SELECT count(*) FROM pg_database "
                                            "WHERE datname = :n"), {"n": name})
            topics = kafka_admin.list_topics(timeout=10).topics
            assert not [d for d in stored if topic_for(d, BENCH_PREFIX) in topics]
            assert _bench_groups(kafka_admin) <= groups_before
            _publish(settings, dataset, 5)
            assert wait_for(engine, dataset.id, received=10)["new"] == 10
            assert worker.poll() is None, "the platform's worker went on"
        finally:
            worker.terminate()
            worker.wait(30)
