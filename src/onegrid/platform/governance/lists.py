"""Versioned lists: issue categories, the responsibility list (权责清单) and the admission list
(准入清单). Each import is a version in force from its effective time until the next one; a
rule reads the version in force at its event's time, never simply the newest."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlalchemy.dialects.postgresql import insert as upsert
from sqlalchemy.orm import Session

from onegrid.platform.errors import InvalidInputError, NotFoundError
from onegrid.platform.governance.listfiles import (
    COLUMNS,
    ListFileError,
    check_rows,
    missing_headers,
    read_rows,
)
from onegrid.platform.store.models import (
    LIST_KINDS,
    Department,
    IssueCategory,
    ListEntry,
    ListVersion,
)
from onegrid.platform.trace.chain import append

Entries = dict[str, dict[str, Any]]


def effective_start(day: date, zone: str) -> datetime:
    """The first instant of ``day`` in the city's zone: when a version dated ``day`` starts."""
    return datetime.combine(day, time(0), ZoneInfo(zone))


def check_kind(kind: str) -> str:
    if kind not in LIST_KINDS:
        raise InvalidInputError(f"unknown list {kind!r}; one of {', '.join(LIST_KINDS)}")
    return kind


def import_file(session: Session, kind: str, path: Path, effective_at: datetime,
                by: str) -> tuple[ListVersion, bool]:
    """Read, check and store ``path`` as a version of ``kind`` in force from ``effective_at``;
    (the version, True when it is new). Nothing is written when any row is wrong
    (ListFileError names each); the same file for the same time again adds nothing."""
    rows = read_rows(path)
    if missing := missing_headers(check_kind(kind), rows):
        raise ListFileError(f"{path.name} lacks the columns {', '.join(missing)}")
    entries = check_rows(kind, rows, lambda entry: _store_problems(session, kind, entry))
    return add_version(session, kind, entries, effective_at, path.name, by)


def _store_problems(session: Session, kind: str, entry: dict[str, Any]
                    ) -> Iterator[tuple[str, str]]:
    """What the store says about an entry: departments and categories it names exist, a level
    where it is needed."""
    if kind == "responsibility":
        if session.get(IssueCategory, entry["category"]) is None:
            yield "category", f"{entry['category']!r} is no category (import categories first)"
        for name in ("lead", "supporting"):
            for code in [entry[name]] if name == "lead" else entry[name]:
                if code and _department_id(session, code) is None:
                    yield name, f"{code!r} is no department (onegrid department add)"
        if entry["lead"] and not entry["level"]:
            yield "level", "a matter with a lead department needs its level"
    if kind == "admission" and entry["kind"] != "removed" and not entry["level"]:
        yield "level", "name the lowest level it may be pushed to"


def _department_id(session: Session, code: str) -> int | None:
    return session.scalar(select(Department.id).where(Department.code == code))


def add_version(session: Session, kind: str, entries: Entries, effective_at: datetime,
                source: str, by: str) -> tuple[ListVersion, bool]:
    """Store ``entries`` (checked) as a version of ``kind``, traced with what changed against
    the version in force just before it; an identical version at the same time is returned
    as it is, with False."""
    digest = hashlib.sha256(json.dumps(entries, sort_keys=True, ensure_ascii=False)
                            .encode()).hexdigest()
    same = session.scalars(select(ListVersion).where(
        ListVersion.kind == kind, ListVersion.effective_at == effective_at,
        ListVersion.sha256 == digest)).first()
    if same is not None:
        return same, False
    before = in_force(session, kind, effective_at)
    version = ListVersion(kind=kind, effective_at=effective_at, source=source, sha256=digest,
                          imported_by=by)
    session.add(version)
    session.flush()
    session.execute(insert(ListEntry), [{"version_id": version.id, "key": key, "data": data}
                                        for key, data in entries.items()])
    if kind == "categories":
        _catalogue(session, entries, newest=newest(session, kind) == version)
    change = compare(kind, entries_of(session, before) if before else {}, entries)
    append(session, by, "list.imported", f"list-version:{version.id}",
           {"kind": kind, "effective_at": effective_at, "source": source, "sha256": digest,
            "entries": len(entries), "replaces": before.id if before else None,
            "added": sorted(change.added), "removed": sorted(change.removed),
            "changed": sorted(change.changed)})
    return version, True


def _catalogue(session: Session, entries: Entries, newest: bool) -> None:
    """Issues refer to categories by code: the catalogue holds every code ever listed, named
    as the newest version names it (an older version adds only codes it lacks)."""
    rows = [{"code": key, "kind": e["kind"], "class_name": e["major_name"],
             "class_name_en": e["major_name_en"] or e["major_name"], "name": e["name"],
             "name_en": e["name_en"] or e["name"], "response_hours": e["response_hours"],
             "resolve_hours": e["resolve_hours"]} for key, e in entries.items()]
    stmt = upsert(IssueCategory).values(rows)
    session.execute(stmt.on_conflict_do_update(
        index_elements=["code"], set_={c: stmt.excluded[c] for c in rows[0] if c != "code"})
        if newest else stmt.on_conflict_do_nothing())


def in_force(session: Session, kind: str, at: datetime) -> ListVersion | None:
    """The version of ``kind`` in force at ``at``: the latest effective at or before it (of two
    effective at once, the later import); None before the first."""
    return session.scalars(
        select(ListVersion).where(ListVersion.kind == kind, ListVersion.effective_at <= at)
        .order_by(ListVersion.effective_at.desc(), ListVersion.id.desc()).limit(1)).first()


def newest(session: Session, kind: str) -> ListVersion | None:
    """The version that is or will be in force last."""
    return session.scalars(select(ListVersion).where(ListVersion.kind == kind)
                           .order_by(ListVersion.effective_at.desc(), ListVersion.id.desc())
                           .limit(1)).first()


def entry_in_force(session: Session, kind: str, key: str, at: datetime
                   ) -> tuple[ListVersion, dict[str, Any] | None] | None:
    """(the version in force at ``at``, its entry for ``key`` or None); None when no version
    of ``kind`` is in force yet."""
    version = in_force(session, kind, at)
    if version is None:
        return None
    data = session.scalar(select(ListEntry.data).where(ListEntry.version_id == version.id,
                                                       ListEntry.key == key))
    return version, data


def category_in_force(session: Session, code: str, at: datetime) -> IssueCategory | None:
    """The category as the categories list in force at ``at`` has it (its SLA hours there), or
    None when that version does not list it. The row is a value, never added to the session."""
    found = entry_in_force(session, "categories", code, at)
    if found is None or found[1] is None:
        return None
    e = found[1]
    return IssueCategory(code=code, kind=e["kind"], class_name=e["major_name"],
                         class_name_en=e["major_name_en"], name=e["name"], name_en=e["name_en"],
                         response_hours=e["response_hours"], resolve_hours=e["resolve_hours"])


def entries_of(session: Session, version: ListVersion) -> Entries:
    return {key: data for key, data in session.execute(
        select(ListEntry.key, ListEntry.data).where(ListEntry.version_id == version.id)
        .order_by(ListEntry.key))}


def versions(session: Session, kind: str) -> list[ListVersion]:
    """Every version of ``kind``, in the order they take force."""
    return list(session.scalars(select(ListVersion).where(ListVersion.kind == check_kind(kind))
                                .order_by(ListVersion.effective_at, ListVersion.id)))


@dataclass(frozen=True)
class Change:
    """What a newer version adds, removes and changes (field: (old, new)) against an older."""

    added: Entries = field(default_factory=dict)
    removed: Entries = field(default_factory=dict)
    changed: dict[str, dict[str, tuple[Any, Any]]] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """One line per entry: ``+ KEY`` added, ``- KEY`` removed, ``~ KEY field: old → new``."""
        out = [f"+ {key}\t{_label(e)}" for key, e in sorted(self.added.items())]
        out += [f"- {key}\t{_label(e)}" for key, e in sorted(self.removed.items())]
        out += [f"~ {key}\t" + "; ".join(f"{name}: {_show(old)} → {_show(new)}"
                                        for name, (old, new) in fields.items())
                for key, fields in sorted(self.changed.items())]
        return out


def _label(entry: Mapping[str, Any]) -> str:
    return str(entry.get("name") or entry.get("matter") or "")


def _show(value: Any) -> str:
    return (",".join(value) if isinstance(value, list) else str(value)) or "—"


def compare(kind: str, old: Entries, new: Entries) -> Change:
    """``new`` against ``old``; changed fields in the order of the kind's columns."""
    fields = [column.field for column in COLUMNS[kind]]
    changed = {key: {name: (old[key].get(name), entry.get(name)) for name in fields
                     if old[key].get(name) != entry.get(name)}
               for key, entry in new.items() if key in old and old[key] != entry}
    return Change({k: e for k, e in new.items() if k not in old},
                  {k: e for k, e in old.items() if k not in new}, changed)


def diff(session: Session, kind: str, old_id: int | None = None, new_id: int | None = None
         ) -> tuple[ListVersion | None, ListVersion, Change]:
    """(older, newer, what changed) between two versions of ``kind``; by default the newest
    and the one before it (everything added, for the first)."""
    known = versions(session, kind)
    if not known:
        raise NotFoundError(f"no {kind} list has been imported yet")
    by_id = {v.id: v for v in known}
    if (old_id is None) != (new_id is None):
        raise InvalidInputError("name both versions, or neither (the newest two)")
    if old_id is None or new_id is None:
        new, old = known[-1], (known[-2] if len(known) > 1 else None)
    elif old_id not in by_id or new_id not in by_id:
        raise NotFoundError(f"{kind} has versions {', '.join(str(i) for i in by_id)}")
    else:
        old, new = by_id[old_id], by_id[new_id]
    return old, new, compare(kind, entries_of(session, old) if old else {},
                             entries_of(session, new))
