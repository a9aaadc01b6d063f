"""Routing by the imported responsibility list in force, and 首问负责: an issue whose matter has
no owner stays with the first office that received it until that office hands it on."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from onegrid.platform.errors import ConflictError, ForbiddenError, InvalidInputError
from onegrid.platform.governance.lists import import_file
from onegrid.platform.governance.offices import office_of, set_office
from onegrid.platform.governance.working_time import WorkingHours
from onegrid.platform.loop.dedup import DEFAULT_RULE
from onegrid.platform.loop.handling import act
from onegrid.platform.loop.intake import report_issue
from onegrid.platform.store.models import Area, Department, Issue, TraceEntry, User
from tests.places import spot
from tests.platform.governance.test_lists import HEADER, NOW, write_csv, write_xlsx

pytestmark = pytest.mark.usefixtures("city")


def _user(db, name: str) -> User:
    return db.scalars(select(User).where(User.username == name)).one()


def _report(db, category: str, rank: int, *, worker: bool = False, via: str = "",
            source: str = "grid") -> Issue:
    here = spot(db, rank)
    return report_issue(db, client_id=uuid.uuid4(), category=category, description="有情况",
                        lon=here.lon, lat=here.lat,
                        reporter_user_id=_user(db, here.worker).id if worker else None,
                        source=source, rule=DEFAULT_RULE, hours=WorkingHours(), via=via)


def _code(db, department_id: int | None) -> str | None:
    return db.get(Department, department_id).code if department_id else None


def _routed(db, issue: Issue) -> dict:
    return db.scalars(select(TraceEntry.detail).where(
        TraceEntry.target == f"issue:{issue.id}", TraceEntry.action == "issue.routed")).one()


def test_an_imported_responsibility_list_routes_to_its_lead_at_its_level(db, tmp_path) -> None:
    header = ["事项编码", "事项名称", "牵头部门", "配合部门", "层级"]
    file = write_xlsx(tmp_path / "权责清单.xlsx", header,
                      [["E0102", "暴露垃圾", "ZJJ", "CGJ、MZJ", "社区"]])
    version, _ = import_file(db, "responsibility", file, NOW - timedelta(minutes=1), "test")
    issue = _report(db, "E0102", 40, worker=True)
    grid = db.get(Area, issue.grid_id)
    community = db.get(Area, issue.handling_area_id)
    assert (_code(db, issue.department_id), issue.level, issue.awaiting_owner) == (
        "ZJJ", "community", False)
    assert community.level == "community" and grid.path.startswith(community.path + ".")
    routed = _routed(db, issue)
    assert routed["list_version"] == version.id and routed["supporting"] == ["CGJ", "MZJ"]
    assert routed["area"] == community.code


def test_a_report_before_a_new_version_takes_force_is_routed_by_the_old_one(db, tmp_path
                                                                            ) -> None:
    file = write_csv(tmp_path / "duty.csv", HEADER,
                     [["E0502", "占道经营", "SCJG", "", "street", ""]])
    import_file(db, "responsibility", file, NOW + timedelta(days=1), "test")
    assert _code(db, _report(db, "E0502", 41).department_id) == "CGJ"  # the demo's version
    import_file(db, "responsibility", file, NOW - timedelta(seconds=1), "test")
    assert _code(db, _report(db, "E0502", 42).department_id) == "SCJG"


def test_a_category_not_in_the_version_in_force_is_refused(db, tmp_path) -> None:
    header = ["kind", "major_code", "major_name", "minor_code", "name", "response_hours",
              "resolve_hours"]
    file = write_csv(tmp_path / "c.csv", header,
                     [["event", "06", "扩展事件", "10", "共享单车乱停", "4", "24"]])
    import_file(db, "categories", file, NOW + timedelta(days=1), "test")
    with pytest.raises(InvalidInputError, match="unknown category 'E0610'"):
        _report(db, "E0610", 43)


def test_no_owner_stays_with_the_first_office_until_it_hands_it_on(db) -> None:
    issue = _report(db, "C0401", 44, worker=True)  # 古树名木: the demo list names no lead
    assert (_code(db, issue.department_id), issue.awaiting_owner) == ("WGZX", True)
    assert _routed(db, issue)["rule"] == "首问负责: the reporter's office"
    with pytest.raises(ForbiddenError):
        act(db, issue.id, "hand_over", _user(db, "cgj1"), department_code="ZJJ")
    act(db, issue.id, "hand_over", _user(db, "wgzx1"), department_code="ZJJ", note="古树归住建")
    assert (_code(db, issue.department_id), issue.awaiting_owner, issue.status) == (
        "ZJJ", False, "routed")
    handed = db.scalars(select(TraceEntry).where(
        TraceEntry.target == f"issue:{issue.id}", TraceEntry.action == "issue.hand_over")).one()
    assert (handed.actor, handed.detail["from_department"], handed.detail["department"]) == (
        "wgzx1", "WGZX", "ZJJ")
    with pytest.raises(ConflictError, match="names this issue's owner"):
        act(db, issue.id, "hand_over", _user(db, "zjj1"), department_code="CGJ")


def test_the_first_office_of_a_citizens_report_is_the_client_that_sent_it(db) -> None:
    hotline = _report(db, "E0699", 45, via="RX12345", source="hotline")
    assert (_code(db, hotline.department_id), hotline.awaiting_owner) == ("RX12345", True)


def test_the_command_centre_is_an_office_of_an_area_not_a_code(db) -> None:
    here = spot(db, 46)
    grid = db.scalars(select(Area).where(Area.code == here.grid_code)).one()
    street = db.scalars(select(Area).where(Area.level == "street",
                                           Area.path == grid.path.rsplit(".", 2)[0])).one()
    centre = office_of(db, "command_centre", grid.id)
    assert centre is not None and centre.code == "ZHZX"  # the district's
    set_office(db, "command_centre", street.code, "WGZX", "test")
    issue = _report(db, "C0401", 46, source="hotline")  # no reporter, no client: the centre
    assert _code(db, issue.department_id) == "WGZX"
    assert _routed(db, issue)["rule"] == "首问负责: the area's command centre"
