"""`onegrid city …`: load district boundaries and generate the grid hierarchy; `onegrid import
boundaries`: a city's own boundary files, checked and reported before they are written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO

import click

from onegrid.gis.boundaries.codes import LEVELS
from onegrid.gis.boundaries.importer import import_boundaries
from onegrid.gis.boundaries.report import as_text
from onegrid.gis.boundaries.source import Fields
from onegrid.gis.hierarchy import load_district, settle
from onegrid.platform.cli import OneGridGroup, Runtime, import_, pass_runtime_as
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


@import_.command("boundaries")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--level", type=click.Choice(LEVELS), required=True,
              help="The level of the hierarchy the file's units are.")
@click.option("--layer", help="The layer to read (a GeoPackage with several).")
@click.option("--code-field", help="The column of the units' codes [default: code, XZQDM, "
              "adcode].")
@click.option("--name-field", help="The column of their names [default: name, XZQMC].")
@click.option("--parent-field", help="The column of their parents' codes [default: parent, "
              "or implied by the code].")
@click.option("--city-name", default="", help="The city's name, when a district's city is new.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--apply", is_flag=True, help="Write the units (one transaction) unless the "
              "report has errors. Without it nothing is written.")
@pass_runtime_as("owner")
def import_boundaries_command(rt: Runtime, file: Path, level: str, layer: str | None,
                              code_field: str | None, name_field: str | None,
                              parent_field: str | None, city_name: str, as_json: bool,
                              apply: bool) -> None:
    """Check FILE (GeoJSON, a zipped Shapefile with .prj and .cpg, or a GeoPackage; any CRS
    it declares) as the units of one level against the store, and report: geometries repaired,
    codes and their form, units outside their parent, overlapping siblings, the parents'
    coverage and gaps, what would change and be re-placed. Exit 1 when the report has errors
    (with --apply: refused, nothing written)."""
    with rt.session() as session:
        report = import_boundaries(session, file, level, layer=layer,
                                   fields=Fields(code_field, name_field, parent_field),
                                   city_name=city_name, apply=apply)
    if report.applied:
        settle(rt.engine)
    click.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2) if as_json
               else as_text(report))
    if report.errors:
        verb = "refused" if apply else "found"
        raise click.ClickException(f"{verb}: {len(report.errors)} errors in {file.name}")


COMMANDS = (city,)
