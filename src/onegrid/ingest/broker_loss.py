"""A broker that lost its log is noticed, never read past: the worker's guard.

The offsets ingest stores with the data count in the broker's log. A broker that forgets it
(Tansu keeps everything in memory: after a restart the topics and the group are gone) starts a
new log at 0, below the stored offsets; read on, the worker would skip every new message under
them. So when a partition's log ends before the offset the worker is to read (the watermark of
the broker's last fetch, or a fetch out of range), the guard holds that partition: paused, its
reason written in the store (ingest_offset.held_reason, which /healthz, /metrics and `onegrid
ingest status` report), logged once. `onegrid ingest reset-offsets` clears the reason with the
new offset, and the guard seeks there and resumes. The guard also creates the registered
datasets' topics the broker lacks, on start-up and after."""

from __future__ import annotations

import logging
import time
from collections.abc import Collection

import confluent_kafka as kafka
from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.dialects.postgresql import insert

from onegrid.ingest import faults
from onegrid.ingest.writer import Delivery
from onegrid.platform.store.models import IngestOffset
from onegrid.platform.streams import DLQ_TOPIC, create_topics

log = logging.getLogger(__name__)

OUT_OF_RANGE = (kafka.KafkaError.OFFSET_OUT_OF_RANGE, kafka.KafkaError._AUTO_OFFSET_RESET)
Partition = tuple[str, int]


class LossGuard:
    check_every_s = 2.0
    topics_every_s = 10.0

    def __init__(self, engine: Engine, group: str, kafka: dict[str, str],
                 partitions: int) -> None:
        self.engine, self.group, self.kafka, self.partitions = engine, group, kafka, partitions
        self._next: dict[Partition, int] = {}  # what each assigned partition reads next
        self._held: dict[Partition, str] = {}  # held partitions: why
        self._unwritten: set[Partition] = set()  # held, the reason not yet in the store
        self._checked_at = self._topics_at = -float("inf")

    def assigned(self, consumer: kafka.Consumer, partitions: list[kafka.TopicPartition],
                 held: dict[Partition, str]) -> None:
        """After ``consumer.assign(partitions)``: pause those the store says are held."""
        self._next = {(tp.topic, tp.partition): tp.offset for tp in partitions}
        self._held = {tp: why for tp, why in held.items() if tp in self._next}
        self._unwritten.clear()
        if self._held:
            consumer.pause([kafka.TopicPartition(t, p) for t, p in self._held])
            log.warning("holding %s: %s", ", ".join(f"{t}[{p}]" for t, p in self._held),
                        "; ".join(sorted(set(self._held.values()))))

    @property
    def held(self) -> frozenset[Partition]:
        """The partitions held now."""
        return frozenset(self._held)

    def admit(self, deliveries: list[Delivery]) -> list[Delivery]:
        """The deliveries of partitions not held (one fetched before its hold waits)."""
        admitted = [d for d in deliveries if (d.topic, d.partition) not in self._held]
        for d in admitted:
            self._next[(d.topic, d.partition)] = d.offset + 1
        return admitted

    def fault(self, consumer: kafka.Consumer, message: kafka.Message) -> bool:
        """A consumer error: True when it says a fetch was out of the log's range (the
        partition is then held), False for any other."""
        error, topic, partition = message.error(), message.topic(), message.partition()
        if error is None or error.code() not in OUT_OF_RANGE or topic is None \
                or partition is None:
            return False
        self._hold(consumer, (topic, partition),
                   f"the broker cannot serve offset {self._next.get((topic, partition))} of "
                   f"its log ({error.str()})")
        return True

    def check(self, consumer: kafka.Consumer, topics: Collection[str]) -> None:
        """Every few seconds: hold what the broker's log ends before, resume what was reset,
        and create the missing topics among ``topics``."""
        now = time.monotonic()
        if now - self._checked_at < self.check_every_s:
            return
        self._checked_at = now
        for tp, at in list(self._next.items()):
            _, high = consumer.get_watermark_offsets(kafka.TopicPartition(*tp), cached=True)
            if tp not in self._held and 0 <= high < at:  # high < 0: no fetch answered yet
                self._hold(consumer, tp, f"the broker's log ends at offset {high}, before the "
                                         f"offset stored with the data ({at}): the broker "
                                         "lost what it held (restarted without its data?)")
        try:
            self._write_holds()
            self._release(consumer)
        except Exception as exc:
            if faults.passing(exc) is None:
                raise
            log.warning("the held partitions were not checked (%s)", faults.passing(exc))
        if now - self._topics_at >= self.topics_every_s:
            self._topics_at = now
            self.create_missing(consumer, topics)

    def create_missing(self, consumer: kafka.Consumer, topics: Collection[str]) -> None:
        """Create those of ``topics`` and the dead-letter topic the broker lacks (a registered
        dataset's, or all of them on a broker that lost everything); the consumer's
        subscription then finds them, and dead letters are published without waiting."""
        try:
            existing = consumer.list_topics(timeout=5).topics
            missing = [t for t in [*topics, DLQ_TOPIC] if t not in existing]
            if missing:
                create_topics(self.kafka, missing, self.partitions)
                log.warning("created the missing topics %s", ", ".join(missing))
        except Exception as exc:  # the broker is away: the next check tries again
            log.warning("the topics were not checked: %s", exc)

    def _hold(self, consumer: kafka.Consumer, tp: Partition, why: str) -> None:
        if tp in self._held:
            return
        consumer.pause([kafka.TopicPartition(*tp)])
        self._held[tp] = why
        self._unwritten.add(tp)
        log.error("holding %s[%d] until `onegrid ingest reset-offsets`: %s", *tp, why)

    def _write_holds(self) -> None:
        if not self._unwritten:
            return
        with self.engine.begin() as conn:
            for topic, partition in sorted(self._unwritten):
                why = self._held[(topic, partition)]
                conn.execute(insert(IngestOffset).values(
                    consumer_group=self.group, topic=topic, partition=partition,
                    next_offset=max(self._next.get((topic, partition), 0), 0), held_reason=why,
                ).on_conflict_do_update(index_elements=IngestOffset.__table__.primary_key,
                                        set_={"held_reason": why}))
        self._unwritten.clear()

    def _release(self, consumer: kafka.Consumer) -> None:
        """Resume, at their stored offset, the held partitions whose reason was cleared."""
        if not self._held:
            return
        with self.engine.connect() as conn:
            rows = conn.execute(select(IngestOffset.topic, IngestOffset.partition,
                                       IngestOffset.next_offset, IngestOffset.held_reason)
                                .where(IngestOffset.consumer_group == self.group))
            cleared = {(t, p): o for t, p, o, why in rows if why is None}
        for tp in [tp for tp in self._held if tp in cleared]:
            del self._held[tp]
            self._next[tp] = cleared[tp]
            consumer.resume([kafka.TopicPartition(*tp)])
            consumer.seek(kafka.TopicPartition(*tp, cleared[tp]))
            log.warning("resuming %s[%d] at offset %d (its offsets were reset)", *tp,
                        cleared[tp])


def log_marks(client: dict[str, str], topic: str, timeout_s: float = 5.0
              ) -> dict[int, tuple[int, int]]:
    """Per partition of ``topic``: where the broker's log starts and where it ends, as a fetch
    reports them (some brokers' offset lookups end a log at its last batch, not after it: Tansu
    0.6 does). ``client`` is the Kafka client configuration. Raises KafkaException when the
    broker does not answer."""
    consumer = kafka.Consumer({**client, "group.id": "onegrid-metrics",
                               "enable.auto.commit": False, "max.partition.fetch.bytes": 65536,
                               "log_level": 0})
    try:
        meta = consumer.list_topics(topic, timeout=timeout_s).topics[topic]
        if meta.error is not None:
            raise kafka.KafkaException(meta.error)
        partitions = [kafka.TopicPartition(topic, p, kafka.OFFSET_BEGINNING)
                      for p in meta.partitions]
        consumer.assign(partitions)
        marks: dict[int, tuple[int, int]] = {}
        deadline = time.monotonic() + timeout_s
        while len(marks) < len(partitions) and time.monotonic() < deadline:
            consumer.consume(100, timeout=0.2)
            for tp in partitions:
                low, high = consumer.get_watermark_offsets(tp, cached=True)
                if high >= 0:
                    marks[tp.partition] = (low, high)
        for tp in partitions:  # no fetch answered: the broker's offset lookup
            if tp.partition not in marks:
                marks[tp.partition] = consumer.get_watermark_offsets(tp, timeout=timeout_s)
        return marks
    finally:
        consumer.close()


def reset_offsets(conn: Connection, group: str, topic: str, offsets: dict[int, int]) -> None:
    """Set ``group``'s stored offsets of ``topic`` ({partition: offset}) and release any hold
    (a worker holding one resumes there within seconds)."""
    for partition, offset in offsets.items():
        conn.execute(insert(IngestOffset).values(
            consumer_group=group, topic=topic, partition=partition, next_offset=offset,
        ).on_conflict_do_update(index_elements=IngestOffset.__table__.primary_key,
                                set_={"next_offset": offset, "held_reason": None,
                                      "updated_at": func.now()}))
