"""`onegrid demo`: the demo city, ready to explore."""

from __future__ import annotations

import click

from onegrid.demo.city import build
from onegrid.platform.cli import OneGridGroup, Runtime, pass_runtime


@click.group(cls=OneGridGroup, invoke_without_command=True)
@click.pass_context
def demo(ctx: click.Context) -> None:
    """Build the demo city (Lucheng district, Wenzhou): departments, streets, communities,
    grids, grid workers and staff. Safe to run again: it only adds what is missing."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(demo_city)


@demo.command("city")
@pass_runtime
def demo_city(rt: Runtime) -> None:
    """Build (or complete) the demo city."""
    click.echo("building the demo city (Lucheng district, Wenzhou)")
    with rt.session() as session:
        counts = build(session, rt.settings.grid_size_m, lambda s: click.echo(f"  … {s}"))
        session.commit()
    click.echo("demo city ready: " + ", ".join(f"{v} {k}" for k, v in counts.items()))


COMMANDS = (demo,)
