"""Build the demo city: departments, Lucheng's hierarchy, grid workers, staff and operators, its
offices and its lists, imported from the files in data/ through the services a city's own
files go through (`onegrid import boundaries`, `onegrid import users`, `onegrid list import`);
idempotent."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date
from importlib.resources import as_file, files

from sqlalchemy import select
from sqlalchemy.orm import Session

from onegrid.gis.boundaries.importer import check_and_write
from onegrid.gis.boundaries.report import as_text
from onegrid.platform.accounts.departments import add_department
from onegrid.platform.accounts.passwords import check_password
from onegrid.platform.accounts.users import apply_people, read_people
from onegrid.platform.errors import InvalidInputError
from onegrid.platform.governance.lists import effective_start, import_file
from onegrid.platform.governance.offices import set_office
from onegrid.platform.settings import Settings
from onegrid.platform.store.models import Area, User
from onegrid.platform.trace.chain import append

ACTOR = "demo"
CITY_CODE, CITY_NAME = "330300", "温州市"
DISTRICT_CODE, DISTRICT_NAME = "330302", "鹿城区"
DATA = files("onegrid.demo").joinpath("data")
DEMO_PASSWORD = "onegrid-demo"  # every demo user's password (README, Demo)
GRID_DEPARTMENT = "WGZX"  # grid workers' department: its grants say what their map shows
# each level of the hierarchy, top down, and its file (made by tests/data/lucheng/make.py)
BOUNDARIES = (("district", "lucheng/district.geojson"), ("street", "lucheng/streets.geojson"),
              ("community", "lucheng/communities.geojson"), ("grid", "lucheng/grids.geojson"))
USERS = "users.xlsx"
# the district's offices: its command centre, and who reviews admission applications
OFFICES = (("command_centre", "ZHZX"), ("admission_reviewer", "SGB"))
# each list, in import order (the responsibility list names categories), and its file
LISTS = (("categories", "categories.csv"), ("responsibility", "responsibility.xlsx"),
         ("admission", "admission.csv"))
LISTS_EFFECTIVE = date(2026, 1, 1)


def build(session: Session, settings: Settings,
          progress: Callable[[str], None]) -> dict[str, int]:
    """Add what the demo city lacks; a second run changes nothing. Returns row counts."""
    departments = _departments(session)
    progress(f"{len(departments)} departments")
    if session.scalar(select(Area.id).where(Area.code == DISTRICT_CODE)) is None:
        _boundaries(session, progress)
    with as_file(DATA.joinpath(USERS)) as path:
        users = apply_people(session, read_people(session, path), settings.pii_key, ACTOR,
                             USERS, password=DEMO_PASSWORD)
    progress(f"{USERS}: {len(users.created)} new users, {len(users.updated)} changed")
    for role, department in OFFICES:
        set_office(session, role, DISTRICT_CODE, department, ACTOR)
    zone = settings.working_hours.zone
    for kind, name in LISTS:
        with as_file(DATA.joinpath(name)) as path:
            version, new = import_file(session, kind, path, effective_start(LISTS_EFFECTIVE, zone),
                                       ACTOR)
        progress(f"{kind} list: version {version.id}" + ("" if new else " (unchanged)"))
    if users.created or users.updated:
        append(session, ACTOR, "demo.build", f"area:{DISTRICT_CODE}",
               {"new_users": len(users.created), "changed_users": len(users.updated)})
    return {"departments": len(departments), "new users": len(users.created)}


def _boundaries(session: Session, progress: Callable[[str], None]) -> None:
    """Each level's file, as `onegrid import boundaries --apply` imports it."""
    for level, name in BOUNDARIES:
        with as_file(DATA.joinpath(name)) as path:
            report = check_and_write(session, path, level, city_name=CITY_NAME, actor=ACTOR,
                                     apply=True)
        if report.errors:
            raise InvalidInputError(f"the demo's {name} is refused:\n{as_text(report)}")
        progress(f"{level}: {report.changes.get('new', 0)} from {name}")


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
