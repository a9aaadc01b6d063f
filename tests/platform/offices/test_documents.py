"""Documents and meetings against the office's caps: those over a cap are flagged in the
ledger against their department; caps apply per measure of each kind."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from onegrid.platform.errors import InvalidInputError
from onegrid.platform.governance.listfiles import ListFileError
from onegrid.platform.offices.documents import import_outputs, per_department, set_cap
from onegrid.platform.store.models import BurdenEvent

pytestmark = pytest.mark.usefixtures("city")
ZONE = "Asia/Shanghai"
HEADER = "类型,部门,文号或名称,日期,页数,字数,时长,发言人数\n"


def test_documents_and_meetings_over_a_cap_are_flagged(db, tmp_path) -> None:
    set_cap(db, "document", "pages", 10, "user:sgb")
    set_cap(db, "meeting", "minutes", 90, "user:sgb")
    set_cap(db, "meeting", "speakers", 5, "user:sgb")
    with pytest.raises(InvalidInputError, match="document: pages, characters"):
        set_cap(db, "document", "minutes", 10, "user:sgb")
    path = tmp_path / "outputs.csv"
    path.write_text(HEADER + "文件,ZJJ,鹿住建〔2026〕12号,2026-03-02,24,,,\n"
                    "文件,ZJJ,鹿住建〔2026〕13号,2026-03-05,8,5000,,\n"
                    "会议,ZJJ,全区安全生产会,2026-03-09,,,120,4\n"
                    "会议,MZJ,民政工作例会,2026-03-10,,,60,9\n"
                    "会议,MZJ,养老服务推进会,2026-03-11,,,45,3\n", encoding="utf-8")
    flagged = import_outputs(db, path, ZONE, "user:sgb")
    assert [(o.reference, o.over) for o in flagged] == [
        ("鹿住建〔2026〕12号", ["pages"]), ("全区安全生产会", ["minutes"]),
        ("民政工作例会", ["speakers"])]
    assert len(db.scalars(select(BurdenEvent).where(BurdenEvent.kind == "output_over_cap")
                          ).all()) == 3
    assert import_outputs(db, path, ZONE, "user:sgb") == [], "the same rows are skipped"
    assert per_department(db) == {
        "ZJJ": {"documents": 2, "documents_over_cap": 1, "meetings": 1, "meetings_over_cap": 1},
        "MZJ": {"meetings": 2, "meetings_over_cap": 1}}


def test_a_row_without_its_measures_or_with_a_bad_cell_is_refused(db, tmp_path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "会议,ZJJ,例会,2026-03-09,12,,,\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="row 2: give a meeting's minutes or speakers"):
        import_outputs(db, path, ZONE, "user:sgb")
    path.write_text(HEADER + "通知,ZJJ,例会,someday,x,,,\n", encoding="utf-8")
    with pytest.raises(ListFileError, match="kind.*date.*pages"):
        import_outputs(db, path, ZONE, "user:sgb")
