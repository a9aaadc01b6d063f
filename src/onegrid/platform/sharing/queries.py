"""What a pull may ask: a page of records, one record, the change feed, a subject everywhere."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from onegrid.platform.errors import InvalidInputError
from onegrid.platform.sharing import changes, records
from onegrid.platform.sharing.identity import mask_resident_ids, pii_hash, subject_key
from onegrid.platform.sharing.pull import Answer
from onegrid.platform.sharing.records import Page, RecordFilter
from onegrid.platform.sharing.views import DatasetView


@dataclass(frozen=True)
class RecordPage:
    """A page of a dataset's records matching ``where`` (records.find)."""

    dataset_id: str
    where: RecordFilter

    def run(self, session: Session, views: Mapping[str, DatasetView]) -> Answer[Page]:
        view = views[self.dataset_id]
        page = records.find(session, view, self.where)
        return Answer(page, f"dataset:{self.dataset_id}",
                      {"rows": len(page.rows), "fields": list(view.fields)})


@dataclass(frozen=True)
class OneRecord:
    """One record of a dataset by id, or NotFoundError."""

    dataset_id: str
    record_id: int

    def run(self, session: Session,
            views: Mapping[str, DatasetView]) -> Answer[dict[str, Any]]:
        found = records.get(session, views[self.dataset_id], self.record_id)
        return Answer(found, f"record:{self.record_id}", {"rows": 1})


@dataclass(frozen=True)
class ChangesSince:
    """What changed in a dataset after ``cursor`` (changes.since): at most ``limit`` records."""

    dataset_id: str
    cursor: int
    limit: int = 100

    def run(self, session: Session,
            views: Mapping[str, DatasetView]) -> Answer[dict[str, Any]]:
        feed = changes.since(session, views[self.dataset_id], self.cursor, self.limit)
        return Answer(feed, f"dataset:{self.dataset_id}",
                      {"rows": len(feed["changes"]), "changes_since": str(self.cursor)})


@dataclass(frozen=True)
class Subject:
    """Every record of one subject stored under any of ``keys``, in the datasets where the caller
    may look a subject up by its key: those it reads whose masked key it sees (a dataset about
    people: its owner, or a grant naming ``subject_key``). A dataset it may not look in is left
    out of the query, so a refusal is a miss: the same query, an empty answer, a trace entry
    naming the subject by ``masked`` (and a resident ID by its keyed hash). The purpose rule
    holds for the datasets it is found in, which the caller may look in anyway."""

    keys: tuple[str, ...]
    masked: str  # the key as the trace names it: any resident ID in it masked
    key_hash: str | None = None  # a personal key's keyed hash, linking lookups of one person

    @classmethod
    def named(cls, key: str, pii_key: str) -> Subject:
        """The subject a caller names: a resident ID is stored only as its keyed hash."""
        masked = mask_resident_ids(key, (key,))
        personal = masked != key
        try:
            keys: tuple[str, ...] = (key, subject_key("resident_id", key, pii_key).key)
        except InvalidInputError:
            keys = (key,)
        return cls(keys, masked, pii_hash(key, pii_key) if personal else None)

    @property
    def dataset_id(self) -> None:
        """A subject is looked for in every dataset the caller may look it up in."""

    def run(self, session: Session,
            views: Mapping[str, DatasetView]) -> Answer[list[dict[str, Any]]]:
        searched = {d: view for d, view in views.items() if view.sees("subject_key")}
        rows = records.of_subject(session, searched, list(self.keys))
        datasets = [r["dataset_id"] for r in rows]
        hashed = {"key_hash": self.key_hash} if self.key_hash else {}
        return Answer(rows, f"subject:{self.masked}",
                      {"rows": len(rows), "datasets": datasets, **hashed},
                      tuple(dict.fromkeys(datasets)))
