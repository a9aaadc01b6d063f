"""`onegrid demo`: the demo city, its datasets and its departments' feeds."""

from __future__ import annotations

import time

import click
from sqlalchemy import select

from onegrid.demo.city import build
from onegrid.demo.datasets import register_all
from onegrid.demo.feeds import Feeds
from onegrid.demo.grants import agree_all
from onegrid.gis.hierarchy import settle
from onegrid.ingest.feed import PublishingKeys, producer, publish
from onegrid.ingest.topics import ensure_topics
from onegrid.platform.cli import OneGridGroup, Runtime, pass_runtime
from onegrid.platform.store.models import TraceEntry
from onegrid.platform.trace.chain import append

BASE_FEED = "demo.feeds.base"
KEY_LABEL = "demo feeds"  # the ingest keys the demo's departments sign with


@click.group(cls=OneGridGroup, invoke_without_command=True)
@click.pass_context
def demo(ctx: click.Context) -> None:
    """Build the demo city (Lucheng district, Wenzhou): departments, streets, communities,
    grids, grid workers and staff, the departments' datasets, and publish what the departments
    already hold to the ingest topics once. Safe to run again: it only adds what is missing."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(demo_city)
        ctx.invoke(demo_feeds)


@demo.command("city")
@pass_runtime
def demo_city(rt: Runtime) -> None:
    """Build (or complete) the demo city and register its datasets."""
    click.echo("building the demo city (Lucheng district, Wenzhou)")
    with rt.unit_of_work() as session:
        counts = build(session, rt.settings.grid_size_m, lambda s: click.echo(f"  … {s}"))
        datasets = register_all(session)
        agreements = agree_all(session)
    settle(rt.engine)
    ensure_topics(rt.settings.kafka, datasets)
    click.echo("demo city ready: " + ", ".join(f"{v} {k}" for k, v in counts.items())
               + f", {len(datasets)} datasets, {agreements} new sharing agreements")


@demo.command("feeds")
@click.option("--follow", is_flag=True, help="Then keep sending new events, as departments do.")
@click.option("--every", default=5.0, show_default=True, help="Seconds between new events.")
@pass_runtime
def demo_feeds(rt: Runtime, follow: bool, every: float) -> None:
    """Publish the departments' initial records (once per store), then optionally a trickle."""
    target = producer(rt.settings.kafka)
    signer = PublishingKeys(rt.unit_of_work, rt.settings.secret_key, KEY_LABEL)
    count = None
    with rt.unit_of_work() as session:
        feeds = Feeds(session)
        if session.scalar(select(TraceEntry.seq).where(TraceEntry.action == BASE_FEED)) is None:
            count = publish(target, feeds.base(), signer, label="departmental feeds")
            append(session, "demo", BASE_FEED, "ingest", {"messages": count})
    if count is not None:
        click.echo(f"published {count:,} departmental records to onegrid.ingest.*")
    while follow:
        time.sleep(every)
        publish(target, feeds.trickle(), signer, quiet=True)


COMMANDS = (demo,)
