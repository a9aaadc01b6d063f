"""Inspections: plans wait for the office; indicators only decrease unless the office approves
an increase with a reason; veto and pledge lists; counts per department."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from onegrid.platform.errors import ConflictError, InvalidInputError
from onegrid.platform.offices.inspections import (
    add_item,
    counts,
    decide_plan,
    set_indicators,
    submit_plan,
)
from onegrid.platform.store.models import BurdenEvent, Department, TraceEntry

pytestmark = pytest.mark.usefixtures("city")


def test_a_plan_waits_for_the_office_and_a_refused_one_may_be_filed_again(db) -> None:
    plan = submit_plan(db, "YJGLJ", 2026, 4, "安全生产季度督查", "user:yj")
    with pytest.raises(ConflictError, match="pending"):
        submit_plan(db, "YJGLJ", 2026, 2, "again", "user:yj")
    with pytest.raises(InvalidInputError, match="reason"):
        decide_plan(db, plan.id, False, " ", "user:office")
    refused = decide_plan(db, plan.id, False, "与市级督查重复，请合并", "user:office")
    assert refused.status == "refused"
    again = submit_plan(db, "YJGLJ", 2026, 2, "与市级合并后的督查", "user:yj")
    assert (again.id, again.status) == (plan.id, "pending")
    decide_plan(db, plan.id, True, "已合并", "user:office")
    with pytest.raises(ConflictError):
        decide_plan(db, plan.id, True, "twice", "user:office")
    assert counts(db, 2026)["YJGLJ"]["inspections"] == 2
    assert db.scalars(select(TraceEntry.action).where(
        TraceEntry.target == f"inspection-plan:{plan.id}").order_by(TraceEntry.seq)).all() == [
        "inspection_plan.submitted", "inspection_plan.refused", "inspection_plan.submitted",
        "inspection_plan.approved"]


def test_the_indicator_register_refuses_an_increase_unless_approved_with_a_reason(db) -> None:
    assert set_indicators(db, "STHJ", 2025, ["空气质量", "水质达标", "投诉办结"], "office").version
    refused = set_indicators(db, "STHJ", 2026, ["空气质量", "水质达标", "投诉办结", "宣传"],
                             "office")
    assert refused.version is None and "4 indicators for 2026 is more than 3" in refused.refusal
    assert db.scalars(select(BurdenEvent.detail).where(  # of this department (the CLI's test
        BurdenEvent.kind == "indicator_increase_refused",  # commits a refusal of its own)
        BurdenEvent.department_id == select(Department.id).where(Department.code == "STHJ")
        .scalar_subquery())).all() == [
        {"year": 2026, "indicators": 4, "before": 3}]
    fewer = set_indicators(db, "STHJ", 2026, ["空气质量", "水质达标"], "office").version
    assert fewer is not None and fewer.approved_by is None
    approved = set_indicators(db, "STHJ", 2027, ["空气质量", "水质达标", "碳排放"], "user:sgb",
                              increase_reason="省考新增碳排放指标").version
    assert approved is not None and approved.approved_by == "user:sgb"
    with pytest.raises(ConflictError):
        set_indicators(db, "STHJ", 2027, ["空气质量"], "office")


def test_veto_and_pledge_lists_count_per_department(db) -> None:
    add_item(db, "veto", "YJGLJ", 2026, "重大安全事故", "office")
    add_item(db, "pledge", "YJGLJ", 2026, "安全生产责任状", "office")
    with pytest.raises(ConflictError):
        add_item(db, "veto", "YJGLJ", 2026, "重大安全事故", "office")
    with pytest.raises(InvalidInputError):
        add_item(db, "blame", "YJGLJ", 2026, "x", "office")
    assert counts(db, 2026)["YJGLJ"] == {"inspections": 0, "indicators": 0, "veto": 1,
                                          "pledge": 1}
