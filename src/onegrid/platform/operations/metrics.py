"""Ingest counters and lag, for /metrics (Prometheus text format) and `onegrid ingest status`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from confluent_kafka import Consumer, TopicPartition
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from onegrid.platform.store.models import Dataset, IngestCounter
from onegrid.platform.streams import INGEST_GROUP, TOPIC_PREFIX, topic_for

COUNTERS = ("received", "new", "merged", "versions", "dead_letters")


@dataclass(frozen=True)
class Status:
    counters: list[IngestCounter]
    lag: dict[str, int]  # per dataset: messages on the broker not yet stored


def status(session: Session, kafka: Mapping[str, str], group: str = INGEST_GROUP,
           prefix: str = TOPIC_PREFIX) -> Status:
    """Counters, and the lag of the registered datasets' topics (under ``prefix``, the
    deployment's Settings.topic_prefix): the topics the ingest workers consume. ``kafka``: the
    clients' librdkafka settings (Settings.kafka)."""
    counters = list(session.scalars(
        select(IngestCounter).order_by(IngestCounter.dataset, IngestCounter.department)))
    stored = {(t, p): o for t, p, o in session.execute(text(
        "SELECT topic, partition, next_offset FROM ingest_offset WHERE consumer_group = :g"),
        {"g": group})}
    datasets = {topic_for(d, prefix): d for d in session.scalars(select(Dataset.id))}
    return Status(counters, _lag(kafka, stored, datasets))


def _lag(kafka: Mapping[str, str], stored: dict[tuple[str, int], int],
         datasets: dict[str, str]) -> dict[str, int]:
    consumer = Consumer({**kafka, "group.id": "onegrid-metrics", "enable.auto.commit": False})
    try:
        topics = consumer.list_topics(timeout=5).topics
        lag: dict[str, int] = {}
        for name, meta in topics.items():
            dataset = datasets.get(name)
            if dataset is None:
                continue
            for partition in meta.partitions:
                low, high = consumer.get_watermark_offsets(TopicPartition(name, partition),
                                                           timeout=5)
                behind = high - max(low, stored.get((name, partition), 0))
                lag[dataset] = lag.get(dataset, 0) + max(behind, 0)
        return lag
    finally:
        consumer.close()


class _Collector:
    def __init__(self, state: Status) -> None:
        self.state = state

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        for name in COUNTERS:
            family = CounterMetricFamily(f"onegrid_ingest_{name}",
                                         f"Ingested messages: {name.replace('_', ' ')}",
                                         labels=("dataset", "department"))
            for c in self.state.counters:
                family.add_metric((c.dataset, c.department), getattr(c, name))
            yield family
        lag = GaugeMetricFamily("onegrid_ingest_lag", "Messages on the broker not yet stored",
                                labels=("dataset",))
        for dataset, behind in sorted(self.state.lag.items()):
            lag.add_metric((dataset,), behind)
        yield lag


def prometheus_text(state: Status) -> bytes:
    registry = CollectorRegistry()
    registry.register(_Collector(state))
    return generate_latest(registry)
