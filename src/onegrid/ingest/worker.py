"""`onegrid ingest run`: a consumer-group member that stores each fact once.

It consumes the topics of the registered datasets (or of those of them it was told), named one
by one, never by a pattern that would catch other topics (a benchmark's, another deployment's,
a dataset nobody registered); the list is read again with the catalog's rules, and the worker
subscribes again when it changes.

Offsets live in PostGIS beside the data (the broker may forget them: Tansu keeps nothing across
a restart); on assignment the worker seeks to what the store says, and each batch advances them
in the same transaction as its data. Offsets are also committed to Kafka afterwards, only so
that standard lag monitors see the group's progress."""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Collection
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime

from confluent_kafka import (
    OFFSET_BEGINNING,
    Consumer,
    KafkaError,
    KafkaException,
    Message,
    TopicPartition,
)
from sqlalchemy import Engine, select, text

from onegrid.ingest import faults
from onegrid.ingest.deadletters import DeadLetterPublisher
from onegrid.ingest.decode import Refusal, Report, decode
from onegrid.ingest.fairness import gather, readahead
from onegrid.ingest.signing import SIGNATURE_HEADER, Keyring
from onegrid.ingest.writer import BatchWriter, Delivery, Outcome
from onegrid.platform.accounts.ingest_keys import ingest_keys, keys_changed
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

    def run(self, on_batch: Callable[[Outcome], None] = lambda _: None) -> None:
        """Consume until ``stopping`` is set (SIGTERM and SIGINT set it when run from the CLI).
        No message ends it: each is stored or becomes a dead letter (writer.py)."""
        consumer = Consumer(self._consumer_config())
        publisher = DeadLetterPublisher(self.settings.kafka)
        # One batch is written while the next is fetched and decoded: the store and Python
        # each keep a core busy. Offsets reach Kafka only after their batch has committed.
        pending: Future[Outcome] | None = None
        topics: list[str] = []
        with self.engine.connect() as conn, ThreadPoolExecutor(1) as store:
            writer = BatchWriter(conn, self.group, lambda: self._departments,
                                 self.settings.dedup, self.stopping)
            try:
                while not self.stopping.is_set():
                    wanted = self._topics()
                    if wanted != topics:  # a dataset was registered: its batch done, join it
                        if pending:
                            on_batch(self._finish(consumer, pending))
                            pending = None
                        topics = self._subscribe(consumer, wanted)
                    if not topics:
                        self.stopping.wait(0.5)
                        continue
                    messages = gather(consumer, self.settings.ingest_batch, timeout=0.5)
                    deliveries = [_delivery(m) for m in messages if _is_data(m)]
                    batch = self._decode(deliveries) if deliveries else None
                    if pending:
                        on_batch(self._finish(consumer, pending))
                        pending = None
                    if batch:
                        pending = store.submit(writer.write, *batch, publisher.publish)
                if pending:
                    on_batch(self._finish(consumer, pending))
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
            "auto.offset.reset": "earliest",
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
        received_at = datetime.now(UTC)  # what each report's occurred_at may not pass
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

    @staticmethod
    def _finish(consumer: Consumer, written: Future[Outcome]) -> Outcome:
        outcome = written.result()  # raises only when stopped while the store was away
        try:
            consumer.commit(offsets=[TopicPartition(t, p, o) for (t, p), o in
                                     outcome.resume_at.items()], asynchronous=True)
        except KafkaException as exc:  # only lag monitors read them: the store has them
            log.warning("the broker did not take the group's offsets: %s", exc)
        return outcome

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
        waits = faults.waits(self.stopping)
        while True:
            try:
                stored = self._stored_offsets()
                break
            except Exception as exc:
                if faults.passing(exc) is None:
                    raise
                log.warning("the stored offsets were not read (%s); trying again",
                            faults.passing(exc))
                next(waits)
        for tp in partitions:
            tp.offset = stored.get((tp.topic, tp.partition), OFFSET_BEGINNING)
        consumer.assign(partitions)
        log.info("assigned %s", ", ".join(f"{tp.topic}[{tp.partition}]@{tp.offset}"
                                          for tp in partitions))

    def _stored_offsets(self) -> dict[tuple[str, int], int]:
        with self.engine.connect() as conn:
            return {(t, p): o for t, p, o in conn.execute(text(
                "SELECT topic, partition, next_offset FROM ingest_offset "
                "WHERE consumer_group = :g"), {"g": self.group})}


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

