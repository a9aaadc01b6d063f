"""The forms inventory: coverage through the office's synonyms, the burden figure, the
retirement flag, targets, imports from CSV and XLSX, the API and the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onegrid.platform.burden.inventory import (
    FormSpec,
    register_form,
    reports,
    retire_form,
    specs_from_rows,
)
from onegrid.platform.burden.synonyms import Synonym, set_synonyms
from onegrid.platform.burden.tables import read_rows
from onegrid.platform.burden.targets import burdens, set_target
from onegrid.platform.errors import InvalidInputError
from onegrid.platform.governance.ledger import burden_totals
from onegrid.platform.store.models import Area, TraceEntry
from tests.api.conftest import token  # noqa: F401  (fixture)
from tests.ingest.conftest import catalog  # noqa: F401  (fixture)
from tests.test_cli import run  # noqa: F401  (fixture)


@pytest.fixture
def office(db: Session, catalog) -> None:  # noqa: F811
    set_synonyms(db, [Synonym("phone", "联系电话", "string"), Synonym("phone", "手机号"),
                      Synonym("employees", "员工数", "integer")], "office")


def _communities(db: Session) -> int:
    return db.scalars(select(func.count()).select_from(Area)
                      .where(Area.level == "community")).one()


def test_coverage_counts_fields_shared_data_answers_through_synonyms(db: Session,
                                                                     office) -> None:
    register_form(db, FormSpec("ZJJ", "企业摸排月报", ["联系电话", "员工数", "屋顶面积"],
                               "每月", ["社区"]), "zjj")
    [found] = reports(db, "ZJJ")
    assert (found.covered, len(found.form.fields)) == (2, 3) and not found.retire
    assert "market.business.phone" in found.answerable["联系电话"]
    # (other tests' committed copies of market.business answer too)
    assert "market.business.employees" in found.answerable["员工数"]
    assert found.answerable["屋顶面积"] == []
    assert found.burden == 3 * 12 * _communities(db)  # fields × times a year × units


def test_a_type_that_disagrees_is_not_the_same_field(db: Session, catalog) -> None:  # noqa: F811
    set_synonyms(db, [Synonym("employees", "员工数", "boolean")], "office")
    register_form(db, FormSpec("ZJJ", "用工", ["员工数"], "yearly", ["grid"]), "zjj")
    assert reports(db, "ZJJ")[0].covered == 0


def test_a_fully_covered_form_is_flagged_and_retiring_it_lowers_the_burden(db: Session,
                                                                          office) -> None:
    form = register_form(db, FormSpec("SWJ", "纳税人联系表", ["手机号", "员工数"], "quarterly",
                                      ["community", "grid"]), "swj")
    register_form(db, FormSpec("SWJ", "屋顶", ["屋顶面积"], "yearly", ["street"]), "swj")
    assert [r.retire for r in reports(db, "SWJ")] == [False, True]  # by name: 屋顶 first
    target = set_target(db, "SWJ", 2027, 30, "office")
    [before] = [d for d in burdens(db, 2027) if d.department == "SWJ"]
    assert target.baseline == before.burden and before.to_retire == 1
    assert before.goal == round(before.burden * 0.7) and before.met is False
    ledger = burden_totals(db)["form_retired"]
    retire_form(db, form.id, "swj")
    [after] = [d for d in burdens(db, 2027) if d.department == "SWJ"]
    assert after.burden < before.burden and after.reduced_pct and after.reduced_pct > 30
    assert after.met is True and burden_totals(db)["form_retired"] == ledger + 1
    actions = set(db.scalars(select(TraceEntry.action).where(TraceEntry.action.like("burden.%"))))
    assert {"burden.form_registered", "burden.target_set", "burden.form_retired"} <= actions


def test_forms_import_from_csv_and_xlsx_with_chinese_headers(db: Session, tmp_path: Path,
                                                            catalog) -> None:  # noqa: F811
    csv = tmp_path / "forms.csv"
    csv.write_text("部门,表名,字段,频次,层级\nMZJ,独居老人走访表,姓名、联系电话;年龄,每周,社区、网格\n",
                   "utf-8-sig")
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["name", "fields", "frequency", "levels"])
    sheet.append(["低保复核", "姓名,家庭人口", "half_yearly", "community"])
    book.save(tmp_path / "forms.xlsx")
    specs = specs_from_rows(read_rows(csv)) + specs_from_rows(read_rows(tmp_path / "forms.xlsx"),
                                                             "MZJ")
    for spec in specs:
        register_form(db, spec, "office")
    found = {r.form.name: r.form for r in reports(db, "MZJ")}
    assert found["独居老人走访表"].fields == ["姓名", "联系电话", "年龄"]
    assert (found["独居老人走访表"].frequency, found["独居老人走访表"].levels) == \
        ("weekly", ["community", "grid"])
    assert found["低保复核"].fields == ["姓名", "家庭人口"]


def test_bad_forms_and_files_are_clear_errors(db: Session, tmp_path: Path,
                                              catalog) -> None:  # noqa: F811
    with pytest.raises(InvalidInputError, match="frequency"):
        register_form(db, FormSpec("ZJJ", "x", ["a"], "hourly", ["grid"]), "zjj")
    with pytest.raises(InvalidInputError, match="levels"):
        register_form(db, FormSpec("ZJJ", "x", ["a"], "monthly", ["province"]), "zjj")
    (tmp_path / "forms.txt").write_text("x")
    with pytest.raises(InvalidInputError, match=r"\.csv or \.xlsx"):
        read_rows(tmp_path / "forms.txt")
    (tmp_path / "broken.xlsx").write_bytes(b"not a workbook")
    with pytest.raises(InvalidInputError, match="not a readable"):
        read_rows(tmp_path / "broken.xlsx")


def test_the_api_registers_a_form_and_lists_coverage_and_burden(client, token,  # noqa: F811
                                                               office) -> None:
    made = client.post("/api/v1/burden/forms", headers=token("ZJJ"), json={
        "name": "出租房屋月报", "fields": ["联系电话", "租客人数"], "frequency": "monthly",
        "levels": ["grid"]})
    assert made.status_code == 201, made.json
    assert made.json["coverage"]["covered"] == 1 and made.json["flag_retire"] is False
    bad = client.post("/api/v1/burden/forms", headers=token("ZJJ"), json={
        "name": "x", "fields": ["a"], "frequency": "hourly", "levels": ["grid"]})
    assert bad.status_code == 400 and bad.content_type == "application/problem+json"
    listed = client.get("/api/v1/burden/forms?department=ZJJ", headers=token("STHJ")).json
    assert [f["name"] for f in listed["forms"]] == ["出租房屋月报"]
    figures = client.get("/api/v1/burden/departments?year=2027", headers=token("STHJ")).json
    [zjj] = [d for d in figures["departments"] if d["department"] == "ZJJ"]
    assert zjj["burden"] == made.json["burden"] > 0


def test_the_cli_imports_lists_and_reports(run, tmp_path: Path) -> None:  # noqa: F811
    assert run("department", "add", "BURDENT", "减负测试局").exit_code == 0
    synonyms = tmp_path / "synonyms.csv"
    synonyms.write_text("concept,term,value_type\nphone,联系电话,string\n", "utf-8")
    assert "terms written" in run("burden", "synonyms", "import", str(synonyms)).output
    forms = tmp_path / "forms.csv"
    forms.write_text("name,fields,frequency,levels\n联系表,联系电话,monthly,grid\n", "utf-8")
    assert run("burden", "forms", "import", str(forms), "--department", "BURDENT").exit_code == 0
    listed = run("burden", "forms", "list", "--department", "BURDENT").output
    assert "联系表" in listed and "/1\t" in listed
    assert run("burden", "target", "BURDENT", "2027", "20").exit_code == 0
    assert "BURDENT" in run("burden", "report", "--year", "2027").output
    wrong = run("burden", "target", "BURDENT", "2027", "120")
    assert wrong.exit_code == 1 and "percentage" in wrong.output
