"""Build the demo city: departments, Lucheng's hierarchy, grid workers and staff, its offices and
its lists, imported from the files in data/ as a city imports its own (idempotent)."""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Callable
from datetime import date
from importlib.resources import as_file, files

from sqlalchemy import select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from onegrid.demo.factories import person_name
from onegrid.gis.hierarchy import load_district
from onegrid.platform.accounts.departments import add_department
from onegrid.platform.accounts.passwords import check_password, hash_password
from onegrid.platform.governance.lists import effective_start, import_file
from onegrid.platform.governance.offices import set_office
from onegrid.platform.store.models import Area, User, user_grid
from onegrid.platform.trace.chain import append

CITY_CODE, CITY_NAME = "330300", "温州市"
DISTRICT_CODE, DISTRICT_NAME = "330302", "鹿城区"
DATA = files("onegrid.demo").joinpath("data")
STAFF_PER_DEPARTMENT = 2
OPERATORS = 3
DEMO_PASSWORD = "onegrid-demo"  # every demo user's password (README, Demo)
GRID_DEPARTMENT = "WGZX"  # grid workers' department: its grants say what their map shows
# the district's offices: its command centre, and who reviews admission applications
OFFICES = (("command_centre", "ZHZX"), ("admission_reviewer", "SGB"))
# each list, in import order (the responsibility list names categories), and its file
LISTS = (("categories", "categories.csv"), ("responsibility", "responsibility.xlsx"),
         ("admission", "admission.csv"))
LISTS_EFFECTIVE = date(2026, 1, 1)


def build(session: Session, grid_size_m: int, progress: Callable[[str], None],
          zone: str = "Asia/Shanghai") -> dict[str, int]:
    """Add what the demo city lacks; a second run changes nothing. Returns row counts."""
    rng = random.Random(330302)
    departments = _departments(session)
    progress(f"{len(departments)} departments")
    if session.scalar(select(Area.id).where(Area.code == DISTRICT_CODE)) is None:
        boundary = json.loads(DATA.joinpath(f"{DISTRICT_CODE}.geojson").read_text())
        load_district(session, boundary, DISTRICT_CODE, DISTRICT_NAME, CITY_NAME, grid_size_m,
                      progress=progress)
    workers = _grid_workers(session, departments[GRID_DEPARTMENT], rng)
    progress(f"{workers} new grid workers")
    staff = _staff(session, departments, rng)
    _passwords(session)
    for role, department in OFFICES:
        set_office(session, role, DISTRICT_CODE, department, "demo")
    for kind, name in LISTS:
        with as_file(DATA.joinpath(name)) as path:
            version, new = import_file(session, kind, path, effective_start(LISTS_EFFECTIVE, zone),
                                       "demo")
        progress(f"{kind} list: version {version.id}" + ("" if new else " (unchanged)"))
    append(session, "demo", "demo.build", f"area:{DISTRICT_CODE}",
           {"new_grid_workers": workers, "new_staff": staff})
    return {"departments": len(departments), "grid_workers": workers, "staff": staff}


def _csv(name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(DATA.joinpath(name).read_text("utf-8").splitlines()))


def _departments(session: Session) -> dict[str, int]:
    return {row["code"]: add_department(session, row["code"], row["name"], row["name_en"]).id
            for row in _csv("departments.csv")}


def published_password_in_use(session: Session) -> bool:
    """Whether any account still signs in with DEMO_PASSWORD, which README publishes (one
    scrypt per distinct password hash: the demo's users share one)."""
    hashes = session.scalars(select(User.password_hash).where(User.password_hash.is_not(None))
                             .distinct())
    return any(check_password(stored, DEMO_PASSWORD) for stored in hashes if stored)


def _passwords(session: Session) -> None:
    """The demo password for users without one: hashed once, shared by every demo user."""
    if session.scalar(select(User.id).where(User.password_hash.is_(None)).limit(1)) is None:
        return
    session.execute(text("UPDATE app_user SET password_hash = :h WHERE password_hash IS NULL"),
                    {"h": hash_password(DEMO_PASSWORD)})


def _grid_workers(session: Session, department_id: int, rng: random.Random) -> int:
    """One grid worker (网格员) per grid that has none, named gw<grid code>, in the grid
    workers' department (as is every grid worker still without one)."""
    grids = session.execute(
        select(Area.id, Area.code).where(Area.level == "grid", ~Area.id.in_(
            select(user_grid.c.area_id))).order_by(Area.code)
    ).all()
    session.execute(update(User).where(User.role == "grid_worker", User.department_id.is_(None))
                    .values(department_id=department_id))
    if not grids:
        return 0
    users = [{"username": f"gw{code}", "display_name": person_name(rng), "role": "grid_worker",
              "department_id": department_id} for _, code in grids]
    ids = session.scalars(
        insert(User).values(users).on_conflict_do_nothing().returning(User.id)
    ).all()
    session.execute(text(
        "INSERT INTO user_grid (user_id, area_id) SELECT u.id, a.id FROM area a "
        "JOIN app_user u ON u.username = 'gw' || a.code WHERE a.level = 'grid' "
        "ON CONFLICT DO NOTHING"))
    return len(ids)


def _staff(session: Session, departments: dict[str, int], rng: random.Random) -> int:
    """Department staff (e.g. scjg1) and command-centre operators (op1…)."""
    users = [{"username": f"{code.lower()}{n}", "display_name": person_name(rng),
              "role": "department_staff", "department_id": dep_id}
             for code, dep_id in departments.items() for n in range(1, STAFF_PER_DEPARTMENT + 1)]
    users += [{"username": f"op{n}", "display_name": person_name(rng), "role": "operator",
               "department_id": departments.get("ZHZX")} for n in range(1, OPERATORS + 1)]
    return len(session.scalars(
        insert(User).values(users).on_conflict_do_nothing().returning(User.id)).all())
