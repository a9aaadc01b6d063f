"""Each department's burden figure against the office's yearly reduction target."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from onegrid.platform.accounts.departments import get_department
from onegrid.platform.burden.inventory import FormReport, reports
from onegrid.platform.errors import InvalidInputError
from onegrid.platform.store.models import BurdenTarget, Department
from onegrid.platform.trace.chain import append


@dataclass(frozen=True)
class DepartmentBurden:
    """A department's forms, their burden now, and the year's target."""

    department: str
    forms: int
    fields: int
    burden: int
    to_retire: int  # forms wholly answered by shared data, still active
    target_pct: float | None = None
    baseline: int | None = None

    @property
    def goal(self) -> int | None:
        """The burden figure the target asks for by the year's end."""
        if self.baseline is None or self.target_pct is None:
            return None
        return round(self.baseline * (1 - self.target_pct / 100))

    @property
    def reduced_pct(self) -> float | None:
        """How far the figure has fallen since the target was set, in per cent."""
        if not self.baseline:
            return None
        return round(100 * (self.baseline - self.burden) / self.baseline, 2)

    @property
    def met(self) -> bool | None:
        return None if self.goal is None else self.burden <= self.goal


def _figures(found: list[FormReport]) -> dict[str, DepartmentBurden]:
    by: dict[str, list[FormReport]] = {}
    for report in found:
        by.setdefault(report.department, []).append(report)
    return {code: DepartmentBurden(
        code, sum(r.form.status == "active" for r in rs),
        sum(len(r.form.fields) for r in rs if r.form.status == "active"),
        sum(r.burden for r in rs), sum(r.retire for r in rs)) for code, rs in by.items()}


def burdens(session: Session, year: int) -> list[DepartmentBurden]:
    """Every department with forms or a target for ``year``, by code."""
    figures = _figures(reports(session))
    targets = session.execute(select(Department.code, BurdenTarget).join(BurdenTarget)
                              .where(BurdenTarget.year == year)).all()
    for code, target in targets:
        now = figures.get(code, DepartmentBurden(code, 0, 0, 0, 0))
        figures[code] = DepartmentBurden(now.department, now.forms, now.fields, now.burden,
                                         now.to_retire, target.reduction_pct, target.baseline)
    return [figures[code] for code in sorted(figures)]


def set_target(session: Session, department_code: str, year: int, reduction_pct: float,
               actor: str) -> BurdenTarget:
    """The office's target: the department's burden figure now is to fall by
    ``reduction_pct`` per cent by the end of ``year``; traced."""
    if not 0 < reduction_pct <= 100:
        raise InvalidInputError("a reduction target is a percentage above 0, at most 100")
    if not 2000 <= year <= 2100:
        raise InvalidInputError("give the target's year, e.g. 2027")
    department = get_department(session, department_code)
    baseline = _figures(reports(session, department.code)).get(
        department.code, DepartmentBurden(department.code, 0, 0, 0, 0)).burden
    values = {"reduction_pct": reduction_pct, "baseline": baseline}
    target = session.scalars(
        insert(BurdenTarget).values(department_id=department.id, year=year, **values)
        .on_conflict_do_update(index_elements=[BurdenTarget.department_id, BurdenTarget.year],
                               set_=values).returning(BurdenTarget),
        execution_options={"populate_existing": True}).one()
    append(session, actor, "burden.target_set", f"department:{department.code}",
           {"year": year, **values})
    return target
