"""`onegrid burden …`: the office's forms inventory, synonyms and targets; `onegrid collection
end-overdue`: close collection tasks past their deadline (for cron)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click
from sqlalchemy import select

from onegrid.platform.burden.inventory import register_form, reports, retire_form, specs_from_rows
from onegrid.platform.burden.synonyms import Synonym, set_synonyms
from onegrid.platform.burden.tables import read_rows
from onegrid.platform.burden.targets import burdens, set_target
from onegrid.platform.cli import OneGridGroup, Runtime, pass_runtime
from onegrid.platform.collection.tasks import end_overdue
from onegrid.platform.store.models import FieldSynonym

ACTOR = "cli"
FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.group(cls=OneGridGroup)
def burden() -> None:
    """The burden-reduction office: forms inventory (填表报数目录), synonyms, targets."""


@burden.group("forms", cls=OneGridGroup)
def forms() -> None:
    """Forms and periodic reports departments ask of streets, communities and grids."""


@forms.command("import")
@click.argument("path", type=FILE)
@click.option("--department", help="For a file without a department (部门) column.")
@pass_runtime
def forms_import(rt: Runtime, path: Path, department: str | None) -> None:
    """Import forms from a .csv or .xlsx file with columns department, name, fields,
    frequency, levels (or 部门, 表名, 字段, 频次, 层级); fields and levels separated by 、 ; or ,
    Frequencies: once, yearly, half_yearly, quarterly, monthly, weekly, daily (or 每月 …);
    levels: street, community, grid (or 街道, 社区, 网格). A form already listed is updated."""
    specs = specs_from_rows(read_rows(path), department)
    with rt.unit_of_work() as session:
        for spec in specs:
            register_form(session, spec, ACTOR)
    click.echo(f"{len(specs)} forms imported")


@forms.command("list")
@click.option("--department", help="Only this department's forms.")
@pass_runtime
def forms_list(rt: Runtime, department: str | None) -> None:
    """id, department, name, frequency, covered/fields, burden, and RETIRE for forms shared
    data wholly answers."""
    with rt.session() as session:
        for r in reports(session, department):
            click.echo("\t".join([str(r.form.id), r.department, r.form.name, r.form.frequency,
                                  f"{r.covered}/{len(r.form.fields)}", str(r.burden),
                                  "RETIRE" if r.retire else r.form.status]))


@forms.command("retire")
@click.argument("form_id", type=int)
@pass_runtime
def forms_retire(rt: Runtime, form_id: int) -> None:
    """Stop a form: its burden leaves its department's figure."""
    with rt.unit_of_work() as session:
        form = retire_form(session, form_id, ACTOR)
    click.echo(f"form {form.id} {form.name} retired")


@burden.group("synonyms", cls=OneGridGroup)
def synonyms() -> None:
    """Which field names mean the same thing (联系电话 = 电话 = 手机号)."""


@synonyms.command("import")
@click.argument("path", type=FILE)
@pass_runtime
def synonyms_import(rt: Runtime, path: Path) -> None:
    """Import synonyms from a .csv or .xlsx file with columns concept, term and (optional)
    value_type (string, integer, number, boolean)."""
    rows = [Synonym(r.get("concept", ""), r.get("term", ""), r.get("value_type") or None)
            for r in read_rows(path)]
    with rt.unit_of_work() as session:
        written = set_synonyms(session, rows, ACTOR)
    click.echo(f"{written} terms written")


@synonyms.command("list")
@pass_runtime
def synonyms_list(rt: Runtime) -> None:
    """concept, term, value type."""
    with rt.session() as session:
        for row in session.scalars(select(FieldSynonym).order_by(FieldSynonym.concept,
                                                                 FieldSynonym.term)):
            click.echo(f"{row.concept}\t{row.term}\t{row.value_type or '-'}")


@burden.command("target")
@click.argument("department")
@click.argument("year", type=int)
@click.argument("reduction_pct", type=float)
@pass_runtime
def target(rt: Runtime, department: str, year: int, reduction_pct: float) -> None:
    """Set DEPARTMENT's reduction target for YEAR: its burden figure now is to fall by
    REDUCTION_PCT per cent."""
    with rt.unit_of_work() as session:
        row = set_target(session, department, year, reduction_pct, ACTOR)
    click.echo(f"{department} {year}: {row.baseline} to fall by {row.reduction_pct} %")


@burden.command("report")
@click.option("--year", type=int, default=lambda: datetime.now(UTC).year)
@pass_runtime
def report(rt: Runtime, year: int) -> None:
    """department, active forms, fields, burden, forms to retire, target %, baseline, goal,
    reduced %, met."""
    with rt.session() as session:
        for d in burdens(session, year):
            click.echo("\t".join(str("-" if v is None else v) for v in (
                d.department, d.forms, d.fields, d.burden, d.to_retire, d.target_pct,
                d.baseline, d.goal, d.reduced_pct, d.met)))


@click.group(cls=OneGridGroup)
def collection() -> None:
    """Collection tasks sent to grid workers."""


@collection.command("end-overdue")
@pass_runtime
def collection_end_overdue(rt: Runtime) -> None:
    """End the tasks whose deadline has passed (traced and in the ledger); run from cron."""
    with rt.unit_of_work() as session:
        ended = end_overdue(session, rt.settings.working_hours, datetime.now(UTC))
    click.echo(f"{ended} tasks ended")


COMMANDS = (burden, collection)
