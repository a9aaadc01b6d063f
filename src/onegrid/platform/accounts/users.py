"""The people who sign in: created and changed from a city's file of users (XLSX or CSV) or one
at a time, every change traced. A new user gets a one-time password (platform/accounts/
one_time.py) to replace at first sign-in. A phone number is personal information, kept as
resident IDs are (platform/sharing/identity.py): a keyed hash and a masked form."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from onegrid.platform.accounts.one_time import new_password
from onegrid.platform.accounts.passwords import hash_password, sign_out_everywhere
from onegrid.platform.errors import ConflictError, InvalidInputError, NotFoundError
from onegrid.platform.sharing.identity import pii_hash
from onegrid.platform.spreadsheets import read_sheet
from onegrid.platform.store.models import USER_ROLES, Area, Department, User
from onegrid.platform.trace.chain import Step, append, append_all

COLUMNS: dict[str, tuple[str, ...]] = {  # each column's key, and the headers it may have
    "username": ("用户名", "账号"),
    "name": ("姓名", "display_name"),
    "role": ("角色",),
    "department": ("部门", "部门代码", "department_code"),
    "areas": ("工作区域", "区域代码", "area_codes", "area codes"),
    "phone": ("手机", "手机号", "电话", "联系电话"),
}
ROLE_NAMES = {"网格员": "grid_worker", "部门工作人员": "department_staff",
              "指挥中心值班员": "operator",
              "管理员": "admin", **{role: role for role in USER_ROLES}}
_USERNAME = re.compile(r"[a-z0-9][a-z0-9_.-]{1,63}")
_AREA_SEPARATORS = re.compile(r"[\s,;，；、]+")
_PHONE_NOISE = re.compile(r"[\s()（）-]+")
_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_LANDLINE = re.compile(r"0[1-9][0-9]{8,10}")  # area code and number, 10 to 12 digits
_LISTED = 50  # problems listed in one error; the rest are counted


@dataclass(frozen=True)
class Person:
    """One user as a file or a command states them: all of them, so a re-import sets it."""

    username: str
    name: str
    role: str
    department: str = ""
    areas: tuple[str, ...] = ()
    phone: str = ""  # normalised digits, or "" for none


@dataclass
class Applied:
    """What an import or a command did: new users with their one-time passwords, changed ones."""

    created: dict[str, str] = field(default_factory=dict)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0


def normalise_phone(value: str) -> str:
    """A mainland mobile (13812345678) or landline (057788001234) number as digits, from the
    ways people type them (+86 138 1234 5678, 0577-8800 1234). ValueError never repeats it."""
    digits = _PHONE_NOISE.sub("", value).removeprefix("+86").removeprefix("0086")
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    if _MOBILE.fullmatch(digits) or _LANDLINE.fullmatch(digits):
        return digits
    raise ValueError("is not a mainland mobile number (11 digits from 1) or a landline number "
                     "(area code and number)")


def mask_phone(digits: str) -> str:
    """The last four digits and the start: 138****5678, 0577****1234."""
    return digits[:-8] + "****" + digits[-4:]


def read_people(session: Session, path: Path) -> list[Person]:
    """The users in the file, each checked against the store (departments, areas). All
    problems at once, each naming its row and column, in one InvalidInputError."""
    sheet = read_sheet(path, COLUMNS)
    problems, people = [], []
    known = _Known.of(session, [cells for _, cells in sheet.rows])
    first_row: dict[str, int] = {}
    for row, cells in sheet.rows:
        person, wrong = _person(cells, known)
        if person is not None and person.username in first_row:
            wrong.append(("username", f"{person.username!r} is also on row "
                                      f"{first_row[person.username]}"))
        elif person is not None:
            first_row[person.username] = row
        problems += [f"{sheet.place(row, column)}: {why}" for column, why in wrong]
        if person is not None and not wrong:
            people.append(person)
    if not sheet.rows:
        problems.append("no users below the header row")
    _refuse(sheet.name, problems)
    return people


def person_from(session: Session, cells: Mapping[str, str]) -> Person:
    """One user stated by a command's options (the columns' keys), checked as a row is."""
    person, wrong = _person(cells, _Known.of(session, [cells]))
    _refuse("the user", [f"{column}: {why}" for column, why in wrong])
    assert person is not None
    return person


def apply_people(session: Session, people: Iterable[Person], pii_key: str, actor: str,
                 source: str, *, password: str | None = None) -> Applied:
    """Create the new users (one-time passwords, to change at first sign-in) and set the known
    ones as stated; each change traced (``source``: the file or the command). ``password``
    instead gives every new user that one, to keep: the demo's published password (README,
    Demo), hashed once and shared, which `onegrid demo guard` looks for."""
    people = list(people)
    existing = {u.username: u for u in session.scalars(
        select(User).where(User.username.in_([p.username for p in people]))
        .options(selectinload(User.grids)))}
    departments = {code: id_ for code, id_ in
                   session.execute(select(Department.code, Department.id))}
    codes = {code for p in people for code in p.areas}
    areas = {a.code: a for a in session.scalars(select(Area).where(Area.code.in_(codes)))}
    applied = Applied(created={p.username: password or new_password() for p in people
                               if p.username not in existing})
    hashes = (dict.fromkeys(applied.created, hash_password(password)) if password and
              applied.created else _hashed(applied.created))
    steps: list[Step] = []
    for person in people:
        user = existing.get(person.username)
        if user is None:
            user = User(username=person.username, password_hash=hashes[person.username],
                        must_change_password=password is None)
            session.add(user)
        changed = _set(user, person, departments, areas, pii_key)
        if person.username in applied.created:
            steps.append(Step(actor, "user.add", f"user:{person.username}",
                              _stated(person, source)))
        elif changed:
            applied.updated.append(person.username)
            steps.append(Step(actor, "user.update", f"user:{person.username}",
                              {"changed": changed, **_stated(person, source)}))
        else:
            applied.unchanged += 1
    session.flush()
    append_all(session, steps)
    return applied


def _hashed(passwords: Mapping[str, str]) -> dict[str, str]:
    """Each password's hash, on every core: scrypt (a 16 MiB memory-hard hash) is most of an
    import's time, and lets go of the GIL while it works."""
    with ThreadPoolExecutor(os.cpu_count()) as pool:
        return dict(zip(passwords, pool.map(hash_password, passwords.values()), strict=True))


def get_user(session: Session, username: str) -> User:
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise NotFoundError(f"no user {username!r}")
    return user


def users_page(session: Session, number: int, size: int) -> tuple[list[User], int]:
    """Page ``number`` (from 1) of the users by username, with their areas; and how many pages
    there are (at least 1)."""
    total = session.scalar(select(func.count()).select_from(User)) or 0
    users = session.scalars(select(User).options(selectinload(User.grids))
                            .order_by(User.username).offset((number - 1) * size).limit(size))
    return list(users), max(1, -(-total // size))


def user_by_id(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError(f"no user with id {user_id}")
    return user


def add_user(session: Session, person: Person, pii_key: str, actor: str) -> str:
    """Create one user; the one-time password is returned here and nowhere else."""
    if session.scalar(select(User.id).where(User.username == person.username)) is not None:
        raise ConflictError(f"user {person.username!r} exists: change it with `onegrid user "
                            "assign` or an import")
    return apply_people(session, [person], pii_key, actor, "command").created[person.username]


def reset_password(session: Session, username: str, actor: str) -> str:
    """A new one-time password for the user, to change at the next sign-in; every session of
    theirs ends."""
    user = get_user(session, username)
    password = new_password()
    user.password_hash, user.must_change_password = hash_password(password), True
    sign_out_everywhere(session, user)
    append(session, actor, "user.reset_password", f"user:{username}", {})
    return password


def set_disabled(session: Session, username: str, disabled: bool, actor: str) -> User:
    """Disable the user (they can no longer sign in, and every session of theirs ends), or
    enable them again."""
    user = get_user(session, username)
    user.disabled_at = datetime.now(UTC) if disabled else None
    if disabled:
        sign_out_everywhere(session, user)
    append(session, actor, "user.disable" if disabled else "user.enable", f"user:{username}", {})
    return user


def assign(session: Session, username: str, codes: Iterable[str], actor: str,
           replace: bool = False) -> list[str]:
    """Give the user these areas (as well, or ``replace``-ing theirs); the codes they now have."""
    user = get_user(session, username)
    codes = list(dict.fromkeys(codes))
    known = _Known.of(session, [{"areas": " ".join(codes)}])
    _refuse("the areas", [f"{code}: {why}" for code, why in known.area_problems(user.role, codes)])
    before = [area.code for area in user.grids]
    wanted = codes if replace else list(dict.fromkeys([*before, *codes]))
    user.grids = list(session.scalars(select(Area).where(Area.code.in_(wanted))))
    session.flush()
    now = sorted(area.code for area in user.grids)
    append(session, actor, "user.assign", f"user:{username}",
           {"areas": now, "added": sorted(set(now) - set(before)),
            "removed": sorted(set(before) - set(now))})
    return now


@dataclass(frozen=True)
class _Known:
    """What the rows name that the store has: department codes, and each area code's level."""

    departments: frozenset[str]
    levels: dict[str, str]

    @classmethod
    def of(cls, session: Session, rows: Iterable[Mapping[str, str]]) -> _Known:
        codes = {code for cells in rows for code in _codes(cells.get("areas", ""))}
        return cls(frozenset(session.scalars(select(Department.code))),
                   {code: level for code, level in session.execute(
                       select(Area.code, Area.level).where(Area.code.in_(codes)))})

    def area_problems(self, role: str, codes: Iterable[str]) -> list[tuple[str, str]]:
        problems = []
        for code in codes:
            level = self.levels.get(code)
            if level is None:
                problems.append((code, "no area has this code (see the boundary import)"))
            elif role == "grid_worker" and level != "grid":
                problems.append((code, f"is a {level}: a grid worker works in grids"))
        return problems


def _person(cells: Mapping[str, str], known: _Known) -> tuple[Person | None, list[tuple[str, str]]]:
    """The person in ``cells`` and what is wrong with it, as (column, problem) pairs."""
    wrong: list[tuple[str, str]] = []
    username = cells.get("username", "").strip()
    if not _USERNAME.fullmatch(username):
        wrong.append(("username", "use 2 to 64 lower-case letters, digits, '.', '_' or '-', "
                                  "starting with a letter or digit"))
    name = cells.get("name", "").strip()
    if not name:
        wrong.append(("name", "the person's name is missing"))
    role = ROLE_NAMES.get(cells.get("role", "").strip(), "")
    if not role:
        wrong.append(("role", f"use one of {', '.join(ROLE_NAMES)}"))
    department = cells.get("department", "").strip()
    if department and department not in known.departments:
        wrong.append(("department", f"no department {department[:32]!r} (see `onegrid "
                                    "department list`)"))
    elif not department and role == "department_staff":
        wrong.append(("department", "department staff need their department's code"))
    areas = tuple(dict.fromkeys(_codes(cells.get("areas", ""))))
    wrong += [("areas", f"{code[:24]}: {why}") for code, why in known.area_problems(role, areas)]
    if role == "grid_worker" and not areas:
        wrong.append(("areas", "a grid worker needs the code of at least one grid"))
    phone = ""
    if raw := cells.get("phone", "").strip():
        try:
            phone = normalise_phone(raw)
        except ValueError as exc:
            wrong.append(("phone", str(exc)))
    person = Person(username, name, role, department, areas, phone) if username else None
    return person, wrong


def _codes(text: str) -> list[str]:
    return [code for code in _AREA_SEPARATORS.split(text) if code]


def _set(user: User, person: Person, departments: Mapping[str, int], areas: Mapping[str, Area],
         pii_key: str) -> list[str]:
    """Make ``user`` as ``person`` states; the names of the fields that changed."""
    wanted = {"display_name": person.name, "role": person.role,
              "department_id": departments.get(person.department),
              "phone_hash": pii_hash(person.phone, pii_key) if person.phone else None,
              "phone_masked": mask_phone(person.phone) if person.phone else None}
    changed = [name for name, value in wanted.items() if getattr(user, name) != value]
    for name in changed:
        setattr(user, name, wanted[name])
    grids = [areas[code] for code in person.areas]
    if {a.code for a in user.grids} != set(person.areas):
        user.grids = grids
        changed.append("areas")
    return [name.removesuffix("_hash") for name in changed if name != "phone_masked"]


def _stated(person: Person, source: str) -> dict[str, object]:
    return {"name": person.name, "role": person.role, "department": person.department or None,
            "areas": list(person.areas), "phone": mask_phone(person.phone) if person.phone
            else None, "source": source}


def _refuse(what: str, problems: list[str]) -> None:
    if not problems:
        return
    listed = problems[:_LISTED]
    more = f"\n  … and {len(problems) - _LISTED} more" if len(problems) > _LISTED else ""
    raise InvalidInputError(f"{what}: {len(problems)} problem(s), nothing was written:\n  "
                            + "\n  ".join(listed) + more)
