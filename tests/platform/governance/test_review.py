"""Admission review (准入审核): apply, approve or refuse with reasons, each step traced; only
approved items in force are pushed, and only to their level or above."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from onegrid.platform.accounts.departments import get_department
from onegrid.platform.errors import ConflictError, ForbiddenError, InvalidInputError
from onegrid.platform.governance.admission import (
    admission_list,
    is_admitted,
    push_task,
    reaches,
    tasks_for_worker,
)
from onegrid.platform.governance.review import Application, apply, decide
from onegrid.platform.governance.working_time import WorkingHours
from onegrid.platform.store.models import Area, TraceEntry, User
from tests.places import spot

pytestmark = pytest.mark.usefixtures("city")
DISTRICT = "330302"
HOURS = WorkingHours()


def _gas(level: str = "community", task_type: str = "GAS_CHECK") -> Application:
    return Application(task_type, "燃气安全入户检查", "assistance", level,
                       "瓶装燃气用户分散在老旧小区，需社区配合入户", "每社区每月约 2 人日",
                       DISTRICT)


def _areas(db, rank: int) -> dict[str, str]:
    """The grid at ``rank`` and its community and street, by level."""
    grid = db.scalars(select(Area).where(Area.code == spot(db, rank).grid_code)).one()
    codes = grid.path.split(".")
    return {"grid": codes[-1], "community": codes[-2], "street": codes[-3]}


def _push(db, task_type: str, area: str, now: datetime | None = None):
    staff = db.scalars(select(User).where(User.username == "yjglj1")).one()
    return push_task(db, department_code="YJGLJ", task_type=task_type, area_code=area,
                     title="入户检查", detail="", actor=staff.username, user_id=staff.id,
                     hours=HOURS, now=now)


def _trace(db, target: str) -> list[str]:
    return list(db.scalars(select(TraceEntry.action).where(TraceEntry.target == target)
                           .order_by(TraceEntry.seq)))


def test_an_approved_item_is_pushed_to_its_level_or_above_and_never_below(db) -> None:
    areas = _areas(db, 50)
    before = datetime.now(UTC)
    assert _push(db, "GAS_CHECK", areas["community"]).task is None  # not applied for yet
    application = apply(db, get_department(db, "YJGLJ"), "user:yjglj1", _gas())
    assert _push(db, "GAS_CHECK", areas["community"]).task is None  # pending: not admitted
    decided = decide(db, get_department(db, "SGB"), "user:sgb1", application.id, True,
                     "属地配合事项，工作量可控")
    assert decided.status == "approved" and decided.version_id is not None
    assert not is_admitted(db, "GAS_CHECK", before)  # not in force before the approval
    for level in ("street", "community"):
        pushed = _push(db, "GAS_CHECK", areas[level]).task
        assert pushed is not None and pushed.admission_version_id == decided.version_id
    refused = _push(db, "GAS_CHECK", areas["grid"])
    assert refused.task is None and "community at the lowest, not to a grid" in refused.refusal
    assert _trace(db, f"admission-application:{application.id}") == [
        "admission.applied", "admission.approved"]
    assert "task.refused" in _trace(db, f"area:{areas['grid']}")
    assert "GAS_CHECK" in {item.task_type for item in admission_list(db)}


def test_a_refused_application_is_never_pushed_and_keeps_its_reason(db) -> None:
    application = apply(db, get_department(db, "YJGLJ"), "user:yjglj1", _gas("grid", "GAS_GRID"))
    refused = decide(db, get_department(db, "SGB"), "user:sgb1", application.id, False,
                     "网格员不具备燃气检查资质")
    assert (refused.status, refused.decision_reason, refused.version_id) == (
        "refused", "网格员不具备燃气检查资质", None)
    assert _push(db, "GAS_GRID", _areas(db, 51)["grid"]).task is None
    decided = db.scalars(select(TraceEntry).where(
        TraceEntry.target == f"admission-application:{application.id}",
        TraceEntry.action == "admission.refused")).one()
    assert (decided.actor, decided.detail["reason"]) == ("user:sgb1", "网格员不具备燃气检查资质")
    with pytest.raises(ConflictError):
        decide(db, get_department(db, "SGB"), "user:sgb1", application.id, True, "改主意")


def test_only_the_districts_reviewer_decides_and_always_with_a_reason(db) -> None:
    application = apply(db, get_department(db, "YJGLJ"), "user:yjglj1", _gas())
    with pytest.raises(ForbiddenError):
        decide(db, get_department(db, "YJGLJ"), "user:yjglj1", application.id, True, "自批")
    with pytest.raises(InvalidInputError, match="reason"):
        decide(db, get_department(db, "SGB"), "user:sgb1", application.id, False, " ")
    with pytest.raises(ConflictError, match="pending already"):
        apply(db, get_department(db, "MZJ"), "user:mzj1", _gas())


def test_an_item_admitted_already_or_removed_needs_no_or_a_new_application(db) -> None:
    with pytest.raises(ConflictError, match="in force already"):
        apply(db, get_department(db, "GAJ"), "user:gaj1", _gas("grid", "RENTAL_CHECK"))
    assert not is_admitted(db, "FORM_STATS")  # on the list, as a removed item
    assert _push(db, "FORM_STATS", _areas(db, 52)["street"]).task is None


def test_a_task_pushed_before_an_approval_took_force_is_judged_by_the_list_then(db) -> None:
    application = apply(db, get_department(db, "YJGLJ"), "user:yjglj1", _gas())
    now = datetime.now(UTC)
    decide(db, get_department(db, "SGB"), "user:sgb1", application.id, True, "同意", now=now)
    community = _areas(db, 53)["community"]
    assert _push(db, "GAS_CHECK", community, now - timedelta(seconds=1)).task is None
    assert _push(db, "GAS_CHECK", community, now).task is not None


def test_levels_run_street_above_community_above_grid() -> None:
    assert reaches("grid", "street") and reaches("grid", "grid") and reaches("street", "street")
    assert not reaches("street", "community") and not reaches("community", "grid")
    assert not reaches("grid", "district")


def test_a_task_for_a_street_is_the_streets_not_its_grid_workers(db) -> None:
    areas, here = _areas(db, 54), spot(db, 54)
    worker = db.scalars(select(User).where(User.username == here.worker)).one()
    street_task = _push(db, "SAFETY_PATROL", areas["street"]).task
    grid_task = _push(db, "SAFETY_PATROL", areas["grid"]).task
    assert street_task is not None and grid_task is not None
    later = datetime.now(UTC) + timedelta(days=7)
    assert tasks_for_worker(db, worker, now=later) == [grid_task]
    assert db.get(Area, street_task.area_id).level == "street"
