"""One pull of shared data: the grant, the purpose, the query through the view, the trace entry."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy.orm import Session

from onegrid.platform.errors import InvalidInputError
from onegrid.platform.sharing.views import DatasetView, readable, view_of
from onegrid.platform.store.models import Department
from onegrid.platform.trace.chain import append

T = TypeVar("T")
MAX_PURPOSE = 500  # characters of the stated purpose the trace keeps
MAX_QUERY_STRING = 1000


@dataclass(frozen=True)
class Asker:
    """Who pulls, why, and how they asked: all that the trace entry says about the caller."""

    department: Department
    actor: str  # "dept:SCJG" for a token, "user:op1" for a signed-in user
    purpose: str = ""  # as stated; the purpose rule decides whether it will do
    route: str = ""  # the route it came through, e.g. /api/v1/datasets/<dataset_id>/records
    query_string: str = ""
    via: str | None = None  # "ogc" for OGC API Features; None for the data API


@dataclass(frozen=True)
class Answer(Generic[T]):
    """What a query found through the caller's views, and how the trace entry names it."""

    value: T
    target: str  # "dataset:<id>", "record:<id>" or "subject:<masked key>"
    detail: dict[str, Any]  # what the entry adds: rows, fields, tile, bytes, …
    datasets: tuple[str, ...] = ()  # a query across datasets: those the answer came from


class Query(Protocol[T]):
    """A question to one dataset's records, or to every dataset the caller may read: a small
    frozen value beside the code it runs (sharing.queries, gis.tiles.RecordTile)."""

    @property
    def dataset_id(self) -> str | None:
        """The dataset asked; None asks every dataset the caller may read."""

    def run(self, session: Session, views: Mapping[str, DatasetView]) -> Answer[T]:
        """The answer as ``views`` show it: visible fields only, personal ones masked."""


def pull(session: Session, asker: Asker, query: Query[T], reader: Session | None = None) -> T:
    """Answer ``query`` as the asker's department may see it and record the pull in the trace.
    The grant, the purpose and the trace entry are the ``session``'s (the primary's); the
    query runs on ``reader`` when given (a replica: store/replica.py), else on ``session``.

    A refused pull raises and writes nothing: NotFoundError or AccessDeniedError (saying how to
    ask) when the department may not read the dataset, InvalidInputError when data shared on
    request is pulled without a purpose, or whatever the query raises. One dataset's grant and
    purpose are checked before its query runs; a query across datasets meets the purpose rule
    for the datasets its answer came from. An answered pull, an empty answer too, appends
    exactly one ``data.pull`` entry (the query's target and detail, with the department,
    route, query string, purpose and ``via``) to the session; the caller's unit of work
    commits it."""
    if query.dataset_id is None:  # across datasets, the rule holds for those it is found in
        views = readable(session, asker.department)
        answer = query.run(reader or session, views)
        purpose = _purpose(asker, (views[d] for d in answer.datasets))
    else:
        view = view_of(session, asker.department, query.dataset_id)
        purpose = _purpose(asker, [view])
        answer = query.run(reader or session, {view.dataset_id: view})
    _trace(session, asker, purpose, answer)
    return answer.value


def _purpose(asker: Asker, views: Iterable[DatasetView]) -> str:
    """The stated purpose as the trace keeps it: required to pull a dataset shared on request
    (有条件共享) that the asker's department does not own."""
    stated = asker.purpose.strip()
    if not stated:
        for view in views:
            if view.sharing_class == "conditional" and not view.owner:
                raise InvalidInputError(f"dataset {view.dataset_id!r} is shared on request: "
                                        "state the purpose of this pull in the X-Purpose header "
                                        "or the purpose parameter")
    return stated[:MAX_PURPOSE]


def _trace(session: Session, asker: Asker, purpose: str, answer: Answer[Any]) -> None:
    # A pull changes no data, so its entry need not wait for the disk: a crash may lose the
    # last fraction of a second of pull entries but never breaks or reorders the chain.
    via = {"via": asker.via} if asker.via else {}
    append(session, asker.actor, "data.pull", answer.target,
           {"department": asker.department.code, "route": asker.route,
            "query": asker.query_string[:MAX_QUERY_STRING], "purpose": purpose, **via,
            **answer.detail}, durable=False)
