"""Dead letters: refused messages, IDs masked, published to onegrid.dlq and kept, replayable."""

from __future__ import annotations

from collections.abc import Mapping

from confluent_kafka import Producer
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from onegrid.ingest.signing import SIGNATURE_HEADER
from onegrid.ingest.writer import Outcome
from onegrid.platform.errors import StoreUnavailableError
from onegrid.platform.store.models import DeadLetter
from onegrid.platform.streams import DLQ_TOPIC


class DeadLetterPublisher:
    """Publishes a batch's dead letters and waits for the broker before the batch commits:
    a crash between the two re-publishes (at least once); the table keeps exactly one row."""

    def __init__(self, kafka: Mapping[str, str]) -> None:
        self.producer = Producer({**kafka, "enable.idempotence": True, "linger.ms": 5})

    def publish(self, outcome: Outcome) -> None:
        for delivery, refusal in outcome.dead_letters:
            self.producer.produce(
                DLQ_TOPIC, key=f"{delivery.topic}:{delivery.partition}:{delivery.offset}",
                value=delivery.value,
                headers={"reason": refusal.reason.encode(), "topic": delivery.topic.encode(),
                         "partition": str(delivery.partition).encode(),
                         "offset": str(delivery.offset).encode(),
                         "dataset": refusal.dataset.encode(),
                         "department": refusal.department.encode()})
        if outcome.dead_letters and self.producer.flush(30) > 0:
            raise StoreUnavailableError(f"the broker did not take the dead letters on {DLQ_TOPIC}")

    def close(self) -> None:
        self.producer.flush(10)


def list_dead_letters(session: Session, dataset: str | None = None,
                      limit: int = 50) -> list[DeadLetter]:
    query = select(DeadLetter).order_by(DeadLetter.id.desc()).limit(limit)
    if dataset:
        query = query.where(DeadLetter.dataset == dataset)
    return list(session.scalars(query))


def replay(session: Session, producer: Producer, ids: list[int] | None = None,
           dataset: str | None = None) -> int:
    """Publish the chosen dead letters again, byte for byte as kept and with the signature they
    came with, to the topic they came from (after the dataset or the producer was fixed); marks
    them replayed. Returns how many.
    A resident ID the dead letter masked stays masked: such a message needs its producer to
    send it again."""
    query = select(DeadLetter).where(DeadLetter.replayed_at.is_(None)).order_by(DeadLetter.id)
    if ids:
        query = query.where(DeadLetter.id.in_(ids))
    if dataset:
        query = query.where(DeadLetter.dataset == dataset)
    letters = list(session.scalars(query.with_for_update()))
    for letter in letters:
        producer.produce(letter.topic, key=letter.key, value=letter.value,
                         headers=[(SIGNATURE_HEADER, letter.signature)] if letter.signature
                         else None)
    if producer.flush(30) > 0:
        raise StoreUnavailableError("the broker did not take the replayed messages")
    session.execute(update(DeadLetter).where(DeadLetter.id.in_([x.id for x in letters]))
                    .values(replayed_at=func.now()))
    return len(letters)
