"""Ingest workers SIGKILLed three times mid-run lose and double nothing: exact counts, and a
checksum of the merged records (attributes, provenance, sources, versions and their history)
equal to an uninterrupted run's over the same stream."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace

import pytest
import yaml
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from onegrid.demo import factories
from onegrid.demo.datasets import SPECS
from onegrid.ingest.topics import ensure_topics
from onegrid.ingest.worker import Worker
from onegrid.platform.settings import Settings
from onegrid.platform.sharing.catalog import register
from onegrid.platform.streams import topic_for
from tests.conftest import environment
from tests.ingest.conftest import Dataset, encode, produce, running, wait_for

pytestmark = [pytest.mark.faults, pytest.mark.long, pytest.mark.usefixtures("city")]


@pytest.fixture
def worker(settings: Settings, ingest_engine: Engine, dataset: Dataset) -> Iterator[Worker]:
    # unsigned messages, as a development store takes them (signatures: test_signing.py)
    worker = Worker(replace(settings, require_signatures=False), ingest_engine,
                    group=f"test-{uuid.uuid4().hex[:8]}", datasets=[dataset.id])
    with running(worker):
        yield worker


def _stream(dataset: Dataset, n: int) -> tuple[list[bytes], list[str]]:
    """New subjects, re-reports (identical, changed, late) and a little poison, interleaved."""
    rng = random.Random(2026)
    keys: list[str] = []
    values, message_keys = [], []
    for i in range(n):
        roll = rng.random()
        if roll < 0.01:
            values.append(b"\xff poison")
            message_keys.append("poison")
            continue
        if roll < 0.5 or not keys:
            keys.append(factories.credit_code(rng))
            key = keys[-1]
        else:
            key = rng.choice(keys)
        day = rng.randint(1, 28)
        values.append(encode(dataset.message(
            subject_key=key, record_id=f"m{i}", occurred_at=f"2026-10-{day:02d}T08:00:00+08:00",
            employees=rng.choice((5, 5, 5, 6)), name=f"温州{key[-4:]}贸易有限公司")))
        message_keys.append(key)
    return values, message_keys


def _checksum(engine: Engine, dataset: str) -> tuple[int, str]:
    with engine.connect() as conn:
        return tuple(conn.execute(text("""
            SELECT count(*), md5(string_agg(r.subject_key || r.attributes::text
                                            || r.provenance::text || r.sources::text
                                            || r.version || '/' || r.reports
                                            || coalesce(v.history, ''), '|'
                                            ORDER BY r.subject_key))
            FROM record r
            LEFT JOIN LATERAL (SELECT string_agg(version || changes::text, ',' ORDER BY version)
                               AS history FROM record_version WHERE record_id = r.id) v ON true
            WHERE r.dataset_id = :d"""), {"d": dataset}).one())


def _ingest_process(settings: Settings, dataset: str, group: str, log) -> subprocess.Popen:
    env = {**os.environ, **environment(settings), "ONEGRID_INGEST_BATCH": "500",
           "ONEGRID_REQUIRE_SIGNATURES": "false"}
    return subprocess.Popen([sys.executable, "-m", "onegrid.cli", "ingest", "run", "--group",
                             group, "--dataset", dataset], env=env, stdout=log,
                            stderr=subprocess.STDOUT)


@pytest.mark.slow
def test_sigkill_at_random_moments_loses_and_doubles_nothing(settings, engine, worker,
                                                             dataset, tmp_path) -> None:
    """The `worker` fixture ingests the stream uninterrupted into `dataset`; a separate process
    ingests the same stream into a twin dataset and is killed with SIGKILL three times."""
    spec = yaml.safe_load(SPECS.joinpath("market.business.yaml").read_text("utf-8"))
    spec["id"] = dataset.id.replace(".business", "k.business")
    with Session(engine) as session:
        register(session, spec)
        session.commit()
    ensure_topics(settings.kafka, [spec["id"]])
    twin = Dataset(spec["id"], topic_for(spec["id"]))
    n = 20_000
    produce(settings, dataset.topic, *_stream(dataset, n))
    produce(settings, twin.topic, *_stream(twin, n))

    group = f"kill-{uuid.uuid4().hex[:8]}"
    rng = random.Random()
    with (tmp_path / "worker.log").open("ab") as log:
        for share in sorted(rng.uniform(0.1, 0.9) for _ in range(3)):
            process = _ingest_process(settings, twin.id, group, log)
            wait_for(engine, twin.id, received=int(n * share), seconds=90)
            time.sleep(rng.uniform(0, 0.05))  # somewhere inside a batch, or between two
            process.send_signal(signal.SIGKILL)
            process.wait()
        process = _ingest_process(settings, twin.id, group, log)
        try:
            killed = wait_for(engine, twin.id, received=n, seconds=120)
            calm = wait_for(engine, dataset.id, received=n, seconds=120)
        finally:
            process.terminate()
            process.wait(30)
    assert killed == calm
    assert killed["received"] == n == killed["new"] + killed["merged"] + killed["dead_letters"]
    assert _checksum(engine, twin.id) == _checksum(engine, dataset.id)
