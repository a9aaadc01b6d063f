"""Versioned lists: imported from CSV or XLSX with an effective time, the version in force at an
event's time used, what changed between versions shown, bad rows named and nothing written."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import func, select

from onegrid.platform.governance.listfiles import ListFileError
from onegrid.platform.governance.lists import (
    diff,
    effective_start,
    entry_in_force,
    import_file,
    in_force,
    versions,
)
from onegrid.platform.store.models import ListVersion, TraceEntry

pytestmark = pytest.mark.usefixtures("city")

HEADER = ["category", "matter", "lead", "supporting", "level", "basis"]
NOW = datetime.now(UTC)


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([header, *rows])
    return path


def write_xlsx(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)
    for row in [header, *rows]:
        sheet.append(row)
    book.save(path)
    return path


def entry(db, kind: str, key: str, at: datetime) -> dict[str, Any]:
    """The entry for ``key`` in the version of ``kind`` in force at ``at`` ({} without one)."""
    found = entry_in_force(db, kind, key, at)
    return (found[1] if found else None) or {}


def test_an_event_before_the_new_effective_date_uses_the_old_version(db, tmp_path) -> None:
    tomorrow = NOW + timedelta(days=1)
    file = write_csv(tmp_path / "duty.csv", HEADER,
                     [["E0502", "占道经营", "SCJG", "CGJ", "district", "新三定方案"]])
    version, new = import_file(db, "responsibility", file, tomorrow, "test")
    assert new
    assert entry(db, "responsibility", "E0502", NOW)["lead"] == "CGJ"
    assert entry(db, "responsibility", "E0502", tomorrow) == {
        "category": "E0502", "matter": "占道经营", "lead": "SCJG", "supporting": ["CGJ"],
        "level": "district", "basis": "新三定方案"}
    assert in_force(db, "responsibility", tomorrow) == version
    # the new version lists only E0502: from tomorrow on every other matter has no entry
    assert entry(db, "responsibility", "E0102", tomorrow) == {}


def test_the_same_file_for_the_same_day_adds_no_version(db, tmp_path) -> None:
    file = write_csv(tmp_path / "duty.csv", HEADER,
                     [["E0102", "暴露垃圾", "CGJ", "", "street", ""]])
    at = effective_start(date(2030, 1, 1), "Asia/Shanghai")
    first, _ = import_file(db, "responsibility", file, at, "test")
    again, new = import_file(db, "responsibility", file, at, "test")
    assert (again.id, new) == (first.id, False)
    assert at.isoformat() == "2030-01-01T00:00:00+08:00"


def test_an_xlsx_with_chinese_headers_and_words_is_read(db, tmp_path) -> None:
    file = write_xlsx(tmp_path / "准入清单.xlsx", ["事项编码", "事项名称", "事项类别", "最低层级"],
                      [["GAS_CHECK", "燃气安全入户检查", "配合事项", "社区"],
                       ["FORM_STATS", "报表填报", "取消事项", None]])
    version, _ = import_file(db, "admission", file, NOW, "test")
    found = entry(db, "admission", "GAS_CHECK", NOW)
    assert in_force(db, "admission", NOW) == version
    assert (found["kind"], found["level"]) == ("assistance", "community")


def test_categories_follow_gbt_30428_2_codes_and_a_new_version_changes_the_sla(db, tmp_path
                                                                                ) -> None:
    header = ["类型", "大类代码", "大类名称", "小类代码", "小类名称", "响应时限", "处置时限"]
    file = write_xlsx(tmp_path / "categories.xlsx", header,
                      [["事件", 1, "市容环境", 2, "暴露垃圾", 1, 12],
                       ["部件", "01", "公用设施", "06", "路灯", 4, 72]])
    import_file(db, "categories", file, NOW + timedelta(hours=1), "test")
    assert entry(db, "categories", "E0102", NOW + timedelta(hours=2))["response_hours"] == 1
    assert entry(db, "categories", "E0102", NOW)["response_hours"] == 2
    assert entry(db, "categories", "C0106", NOW + timedelta(hours=2))["major_code"] == "01"


def test_bad_rows_are_named_by_row_and_column_and_nothing_is_written(db, tmp_path) -> None:
    file = write_csv(tmp_path / "duty.csv", HEADER,
                     [["E0102", "暴露垃圾", "CGJ", "", "town", ""],
                      ["E0102", "暴露垃圾", "NOPE", "", "street", ""],
                      ["E0503", "乱停放", "GAJ", "XXX", "street", ""],
                      ["Z9999", "不存在", "", "", "", ""],
                      ["E0105", "道路不洁", "CGJ", "", "", ""]])
    count = db.scalar(select(func.count()).select_from(ListVersion))
    with pytest.raises(ListFileError) as raised:
        import_file(db, "responsibility", file, NOW, "test")
    detail = raised.value.detail
    assert "row 2, column level (层级): 'town' is not one of" in detail
    assert "row 3, column lead (牵头部门): 'NOPE' is no department" in detail
    assert "row 4, column supporting (配合部门): 'XXX' is no department" in detail
    assert "row 5, column category (事项编码): 'Z9999' is no category" in detail
    assert "row 6, column level (层级): a matter with a lead department needs its level" in detail
    assert db.scalar(select(func.count()).select_from(ListVersion)) == count


def test_a_broken_workbook_or_another_format_is_a_clear_error(db, tmp_path) -> None:
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip")
    with pytest.raises(ListFileError, match="not a readable XLSX workbook"):
        import_file(db, "admission", broken, NOW, "test")
    with pytest.raises(ListFileError, match="read .csv or .xlsx files, not .xls"):
        import_file(db, "admission", tmp_path / "old.xls", NOW, "test")


def test_a_file_without_a_required_column_is_refused(db, tmp_path) -> None:
    file = write_csv(tmp_path / "a.csv", ["task_type", "name"], [["X", "x"]])
    with pytest.raises(ListFileError, match=r"lacks the columns kind \(事项类别\)"):
        import_file(db, "admission", file, NOW, "test")


def test_diff_shows_what_was_added_removed_and_changed(db, tmp_path) -> None:
    old = write_csv(tmp_path / "old.csv", HEADER,
                    [["E0102", "暴露垃圾", "CGJ", "", "street", ""],
                     ["E0503", "乱停放", "GAJ", "", "street", ""]])
    new = write_csv(tmp_path / "new.csv", HEADER,
                    [["E0102", "暴露垃圾", "CGJ", "ZJJ", "district", ""],
                     ["C0401", "古树名木", "ZJJ", "", "district", ""]])
    first, _ = import_file(db, "responsibility", old, NOW + timedelta(days=10), "test")
    second, _ = import_file(db, "responsibility", new, NOW + timedelta(days=20), "test")
    older, newer, change = diff(db, "responsibility")
    assert (older, newer) == (first, second) and versions(db, "responsibility")[-1] == second
    assert change.lines() == ["+ C0401\t古树名木", "- E0503\t乱停放",
                              "~ E0102\tsupporting: — → ZJJ; level: street → district"]
    imported = db.scalars(select(TraceEntry).where(
        TraceEntry.target == f"list-version:{second.id}")).one()
    assert {k: imported.detail[k] for k in ("added", "removed", "changed", "replaces")} == {
        "added": ["C0401"], "removed": ["E0503"], "changed": ["E0102"], "replaces": first.id}
    assert in_force(db, "responsibility", NOW + timedelta(days=15)) == first
