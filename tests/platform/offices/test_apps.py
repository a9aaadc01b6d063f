"""Apps and work groups: the owner answers for each; an app idle past the office's limit is a
zombie, flagged once; work assigned in a group outside working hours is flagged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from onegrid.platform.errors import InvalidInputError
from onegrid.platform.governance.listfiles import ListFileError
from onegrid.platform.governance.working_time import WorkingHours
from onegrid.platform.offices.apps import (
    Channel,
    flag_zombies,
    import_channels,
    import_messages,
    register,
)
from onegrid.platform.store.models import BurdenEvent, TraceEntry, WorkChannel

pytestmark = pytest.mark.usefixtures("city")
NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


def _ledger(db, kind: str) -> list[dict]:
    return list(db.scalars(select(BurdenEvent.detail).where(BurdenEvent.kind == kind)))


def _file(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_an_app_idle_past_the_limit_is_a_zombie_flagged_once(db) -> None:
    old = register(db, Channel("app", "掌上巡查", "SWJ", ["grid"], 300,
                               NOW - timedelta(days=120)), "office")
    register(db, Channel("group", "社区防汛群", "YJGLJ", ["community", "grid"], 80,
                         NOW - timedelta(days=3)), "office")
    zombies = flag_zombies(db, timedelta(days=90), "office", now=NOW)
    assert [z.name for z in zombies] == ["掌上巡查"] and zombies[0].zombie_since == NOW
    assert flag_zombies(db, timedelta(days=90), "office", now=NOW) == zombies
    assert [d["channel"] for d in _ledger(db, "zombie_channel")] == [old.id], "flagged once"
    assert [z.name for z in flag_zombies(db, timedelta(days=2), "office", now=NOW)] == [
        "掌上巡查", "社区防汛群"], "the limit is the office's to set"
    register(db, Channel("app", "掌上巡查", "SWJ", ["grid"], 300, NOW), "office")
    assert flag_zombies(db, timedelta(days=90), "office", now=NOW) == []
    assert db.get(WorkChannel, old.id).zombie_since is None
    assert "channel.zombie" in db.scalars(select(TraceEntry.action).where(
        TraceEntry.target == f"channel:{old.id}")).all()


def test_channels_import_from_a_file_and_a_bad_row_writes_nothing(db, tmp_path) -> None:
    good = _file(tmp_path, "apps.csv", "类型,名称,主管部门,使用层级,成员数,最近活跃\n"
                 "工作群,鹿城区网格员群,SWJ,网格,412,2026-11-30 16:00\n"
                 "app,i鹿城,MZJ,\"street,community\",90,2026-01-02\n")
    rows = import_channels(db, good, "Asia/Shanghai", "office")
    assert [(r.kind, r.levels, r.members) for r in rows] == [
        ("group", ["grid"], 412), ("app", ["street", "community"], 90)]
    bad = _file(tmp_path, "bad.csv", "kind,name,department,levels,members,last_active\n"
                "group,x,SWJ,planet,-1,yesterday\n")
    with pytest.raises(ListFileError, match="row 2, column levels.*members.*last_active"):
        import_channels(db, bad, "Asia/Shanghai", "office")


def test_work_assigned_outside_working_hours_is_flagged(db, tmp_path) -> None:
    group = register(db, Channel("group", "街道工作群", "SWJ", ["community"], 60,
                                 NOW - timedelta(days=200)), "office")
    log = _file(tmp_path, "log.csv", "group,sender,sent_at,text,is_assignment\n"
                "街道工作群,张科长,2026-12-07 09:30,请今天上报台账,是\n"       # Monday, in hours
                "街道工作群,张科长,2026-12-07 21:15,明早前报送名单,是\n"       # evening
                "街道工作群,张科长,2026-12-06 10:00,周末入户核查,true\n"       # Sunday
                "街道工作群,李干事,2026-12-07 22:00,收到,否\n")               # not an assignment
    flagged = import_messages(db, log, WorkingHours(), "office")
    assert [m.text for m in flagged] == ["明早前报送名单", "周末入户核查"]
    assert len(_ledger(db, "assignment_out_of_hours")) == 2
    assert db.get(WorkChannel, group.id).last_active_at == datetime(2026, 12, 7, 14, 0, tzinfo=UTC)
    unknown = _file(tmp_path, "u.csv", "group,sender,sent_at,text,is_assignment\n"
                    "没有的群,a,2026-12-07 09:30,x,1\n")
    with pytest.raises(InvalidInputError, match="没有的群"):
        import_messages(db, unknown, WorkingHours(), "office")
