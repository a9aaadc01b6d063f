"""Issue 28's first acceptance, against the platform run as `make run` runs it (deploy/local.sh:
supervisord keeping the web and the ingest worker up), on a store and a broker of the test's
own: with kafka-python (no librdkafka), a hotline ticket of an unknown issue category and one
without a description end as dead letters with their reasons; then 5,000 new subjects are
published while every ingest worker is SIGKILLed twice, and the platform, restarted by its
supervisor alone, ends with exactly 5,000 more records."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from kafka import KafkaProducer
from sqlalchemy import Engine, text

from onegrid.demo import factories
from tests.faults.services import (
    ROOT,
    free_port,
    http_get,
    onegrid,
    own_broker,
    own_cluster,
    owner_engine,
    process_environment,
    wait_until,
)
from tests.ingest.conftest import envelope
from tests.ingest.test_faults import ticket

pytestmark = [pytest.mark.faults, pytest.mark.long]
BUSINESS, HOTLINE = "onegrid.ingest.market.business", "onegrid.ingest.hotline.ticket"


@dataclass
class Platform:
    env: dict[str, str]
    engine: Engine
    kafka: str
    url: str
    keys: dict[str, tuple[str, str]]  # department -> (kid, secret)

    def supervisorctl(self, *args: str) -> str:
        conf = Path(self.env["ONEGRID_STATE_DIR"]) / "supervisord.conf"
        return subprocess.run([Path(sys.executable).with_name("supervisorctl"), "-c", conf,
                               *args], capture_output=True, text=True).stdout

    def ingest_pid(self) -> int | None:
        """The supervised ingest worker's pid once it has been up 2 s (supervisor's RUNNING),
        else None."""
        status = self.supervisorctl("status", "ingest")
        if "RUNNING" not in status:
            return None
        return int(self.supervisorctl("pid", "ingest").strip())

    def scalar(self, sql: str, **params: object) -> int:
        with self.engine.connect() as conn:
            return int(conn.scalar(text(sql), params) or 0)

    def records(self, dataset: str = "market.business") -> int:
        return self.scalar("SELECT count(*) FROM record WHERE dataset_id = :d", d=dataset)


@pytest.fixture(scope="module")
def platform() -> Iterator[Platform]:
    """`make run` on the test's own PostgreSQL and broker: deploy/local.sh up (with both
    given, it starts neither), `onegrid db upgrade`, `onegrid demo city`, then
    `deploy/local.sh start web ingest` (the demo's feeds left out: they would add records)."""
    with own_cluster() as cluster, own_broker(cluster.home) as kafka:
        port = free_port()
        env = process_environment(cluster, kafka, ONEGRID_STATE_DIR=str(cluster.home / "state"),
                                  ONEGRID_VENV=str(Path(sys.executable).parents[1]),
                                  ONEGRID_PORT=str(port), ONEGRID_WEB_WORKERS="2")
        local = str(ROOT / "deploy" / "local.sh")
        subprocess.run([local, "up"], env=env, check=True, capture_output=True)
        # the platform's secrets are those `up` generated into the state folder, as `make`'s
        secrets = (cluster.home / "state" / "secret.env").read_text().splitlines()
        env.update(line.partition("=")[::2] for line in secrets
                   if line.startswith(("ONEGRID_SECRET_KEY=", "ONEGRID_PII_KEY=")))
        try:
            onegrid(env, "db", "upgrade")
            onegrid(env, "demo", "city")
            keys = {}
            for department in ("SCJG", "RX12345"):
                kid, secret = onegrid(env, "department", "key", "create", department
                                      ).splitlines()[-1].split()
                keys[department] = (kid, secret)
            subprocess.run([local, "start", "web", "ingest"], env=env, check=True,
                           capture_output=True)
            url = f"http://127.0.0.1:{port}"
            wait_until(lambda: _healthy(url), 90, "the platform's /healthz answering 200")
            engine = owner_engine(cluster)
            yield Platform(env, engine, kafka, url, keys)
            engine.dispose()
        finally:
            subprocess.run([local, "stop"], env=env, capture_output=True)


def _healthy(url: str) -> bool:
    try:
        return http_get(f"{url}/healthz", timeout=5)[0] == 200
    except OSError:
        return False


def _signed(platform: Platform, department: str, message: dict) -> tuple[bytes, list]:
    """The envelope's bytes and their onegrid-signature (docs/ingest.md §2), without OneGrid's
    code."""
    value = json.dumps(message, ensure_ascii=False).encode()
    kid, secret = platform.keys[department]
    mac = hmac.new(secret.encode("ascii"), value, hashlib.sha256).hexdigest()
    return value, [("onegrid-signature", f"kid={kid},v1={mac}".encode())]


def test_refused_tickets_then_5000_subjects_through_two_sigkills_of_every_worker(
        platform: Platform) -> None:
    producer = KafkaProducer(bootstrap_servers=platform.kafka, linger_ms=20)
    for n, message in enumerate((ticket(2811, issue_category="C9999"),
                                 ticket(2812, description=""))):
        value, headers = _signed(platform, "RX12345", message)
        producer.send(HOTLINE, key=f"RX{n}".encode(), value=value, headers=headers)
    producer.flush(30)
    reasons = wait_until(lambda: _reasons(platform, 2), 60, "the tickets' dead letters")
    assert reasons == [
        "the ticket cannot open an issue in the loop: unknown category 'C9999' "
        "(see /open311/v2/services.json)",
        "the ticket cannot open an issue in the loop: describe the issue in a few words"]

    before = platform.records()
    rng = random.Random(2028)
    subjects = [factories.credit_code(rng) for _ in range(5000)]
    assert len(set(subjects)) == 5000
    sending = threading.Thread(target=_publish, args=(producer, platform, subjects))
    sending.start()
    killed = []
    for share in (0.2, 0.6):  # every worker, at two moments of the run
        pid = wait_until(platform.ingest_pid, 60, "a supervised ingest worker running")
        wait_until(lambda s=share: platform.records() >= before + 5000 * s, 120,
                   f"{share:.0%} of the subjects stored")
        os.kill(pid, signal.SIGKILL)
        killed.append(pid)
    sending.join(120)
    producer.close()
    wait_until(lambda: platform.records() >= before + 5000, 180, "all 5,000 stored")
    time.sleep(3)  # a batch written twice would show by now
    assert platform.records() == before + 5000
    restarted = wait_until(platform.ingest_pid, 60, "the supervisor restarting the worker")
    assert restarted not in killed
    assert platform.scalar("SELECT count(*) FROM dead_letter WHERE dataset = 'market.business'"
                           ) == 0
    assert platform.scalar("SELECT count(*) FROM record WHERE dataset_id = 'market.business' "
                           "AND subject_key = ANY(:keys)", keys=subjects) == 5000
    assert _healthy(platform.url)


def _publish(producer: KafkaProducer, platform: Platform, subjects: list[str]) -> None:
    """The subjects at about 500 a second, so that the kills fall mid-run."""
    for n, key in enumerate(subjects):
        value, headers = _signed(platform, "SCJG", envelope(subject_key=key, record_id=f"a{n}"))
        producer.send(BUSINESS, key=key.encode(), value=value, headers=headers)
        if n % 100 == 99:
            producer.flush(30)
            time.sleep(0.2)
    producer.flush(30)


def _reasons(platform: Platform, n: int) -> list[str] | None:
    with platform.engine.connect() as conn:
        reasons = list(conn.scalars(text(
            "SELECT reason FROM dead_letter WHERE topic = :t ORDER BY \"offset\", partition"),
            {"t": HOTLINE}))
    return sorted(reasons, reverse=True) if len(reasons) >= n else None
