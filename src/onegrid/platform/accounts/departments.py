"""Departments: the city bodies that own data, receive issues and pull shared data."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from onegrid.platform.errors import InvalidInputError, NotFoundError
from onegrid.platform.store.models import Department
from onegrid.platform.trace.chain import append

_CODE = re.compile(r"[A-Za-z0-9_-]{1,32}")


def add_department(session: Session, code: str, name: str, name_en: str = "") -> Department:
    """Create the department, or update its names when the code exists (idempotent)."""
    stmt = (
        insert(Department)
        .values(code=code, name=name, name_en=name_en)
        .on_conflict_do_update(index_elements=[Department.code],
                               set_={"name": name, "name_en": name_en})
        .returning(Department)
    )
    return session.scalars(stmt, execution_options={"populate_existing": True}).one()


def register_department(session: Session, code: str, name: str, name_en: str, actor: str
                        ) -> Department:
    """Add (or rename) a department as a person asks, checked and traced."""
    code, name = code.strip(), name.strip()
    if not _CODE.fullmatch(code):
        raise InvalidInputError("a department's code is 1 to 32 letters, digits, '_' or '-'")
    if not name:
        raise InvalidInputError("the department's name is missing")
    department = add_department(session, code, name, name_en.strip())
    append(session, actor, "department.add", f"department:{code}", {"name": name})
    return department


def get_department(session: Session, code: str) -> Department:
    department = session.scalars(select(Department).where(Department.code == code)).first()
    if department is None:
        raise NotFoundError(f"no department with code {code!r} (see `onegrid department list`)")
    return department


def list_departments(session: Session) -> list[Department]:
    return list(session.scalars(select(Department).order_by(Department.code)))
