"""Failover under load, on the cluster `make cluster` runs (deploy/cluster.sh; `make cluster-test`).

While the API is asked twenty times a second and 5,000 new subjects are being published, the
Patroni leader's host dies (Patroni and its PostgreSQL SIGKILLed, and left down). Then:
- the API answers 503 problem+json only inside the failover window, which lasts ≤ 30 s;
- ingest resumes by itself, and the store ends with exactly 5,000 more records: no acknowledged
  write lost (synchronous replication), none doubled.
The dead node is started again at the end and rejoins as a replica."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from bench.ingest import city_points, envelopes
from confluent_kafka import Producer
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from onegrid.ingest.signing import SIGNATURE_HEADER, signature
from onegrid.platform.accounts.ingest_keys import publishing_key
from onegrid.platform.settings import Settings
from onegrid.platform.sharing.tokens import create_token
from onegrid.platform.streams import topic_for

DATASET = "market.business"
SUBJECTS = 5_000
WINDOW_LIMIT_S = 30.0


def _cluster_env() -> dict[str, str]:
    path = Path(os.environ.get("ONEGRID_STATE_DIR", ".cluster")) / "cluster.env"
    if not path.exists():
        pytest.skip("no cluster: run `make cluster-test` (deploy/cluster.sh up)")
    return dict(line.split("=", 1) for line in path.read_text().split())


@pytest.fixture(scope="module")
def cluster() -> dict[str, str]:
    return _cluster_env()


@pytest.fixture(scope="module")
def settings(cluster: dict[str, str]) -> Settings:
    return Settings.from_env()


@pytest.fixture(scope="module")
def owner(settings: Settings) -> Iterator[Engine]:
    engine = create_engine(settings.owner_database_url)
    yield engine
    engine.dispose()


def _supervisor(cluster: dict[str, str], *args: str) -> str:
    return subprocess.run([".venv/bin/supervisorctl", "-c", cluster["ONEGRID_CLUSTER_SUPERVISOR"],
                           *args], capture_output=True, text=True, check=False).stdout


def _members(cluster: dict[str, str]) -> list[dict[str, object]]:
    for rest in cluster["ONEGRID_CLUSTER_PATRONI"].split(","):
        try:
            with urllib.request.urlopen(f"{rest}/cluster", timeout=1) as answer:
                return list(json.load(answer)["members"])
        except OSError:
            continue
    return []


def _leader(cluster: dict[str, str]) -> dict[str, object] | None:
    return next((m for m in _members(cluster) if m["role"] == "leader"
                 and m["state"] == "running"), None)


def _postmaster_pid(port: object) -> int:
    """The PostgreSQL server listening on ``port`` (Patroni starts it with --port=…)."""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv and argv[0].endswith(b"/postgres") and f"--port={port}".encode() in argv:
            return int(proc.name)
    raise AssertionError(f"no PostgreSQL on port {port}")


def _records(owner: Engine) -> int:
    for _ in range(60):
        try:
            with owner.connect() as conn:
                return int(conn.execute(text("SELECT count(*) FROM record r JOIN dataset d "
                                             "ON d.id = r.dataset_id WHERE d.id = :d"),
                                        {"d": DATASET}).scalar_one())
        except Exception:  # the store is between leaders
            time.sleep(1)
    raise AssertionError("the store did not answer for 60 s")


@dataclass
class Load:
    """Asks the API at a steady rate on its own thread; keeps (when, status, content type)."""

    url: str
    token: str
    answers: list[tuple[float, int, str]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        with requests.Session() as client:
            client.headers["Authorization"] = f"Bearer {self.token}"
            while not self.stop.wait(0.05):
                at = time.monotonic()
                try:
                    got = client.get(f"{self.url}/api/v1/datasets/{DATASET}/records",
                                     params={"limit": 10}, timeout=10)
                    self.answers.append((at, got.status_code,
                                         got.headers.get("content-type", "")))
                except requests.RequestException:
                    self.answers.append((at, 0, "no answer"))


def test_the_leader_dies_under_load_and_nothing_is_lost_or_doubled(
        cluster: dict[str, str], settings: Settings, owner: Engine) -> None:
    assert _leader(cluster), "the cluster has no leader to kill"
    _supervisor(cluster, "stop", "feeds")  # only this test's subjects arrive meanwhile
    with Session(owner) as session:
        _, token = create_token(session, "SCJG", "failover test", 1, "data")
        kid, secret = publishing_key(session, "SCJG", settings.secret_key, "failover-test")
        session.commit()
    before = _records(owner)
    load = Load(cluster["ONEGRID_CLUSTER_WEB"], token)
    loader = threading.Thread(target=load.run, daemon=True)
    loader.start()
    publishing = threading.Thread(target=_publish, args=(settings, owner, kid, secret),
                                  daemon=True)
    publishing.start()
    time.sleep(5)  # load and ingest running

    leader = _leader(cluster)
    assert leader is not None
    killed_at = time.monotonic()
    pid = int(_supervisor(cluster, "pid", str(leader["name"])).strip())
    os.kill(pid, signal.SIGKILL)  # Patroni first, so it cannot hand over gracefully
    os.kill(_postmaster_pid(leader["port"]), signal.SIGKILL)
    try:
        new_leader = _wait_for_new_leader(cluster, str(leader["name"]))
        promoted_at = time.monotonic()
        publishing.join(120)
        assert not publishing.is_alive(), "publishing did not end"
        time.sleep(10)  # answers after the window
        load.stop.set()
        loader.join(15)
        deadline = time.monotonic() + 180
        while _records(owner) < before + SUBJECTS and time.monotonic() < deadline:
            time.sleep(2)
        after = _records(owner)
    finally:
        _supervisor(cluster, "start", str(leader["name"]), "feeds")

    assert after - before == SUBJECTS, f"{after - before} new records for {SUBJECTS} subjects"
    failures = [(at, status, kind) for at, status, kind in load.answers if status != 200]
    assert all(status == 503 and "problem+json" in kind for _, status, kind in failures), \
        sorted({(status, kind) for _, status, kind in failures})
    window = (failures[-1][0] - failures[0][0]) if failures else 0.0
    print(f"\nleader {leader['name']} killed; {new_leader} led after "
          f"{promoted_at - killed_at:.1f} s; the API answered 503 for {window:.1f} s "
          f"({len(failures)} of {len(load.answers)} answers); {after - before} records")
    assert window <= WINDOW_LIMIT_S
    assert any(at > promoted_at and status == 200 for at, status, _ in load.answers), \
        "the API never answered again after the failover"


def _wait_for_new_leader(cluster: dict[str, str], old: str) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        leader = _leader(cluster)
        if leader and leader["name"] != old:
            return str(leader["name"])
        time.sleep(0.5)
    raise AssertionError(f"no new leader 60 s after {old} died")


def _publish(settings: Settings, owner: Engine, kid: str, secret: str) -> None:
    """SUBJECTS new market.business subjects, signed, at about 250 a second."""
    producer = Producer({**settings.kafka, "enable.idempotence": True, "linger.ms": 20})
    topic = topic_for(DATASET, settings.topic_prefix)
    seed = uuid.uuid4().int % 1_000_000  # subjects no earlier run has published
    for i, (subject, value) in enumerate(envelopes(DATASET, SUBJECTS, 0.0, city_points(owner),
                                                   seed=seed)):
        producer.produce(topic, key=subject, value=value,
                         headers=[(SIGNATURE_HEADER, signature(kid, secret, value))])
        if i % 250 == 249:
            producer.poll(0)
            time.sleep(1)
    assert producer.flush(60) == 0


def test_a_read_on_the_replica_sees_what_was_committed_before_it_began(
        cluster: dict[str, str], owner: Engine) -> None:
    """Each time, a record changes on the primary and is asked for at once through a read path
    (served by the replica, DATABASE_READ_URL): the answer always has the change."""
    with Session(owner) as session:
        _, token = create_token(session, "SCJG", "read-your-writes test", 1, "data")
        session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    with owner.connect() as conn:
        key = conn.execute(text("SELECT subject_key FROM record WHERE dataset_id = :d "
                                "ORDER BY id LIMIT 1"), {"d": DATASET}).scalar_one()
    for attempt in range(20):
        marker = f"读写一致 {uuid.uuid4().hex[:8]} {attempt}"
        with owner.begin() as conn:
            conn.execute(text("UPDATE record SET attributes = attributes || "
                              "jsonb_build_object('name', CAST(:m AS text)) "
                              "WHERE dataset_id = :d AND subject_key = :k"),
                         {"m": marker, "d": DATASET, "k": key})
        got = requests.get(f"{cluster['ONEGRID_CLUSTER_WEB']}/api/v1/subjects/{key}",
                           headers=headers, timeout=10)
        assert got.status_code == 200, got.text
        assert marker in got.text, f"attempt {attempt}: the read missed a committed change"
