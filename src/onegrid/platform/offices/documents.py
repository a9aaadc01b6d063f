"""Documents and meetings (文山会海): imported per department with their measures (pages or
characters; minutes and speakers), held against the caps the office sets; each over a cap is
flagged (a ledger line against its department)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from onegrid.platform.accounts.departments import get_department
from onegrid.platform.errors import InvalidInputError
from onegrid.platform.governance.ledger import record_burden
from onegrid.platform.governance.listfiles import Column
from onegrid.platform.offices.office import count, moment, read_table
from onegrid.platform.store.models import (
    OUTPUT_KINDS,
    OUTPUT_MEASURES,
    Department,
    OfficeOutput,
    OutputCap,
)
from onegrid.platform.trace.chain import append

KIND_WORDS = {"文件": "document", "document": "document", "会议": "meeting", "meeting": "meeting"}
MEASURES = {"document": ("pages", "characters"), "meeting": ("minutes", "speakers")}


def set_cap(session: Session, kind: str, measure: str, cap: int, actor: str) -> OutputCap:
    """The office's cap on ``measure`` of ``kind`` (a meeting's minutes, a document's pages);
    it applies to what is imported from now on. Traced."""
    if kind not in OUTPUT_KINDS or measure not in MEASURES[kind]:
        raise InvalidInputError(f"a cap is on {_choices()}")
    if cap <= 0:
        raise InvalidInputError("a cap is a positive whole number")
    session.execute(insert(OutputCap).values(kind=kind, measure=measure, cap=cap)
                    .on_conflict_do_update(index_elements=["kind", "measure"], set_={"cap": cap}))
    append(session, actor, "output.cap_set", f"cap:{kind}.{measure}", {"cap": cap})
    return session.get_one(OutputCap, (kind, measure), populate_existing=True)


def _choices() -> str:
    return "; ".join(f"{kind}: {', '.join(m)}" for kind, m in MEASURES.items())


def caps(session: Session) -> dict[tuple[str, str], int]:
    return {(c.kind, c.measure): c.cap for c in session.scalars(select(OutputCap))}


def _kind(cell: str) -> str:
    if cell.lower() not in KIND_WORDS:
        raise ValueError(f"{cell!r} is not document (文件) or meeting (会议)")
    return KIND_WORDS[cell.lower()]


def import_outputs(session: Session, path: Path, zone: str, actor: str) -> list[OfficeOutput]:
    """Add the documents and meetings of a CSV/XLSX file (kind, department, reference, date,
    pages, characters, minutes, speakers: the kind's measures filled); one seen before (same
    kind, department, reference) is skipped. Returns the new ones over a cap."""
    optional = [Column(m, zh, count, required=False) for m, zh in zip(
        OUTPUT_MEASURES, ("页数", "字数", "时长", "发言人数"), strict=True)]
    rows = read_table(path, (Column("kind", "类型", _kind), Column("department", "部门"),
                             Column("reference", "文号或名称"),
                             Column("date", "日期", moment(zone)), *optional))
    limits = caps(session)
    flagged: list[OfficeOutput] = []
    for number, row in enumerate(rows, start=2):
        measures = {m: row[m] for m in MEASURES[row["kind"]] if row[m] is not None}
        if not measures:
            raise InvalidInputError(f"row {number}: give a {row['kind']}'s "
                                    f"{' or '.join(MEASURES[row['kind']])}")
        department = get_department(session, row["department"])
        over = sorted(m for m, v in measures.items() if v > limits.get((row["kind"], m), v))
        output_id = session.scalar(
            insert(OfficeOutput).values(kind=row["kind"], department_id=department.id,
                                        reference=row["reference"], held_on=row["date"],
                                        measures=measures, over=over)
            .on_conflict_do_nothing(index_elements=["kind", "department_id", "reference"])
            .returning(OfficeOutput.id))
        if output_id is not None and over:
            detail = {"output": output_id, "kind": row["kind"], "over": over,
                      "measures": measures}
            record_burden(session, "output_over_cap", department.code, detail)
            flagged.append(session.get_one(OfficeOutput, output_id))
    append(session, actor, "output.imported", f"file:{path.name}",
           {"rows": len(rows), "over_cap": [o.id for o in flagged]})
    return flagged


def per_department(session: Session) -> dict[str, dict[str, int]]:
    """Per department: documents and meetings, and how many of each were over a cap."""
    counted: dict[str, dict[str, int]] = {}
    over = func.count().filter(func.cardinality(OfficeOutput.over) > 0)
    for code, kind, n, n_over in session.execute(
            select(Department.code, OfficeOutput.kind, func.count(), over)
            .join(Department, Department.id == OfficeOutput.department_id)
            .group_by(Department.code, OfficeOutput.kind)):
        counted.setdefault(code, {}).update({f"{kind}s": n, f"{kind}s_over_cap": n_over})
    return counted
