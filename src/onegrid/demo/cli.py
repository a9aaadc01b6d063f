"""`onegrid demo`: the demo city, its datasets and its departments' feeds."""

from __future__ import annotations

import ipaddress
import time

import click
from sqlalchemy import select

from onegrid.demo.city import DEMO_PASSWORD, build, published_password_in_use
from onegrid.demo.datasets import register_all
from onegrid.demo.feeds import Feeds
from onegrid.demo.grants import agree_all
from onegrid.demo.history import simulate
from onegrid.gis.hierarchy import settle
from onegrid.ingest.feed import PublishingKeys, producer, publish
from onegrid.ingest.topics import ensure_topics
from onegrid.platform.cli import OneGridGroup, Runtime, pass_runtime, pass_runtime_as
from onegrid.platform.store.models import TraceEntry
from onegrid.platform.trace.chain import append

BASE_FEED = "demo.feeds.base"
KEY_LABEL = "demo feeds"  # the ingest keys the demo's departments sign with


@click.group(cls=OneGridGroup, invoke_without_command=True)
@click.pass_context
def demo(ctx: click.Context) -> None:
    """Build the demo city (Lucheng district, Wenzhou): departments, streets, communities,
    grids, grid workers and staff, the departments' datasets, and publish what the departments
    already hold to the ingest topics once, and simulate last year and this year to date.
    Safe to run again: it only adds what is missing."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(demo_city)
        ctx.invoke(demo_history)
        ctx.invoke(demo_feeds)


@demo.command("city")
@pass_runtime_as("owner")
def demo_city(rt: Runtime) -> None:
    """Build (or complete) the demo city and register its datasets."""
    click.echo("building the demo city (Lucheng district, Wenzhou)")
    with rt.unit_of_work() as session:
        counts = build(session, rt.settings, lambda s: click.echo(f"  … {s}"))
        datasets = register_all(session)
        agreements = agree_all(session)
    settle(rt.engine)
    ensure_topics(rt.settings.kafka, datasets, prefix=rt.settings.topic_prefix)
    click.echo("demo city ready: " + ", ".join(f"{v} {k}" for k, v in counts.items())
               + f", {len(datasets)} datasets, {agreements} new sharing agreements")


@demo.command("history")
@pass_runtime_as("owner")
def demo_history(rt: Runtime) -> None:
    """Simulate last year and this year to date (issues, collection requests, the office's
    registers), once per store."""
    with rt.unit_of_work() as session:
        written = simulate(session, rt.settings.working_hours,
                           progress=lambda s: click.echo(f"  … {s}"))
    click.echo("the demo's history is there already" if written is None else
               "demo history ready: " + ", ".join(f"{v:,} {k}" for k, v in written.items()))


@demo.command("guard")
@click.option("--host", required=True, help="The address the web server is to listen on.")
@pass_runtime
def demo_guard(rt: Runtime, host: str) -> None:
    """Exit 1 if the web server is to listen beyond this machine while an account keeps the
    demo's published password (deploy/local.sh runs it before starting the web server)."""
    if _loopback(host):
        return
    with rt.session() as session:
        if published_password_in_use(session):
            raise click.ClickException(
                f"refusing to serve on {host}: demo accounts still have the published password "
                f"{DEMO_PASSWORD!r}; change their passwords or listen on 127.0.0.1")


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host == "localhost"


@demo.command("feeds")
@click.option("--follow", is_flag=True, help="Then keep sending new events, as departments do.")
@click.option("--every", default=5.0, show_default=True, help="Seconds between new events.")
@pass_runtime_as("ingest")
def demo_feeds(rt: Runtime, follow: bool, every: float) -> None:
    """Publish the departments' initial records (once per store), then optionally a trickle."""
    target = producer(rt.settings.kafka)
    signer = PublishingKeys(rt.unit_of_work, rt.settings.secret_key, KEY_LABEL)
    count = None
    with rt.unit_of_work() as session:
        feeds = Feeds(session)
        if session.scalar(select(TraceEntry.seq).where(TraceEntry.action == BASE_FEED)) is None:
            count = publish(target, feeds.base(), signer, label="departmental feeds",
                            prefix=rt.settings.topic_prefix)
            append(session, "demo", BASE_FEED, "ingest", {"messages": count})
    if count is not None:
        click.echo(f"published {count:,} departmental records to {rt.settings.topic_prefix}*")
    while follow:
        time.sleep(every)
        publish(target, feeds.trickle(), signer, quiet=True, prefix=rt.settings.topic_prefix)


COMMANDS = (demo,)
