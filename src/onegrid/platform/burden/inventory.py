"""The forms and reports inventory (填表报数目录): each department's forms and periodic reports
asked of streets, communities and grids; how many of each form's fields shared data already
answers (coverage, through the office's synonyms); each department's burden figure (fields ×
times a year × units asked); forms wholly answered by shared data are flagged for retirement."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from onegrid.platform.accounts.departments import get_department
from onegrid.platform.burden.synonyms import Meanings, meanings
from onegrid.platform.burden.tables import split_list
from onegrid.platform.errors import InvalidInputError, NotFoundError
from onegrid.platform.governance.ledger import record_burden
from onegrid.platform.store.models import (
    FORM_LEVELS,
    FREQUENCIES,
    Area,
    BurdenForm,
    Dataset,
    Department,
)
from onegrid.platform.trace.chain import append

# What the departments' own spreadsheets call the columns and values.
HEADERS = {"部门": "department", "表名": "name", "名称": "name", "字段": "fields",
           "频次": "frequency", "层级": "levels"}
FREQUENCY_NAMES = {"一次": "once", "每年": "yearly", "每半年": "half_yearly",
                   "每季度": "quarterly", "每月": "monthly", "每周": "weekly", "每日": "daily",
                   "每天": "daily"}
LEVEL_NAMES = {"街道": "street", "社区": "community", "网格": "grid"}


@dataclass(frozen=True)
class FormSpec:
    """A form as a department declares it."""

    department: str
    name: str
    fields: list[str]
    frequency: str
    levels: list[str]


@dataclass(frozen=True)
class FormReport:
    """One form with its coverage and burden."""

    form: BurdenForm
    department: str
    answerable: dict[str, list[str]]  # field -> the "dataset.field"s that answer it
    units: int

    @property
    def covered(self) -> int:
        return sum(1 for f in self.form.fields if self.answerable.get(f))

    @property
    def burden(self) -> int:
        """Fields × times a year × units asked; 0 once retired."""
        if self.form.status != "active":
            return 0
        return len(self.form.fields) * FREQUENCIES[self.form.frequency] * self.units

    @property
    def retire(self) -> bool:
        """Flagged for retirement: active, and every field answered by shared data."""
        return self.form.status == "active" and self.covered == len(self.form.fields)


def _spec_checked(spec: FormSpec) -> FormSpec:
    frequency = FREQUENCY_NAMES.get(spec.frequency.strip(), spec.frequency.strip())
    levels = sorted({LEVEL_NAMES.get(lv.strip(), lv.strip()) for lv in spec.levels})
    fields = list(dict.fromkeys(f.strip() for f in spec.fields if f.strip()))
    if not spec.name.strip() or not fields:
        raise InvalidInputError("a form needs a name and at least one field")
    if frequency not in FREQUENCIES:
        raise InvalidInputError(f"{spec.name}: frequency {spec.frequency!r} is not one of "
                                f"{', '.join(FREQUENCIES)}")
    if not levels or not set(levels) <= set(FORM_LEVELS):
        raise InvalidInputError(f"{spec.name}: levels must be among {', '.join(FORM_LEVELS)}")
    return FormSpec(spec.department, spec.name.strip(), fields, frequency, levels)


def register_form(session: Session, spec: FormSpec, actor: str) -> BurdenForm:
    """Add a form to the inventory, or change the department's form of that name; traced."""
    spec = _spec_checked(spec)
    department = get_department(session, spec.department)
    values = {"fields": spec.fields, "frequency": spec.frequency, "levels": spec.levels}
    form = session.scalars(
        insert(BurdenForm).values(department_id=department.id, name=spec.name, status="active",
                                  **values)
        .on_conflict_do_update(index_elements=[BurdenForm.department_id, BurdenForm.name],
                               set_=values).returning(BurdenForm),
        execution_options={"populate_existing": True}).one()
    append(session, actor, "burden.form_registered", f"burden-form:{form.id}",
           {"department": department.code, "name": spec.name, **values})
    return form


def specs_from_rows(rows: Iterable[dict[str, str]],
                    department: str | None = None) -> list[FormSpec]:
    """Forms from a table's rows (columns department, name, fields, frequency, levels, or
    their Chinese names); ``department`` for a file without a department column."""
    specs = []
    for number, raw in enumerate(rows, start=2):  # row 1 is the header
        row = {HEADERS.get(k, k): v for k, v in raw.items()}
        code = row.get("department") or department
        if not code:
            raise InvalidInputError(f"row {number}: no department")
        specs.append(FormSpec(code, row.get("name", ""), split_list(row.get("fields", "")),
                              row.get("frequency", ""), split_list(row.get("levels", ""))))
    return specs


def _sources(session: Session, department_id: int) -> list[Dataset]:
    """The datasets whose data could answer a form: shared ones and the department's own."""
    return [ds for ds in session.scalars(select(Dataset).order_by(Dataset.id))
            if ds.sharing_class != "not_shared" or ds.owner_department_id == department_id]


def _answerable(form: BurdenForm, datasets: list[Dataset],
                meaning: Meanings) -> dict[str, list[str]]:
    return {field: [f"{ds.id}.{name}" for ds in datasets
                    if (name := meaning.held_by(ds, field))] for field in form.fields}


def _units(session: Session) -> dict[str, int]:
    return dict(session.execute(select(Area.level, func.count()).group_by(Area.level)).all())


def reports(session: Session, department: str | None = None) -> list[FormReport]:
    """The inventory with coverage and burden, by department and form name."""
    query = select(BurdenForm, Department).join(Department).order_by(Department.code,
                                                                     BurdenForm.name)
    if department:
        query = query.where(Department.code == department)
    meaning, units = meanings(session), _units(session)
    found = []
    for form, dep in session.execute(query).all():
        found.append(FormReport(form, dep.code,
                                _answerable(form, _sources(session, dep.id), meaning),
                                sum(units.get(level, 0) for level in form.levels)))
    return found


def retire_form(session: Session, form_id: int, actor: str) -> BurdenForm:
    """Stop a form (its burden leaves the department's figure); traced and in the ledger."""
    form = session.get(BurdenForm, form_id, with_for_update=True)
    if form is None:
        raise NotFoundError(f"no form {form_id} in the inventory")
    department = session.get_one(Department, form.department_id)
    form.status = "retired"
    detail = {"form": form.id, "name": form.name, "fields": form.fields,
              "frequency": form.frequency}
    record_burden(session, "form_retired", department.code, detail)
    append(session, actor, "burden.form_retired", f"burden-form:{form.id}", detail)
    return form
