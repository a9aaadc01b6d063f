"""Ingest counters and lag, for /metrics (Prometheus text format) and `onegrid ingest status`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from sqlalchemy import select
from sqlalchemy.orm import Session

from onegrid.platform.operations.broker_view import BrokerSnapshot
from onegrid.platform.operations.ingest_state import (
    Degraded,
    StoredOffset,
    degraded,
    registered_topics,
    stored_offsets,
)
from onegrid.platform.store.models import IngestCounter
from onegrid.platform.streams import INGEST_GROUP, TOPIC_PREFIX

COUNTERS = ("received", "new", "merged", "versions", "dead_letters")


@dataclass(frozen=True)
class Status:
    counters: list[IngestCounter]
    lag: dict[str, int]  # per dataset: messages on the broker not yet stored
    degraded: dict[str, Degraded]  # the datasets ingest is not reading, with why
    datasets: list[str]  # every registered dataset


def status(session: Session, broker: BrokerSnapshot, group: str = INGEST_GROUP,
           prefix: str = TOPIC_PREFIX) -> Status:
    """Counters, and the lag and state of the registered datasets' topics (under ``prefix``,
    the deployment's Settings.topic_prefix): the topics the ingest workers consume, as
    ``broker`` (a snapshot: broker_view.py) saw them."""
    counters = list(session.scalars(
        select(IngestCounter).order_by(IngestCounter.dataset, IngestCounter.department)))
    stored = stored_offsets(session, group)
    topics = registered_topics(session, prefix)
    return Status(counters, _lag(broker, stored, topics), degraded(broker, topics, stored),
                  sorted(topics.values()))


def _lag(broker: BrokerSnapshot, stored: dict[tuple[str, int], StoredOffset],
         datasets: dict[str, str]) -> dict[str, int]:
    lag: dict[str, int] = {}
    for name, marks in broker.topics.items():
        dataset = datasets.get(name)
        if dataset is None:
            continue
        for partition, (low, high) in marks.items():
            at = stored.get((name, partition))
            behind = high - max(low, at.next_offset if at else 0)
            lag[dataset] = lag.get(dataset, 0) + max(behind, 0)
    return lag


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
        down = GaugeMetricFamily("onegrid_ingest_degraded",
                                 "1 while ingest does not read the dataset (reason: "
                                 "topic-missing, offsets-ahead), else 0",
                                 labels=("dataset", "reason"))
        for dataset in self.state.datasets:
            found = self.state.degraded.get(dataset)
            down.add_metric((dataset, found.reason if found else ""), 1 if found else 0)
        yield down


def prometheus_text(state: Status) -> bytes:
    registry = CollectorRegistry()
    registry.register(_Collector(state))
    return generate_latest(registry)
