"""A backlog on one dataset does not starve the others: how far the consumer reads ahead, how
a batch is gathered, and how large it may be.

librdkafka fetches every assigned partition into one queue, in the order the fetches arrive,
and each batch is taken from its head; it stops fetching, for every partition, while that queue
holds its minimum. So with a backlog on one topic, a message arriving on another is fetched
only when the next batch drains the queue, behind what the backlog's read-ahead still holds,
and it is stored once the batch in hand and its own are written. Three things bound that wait:

- the read-ahead: the queue is refilled once it falls below a fifth of a batch, by fetches of
  at most 1 MB (a quarter of that a partition) that ask every assigned partition for its next
  messages, so a quiet topic's message is fetched soon and behind little;
- the gathering: a full batch (the queue did not run dry) while partitions of other topics are
  assigned pauses the partitions of each topic that filled a quarter of it or more, until the
  batch is decoded. librdkafka then drops what it had read ahead of them (on resume it fetches
  it again, from the position after the last message taken), the other topics' messages
  queued behind it join this batch, mixed batches too (a trickle's first message in a batch
  does not leave its next ones behind the read-ahead), and their new ones are fetched alone
  meanwhile. Only such batches pay the read-ahead fetched twice; a single-topic backlog is
  read as before;
- the pace (Pace): while a worker consumes several topics, a batch holds what it handles in
  about BATCH_SECONDS, from the gathering to the next (decoding it, and the write of the one
  before, which it overlaps). A quiet topic's message waits for about three such turns (the
  one that fetches it, its own, and its write), however slow the machine: measured at a
  backlog of 1,000,000 on a machine so busy that a batch of 5,000 took 4-5 s, the trickle's
  messages waited 9-21 s before they were even consumed. On a machine where a batch of
  ``ONEGRID_INGEST_BATCH`` takes less, nothing changes; a worker on one topic always takes
  full batches (throughput is all that counts there).

These are the client's settings, the Fetch request's limits (KIP-74) and the consumer's pause
and resume: nothing here depends on the broker. (The local Tansu broker ignores the partition
limit and sends about one record batch a partition, as its producer made it: the pause is what
keeps a large backlog's read-ahead from standing in front of the others there.)"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Collection

from confluent_kafka import Consumer, KafkaException, Message, TopicPartition

log = logging.getLogger(__name__)

REFILL_BELOW = 5
"""librdkafka fetches again once less than 1/REFILL_BELOW of a batch is queued: a batch is
gathered over a few fetches (a millisecond or so each) while the one before is written."""
QUEUED_KBYTES = 4 * 1024
"""The same bound in kilobytes, which large messages reach first: a fifth of a batch of 5,000
envelopes of ≈ 4 KB each."""
FETCH_BYTES = 1_000_000
"""What one fetch may add to the queue, over all partitions: the least librdkafka takes (its
message.max.bytes). A record batch larger than this still comes, alone."""
PARTITION_FETCH_BYTES = FETCH_BYTES // 4
"""What one fetch may bring of one partition: a backlog spread over several partitions still
leaves room in each fetch for the others."""
DEEP_SHARE = 4
"""A topic that brought a 1/DEEP_SHARE of a full batch or more has more waiting: it is paused
while the others' queued messages join the batch."""
BATCH_SECONDS = 1.0
"""A turn's target while several topics are consumed: a quiet topic's message waits about
three (module docstring), well within issue 28's 5 s at p95."""
FEWEST = 1000
"""The least a batch takes however slow the machine: a batch's own costs (its commit, the
counters and offsets it writes) stay small beside its messages'. On a saturated machine they
reach 0.4 s, and batches of 300 drained a backlog at a third of the pace of 5,000."""
QUIET_WAIT_MS = 20
"""How long the broker may hold a fetch that finds nothing new (librdkafka's default: 500 ms).
One fetch is in flight at a time: a backlog resumed after a batch would wait behind the quiet
topics' fetch that long."""
REFETCH_MS = 20
"""How soon librdkafka asks again once the queue is full (its default: 1 s, a second more
that a quiet topic's message would wait)."""


def readahead(batch: int) -> dict[str, object]:
    """The consumer's librdkafka settings for batches of ``batch`` messages."""
    return {
        "queued.min.messages": max(1, batch // REFILL_BELOW),
        "queued.max.messages.kbytes": QUEUED_KBYTES,
        "fetch.max.bytes": FETCH_BYTES,
        "max.partition.fetch.bytes": PARTITION_FETCH_BYTES,
        "fetch.queue.backoff.ms": REFETCH_MS,
        "fetch.wait.max.ms": QUIET_WAIT_MS,
    }


class Gatherer:
    """Gathers a worker's batches (module docstring), and keeps what it paused for one batch
    paused until ``resume``: while the batch is decoded, the consumer fetches the other
    topics' new messages alone (the local broker may leave them out of a fetch the backlog
    fills), and the backlog's read-ahead is fetched again while the batch before is written."""

    def __init__(self) -> None:
        self._paused: list[TopicPartition] = []

    def gather(self, consumer: Consumer, size: int, timeout: float,
               held: Collection[tuple[str, int]] = ()) -> list[Message]:
        """Up to ``size`` messages (as ``consumer.consume``), and, when they filled the batch
        while partitions of other topics are assigned, those others' messages queued behind
        them. The topics that filled it stay paused until ``resume`` (or the next call). Each
        partition's messages stay in their order and none is skipped: a paused partition
        resumes after the last message returned. ``held``: partitions paused by someone else
        (broker_loss.py), which this neither pauses nor resumes."""
        self.resume(consumer, held)
        messages = consumer.consume(size, timeout)
        if len(messages) < size:  # the queue ran dry: nothing waits behind it
            return messages
        taken = Counter(m.topic() for m in messages)
        filled = {topic for topic, n in taken.items() if n * DEEP_SHARE >= len(messages)}
        try:
            assigned = consumer.assignment()
            if all(tp.topic in filled for tp in assigned):
                return messages
            self._paused = [tp for tp in assigned
                            if tp.topic in filled and (tp.topic, tp.partition) not in held]
            consumer.pause(self._paused)
            return messages + consumer.consume(size, 0)
        except KafkaException as exc:  # a rebalance under way: the batch as it is
            log.info("a batch was not gathered across topics: %s", exc)
            return messages

    def pause_all(self, consumer: Consumer, held: Collection[tuple[str, int]] = ()) -> None:
        """Pauses every assigned partition but ``held`` until ``resume``: a consumer that must
        keep polling while it takes nothing (its batch held by the store) fetches nothing."""
        self.resume(consumer, held)
        self._paused = [tp for tp in consumer.assignment()
                        if (tp.topic, tp.partition) not in held]
        consumer.pause(self._paused)

    def resume(self, consumer: Consumer, held: Collection[tuple[str, int]] = ()) -> None:
        """Resumes what the last batch paused, but for ``held``."""
        paused = [tp for tp in self._paused if (tp.topic, tp.partition) not in held]
        self._paused = []
        if paused:
            try:
                consumer.resume(paused)
            except KafkaException as exc:  # revoked meanwhile: its next owner starts it
                log.info("paused partitions not resumed: %s", exc)


class Pace:
    """How many messages the next batch may take: ``most`` on one topic; on several, what the
    last full batches show the worker handles in BATCH_SECONDS (at least FEWEST)."""

    def __init__(self, most: int) -> None:
        self.most = most
        self._per_message: float | None = None  # seconds a message of a full batch's turn took
        self._last = 0  # the messages of the batch before, whose write the turn waited for

    def size(self, topics: int) -> int:
        if topics < 2 or self._per_message is None:
            return self.most
        return max(FEWEST, min(self.most, int(BATCH_SECONDS / self._per_message)))

    def took(self, asked: int, messages: int, seconds: float) -> None:
        """A turn's ``seconds``: gathering ``messages`` (``asked`` for), decoding them and
        waiting for the write of the batch before, which may be the larger. Only a full
        batch's turn shows the pace (a short one waited for messages)."""
        last, self._last = self._last, messages
        if messages < asked or not messages:
            return
        measured = seconds / max(messages, last)
        before = self._per_message
        self._per_message = measured if before is None else (before + measured) / 2
