"""`onegrid ingest …`, `onegrid dlq …` and `onegrid feed`: the Kafka side from the shell."""

from __future__ import annotations

import gc
import logging
import time
from pathlib import Path
from typing import IO

import click
import yaml
from sqlalchemy import select

from onegrid.ingest import feed as feeds
from onegrid.ingest.broker_loss import log_marks, reset_offsets
from onegrid.ingest.deadletters import list_dead_letters, replay
from onegrid.ingest.topics import ensure_topics
from onegrid.ingest.worker import Worker
from onegrid.ingest.writer import Outcome
from onegrid.platform.cli import OneGridGroup, Runtime, pass_runtime, pass_runtime_as
from onegrid.platform.errors import NotFoundError
from onegrid.platform.operations.broker_view import read_once
from onegrid.platform.operations.ingest_state import stored_offsets
from onegrid.platform.operations.metrics import COUNTERS, status
from onegrid.platform.sharing.catalog import register, rules
from onegrid.platform.sharing.identity import mask_resident_ids
from onegrid.platform.store.models import Dataset
from onegrid.platform.streams import INGEST_GROUP, topic_for
from onegrid.platform.trace.chain import append


@click.group(cls=OneGridGroup)
def ingest() -> None:
    """The ingest worker and its counters."""


@ingest.command("run")
@click.option("--group", default=INGEST_GROUP, show_default=True, help="Kafka consumer group.")
@click.option("--dataset", "datasets", multiple=True, metavar="ID",
              help="Consume only this dataset's topic (repeatable; it must be registered). "
                   "Default: every registered dataset's.")
@pass_runtime_as("ingest")
def ingest_run(rt: Runtime, group: str, datasets: tuple[str, ...]) -> None:
    """Consume the topics of the registered datasets (onegrid.ingest.<id>, or under
    ONEGRID_TOPIC_PREFIX), named one by one: other topics are never read. The catalog is read
    again every 10 s, and a dataset registered meanwhile joins the subscription. Each message is
    stored once or becomes a dead letter with its reason; the worker waits out a store that
    does not answer and goes on. Ctrl-C stops cleanly. Start several workers with the same
    group to share the partitions."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    # A batch allocates some hundred thousand objects (tuples, dicts, strings) that reference
    # counting frees, none in cycles; the cyclic collector, run every 700 allocations, walked
    # the batches in flight and everything start-up loaded again and again (≈ 4 µs a message
    # when measured, a sixth of the worker's CPU). In this process it runs every 100,000.
    gc.freeze()
    gc.set_threshold(100_000, 20, 20)
    worker = Worker(rt.settings, rt.engine, group, datasets or None)
    worker.stop_on_signals()
    totals = {"messages": 0, "since": time.monotonic()}

    def progress(outcome: Outcome) -> None:
        batch = sum(c["received"] for c in outcome.counts.values())
        totals["messages"] += batch
        rate = totals["messages"] / max(time.monotonic() - totals["since"], 1e-6)
        logging.info("stored a batch of %d (%d dead letters); %d in all, %.0f msg/s",
                     batch, len(outcome.dead_letters), totals["messages"], rate)

    which = ", ".join(topic_for(d, rt.settings.topic_prefix) for d in datasets) or \
        f"{rt.settings.topic_prefix}<id> of every registered dataset"
    click.echo(f"ingest worker in group {group!r}: consuming {which}")
    worker.run(on_batch=progress)


@ingest.command("status")
@click.option("--group", default=INGEST_GROUP, show_default=True)
@pass_runtime_as("ingest")
def ingest_status(rt: Runtime, group: str) -> None:
    """Counters per dataset and department, each dataset's lag behind the broker, and the
    datasets ingest does not read (a missing topic, a broker that lost its log): what happened
    and what to do. Exit 1 when there is any such dataset or the broker does not answer."""
    broker = read_once(rt.settings.kafka, rt.settings.topic_prefix)
    with rt.session() as session:
        state = status(session, broker, group, rt.settings.topic_prefix)
        click.echo(f"{'dataset':28} {'department':10} "
                   + " ".join(f"{c:>12}" for c in COUNTERS))
        for c in state.counters:
            click.echo(f"{c.dataset:28} {c.department:10} "
                       + " ".join(f"{getattr(c, name):>12,}" for name in COUNTERS))
    for dataset, behind in sorted(state.lag.items()):
        click.echo(f"lag {dataset}: {behind:,}")
    if not broker.ok:
        click.echo(f"broker: {broker.error}")
    for found in state.degraded.values():
        click.echo(f"degraded {found.dataset} ({found.reason}): {found.detail}\n"
                   f"  what to do: {found.remedy}")
    if state.degraded or not broker.ok:
        raise SystemExit(1)


@ingest.command("reset-offsets")
@click.argument("dataset_id", metavar="DATASET")
@click.option("--to", "to", type=click.Choice(["earliest", "latest"]), required=True,
              help="earliest: read the broker's log of the dataset from its start; latest: "
                   "skip what it holds and read what comes next.")
@click.option("--group", default=INGEST_GROUP, show_default=True)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_runtime_as("ingest")
def ingest_reset_offsets(rt: Runtime, dataset_id: str, to: str, group: str, yes: bool) -> None:
    """Set where ingest reads DATASET's topic next, in the store, and release the partitions
    ingest holds because the broker lost its log (`onegrid ingest status` says which); the
    workers resume there within seconds. Creates the topic if the broker lacks it. Traced.
    Meant for held partitions: a worker reading a partition that is not held moves to the new
    offset when the partitions are next assigned (restart the workers)."""
    with rt.session() as session:
        if session.get(Dataset, dataset_id) is None:
            raise NotFoundError(f"unknown dataset {dataset_id!r}")
        stored = stored_offsets(session, group)
    topic = ensure_topics(rt.settings.kafka, [dataset_id], prefix=rt.settings.topic_prefix)[0]
    marks = log_marks(rt.settings.kafka, topic)
    offsets = {p: low if to == "earliest" else high for p, (low, high) in sorted(marks.items())}
    for p, offset in offsets.items():
        at = stored.get((topic, p))
        was = "none" if at is None else \
            f"{at.next_offset:,}{' (held)' if at.held_reason else ''}"
        click.echo(f"{topic}[{p}]: stored {was} -> {offset:,} (the log holds "
                   f"{marks[p][0]:,}..{marks[p][1]:,})")
    if not yes:
        click.confirm(f"Set group {group!r}'s offsets of {dataset_id} to the {to}?", abort=True)
    with rt.unit_of_work() as session:
        reset_offsets(session.connection(), group, topic, offsets)
        append(session, "cli", "ingest.reset_offsets", f"dataset:{dataset_id}", {
            "group": group, "to": to, "offsets": {str(p): o for p, o in offsets.items()},
            "before": {str(p): at.next_offset for (t, p), at in stored.items() if t == topic}})
    click.echo(f"reset {len(offsets)} partitions of {topic} to the {to}")


@click.group(cls=OneGridGroup)
def dlq() -> None:
    """Dead letters: messages the platform refused, with the reason."""


@dlq.command("list")
@click.option("--dataset", help="Only this dataset.")
@click.option("--limit", default=50, show_default=True)
@pass_runtime_as("ingest")
def dlq_list(rt: Runtime, dataset: str | None, limit: int) -> None:
    """The newest dead letters first."""
    with rt.session() as session:
        for letter in list_dead_letters(session, dataset, limit):
            replayed = " (replayed)" if letter.replayed_at else ""
            # masked again: a dead letter kept before they were masked may hold one in clear
            click.echo(mask_resident_ids(
                f"#{letter.id} {letter.received_at:%Y-%m-%d %H:%M:%S} {letter.topic}"
                f"[{letter.partition}]@{letter.offset} {letter.department or '-'}: "
                f"{letter.reason}{replayed}"))


@dlq.command("replay")
@click.option("--id", "ids", type=int, multiple=True, help="Dead letter id (repeatable).")
@click.option("--dataset", help="Every dead letter of this dataset not yet replayed.")
@pass_runtime_as("ingest")
def dlq_replay(rt: Runtime, ids: tuple[int, ...], dataset: str | None) -> None:
    """Publish dead letters again to their original topic, once the cause is fixed."""
    if not ids and not dataset:
        raise click.UsageError("say which: --id N (repeatable) or --dataset NAME")
    with rt.unit_of_work() as session:
        count = replay(session, feeds.producer(rt.settings.kafka), list(ids), dataset)
        append(session, "cli", "dlq.replay", f"dataset:{dataset or '*'}",
               {"ids": list(ids), "replayed": count})
    click.echo(f"replayed {count} dead letters")


@click.command("feed")
@click.argument("dataset")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--department", help="Reporting department, where the file does not say.")
@pass_runtime_as("ingest")
def feed(rt: Runtime, dataset: str, file: Path, department: str | None) -> None:
    """Publish FILE (JSONL envelopes, or CSV with envelope columns, lon/lat and attributes) to
    DATASET's topic, with a progress bar, each message signed with an ingest key of its
    department labelled "onegrid feed" (created the first time). The ingest worker validates
    and stores it."""
    with rt.session() as session:
        schema = session.scalar(select(Dataset.attribute_schema).where(Dataset.id == dataset))
    if schema is None:
        raise NotFoundError(f"unknown dataset {dataset!r}: register it first")
    types = {k: v.get("type") for k, v in schema.get("properties", {}).items()
             if isinstance(v, dict)}
    signer = feeds.PublishingKeys(rt.unit_of_work, rt.settings.secret_key, FEED_KEY_LABEL)
    count = feeds.publish(feeds.producer(rt.settings.kafka),
                          feeds.read_file(file, dataset, department, types), signer,
                          label=file.name, prefix=rt.settings.topic_prefix)
    click.echo(f"published {count:,} records to {topic_for(dataset, rt.settings.topic_prefix)}")


@click.group(cls=OneGridGroup)
def dataset() -> None:
    """The dataset catalog."""


@dataset.command("register")
@click.argument("specs", nargs=-1, required=True, type=click.File("rb"))
@pass_runtime_as("owner")
def dataset_register(rt: Runtime, specs: tuple[IO[bytes], ...]) -> None:
    """Register (or update) datasets from YAML/JSON spec files (see docs/ingest.md) and
    create their topics."""
    with rt.unit_of_work() as session:
        for spec in specs:
            registered = register(session, yaml.safe_load(spec))
            ensure_topics(rt.settings.kafka, [registered.id], prefix=rt.settings.topic_prefix)
            append(session, "cli", "dataset.register", f"dataset:{registered.id}",
                   {"sharing": registered.sharing_class, "contributors": registered.contributors})
            click.echo(f"{registered.id}\t{registered.sharing_class}\t{registered.title}")


@dataset.command("list")
@pass_runtime
def dataset_list(rt: Runtime) -> None:
    """List the catalog."""
    with rt.session() as session:
        for rules_ in rules(session).values():
            contributors = ",".join(sorted(rules_.contributors)) or "-"
            click.echo(f"{rules_.id}\towner {rules_.owner}\tcontributors {contributors}")


COMMANDS = (dataset, ingest, dlq, feed)
FEED_KEY_LABEL = "onegrid feed"
