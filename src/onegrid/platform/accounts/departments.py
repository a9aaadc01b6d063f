"""Departments: the city bodies that own data, receive issues and pull shared data."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from onegrid.platform.errors import NotFoundError
from onegrid.platform.store.models import Department


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


def get_department(session: Session, code: str) -> Department:
    department = session.scalars(select(Department).where(Department.code == code)).first()
    if department is None:
        raise NotFoundError(f"no department with code {code!r} (see `onegrid department list`)")
    return department


def list_departments(session: Session) -> list[Department]:
    return list(session.scalars(select(Department).order_by(Department.code)))
