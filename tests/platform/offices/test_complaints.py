"""Burden complaints go received → verifying → rectifying → rectified → published (or
dismissed on verification), each step traced; a published one may be a quarter's typical
case; counted per department."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from onegrid.platform.errors import ConflictError, InvalidInputError
from onegrid.platform.offices.complaints import (
    mark_typical,
    per_department,
    receive,
    step,
    typical_cases,
)
from onegrid.platform.store.models import TraceEntry

pytestmark = pytest.mark.usefixtures("city")


def test_a_complaint_goes_from_intake_to_a_published_typical_case(db) -> None:
    c = receive(db, "letter", "街道要求社区每天在群里打卡拍照", "user:sgb")
    assert c.status == "received" and c.department_id is None
    with pytest.raises(ConflictError, match="received: publish takes one that is rectified"):
        step(db, c.id, "publish", "x", "user:sgb")
    with pytest.raises(InvalidInputError, match="department"):
        step(db, c.id, "verify", "", "user:sgb")
    step(db, c.id, "verify", "", "user:sgb", department_code="MZJ")
    with pytest.raises(ConflictError, match="only a complaint with a published result"):
        mark_typical(db, c.id, "2026Q4", "user:sgb")
    with pytest.raises(InvalidInputError, match="finding"):
        step(db, c.id, "uphold", " ", "user:sgb")
    step(db, c.id, "uphold", "属实：打卡要求无文件依据", "user:sgb")
    step(db, c.id, "rectify", "已取消打卡要求并通报", "user:mzj")
    published = step(db, c.id, "publish", "经核查属实，已整改", "user:sgb")
    assert (published.status, published.finding, published.result) == (
        "published", "属实：打卡要求无文件依据", "经核查属实，已整改")
    with pytest.raises(InvalidInputError, match="quarter"):
        mark_typical(db, c.id, "Q4", "user:sgb")
    mark_typical(db, c.id, "2026Q4", "user:sgb")
    assert typical_cases(db, "2026Q4") == [published]
    assert db.scalars(select(TraceEntry.action).where(TraceEntry.target == f"complaint:{c.id}")
                      .order_by(TraceEntry.seq)).all() == [
        "complaint.received", "complaint.verify", "complaint.uphold", "complaint.rectify",
        "complaint.publish", "complaint.typical"]


def test_an_unfounded_complaint_is_dismissed_and_counts_per_department(db) -> None:
    for channel in ("visit", "web", "phone"):
        receive(db, channel, "重复报送", "user:sgb", department_code="ZJJ")
    first = receive(db, "web", "会议过多", "user:sgb")
    step(db, first.id, "verify", "", "user:sgb", department_code="ZJJ")
    assert step(db, first.id, "dismiss", "不属实", "user:sgb").status == "dismissed"
    with pytest.raises(InvalidInputError):
        receive(db, "pigeon", "x", "user:sgb")
    assert per_department(db)["ZJJ"] == {"received": 3, "dismissed": 1}
