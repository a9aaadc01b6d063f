"""`onegrid apps …`, `onegrid inspection …`, `onegrid complaint …`, `onegrid output …`: the
burden-reduction office's registers (docs/burden-office.md)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from sqlalchemy.orm import Session

from onegrid.platform.cli import OneGridGroup, Runtime, pass_runtime
from onegrid.platform.offices import apps as channels
from onegrid.platform.offices import complaints, documents, inspections
from onegrid.platform.offices.apps import ZOMBIE_IDLE_DAYS
from onegrid.platform.offices.inspections import IndicatorIncreaseError
from onegrid.platform.store.models import (
    AREA_LEVELS,
    ASSESSMENT_LISTS,
    CHANNEL_KINDS,
    COMPLAINT_CHANNELS,
    OUTPUT_KINDS,
    OUTPUT_MEASURES,
    InspectionPlan,
)

FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
ACTOR = "cli"


def _department_year(command: Callable[..., None]) -> Callable[..., None]:
    """The arguments DEPARTMENT YEAR, whose plan, indicators or list a command sets."""
    return click.argument("department")(click.argument("year", type=int)(command))


def _say(plan: InspectionPlan) -> None:
    click.echo(f"plan {plan.id}: {plan.status}")


def _table(rt: Runtime, count: Callable[[Session], dict[str, dict[str, int]]]) -> None:
    """Per department code, its figures (read in one session)."""
    with rt.session() as session:
        counted = count(session)
    for code, figures in sorted(counted.items()):
        click.echo(f"{code or '(not verified)'}\t"
                   + "\t".join(f"{k}={v}" for k, v in sorted(figures.items())))


@click.group("apps", cls=OneGridGroup)
def apps() -> None:
    """Government apps and work groups (政务APP、工作群): owners, zombies, out-of-hours work."""


@apps.command("add")
@click.argument("kind", type=click.Choice(CHANNEL_KINDS))
@click.argument("name")
@click.option("--department", required=True, help="The owner (谁建群谁负责), its code.")
@click.option("--level", "levels", multiple=True, required=True, type=click.Choice(AREA_LEVELS),
              help="A level that must use it (repeat for several).")
@click.option("--members", type=click.IntRange(0), required=True)
@click.option("--last-active", type=click.DateTime(["%Y-%m-%d", "%Y-%m-%d %H:%M"]),
              required=True, help="In the city's zone.")
@pass_runtime
def apps_add(rt: Runtime, kind: str, name: str, department: str, levels: tuple[str, ...],
             members: int, last_active: datetime) -> None:
    """Enter (or update) an app or group."""
    at = last_active.replace(tzinfo=ZoneInfo(rt.settings.working_hours.zone))
    with rt.unit_of_work() as session:
        row = channels.register(session, channels.Channel(kind, name, department, list(levels),
                                                          members, at), ACTOR)
        click.echo(f"{row.kind} {row.id}: {row.name}")


@apps.command("import")
@click.argument("file", type=FILE)
@pass_runtime
def apps_import(rt: Runtime, file: Path) -> None:
    """Enter the apps and groups of FILE (.csv/.xlsx: kind, name, department, levels, members,
    last_active); nothing is written while any row is wrong."""
    with rt.unit_of_work() as session:
        rows = channels.import_channels(session, file, rt.settings.working_hours.zone, ACTOR)
        click.echo(f"{len(rows)} apps and groups registered")


@apps.command("zombies")
@click.option("--idle-days", type=click.IntRange(1), default=ZOMBIE_IDLE_DAYS, show_default=True,
              help="Idle this long (no activity) makes a zombie.")
@pass_runtime
def apps_zombies(rt: Runtime, idle_days: int) -> None:
    """Flag the apps and groups idle for --idle-days (each once, in the ledger) and list them."""
    with rt.unit_of_work() as session:
        for row in channels.flag_zombies(session, timedelta(days=idle_days), ACTOR):
            click.echo(f"{row.kind}\t{row.id}\t{row.name}\t{row.last_active_at:%Y-%m-%d}")


@apps.command("messages")
@click.argument("file", type=FILE)
@pass_runtime
def apps_messages(rt: Runtime, file: Path) -> None:
    """Import a work group's message log (group, sender, sent_at, text, is_assignment) and
    list the work assigned outside working hours."""
    with rt.unit_of_work() as session:
        for m in channels.import_messages(session, file, rt.settings.working_hours, ACTOR):
            click.echo(f"out of hours\t{m.channel_id}\t{m.sent_at.isoformat()}")


@click.group("inspection", cls=OneGridGroup)
def inspection() -> None:
    """Inspection and assessment (督查检查考核): plans, indicators, veto and pledge lists."""


@inspection.command("plan")
@_department_year
@click.option("--inspections", "planned", type=click.IntRange(0), required=True,
              help="How many inspections and assessments the plan holds.")
@click.option("--detail", required=True, help="What the plan holds.")
@pass_runtime
def inspection_plan(rt: Runtime, department: str, year: int, planned: int, detail: str) -> None:
    """File DEPARTMENT's plan for YEAR, pending the office."""
    with rt.unit_of_work() as session:
        plan = inspections.submit_plan(session, department, year, planned, detail, ACTOR)
        _say(plan)


@inspection.command("decide")
@click.argument("plan_id", type=int)
@click.argument("decision", type=click.Choice(("approve", "refuse")))
@click.option("--reason", required=True)
@pass_runtime
def inspection_decide(rt: Runtime, plan_id: int, decision: str, reason: str) -> None:
    """The office approves or refuses a pending plan."""
    with rt.unit_of_work() as session:
        plan = inspections.decide_plan(session, plan_id, decision == "approve", reason, ACTOR)
        _say(plan)


@inspection.command("indicators")
@_department_year
@click.argument("indicators", nargs=-1, required=True)
@click.option("--increase-reason", default="",
              help="The office approves more indicators than last year, for this reason.")
@pass_runtime
def inspection_indicators(rt: Runtime, department: str, year: int, indicators: tuple[str, ...],
                          increase_reason: str) -> None:
    """Set DEPARTMENT's assessment INDICATORS for YEAR (fewer than last year's, or approved)."""
    with rt.unit_of_work() as session:
        decision = inspections.set_indicators(session, department, year, list(indicators),
                                              ACTOR, increase_reason)
    if decision.version is None:  # the refusal is committed: a line in the ledger
        raise IndicatorIncreaseError(decision.refusal)
    click.echo(f"indicators {decision.version.id}: {len(decision.version.indicators)}")


@inspection.command("item")
@click.argument("kind", type=click.Choice(ASSESSMENT_LISTS))
@_department_year
@click.argument("name")
@pass_runtime
def inspection_item(rt: Runtime, kind: str, department: str, year: int, name: str) -> None:
    """Put NAME on the one-vote-veto (veto) or pledge list of DEPARTMENT for YEAR."""
    with rt.unit_of_work() as session:
        item = inspections.add_item(session, kind, department, year, name, ACTOR)
        click.echo(f"{kind} {item.id}: {item.name}")


@inspection.command("counts")
@click.argument("year", type=int)
@pass_runtime
def inspection_counts(rt: Runtime, year: int) -> None:
    """Per department: inspections in approved plans, indicators, veto items, pledges."""
    _table(rt, lambda session: inspections.counts(session, year))


@click.group("complaint", cls=OneGridGroup)
def complaint() -> None:
    """Burden complaints (减负投诉): intake, verification, rectification, results, cases."""


@complaint.command("receive")
@click.argument("channel", type=click.Choice(COMPLAINT_CHANNELS))
@click.argument("summary")
@click.option("--department", help="The department concerned, if known.")
@pass_runtime
def complaint_receive(rt: Runtime, channel: str, summary: str, department: str | None) -> None:
    """Take in a complaint from CHANNEL."""
    with rt.unit_of_work() as session:
        row = complaints.receive(session, channel, summary, ACTOR, department)
        click.echo(f"complaint {row.id}: {row.status}")


@complaint.command("step")
@click.argument("complaint_id", type=int)
@click.argument("step", type=click.Choice(tuple(complaints.STEPS)))
@click.argument("text", default="")
@click.option("--department", help="For verify: the department concerned.")
@pass_runtime
def complaint_step(rt: Runtime, complaint_id: int, step: str, text: str,
                   department: str | None) -> None:
    """Move a complaint one STEP: verify (--department), uphold or dismiss (the finding),
    rectify (the rectification), publish (the result)."""
    with rt.unit_of_work() as session:
        row = complaints.step(session, complaint_id, step, text, ACTOR, department)
        click.echo(f"complaint {row.id}: {row.status}")


@complaint.command("typical")
@click.argument("complaint_id", type=int)
@click.argument("quarter")
@pass_runtime
def complaint_typical(rt: Runtime, complaint_id: int, quarter: str) -> None:
    """Choose a published complaint as a typical case of QUARTER (2026Q4)."""
    with rt.unit_of_work() as session:
        complaints.mark_typical(session, complaint_id, quarter, ACTOR)
        click.echo(f"complaint {complaint_id}: typical case of {quarter}")


@complaint.command("counts")
@pass_runtime
def complaint_counts(rt: Runtime) -> None:
    """Complaints per department concerned, by state."""
    _table(rt, complaints.per_department)


@click.group("output", cls=OneGridGroup)
def output() -> None:
    """Documents and meetings (文山会海) against the office's caps."""


@output.command("cap")
@click.argument("kind", type=click.Choice(OUTPUT_KINDS))
@click.argument("measure", type=click.Choice(OUTPUT_MEASURES))
@click.argument("cap", type=click.IntRange(1))
@pass_runtime
def output_cap(rt: Runtime, kind: str, measure: str, cap: int) -> None:
    """Cap MEASURE of KIND (a document's pages or characters, a meeting's minutes or
    speakers) for what is imported from now on."""
    with rt.unit_of_work() as session:
        documents.set_cap(session, kind, measure, cap, ACTOR)
        click.echo(f"{kind} {measure} ≤ {cap}")


@output.command("import")
@click.argument("file", type=FILE)
@pass_runtime
def output_import(rt: Runtime, file: Path) -> None:
    """Import FILE's documents and meetings (kind, department, reference, date, pages,
    characters, minutes, speakers) and list those over a cap."""
    with rt.unit_of_work() as session:
        for row in documents.import_outputs(session, file, rt.settings.working_hours.zone,
                                            ACTOR):
            click.echo(f"over cap\t{row.kind}\t{row.reference}\t{','.join(row.over)}")


@output.command("counts")
@pass_runtime
def output_counts(rt: Runtime) -> None:
    """Per department: documents and meetings, and those over a cap."""
    _table(rt, documents.per_department)


COMMANDS = (apps, inspection, complaint, output)
