"""Is ingest reading every registered dataset? A dataset is degraded when its topic is missing
from the broker or when ingest holds one of its partitions because the broker's log ends
before the offset stored with the data (a broker that lost its log: Tansu, memory only, after a
restart). Read by /healthz, /metrics and `onegrid ingest status`; the worker that holds a
partition says why in the store (ingest_offset.held_reason)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from onegrid.platform.operations.broker_view import BrokerSnapshot
from onegrid.platform.store.models import Dataset, IngestOffset
from onegrid.platform.streams import topic_for

TOPIC_MISSING = "topic-missing"
OFFSETS_AHEAD = "offsets-ahead"


@dataclass(frozen=True)
class Degraded:
    dataset: str
    reason: str
    """TOPIC_MISSING or OFFSETS_AHEAD: the /metrics label."""
    detail: str
    """What happened, for a person."""
    remedy: str
    """What to do."""

    def state(self) -> dict[str, str]:
        return {"reason": self.reason, "detail": self.detail, "remedy": self.remedy}


@dataclass(frozen=True)
class StoredOffset:
    next_offset: int
    held_reason: str | None


def stored_offsets(session: Session, group: str) -> dict[tuple[str, int], StoredOffset]:
    """Per (topic, partition): where ``group`` reads next, and why it holds it, if it does."""
    rows = session.execute(select(IngestOffset.topic, IngestOffset.partition,
                                  IngestOffset.next_offset, IngestOffset.held_reason)
                           .where(IngestOffset.consumer_group == group))
    return {(t, p): StoredOffset(o, held) for t, p, o, held in rows}


def registered_topics(session: Session, prefix: str) -> dict[str, str]:
    """{topic: dataset} for every registered dataset."""
    return {topic_for(d, prefix): d for d in session.scalars(select(Dataset.id))}


def degraded(snapshot: BrokerSnapshot, topics: dict[str, str],
             stored: dict[tuple[str, int], StoredOffset]) -> dict[str, Degraded]:
    """The registered datasets (``topics``: {topic: dataset}) ingest is not reading, with why.
    A topic counts as missing only when the broker answered."""
    found: dict[str, Degraded] = {}
    for topic, dataset in sorted(topics.items()):
        if snapshot.ok and topic not in snapshot.topics:
            found[dataset] = Degraded(
                dataset, TOPIC_MISSING, f"the broker has no topic {topic}",
                "start `onegrid ingest run` (it creates the topics of every registered dataset) "
                "or run `onegrid dataset register` again")
            continue
        held = sorted((p, s) for (t, p), s in stored.items() if t == topic and s.held_reason)
        if held:
            found[dataset] = Degraded(
                dataset, OFFSETS_AHEAD, "; ".join(f"partition {p}: {s.held_reason}"
                                                  for p, s in held),
                "what the lost log held since is not in the store: have its departments "
                f"publish it again, then `onegrid ingest reset-offsets {dataset} --to "
                "earliest` (reads the broker's new log from its start); `--to latest` skips "
                "what it holds")
    return found
