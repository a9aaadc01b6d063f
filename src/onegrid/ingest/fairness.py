"""A backlog on one dataset's topic does not starve the others: how far the consumer reads
ahead, and how a batch is gathered.

librdkafka fetches every assigned partition into one queue, in the order the fetches arrive,
and each batch is taken from its head. By default it reads ahead until that queue holds 100,000
messages or 64 MB (the worker had set fetch.max.bytes to 64 MB too): with a backlog on one
topic, a message arriving on another was fetched behind all of that read-ahead and waited until
it was stored, 6-10 s at two workers with 100,000 queued, more on a busy machine. Two things
now bound the wait:

- the read-ahead: the queue is refilled once it falls below a fifth of a batch, by fetches of
  at most 1 MB (a quarter of that a partition) that ask every assigned partition for its next
  messages, so a quiet topic's message is fetched soon and behind little;
- the gathering: a batch that the read-ahead of one topic filled, while partitions of other
  topics are assigned, pauses that topic's partitions for a moment. librdkafka then drops what
  it had read ahead of them (on resume it fetches it again, from the position after the last
  message taken), and the other topics' messages queued behind it join this batch. A quiet
  topic's message so waits about one batch gathered and one written, however large the backlog.
  Only a batch from one topic while others are assigned pays this (the read-ahead fetched
  twice); a single-topic backlog is read as before.

These are the client's settings, the Fetch request's limits (KIP-74) and the consumer's pause
and resume: nothing here depends on the broker. (The local Tansu broker ignores the partition
limit and sends about one record batch a partition, as its producer made it: the pause is what
keeps a large backlog's read-ahead from standing in front of the others there.)"""

from __future__ import annotations

import logging
from collections.abc import Collection

from confluent_kafka import Consumer, KafkaException, Message

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
    }


def gather(consumer: Consumer, size: int, timeout: float,
           held: Collection[tuple[str, int]] = ()) -> list[Message]:
    """Up to ``size`` messages (as ``consumer.consume``), and, when they filled the batch from
    one topic while partitions of others are assigned, those others' messages queued behind
    them (module docstring). Each partition's messages stay in their order and none is skipped:
    a paused partition resumes after the last message returned. ``held``: partitions paused by
    someone else (broker_loss.py), which this neither pauses nor resumes."""
    messages = consumer.consume(size, timeout)
    if len(messages) < size:  # the queue ran dry: nothing waits behind it
        return messages
    topics = {m.topic() for m in messages}
    if len(topics) > 1:
        return messages
    try:
        assigned = consumer.assignment()
        if all(tp.topic in topics for tp in assigned):
            return messages
        paused = [tp for tp in assigned
                  if tp.topic in topics and (tp.topic, tp.partition) not in held]
        consumer.pause(paused)
        try:
            return messages + consumer.consume(size, 0)
        finally:
            consumer.resume(paused)
    except KafkaException as exc:  # a rebalance under way: the batch as it is
        log.info("a batch was not gathered across topics: %s", exc)
        return messages

