"""What the broker holds, as the web and the CLI see it: whether it answers, and the topics
under the deployment's prefix with their partitions' watermarks.

The web reads a view that one client per process refreshes on a background thread every few
seconds with short timeouts: no request waits on the broker or opens a client of its own (a
client per /metrics call, on a slow broker, once held every request thread of the site)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from confluent_kafka import TopicPartition
from confluent_kafka.admin import AdminClient, OffsetSpec

Marks = Mapping[int, tuple[int, int]]
"""Per partition: the first offset the broker keeps and the one after its last (its watermarks,
as the broker reports them)."""


@dataclass(frozen=True)
class BrokerSnapshot:
    ok: bool
    error: str = ""
    brokers: int = 0
    topics: Mapping[str, Marks] = field(default_factory=dict)
    taken_at: float = field(default_factory=time.monotonic)

    def state(self) -> dict[str, object]:
        """For /healthz: ``{"ok": True, "brokers": n}`` or ``{"ok": False, "error": …}``."""
        return {"ok": True, "brokers": self.brokers} if self.ok else \
            {"ok": False, "error": self.error}


def client(kafka: Mapping[str, str], timeout_s: float) -> AdminClient:
    """An admin client: it only asks for metadata and offsets."""
    return AdminClient({**kafka, "socket.timeout.ms": max(int(timeout_s * 1000), 10),
                        "log_level": 0}, logger=_QUIET)


def read(admin: AdminClient, servers: str, prefix: str, timeout_s: float) -> BrokerSnapshot:
    """The broker's topics under ``prefix`` and their watermarks (two batched lookups for all
    partitions), each call bounded by ``timeout_s``; a snapshot saying it does not answer when
    it does not."""
    try:
        metadata = admin.list_topics(timeout=timeout_s)
        partitions = [TopicPartition(name, p) for name, meta in metadata.topics.items()
                      if name.startswith(prefix) for p in meta.partitions]
        low = _offsets(admin, partitions, OffsetSpec.earliest(), timeout_s)
        high = _offsets(admin, partitions, OffsetSpec.latest(), timeout_s)
        topics: dict[str, dict[int, tuple[int, int]]] = {}
        for tp in partitions:
            key = (tp.topic, tp.partition)
            topics.setdefault(tp.topic, {})[tp.partition] = (low[key], high[key])
        return BrokerSnapshot(True, brokers=len(metadata.brokers), topics=topics)
    except Exception as exc:  # KafkaException or a timeout: either way the broker is not there
        return BrokerSnapshot(False, f"the broker at {servers} does not answer: {exc}")


def _offsets(admin: AdminClient, partitions: list[TopicPartition], spec: OffsetSpec,
             timeout_s: float) -> dict[tuple[str, int], int]:
    if not partitions:
        return {}
    futures = admin.list_offsets({tp: spec for tp in partitions}, request_timeout=timeout_s)
    return {(tp.topic, tp.partition): future.result(timeout=timeout_s).offset
            for tp, future in futures.items()}


def read_once(kafka: Mapping[str, str], prefix: str, timeout_s: float = 3.0) -> BrokerSnapshot:
    """One look with a client of its own (a command's, which runs once)."""
    return read(client(kafka, timeout_s), kafka["bootstrap.servers"], prefix, timeout_s)


class BrokerView:
    """The latest snapshot, refreshed every ``every_s`` by a daemon thread started on first
    use. A snapshot older than ``stale_s`` (a refresh stuck on a slow broker) counts as a
    broker that does not answer."""

    def __init__(self, kafka: Mapping[str, str], prefix: str, every_s: float = 3.0,
                 timeout_s: float = 1.5, stale_s: float = 15.0) -> None:
        self.kafka, self.prefix = dict(kafka), prefix
        self.every_s, self.timeout_s, self.stale_s = every_s, timeout_s, stale_s
        self._latest: BrokerSnapshot | None = None
        self._first = threading.Event()
        self._started = threading.Lock()
        self._thread: threading.Thread | None = None

    def snapshot(self, first_wait_s: float = 2.5) -> BrokerSnapshot:
        """Never waits on the broker, but for the process's very first look (at most
        ``first_wait_s``)."""
        self._start()
        self._first.wait(first_wait_s)
        latest = self._latest
        if latest is None:
            return BrokerSnapshot(False, "the broker has not answered yet")
        age = time.monotonic() - latest.taken_at
        if age > self.stale_s:
            return BrokerSnapshot(False, f"the broker at {self.kafka['bootstrap.servers']} "
                                         f"does not answer: no answer for {age:.0f} s")
        return latest

    def _start(self) -> None:
        with self._started:
            if self._thread is None:
                self._thread = threading.Thread(target=self._refresh, daemon=True,
                                                name="broker-view")
                self._thread.start()

    def _refresh(self) -> None:
        while True:
            try:
                admin = client(self.kafka, self.timeout_s)
                break
            except Exception as exc:  # a setting librdkafka refuses: say so on every look
                self._latest = BrokerSnapshot(False, f"no broker client: {exc}")
                self._first.set()
                time.sleep(self.every_s)
        while True:
            self._latest = read(admin, self.kafka["bootstrap.servers"], self.prefix,
                                self.timeout_s)
            self._first.set()
            time.sleep(self.every_s)


_views: dict[tuple[int, str, str], BrokerView] = {}
_views_lock = threading.Lock()


def shared_view(kafka: Mapping[str, str], prefix: str) -> BrokerView:
    """This process's view of the broker ``kafka`` names (one client per process and broker;
    a forked worker makes its own)."""
    key = (os.getpid(), kafka["bootstrap.servers"], prefix)
    with _views_lock:
        if key not in _views:
            _views[key] = BrokerView(kafka, prefix)
        return _views[key]


class _Quiet:
    def log(self, *args: object) -> None:  # librdkafka logs connection refusals loudly
        pass


_QUIET = _Quiet()
