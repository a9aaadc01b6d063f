"""What a pull may ask: a page of records, one record, the change feed, a subject everywhere."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from onegrid.platform.errors import InvalidInputError, NotFoundError
from onegrid.platform.sharing import changes, records
from onegrid.platform.sharing.identity import subject_key
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
    """Every readable record of one subject, stored under any of ``keys``; NotFoundError if none."""

    keys: tuple[str, ...]

    @classmethod
    def named(cls, key: str, pii_key: str) -> Subject:
        """The subject a caller names: a resident ID is stored only as its keyed hash."""
        try:
            return cls((key, subject_key("resident_id", key, pii_key).key))
        except InvalidInputError:
            return cls((key,))

    @property
    def dataset_id(self) -> None:
        """A subject is looked for in every dataset the caller may read."""

    def run(self, session: Session,
            views: Mapping[str, DatasetView]) -> Answer[list[dict[str, Any]]]:
        rows = records.of_subject(session, views, list(self.keys))
        if not rows:
            raise NotFoundError("no record of this subject in any dataset your department may read")
        datasets = [r["dataset_id"] for r in rows]
        return Answer(rows, f"subject:{rows[0]['subject_key']}",
                      {"rows": len(rows), "datasets": datasets}, tuple(dict.fromkeys(datasets)))
