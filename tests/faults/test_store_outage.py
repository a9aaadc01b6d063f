"""PostgreSQL killed (SIGKILL to the postmaster) under a running web server and ingest worker,
on a cluster of the test's own: every request is answered within 2 s (a 503 with Retry-After
where the store was needed, never a 500 or a hang), ingest waits, and both are back within
10 s of PostgreSQL returning, without a restart of theirs. An outage longer than
max.poll.interval.ms ends with the worker back in its group, nothing lost, nothing doubled."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from sqlalchemy import Engine, text

from onegrid.demo import factories
from onegrid.demo.datasets import SPECS
from onegrid.platform.settings import Settings
from onegrid.platform.streams import topic_for
from tests.faults.services import (
    Cluster,
    free_port,
    http_get,
    onegrid,
    own_cluster,
    owner_engine,
    process_environment,
    wait_until,
)
from tests.ingest.conftest import counters, encode, envelope, produce

pytestmark = pytest.mark.faults


@dataclass
class Store:
    """The test's own cluster, migrated, with one dataset (market.business's rules, no
    geometry: no city needed) and the environment of programs that use it."""

    cluster: Cluster
    env: dict[str, str]
    dataset: str
    engine: Engine
    token: str
    group: str = f"faults-{uuid.uuid4().hex[:8]}"  # each test's worker goes on where the last left

    @property
    def topic(self) -> str:
        return topic_for(self.dataset, self.env["ONEGRID_TOPIC_PREFIX"])

    @property
    def settings(self) -> Settings:
        return Settings.from_env(self.env)

    def publish(self, n: int) -> None:
        """``n`` reports of new subjects (no geometry), on the dataset's topic."""
        rng = random.Random()
        produce(self.settings, self.topic, [encode(envelope(
            dataset=self.dataset, subject_key=factories.credit_code(rng), crs=None,
            geometry=None, record_id=f"r{uuid.uuid4().hex[:8]}")) for _ in range(n)])

    def records(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.scalar(text("SELECT count(*) FROM record WHERE dataset_id = :d"),
                                   {"d": self.dataset}))

    def counters(self) -> dict[str, int]:
        return counters(self.engine, self.dataset)


@pytest.fixture(scope="module")
def store(kafka_admin) -> Iterator[Store]:
    with own_cluster() as cluster:
        prefix = f"test.faults.{uuid.uuid4().hex[:8]}."
        shared = Settings.from_env().kafka_bootstrap_servers  # its topics under `prefix` only
        env = process_environment(cluster, shared, ONEGRID_TOPIC_PREFIX=prefix,
                                  ONEGRID_REQUIRE_SIGNATURES="false",
                                  ONEGRID_KAFKA_MAX_POLL_MS="6000")
        onegrid(env, "db", "upgrade")
        onegrid(env, "department", "add", "SCJG", "市场监管局")
        spec = yaml.safe_load(SPECS.joinpath("market.business.yaml").read_text("utf-8"))
        spec.update(id="faults.business", geometry=None, contributors={})
        spec_file = cluster.home / "spec.yaml"
        spec_file.write_text(yaml.safe_dump(spec, allow_unicode=True), "utf-8")
        onegrid(env, "dataset", "register", str(spec_file))
        token = onegrid(env, "token", "create", "--department", "SCJG").split()[-1]
        engine = owner_engine(cluster)
        try:
            yield Store(cluster, env, spec["id"], engine, token)
        finally:
            engine.dispose()
            names = [t for t in kafka_admin.list_topics(timeout=10).topics
                     if t.startswith(prefix)]
            for future in (kafka_admin.delete_topics(names).values() if names else ()):
                future.result(timeout=10)


@pytest.fixture(scope="module")
def web(store: Store) -> Iterator[str]:
    """gunicorn as `make run` runs it (workers with threads), on the test's store."""
    port = free_port()
    log = (store.cluster.home / "web.log").open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2",
         "--threads", "4", "onegrid.api:create_app()"], env=store.env, stdout=log,
        stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: _answers(f"{url}/healthz"), 60, "the web server answering")
        yield url
    finally:
        process.terminate()
        process.wait(30)
        log.close()


def _answers(url: str) -> bool:
    try:
        return http_get(url, timeout=2)[0] == 200
    except OSError:
        return False


@pytest.fixture
def worker(store: Store, tmp_path: Path) -> Iterator[subprocess.Popen]:
    """`onegrid ingest run`, in the module's group."""
    with (tmp_path / "ingest.log").open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "onegrid.cli", "ingest", "run", "--group", store.group,
             "--dataset", store.dataset],
            env={**store.env, "ONEGRID_INGEST_BATCH": "200"}, stdout=log,
            stderr=subprocess.STDOUT)
        try:
            yield process
        finally:
            process.terminate()
            process.wait(30)
        print((tmp_path / "ingest.log").read_text(errors="replace")[-4000:])


# What a reader, a department's system and a citizen's app ask; pages as anyone arrives at
# them. Each either needs no store (and answers as before) or answers 503 with Retry-After.
PATHS = ["/", "/login", "/grid", "/screen", "/issues", "/api/openapi.json", "/healthz",
         "/metrics", "/api/v1/datasets", "/api/v1/datasets/faults.business",
         "/api/v1/datasets/faults.business/records", "/api/v1/datasets/faults.business/changes",
         "/api/v1/grant-requests", "/ogc/collections", "/ogc/collections/faults.business/items",
         "/open311/v2/services.json", "/open311/v2/requests.json", "/screen/state.json",
         "/tiles", "/open311/discovery.json"]
NEED_THE_STORE = {"/api/v1/datasets", "/api/v1/datasets/faults.business/records",
                  "/ogc/collections", "/open311/v2/services.json", "/healthz", "/metrics"}


def _statuses(store: Store, url: str) -> dict[str, tuple[int, dict[str, str], bytes, float]]:
    auth = {"Authorization": f"Bearer {store.token}"}
    return {path: http_get(url + path, auth) for path in PATHS}


def _assert_unavailable(answers: dict, before: dict) -> None:
    for path, (status, headers, body, seconds) in answers.items():
        assert seconds < 2, f"{path} took {seconds:.1f} s"
        assert status < 500 or status == 503, f"{path}: {status} {body[:300]!r}"
        if status == 503:
            assert headers.get("Retry-After", "").isdigit(), f"{path}: no Retry-After"
            if path != "/healthz":  # its body is the health report (JSON)
                assert headers["Content-Type"].startswith("application/problem+json"), path
                assert json.loads(body)["type"] == "urn:onegrid:problem:store-unavailable"
        else:
            assert status == before[path][0], f"{path}: {status}, before {before[path][0]}"
        if path in NEED_THE_STORE:
            assert status == 503, f"{path} answered {status} without its store"


def test_postgresql_killed_503_within_2_s_then_back_within_10_s(store: Store, web: str,
                                                                 worker) -> None:
    before = _statuses(store, web)
    assert all(answer[0] < 500 for answer in before.values()), before
    start = store.records()
    store.publish(300)
    wait_until(lambda: store.records() == start + 300, 60, "the first messages stored")

    store.cluster.kill()
    _assert_unavailable(_statuses(store, web), before)
    store.publish(300)  # ingest waits for the store to write them
    time.sleep(3)
    _assert_unavailable(_statuses(store, web), before)  # still answering, still 503
    assert worker.poll() is None, "the worker waits; it does not exit"

    store.cluster.start()
    back = time.monotonic()
    wait_until(lambda: {p: a[0] for p, a in _statuses(store, web).items()}
               == {p: a[0] for p, a in before.items()}, 10, "every answer as before the kill")
    wait_until(lambda: store.records() == start + 600, 10 - (time.monotonic() - back),
               "ingest storing again")
    assert store.counters()["dead_letters"] == 0


@pytest.mark.long
def test_a_store_outage_beyond_max_poll_interval_loses_and_doubles_nothing(store: Store,
                                                                          worker) -> None:
    """Down 15 s, max.poll.interval.ms 6 s: the worker, its batch held by the store, polls
    with its partitions paused and stays in its group, writes the batch once the store is back
    and reads on; every message published before, during and after is stored exactly once."""
    before, records = store.counters(), store.records()
    store.publish(2000)
    wait_until(lambda: store.counters()["received"] >= before["received"] + 200, 60,
               "the worker under way")
    store.cluster.kill()
    store.publish(2000)
    time.sleep(15)
    assert worker.poll() is None, "the worker waits; it does not exit"
    store.cluster.start()
    store.publish(1000)
    wait_until(lambda: store.counters()["received"] >= before["received"] + 5000, 60,
               "all 5,000 stored")
    time.sleep(2)  # anything doubled would show by now
    after = store.counters()
    assert {k: after[k] - before[k] for k in after} == {
        "received": 5000, "new": 5000, "merged": 0, "dead_letters": 0}
    assert store.records() == records + 5000
