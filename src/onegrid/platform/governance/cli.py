"""`onegrid list …`, `onegrid office …`, `onegrid admission …`: versioned lists, the offices of
areas and admission review."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from onegrid.platform.accounts.departments import get_department
from onegrid.platform.cli import OneGridGroup, Runtime, pass_runtime, pass_runtime_as
from onegrid.platform.governance import review
from onegrid.platform.governance.lists import diff, effective_start, import_file, versions
from onegrid.platform.governance.offices import set_office
from onegrid.platform.store.models import (
    ADMISSION_KINDS,
    ADMISSION_LEVELS,
    LIST_KINDS,
    OFFICE_ROLES,
    ListVersion,
)

KIND = click.Choice(LIST_KINDS)


@click.group("list", cls=OneGridGroup)
def list_() -> None:
    """Versioned lists: issue categories (GB/T 30428.2), the responsibility list (权责清单),
    the admission list (准入清单)."""


@list_.command("import")
@click.argument("kind", type=KIND)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--effective", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help="The day the version takes force (00:00 in the city's zone), YYYY-MM-DD.")
@pass_runtime_as("owner")
def list_import(rt: Runtime, kind: str, file: Path, effective: datetime) -> None:
    """Import FILE (.csv or .xlsx, headers in English or Chinese: docs/lists.md) as a version
    of KIND. Nothing is written while any row is wrong; each error names its row and column."""
    at = effective_start(effective.date(), rt.settings.working_hours.zone)
    with rt.unit_of_work() as session:
        version, new = import_file(session, kind, file, at, "cli")
        click.echo(f"{kind} version {version.id}, in force from {at:%Y-%m-%d %H:%M %Z}"
                   + ("" if new else ": the same as imported before, nothing added"))


def _line(version: ListVersion, zone: str) -> str:
    effective = version.effective_at.astimezone(ZoneInfo(zone))
    return (f"{version.id}\t{effective.isoformat(timespec='minutes')}"
            f"\t{version.source}\t{version.imported_by}")


@list_.command("versions")
@click.argument("kind", type=KIND)
@pass_runtime
def list_versions(rt: Runtime, kind: str) -> None:
    """The versions of KIND in the order they take force: id, effective (in the city's zone),
    source, by."""
    with rt.session() as session:
        for version in versions(session, kind):
            click.echo(_line(version, rt.settings.working_hours.zone))


@list_.command("diff")
@click.argument("kind", type=KIND)
@click.argument("old", type=int, required=False)
@click.argument("new", type=int, required=False)
@pass_runtime
def list_diff(rt: Runtime, kind: str, old: int | None, new: int | None) -> None:
    """What changed from version OLD to NEW of KIND (default: the newest two): `+` added,
    `-` removed, `~` changed with each field's old → new value."""
    with rt.session() as session:
        before, after, change = diff(session, kind, old, new)
        click.echo(f"{kind}: {before.id if before else '(nothing)'} → {after.id}")
        for line in change.lines() or ["(no change)"]:
            click.echo(line)


@click.group(cls=OneGridGroup)
def office() -> None:
    """Offices of areas: the command centre, the admission reviewer."""


@office.command("set")
@click.argument("role", type=click.Choice(OFFICE_ROLES))
@click.argument("area")
@click.argument("department")
@pass_runtime_as("owner")
def office_set(rt: Runtime, role: str, area: str, department: str) -> None:
    """Make DEPARTMENT the ROLE of AREA (a code) and of the areas under it without their own."""
    with rt.unit_of_work() as session:
        set_office(session, role, area, department, "cli")
    click.echo(f"{department} is the {role} of {area}")


@click.group(cls=OneGridGroup)
def admission() -> None:
    """Admission review (准入审核): apply to push a new item down; the reviewer decides."""


@admission.command("apply")
@click.option("--department", required=True, help="The applying department's code.")
@click.option("--area", required=True, help="The district (code) whose reviewer decides.")
@click.option("--task-type", required=True, help="The item's code, e.g. GAS_CHECK.")
@click.option("--name", required=True, help="What is to be done (事项名称).")
@click.option("--kind", type=click.Choice(ADMISSION_KINDS[:2]), default="duty",
              show_default=True)
@click.option("--level", type=click.Choice(ADMISSION_LEVELS), required=True,
              help="The lowest level it may be pushed to.")
@click.option("--reason", required=True, help="Why it must be done at that level.")
@click.option("--workload", required=True, help="The expected workload there.")
@pass_runtime
def admission_apply(rt: Runtime, department: str, area: str, task_type: str, name: str,
                    kind: str, level: str, reason: str, workload: str) -> None:
    """File an application; prints its id."""
    with rt.unit_of_work() as session:
        row = review.apply(session, get_department(session, department), "cli",
                           review.Application(task_type, name, kind, level, reason, workload,
                                              area))
        click.echo(f"application {row.id} pending")


@admission.command("decide")
@click.argument("application_id", type=int)
@click.argument("decision", type=click.Choice(["approve", "refuse"]))
@click.option("--department", required=True, help="The reviewer's department code.")
@click.option("--reason", required=True, help="Why (kept with the decision and in the trace).")
@pass_runtime
def admission_decide(rt: Runtime, application_id: int, decision: str, department: str,
                     reason: str) -> None:
    """Approve or refuse application APPLICATION_ID as the reviewer of its area."""
    with rt.unit_of_work() as session:
        row = review.decide(session, get_department(session, department), "cli",
                            application_id, decision == "approve", reason)
        version = f" (admission list version {row.version_id})" if row.version_id else ""
        click.echo(f"application {row.id} {row.status}{version}")


@admission.command("list")
@click.option("--department", required=True, help="Applications it made or reviews.")
@pass_runtime
def admission_list(rt: Runtime, department: str) -> None:
    """Applications: id, status, task type, level, name, reason."""
    with rt.session() as session:
        for row in review.applications_for(session, get_department(session, department)):
            click.echo(f"{row.id}\t{row.status}\t{row.task_type}\t{row.level}\t{row.name}"
                       f"\t{row.decision_reason or row.reason}")


COMMANDS = (list_, office, admission)
