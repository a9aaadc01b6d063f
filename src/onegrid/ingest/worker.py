"""`onegrid ingest run`: a consumer-group member that stores each fact once.

It consumes the topics of the registered datasets (or of those of them it was told), named one
by one, never by a pattern that would catch other topics (a benchmark's, another deployment's,
a dataset nobody registered); the list is read again with the catalog's rules, and the worker
subscribes again when it changes.

Offsets live in PostGIS beside the data (the broker may forget them: Tansu keeps nothing across
a restart); on assignment the worker seeks to what the store says, and each batch advances them
in the same transaction as its data. Offsets are also committed to Kafka afterwards, only so
that standard lag monitors see the group's progress. A partition whose log ends before its
stored offset (a broker that lost its log) is held, never read past (broker_loss.py)."""

from __future__ import annotations

import gc
import logging
import signal
import threading
import time
from collections.abc import Callable, Collection
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import UTC, datetime

from confluent_kafka import (
    OFFSET_BEGINNING,
    Consumer,
    KafkaError,
    KafkaException,
    Message,
    TopicPartition,
)
from sqlalchemy import Engine, select

from onegrid.ingest import faults
from onegrid.ingest.broker_loss import LossGuard
from onegrid.ingest.deadletters import DeadLetterPublisher
from onegrid.ingest.decode import Horizon, Refusal, Report, decode
from onegrid.ingest.fairness import Gatherer, Pace, readahead
from onegrid.ingest.signing import SIGNATURE_HEADER, Keyring
from onegrid.ingest.topics import PARTITIONS
from onegrid.ingest.writer import BatchWriter, Delivery, Outcome, StoreRewoundError
from onegrid.platform.accounts.ingest_keys import ingest_keys, keys_changed
from onegrid.platform.operations.ingest_state import StoredOffset, stored_offsets
from onegrid.platform.settings import Settings
from onegrid.platform.sharing.catalog import DatasetRules, rules
from onegrid.platform.store.db import session_factory
from onegrid.platform.store.models import Department
from onegrid.platform.streams import INGEST_GROUP, dataset_of, topic_for

log = logging.getLogger(__name__)


class Worker:
    catalog_ttl_s = 10.0
    """How often the catalog's rules, and so the topics to consume, are read again."""

    def __init__(self, settings: Settings, engine: Engine, group: str = INGEST_GROUP,
                 datasets: Collection[str] | None = None) -> None:
        """``datasets``: consume only these (those of them registered); None: every
        registered dataset, including those registered while it runs."""
        self.settings, self.engine, self.group = settings, engine, group
        self.datasets = None if datasets is None else frozenset(datasets)
        self.stopping = threading.Event()
        self._catalog: dict[str, DatasetRules] = {}
        self._departments: dict[str, int] = {}
        self._catalog_at = -float("inf")
        self._keyring = Keyring({}, settings.require_signatures)
        self._keys_version: tuple[int, int] | None = None
        self._guard = LossGuard(engine, group, settings.kafka, PARTITIONS)
        self._gatherer = Gatherer()  # fairness.py

    def run(self, on_batch: Callable[[Outcome], None] = lambda _: None) -> None:
        """Consume until ``stopping`` is set (SIGTERM and SIGINT set it when run from the CLI).
        No message ends it: each is stored or becomes a dead letter (writer.py)."""
        consumer = Consumer(self._consumer_config())
        publisher = DeadLetterPublisher(self.settings.kafka)
        # What start-up made (modules, the catalog, SQLAlchemy's registries) lives as long as
        # the worker: frozen, the collector no longer walks it each time batches' dicts set it
        # off (decoding a message cost ≈ 2 µs more without it, a tenth of its CPU).
        gc.freeze()
        # One batch is written while the next is fetched and decoded: the store and Python
        # each keep a core busy. Offsets reach Kafka only after their batch has committed.
        pending: Future[Outcome] | None = None
        topics: list[str] = []
        gatherer, pace = self._gatherer, Pace(self.settings.ingest_batch)
        with self.engine.connect() as conn, ThreadPoolExecutor(1) as store:
            writer = BatchWriter(conn, self.group, lambda: self._departments,
                                 self.settings.dedup, self.stopping,
                                 self.settings.working_hours)
            try:
                while not self.stopping.is_set():
                    wanted = self._topics()
                    if wanted != topics:  # a dataset was registered: its batch done, join it
                        if pending:
                            self._finish(consumer, pending, on_batch)
                            pending = None
                        self._guard.create_missing(consumer, wanted)
                        topics = self._subscribe(consumer, wanted)
                    if not topics:
                        self.stopping.wait(0.5)
                        continue
                    self._guard.check(consumer, topics)
                    size, turn = pace.size(len(topics)), time.monotonic()
                    messages = gatherer.gather(consumer, size, timeout=0.5,
                                               held=self._guard.held)
                    deliveries = self._guard.admit([
                        _delivery(m) for m in messages
                        if not (m.error() and self._guard.fault(consumer, m)) and _is_data(m)])
                    batch = self._decode(deliveries) if deliveries else None
                    gatherer.resume(consumer, self._guard.held)
                    if pending and not self._finish(consumer, pending, on_batch):
                        batch = None  # read again from the store's offsets, this one too
                    pending = None
                    if batch:
                        pending = store.submit(writer.write, *batch, publisher.publish)
                    pace.took(size, len(messages), time.monotonic() - turn)
                if pending:
                    self._finish(consumer, pending, on_batch)
            finally:
                consumer.close()
                publisher.close()

    def stop_on_signals(self) -> None:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: self.stopping.set())

    def _consumer_config(self) -> dict[str, object]:
        return {
            **self.settings.kafka,
            "group.id": self.group,
            "enable.auto.commit": False,
            "enable.auto.offset.store": False,
            # every partition starts where the store says (a new one at its beginning): a
            # fetch out of the log's range is a lost log to report, never a reason to move
            "auto.offset.reset": "error",
            # Tansu holds a group's first join until this timeout: keep it short (README).
            "max.poll.interval.ms": self.settings.kafka_max_poll_ms,
            "session.timeout.ms": min(6000, self.settings.kafka_max_poll_ms),
            # a topic created after its dataset was registered is assigned within 5 s
            "topic.metadata.refresh.interval.ms": 5000,
            **readahead(self.settings.ingest_batch),  # a backlog starves no other topic
        }

    def _topics(self) -> list[str]:
        """The topics of the registered datasets this worker consumes, in name order."""
        prefix = self.settings.topic_prefix
        return sorted(topic_for(d, prefix) for d in self._rules()
                      if self.datasets is None or d in self.datasets)

    def _subscribe(self, consumer: Consumer, topics: list[str]) -> list[str]:
        if topics:
            consumer.subscribe(topics, on_assign=self._seek_to_stored)
        else:
            consumer.unsubscribe()
        log.info("consuming %s", ", ".join(topics) or "nothing: no dataset is registered")
        return topics

    def _decode(self, deliveries: list[Delivery]
                ) -> tuple[list[tuple[Delivery, Report]], list[tuple[Delivery, Refusal]]]:
        catalog, prefix, keyring = self._catalog, self.settings.topic_prefix, self._keys()
        received_at = Horizon(datetime.now(UTC))  # what each report's occurred_at may not pass
        reports: list[tuple[Delivery, Report]] = []
        refusals: list[tuple[Delivery, Refusal]] = []
        for d in deliveries:
            try:
                result = decode(d.value, d.topic, catalog, self.settings.pii_key, received_at,
                                keyring, d.signature, prefix=prefix)
            except Exception as exc:  # decode refuses what it can name; this is a fault of ours
                faults.log_failure(exc, f"decoding {d.topic}[{d.partition}]@{d.offset}")
                result = Refusal(faults.reason(exc), dataset_of(d.topic, prefix))
            if isinstance(result, Report):
                reports.append((d, result))
            else:
                refusals.append((d, result))
        return reports, refusals

    def _finish(self, consumer: Consumer, written: Future[Outcome],
                on_batch: Callable[[Outcome], None]) -> bool:
        """The batch's end: its offsets to Kafka too, and ``on_batch``; False when the store
        had lost batches before it (nothing of it written): the consumer then reads every
        partition again from the store's offsets, and what it fetched meanwhile is dropped."""
        try:
            outcome = self._outcome(consumer, written)
        except StoreRewoundError as exc:
            log.warning("the store lost batches it had committed (a crash before they reached "
                        "its disk, or a restore): %s; reading again from its offsets", exc)
            stored = self._wait_for_stored_offsets()
            for tp in consumer.assignment():
                at = stored.get((tp.topic, tp.partition))
                tp.offset = at.next_offset if at else OFFSET_BEGINNING
                try:
                    consumer.seek(tp)
                except KafkaException as seek:  # not fetched yet: it starts where stored
                    log.info("%s[%d] not sought: %s", tp.topic, tp.partition, seek)
            return False
        try:
            consumer.commit(offsets=[TopicPartition(t, p, o) for (t, p), o in
                                     outcome.resume_at.items()], asynchronous=True)
        except KafkaException as exc:  # only lag monitors read them: the store has them
            log.warning("the broker did not take the group's offsets: %s", exc)
        on_batch(outcome)
        return True

    def _outcome(self, consumer: Consumer, written: Future[Outcome]) -> Outcome:
        """The batch's outcome (raises only when stopped while the store was away). While the
        store takes long over it (a failover), the consumer is polled with its partitions
        paused, so that it stays in its group: one that does not poll for max.poll.interval.ms
        leaves it, which costs every worker a rebalance, and in `make cluster-test` the local
        broker (Tansu) then assigned that group nothing again (docs/reliability.md)."""
        # Half the interval: far longer than a batch takes (pausing drops what was fetched,
        # which a slow batch then waits for again), and polled long before the interval ends.
        if wait([written], timeout=self.settings.kafka_max_poll_ms / 2000).not_done:
            self._gatherer.pause_all(consumer, self._guard.held)
            while wait([written], timeout=0.5).not_done:
                for message in consumer.consume(100, 0):
                    if message.error() is None:  # pausing drops what was fetched; if not,
                        d = _delivery(message)   # it is read again after the pause
                        consumer.seek(TopicPartition(d.topic, d.partition, d.offset))
            self._gatherer.resume(consumer, self._guard.held)
        return written.result()

    def _rules(self) -> dict[str, DatasetRules]:
        """The catalog's rules, read again every catalog_ttl_s; while the store does not
        answer, the last ones read."""
        if time.monotonic() - self._catalog_at > self.catalog_ttl_s:
            try:
                with session_factory(self.engine)() as session:
                    self._catalog = rules(session)
                    self._departments = dict(session.execute(
                        select(Department.code, Department.id)).all())
            except Exception as exc:
                if faults.passing(exc) is None:
                    raise
                log.warning("the catalog was not read again: %s", faults.passing(exc))
            self._catalog_at = time.monotonic()
        return self._catalog

    def _keys(self) -> Keyring:
        """The ingest keys, read again whenever one was created or revoked since (one small
        query a batch): a new key's first message and a revoked key's next are judged right.
        While the store does not answer, the last ones read (the batch's write waits for it)."""
        try:
            with session_factory(self.engine)() as session:
                version = keys_changed(session)
                if version != self._keys_version:
                    self._keyring = Keyring(ingest_keys(session, self.settings.secret_key),
                                            self.settings.require_signatures)
                    self._keys_version = version
        except Exception as exc:
            if faults.passing(exc) is None:
                raise
            log.warning("the ingest keys were not read again: %s", faults.passing(exc))
        return self._keyring

    def _seek_to_stored(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        stored = self._wait_for_stored_offsets()
        for tp in partitions:
            at = stored.get((tp.topic, tp.partition))
            tp.offset = at.next_offset if at else OFFSET_BEGINNING
        consumer.assign(partitions)
        self._guard.assigned(consumer, partitions, {
            tp: at.held_reason for tp, at in stored.items() if at.held_reason})
        log.info("assigned %s", ", ".join(f"{tp.topic}[{tp.partition}]@{tp.offset}"
                                          for tp in partitions))

    def _wait_for_stored_offsets(self) -> dict[tuple[str, int], StoredOffset]:
        waits = faults.waits(self.stopping)
        while True:
            try:
                return self._stored_offsets()
            except Exception as exc:
                if faults.passing(exc) is None:
                    raise
                log.warning("the stored offsets were not read (%s); trying again",
                            faults.passing(exc))
                next(waits)

    def _stored_offsets(self) -> dict[tuple[str, int], StoredOffset]:
        with session_factory(self.engine)() as session:
            return stored_offsets(session, self.group)


def _is_data(message: Message) -> bool:
    error = message.error()
    if error is None:
        return True
    if error.code() != KafkaError._PARTITION_EOF:
        log.warning("consumer error: %s", error)
    return False


def _delivery(message: Message) -> Delivery:
    topic, partition, offset = message.topic(), message.partition(), message.offset()
    # a message the consumer returns without an error (_is_data) always has all three
    assert topic is not None and partition is not None and offset is not None
    return Delivery(topic, partition, offset, message.key(), message.value(),
                    _signature(message))


def _signature(message: Message) -> bytes | None:
    """The message's first onegrid-signature header with a value, if any."""
    headers = message.headers()
    if isinstance(headers, list):  # as the consumer returns them: [(name, bytes or None)]
        for name, value in headers:
            if name == SIGNATURE_HEADER and isinstance(value, bytes):
                return value
    return None

