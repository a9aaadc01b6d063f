"""Offices of an area: which department is the command centre (指挥中心) or the admission
reviewer (准入审核) of an area and of every area under it that has none of its own."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, aliased

from onegrid.platform.accounts.departments import get_department
from onegrid.platform.errors import InvalidInputError
from onegrid.platform.store.models import OFFICE_ROLES, Area, AreaOffice, Department
from onegrid.platform.trace.chain import append


def area_by_code(session: Session, code: str) -> Area:
    area = session.scalars(select(Area).where(Area.code == code)).first()
    if area is None:
        raise InvalidInputError(f"no area with code {code!r}")
    return area


def set_office(session: Session, role: str, area_code: str, department_code: str,
               by: str) -> AreaOffice:
    """Make ``department_code`` the ``role`` of the area (replacing the one before), traced;
    nothing changes when it holds it already."""
    if role not in OFFICE_ROLES:
        raise InvalidInputError(f"unknown office {role!r}; one of {', '.join(OFFICE_ROLES)}")
    area, department = area_by_code(session, area_code), get_department(session, department_code)
    held = session.get(AreaOffice, (area.id, role))
    if held is not None and held.department_id == department.id:
        return held
    session.execute(insert(AreaOffice).values(area_id=area.id, role=role,
                                              department_id=department.id)
                    .on_conflict_do_update(index_elements=["area_id", "role"],
                                           set_={"department_id": department.id}))
    append(session, by, "office.set", f"area:{area.code}",
           {"role": role, "department": department.code})
    return session.get_one(AreaOffice, (area.id, role))


def office_of(session: Session, role: str, area_id: int) -> Department | None:
    """The department holding ``role`` for the area: its own office, else the nearest above."""
    target, holder = aliased(Area), aliased(Area)
    return session.scalars(
        select(Department)
        .join(AreaOffice, AreaOffice.department_id == Department.id)
        .join(holder, holder.id == AreaOffice.area_id)
        .join(target, target.id == area_id)
        .where(AreaOffice.role == role,
               or_(target.path == holder.path, target.path.startswith(holder.path + ".")))
        .order_by(func.length(holder.path).desc()).limit(1)).first()


def ancestor_at(session: Session, area_id: int, level: str) -> Area | None:
    """The area at ``level`` that contains the area (itself at that level)."""
    target = aliased(Area)
    return session.scalars(
        select(Area).join(target, target.id == area_id)
        .where(Area.level == level,
               or_(target.path == Area.path, target.path.startswith(Area.path + ".")))
        .limit(1)).first()
