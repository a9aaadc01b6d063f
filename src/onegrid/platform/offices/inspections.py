"""Inspection and assessment (督查检查考核): each department's annual plan, approved by the
office; an indicator register that may only shrink year on year unless the office approves an
increase with a reason; the one-vote-veto (一票否决) and pledge (责任状) lists."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from onegrid.platform.accounts.departments import get_department
from onegrid.platform.errors import ConflictError, InvalidInputError, NotFoundError, OneGridError
from onegrid.platform.governance.ledger import record_burden
from onegrid.platform.store.models import (
    ASSESSMENT_LISTS,
    AssessmentItem,
    Department,
    IndicatorVersion,
    InspectionPlan,
)
from onegrid.platform.trace.chain import append


class IndicatorIncreaseError(OneGridError, status=422, code="indicator-increase",
                             title="More assessment indicators than last year"):
    """A version with more indicators than the year before, without the office's approval."""


def _year(year: int) -> int:
    if not 2000 <= year <= 2100:
        raise InvalidInputError(f"{year} is not a year")
    return year


def submit_plan(session: Session, department_code: str, year: int, inspections: int,
                detail: str, actor: str) -> InspectionPlan:
    """File the department's plan for ``year``, pending the office; a refused plan may be filed
    again, a pending or approved one not."""
    department = get_department(session, department_code)
    if inspections < 0 or not detail.strip():
        raise InvalidInputError("say what the plan holds and how many inspections (0 or more)")
    plan = session.scalars(select(InspectionPlan).where(
        InspectionPlan.department_id == department.id,
        InspectionPlan.year == _year(year))).first()
    if plan is not None and plan.status != "refused":
        raise ConflictError(f"{department.code}'s plan for {year} is {plan.status} already")
    if plan is None:
        plan = InspectionPlan(department_id=department.id, year=year)
        session.add(plan)
    plan.inspections, plan.detail, plan.status = inspections, detail.strip(), "pending"
    plan.decided_by, plan.decision_reason = None, ""
    session.flush()
    append(session, actor, "inspection_plan.submitted", f"inspection-plan:{plan.id}",
           {"department": department.code, "year": year, "inspections": inspections})
    return plan


def decide_plan(session: Session, plan_id: int, approve: bool, reason: str, actor: str
                ) -> InspectionPlan:
    """The office approves or refuses a pending plan, with a reason; traced."""
    plan = session.get(InspectionPlan, plan_id, with_for_update=True)
    if plan is None:
        raise NotFoundError(f"no inspection plan {plan_id}")
    if plan.status != "pending":
        raise ConflictError(f"plan {plan_id} was {plan.status} already")
    if not reason.strip():
        raise InvalidInputError("give the reason for the decision")
    plan.status = "approved" if approve else "refused"
    plan.decided_by, plan.decision_reason = actor, reason.strip()
    session.flush()
    append(session, actor, f"inspection_plan.{plan.status}", f"inspection-plan:{plan.id}",
           {"reason": plan.decision_reason})
    return plan


@dataclass(frozen=True)
class IndicatorDecision:
    """The version stored, or why it was refused (a line in the ledger, committed too)."""

    version: IndicatorVersion | None
    refusal: str = ""


def set_indicators(session: Session, department_code: str, year: int, indicators: list[str],
                   actor: str, increase_reason: str = "") -> IndicatorDecision:
    """Store the department's indicators for ``year``. More than its latest earlier year's is
    refused (ledger and trace) unless ``increase_reason`` says why, the office (``actor``)
    approving it; a year has one version."""
    department = get_department(session, department_code)
    names = sorted({name.strip() for name in indicators if name.strip()})
    if not names:
        raise InvalidInputError("list the indicators (at least one)")
    if session.scalar(select(IndicatorVersion.id).where(
            IndicatorVersion.department_id == department.id,
            IndicatorVersion.year == _year(year))):
        raise ConflictError(f"{department.code}'s indicators for {year} are set already")
    before = session.scalars(
        select(IndicatorVersion).where(IndicatorVersion.department_id == department.id,
                                       IndicatorVersion.year < year)
        .order_by(IndicatorVersion.year.desc()).limit(1)).first()
    if before is not None and len(names) > len(before.indicators) and not increase_reason.strip():
        refusal = (f"{len(names)} indicators for {year} is more than {len(before.indicators)} "
                   f"for {before.year}: indicators only decrease, unless the office approves "
                   "an increase with a reason")
        record_burden(session, "indicator_increase_refused", department.code,
                      {"year": year, "indicators": len(names), "before": len(before.indicators)})
        append(session, actor, "indicators.refused", f"department:{department.code}",
               {"year": year, "reason": refusal})
        return IndicatorDecision(None, refusal)
    increased = before is not None and len(names) > len(before.indicators)
    version = IndicatorVersion(department_id=department.id, year=year, indicators=names,
                               increase_reason=increase_reason.strip() if increased else "",
                               approved_by=actor if increased else None)
    session.add(version)
    session.flush()
    append(session, actor, "indicators.set", f"indicator-version:{version.id}",
           {"department": department.code, "year": year, "indicators": len(names),
            "before": len(before.indicators) if before else None,
            "increase_reason": version.increase_reason})
    return IndicatorDecision(version)


def add_item(session: Session, kind: str, department_code: str, year: int, name: str,
             actor: str) -> AssessmentItem:
    """Put an item on the one-vote-veto list or the pledges of ``year``; traced."""
    if kind not in ASSESSMENT_LISTS:
        raise InvalidInputError(f"the list is one of {', '.join(ASSESSMENT_LISTS)}")
    if not name.strip():
        raise InvalidInputError("name the item")
    department = get_department(session, department_code)
    if session.scalar(select(AssessmentItem.id).where(
            AssessmentItem.kind == kind, AssessmentItem.department_id == department.id,
            AssessmentItem.year == _year(year), AssessmentItem.name == name.strip())):
        raise ConflictError(f"{name.strip()!r} is on {department.code}'s {kind} list already")
    item = AssessmentItem(kind=kind, department_id=department.id, year=year, name=name.strip())
    session.add(item)
    session.flush()
    append(session, actor, f"assessment.{kind}_added", f"assessment-item:{item.id}",
           {"department": department.code, "year": year, "name": item.name})
    return item


def counts(session: Session, year: int) -> dict[str, dict[str, int]]:
    """Per department: inspections in approved plans, indicators, veto items and pledges."""
    result: dict[str, dict[str, int]] = {}

    def put(code: str, measure: str, value: int) -> None:
        result.setdefault(code, {"inspections": 0, "indicators": 0, "veto": 0, "pledge": 0})
        result[code][measure] += value

    for code, n in session.execute(
            select(Department.code, InspectionPlan.inspections).join(InspectionPlan)
            .where(InspectionPlan.year == year, InspectionPlan.status == "approved")):
        put(code, "inspections", n)
    for code, names in session.execute(
            select(Department.code, IndicatorVersion.indicators).join(IndicatorVersion)
            .where(IndicatorVersion.year == year)):
        put(code, "indicators", len(names))
    for code, kind in session.execute(
            select(Department.code, AssessmentItem.kind).join(AssessmentItem)
            .where(AssessmentItem.year == year)):
        put(code, kind, 1)
    return result
