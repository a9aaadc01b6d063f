"""People from a city's file: checked row by row before anything is written, one-time
passwords, phones kept as a keyed hash and a mask, every change traced."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onegrid.platform.accounts.passwords import check_password
from onegrid.platform.accounts.users import (
    Person,
    apply_people,
    assign,
    mask_phone,
    normalise_phone,
    read_people,
    reset_password,
    set_disabled,
)
from onegrid.platform.errors import InvalidInputError
from onegrid.platform.settings import Settings
from onegrid.platform.sharing.identity import pii_hash
from onegrid.platform.store.models import TraceEntry, User

pytestmark = pytest.mark.usefixtures("city")
# people as a city keeps them: phones typed every way, a worker with two grids
SAMPLE = Path(str(files("tests.data").joinpath("users.xlsx")))
HEADER = "username,name,role,department,areas,phone\n"


def _user(db: Session, username: str) -> User:
    return db.scalars(select(User).where(User.username == username)).one()


def _trace(db: Session, target: str) -> list[TraceEntry]:
    return list(db.scalars(select(TraceEntry).where(TraceEntry.target == target)
                           .order_by(TraceEntry.seq)))


def test_a_city_s_file_adds_its_people_with_one_time_passwords(db: Session,
                                                               settings: Settings) -> None:
    people = read_people(db, SAMPLE)
    applied = apply_people(db, people, settings.pii_key, "test", SAMPLE.name)
    assert sorted(applied.created) == ["cgj.zhou", "gw.chen", "gw.lin", "mzj.wang", "zhzx.xu"]
    lin = _user(db, "gw.lin")
    assert lin.must_change_password and lin.role == "grid_worker"
    assert check_password(lin.password_hash or "", applied.created["gw.lin"])
    assert [grid.code for grid in lin.grids] == ["330302001001001"]
    assert {g.code for g in _user(db, "gw.chen").grids} == {"330302001002001", "330302001002002"}
    assert lin.phone_masked == "138****0001"
    assert lin.phone_hash == pii_hash("13800000001", settings.pii_key)
    assert _user(db, "mzj.wang").phone_masked == "0577****0003"
    added = _trace(db, "user:gw.lin")
    assert [e.action for e in added] == ["user.add"]
    assert added[0].detail["phone"] == "138****0001" and added[0].detail["source"] == "users.xlsx"
    # the phone is nowhere in clear: not in the user's row, not in the trace
    everything = json.dumps([e.detail for e in db.scalars(select(TraceEntry))])
    assert "13800000001" not in everything and "0001" not in (lin.phone_hash or "")
    again = apply_people(db, read_people(db, SAMPLE), settings.pii_key, "test", "again")
    assert (again.created, again.updated, again.unchanged) == ({}, [], 5)


def test_a_changed_row_updates_the_user_and_traces_what_changed(db: Session, tmp_path: Path,
                                                                settings: Settings) -> None:
    first = tmp_path / "first.csv"
    first.write_text(HEADER + "zhang.san,张三,grid_worker,WGZX,330302001001001,13900000001\n")
    apply_people(db, read_people(db, first), settings.pii_key, "test", first.name)
    second = tmp_path / "second.csv"
    second.write_text(HEADER + "zhang.san,张三,网格员,WGZX,330302001001002,13900000002\n")
    applied = apply_people(db, read_people(db, second), settings.pii_key, "test", second.name)
    assert applied.updated == ["zhang.san"] and not applied.created
    entry = _trace(db, "user:zhang.san")[-1]
    assert entry.action == "user.update" and entry.detail["changed"] == ["phone", "areas"]
    assert [g.code for g in _user(db, "zhang.san").grids] == ["330302001001002"]


def test_every_wrong_row_is_named_by_row_and_column_and_nothing_is_written(
        db: Session, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text(HEADER
                    + "ok.one,好人,grid_worker,WGZX,330302001001001,13700000001\n"
                    + "Bad Name,坏名,grid_worker,WGZX,330302001001001,\n"
                    + "x.role,某人,mayor,,,\n"
                    + "x.dep,某人,department_staff,NOPE,,\n"
                    + "x.area,某人,grid_worker,WGZX,330302001001,\n"
                    + "x.phone,某人,operator,ZHZX,,12345678901\n"
                    + "ok.one,重名,operator,ZHZX,,\n"
                    + "x.none,,operator,,999999,\n", "utf-8")
    users = db.scalar(select(func.count(User.id)))
    with pytest.raises(InvalidInputError) as refused:
        read_people(db, path)
    detail = refused.value.detail
    for expected in ("row 3, column A (username)", "row 4, column C (role)",
                     "row 5, column D (department): no department 'NOPE'",
                     "row 6, column E (areas): 330302001001: is a community",
                     "row 7, column F (phone): is not a mainland mobile number",
                     "row 8, column A (username): 'ok.one' is also on row 2",
                     "row 9, column B (name)", "row 9, column E (areas): 999999: no area"):
        assert expected in detail
    assert "row 2," not in detail and "12345678901" not in detail
    assert "nothing was written" in detail
    assert db.scalar(select(func.count(User.id))) == users


@pytest.mark.parametrize(("content", "fault"), [
    ("username,name,role\nx,y,operator\n", r"row 1 lacks the column\(s\) department, areas, phone"),
    (HEADER, "no users below the header row"),
    ("", "the file is empty"),
])
def test_a_file_without_its_columns_or_rows_is_refused(db: Session, tmp_path: Path,
                                                       content: str, fault: str) -> None:
    path = tmp_path / "people.csv"
    path.write_text(content)
    with pytest.raises(InvalidInputError, match=fault):
        read_people(db, path)


def test_a_file_that_is_not_a_spreadsheet_is_refused(db: Session, tmp_path: Path) -> None:
    path = tmp_path / "people.xlsx"
    path.write_bytes(b"not a zip")
    with pytest.raises(InvalidInputError, match="cannot read it as XLSX"):
        read_people(db, path)


def test_phones_are_taken_as_people_type_them() -> None:
    assert normalise_phone("+86 138-0000-0001") == "13800000001"
    assert normalise_phone("（0577）8800 1234") == "057788001234"
    assert mask_phone("057788001234") == "0577****1234"
    for wrong in ("1380000000", "23800000001", "abc"):
        with pytest.raises(ValueError, match="is not a mainland mobile") as refused:
            normalise_phone(wrong)
        assert wrong not in str(refused.value)


def test_reset_disable_and_assign_are_traced(db: Session, settings: Settings) -> None:
    person = Person("li.si", "李四", "grid_worker", "WGZX", ("330302001001001",))
    first = apply_people(db, [person], settings.pii_key, "test", "command").created["li.si"]
    user = _user(db, "li.si")
    generation = user.session_generation
    second = reset_password(db, "li.si", "test")
    db.refresh(user)
    assert check_password(user.password_hash or "", second)
    assert not check_password(user.password_hash or "", first)
    assert user.must_change_password and user.session_generation == generation + 1
    set_disabled(db, "li.si", True, "test")
    assert user.disabled_at is not None
    assert assign(db, "li.si", ["330302001001002"], "test") == ["330302001001001",
                                                               "330302001001002"]
    assert assign(db, "li.si", ["330302001002003"], "test", replace=True) == ["330302001002003"]
    with pytest.raises(InvalidInputError, match="330302001000: is a street"):
        assign(db, "li.si", ["330302001000"], "test")
    set_disabled(db, "li.si", False, "test")
    assert [e.action for e in _trace(db, "user:li.si")] == [
        "user.add", "user.reset_password", "user.disable", "user.assign", "user.assign",
        "user.enable"]
