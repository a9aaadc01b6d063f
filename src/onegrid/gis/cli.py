"""`onegrid city …`: load district boundaries and generate the grid hierarchy."""

from __future__ import annotations

import json
from typing import IO

import click

from onegrid.gis.hierarchy import load_district, settle
from onegrid.platform.cli import OneGridGroup, Runtime, pass_runtime_as
from onegrid.platform.trace.chain import append


@click.group(cls=OneGridGroup)
def city() -> None:
    """The city's grid hierarchy."""


@city.command("load")
@click.argument("boundary", type=click.File("rb"))
@click.option("--code", required=True, help="GB/T 2260 district code, e.g. 330302.")
@click.option("--name", required=True, help="District name, e.g. 鹿城区.")
@click.option("--city-name", default="", help="Name of the city if it is new (e.g. 温州市).")
@click.option("--grid-size", type=int, help="Grid square side in metres "
              "[default: ONEGRID_GRID_SIZE_M or 500].")
@click.option("--replace", is_flag=True, help="Regenerate a district that is already loaded.")
@pass_runtime_as("owner")
def city_load(rt: Runtime, boundary: IO[bytes], code: str, name: str, city_name: str,
              grid_size: int | None, replace: bool) -> None:
    """Load BOUNDARY (GeoJSON, WGS 84/CGCS2000) as a district and generate its streets,
    communities and grids."""
    size = grid_size or rt.settings.grid_size_m
    with rt.unit_of_work() as session:
        summary = load_district(session, json.load(boundary), code, name, city_name or code,
                                size, replace=replace, progress=lambda s: click.echo(f"  … {s}"))
        append(session, "cli", "city.load", f"area:{code}",
               {"name": name, "grid_size_m": size, "counts": summary.counts})
    settle(rt.engine)
    levels = ", ".join(f"{n} {lvl}" for lvl, n in summary.counts.items())
    click.echo(f"loaded {summary.district} {name}: {levels}")


COMMANDS = (city,)
