"""Who may read what: the fields of each dataset a department sees, from sharing class and grants.

Unconditional datasets are readable by every department, conditional ones through an approved,
unexpired grant request (only its fields), not-shared ones by the owner only. Personal
information stays masked unless the reader owns the dataset or its grant says otherwise.

A dataset whose subjects are people (resident ID keys) also keeps where they are and who they
are: a reader other than the owner sees a record's geometry, grid and masked key only when its
grant names them (LOCATORS: ``geometry``, which brings the grid with it, ``grid`` alone, and
``subject_key``, which also allows looking a person up by the raw key)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from onegrid.platform.errors import AccessDeniedError, NotFoundError
from onegrid.platform.store.models import Dataset, Department, GrantRequest
from onegrid.platform.store.recent import Recent

# Parts of a record beside its attributes that a grant may name: where the subject is
# (geometry, grid) and the subject's masked key. They are granted only for datasets whose
# subjects are people; elsewhere every reader sees them.
LOCATORS = ("geometry", "grid", "subject_key")
PERSON_KEY_KIND = "resident_id"


@dataclass(frozen=True)
class DatasetView:
    """What one department sees of one dataset."""

    dataset_id: str
    sharing_class: str
    subject_kind: str  # the dataset's subject key kind: credit_code, resident_id, …
    fields: tuple[str, ...]
    pii_fields: frozenset[str]  # fields the reader sees only masked
    owner: bool = False
    hidden: frozenset[str] = frozenset()  # LOCATORS the reader does not see
    # The fields as a set, asked of every attribute of every record of a page.
    _visible: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_visible", frozenset(self.fields))

    def sees(self, locator: str) -> bool:
        """Whether the reader sees this part of a record (geometry, grid, subject_key)."""
        return locator not in self.hidden

    def visible(self, attributes: dict[str, Any]) -> dict[str, Any]:
        """``attributes`` cut to the visible fields, personal ones masked."""
        return {k: mask_value(v) if k in self.pii_fields else v
                for k, v in attributes.items() if k in self._visible}


def mask_value(value: object) -> str:
    """Keep the first and last characters, star the rest: 张*, 138****5678."""
    text = str(value)
    if len(text) <= 2:
        return text[:1] + "*" * (len(text) - 1)
    keep = max(1, len(text) // 4)
    return text[:keep] + "*" * (len(text) - 2 * keep) + text[-keep:]


def schema_fields(dataset: Dataset) -> tuple[str, ...]:
    return tuple(dataset.attribute_schema.get("properties", {}))


def _hidden(dataset: Dataset, granted: set[str]) -> frozenset[str]:
    """The LOCATORS a non-owner with these granted names does not see."""
    if dataset.subject_key_kind != PERSON_KEY_KIND:
        return frozenset()
    shown = granted | ({"grid"} if "geometry" in granted else set())
    return frozenset(LOCATORS) - shown


def how_to_ask(dataset_id: str) -> str:
    return (f"to ask for access, POST /api/v1/grant-requests with "
            f'{{"dataset": "{dataset_id}", "purpose": "...", "fields": [...], '
            f'"expires_at": "YYYY-MM-DD"}}; the owner department approves or denies it')


def _grants(session: Session, department: Department) -> dict[str, list[GrantRequest]]:
    rows = session.scalars(select(GrantRequest).where(
        GrantRequest.department_id == department.id, GrantRequest.status == "approved",
        GrantRequest.expires_at > datetime.now(UTC)))
    found: dict[str, list[GrantRequest]] = {}
    for grant in rows:
        found.setdefault(grant.dataset_id, []).append(grant)
    return found


def _view(dataset: Dataset, department: Department,
          grants: list[GrantRequest]) -> DatasetView | None:
    fields, pii = schema_fields(dataset), frozenset(dataset.pii_fields)
    of = (dataset.id, dataset.sharing_class, dataset.subject_key_kind)
    if dataset.owner_department_id == department.id:
        return DatasetView(*of, fields, frozenset(), owner=True)
    if dataset.sharing_class == "unconditional":
        return DatasetView(*of, fields, pii, hidden=_hidden(dataset, set()))
    if dataset.sharing_class == "conditional" and grants:
        granted = {f for g in grants for f in g.fields}
        clear = {f for g in grants if g.personal_information for f in g.fields}
        return DatasetView(*of, tuple(f for f in fields if f in granted), pii - clear,
                           hidden=_hidden(dataset, granted))
    return None


def readable(session: Session, department: Department) -> dict[str, DatasetView]:
    """Every dataset ``department`` may read now, keyed by id (ordered by id)."""
    grants = _grants(session, department)
    views = (_view(ds, department, grants.get(ds.id, []))
             for ds in session.scalars(select(Dataset).order_by(Dataset.id)))
    return {v.dataset_id: v for v in views if v is not None}


# A department's view of one dataset, asked by every pull and changed only by a grant decision
# or a registration, is believed BELIEVED_S (store/recent.py) in a process, never past the
# earliest expiry of the grants it rests on; either change forgets it here at once, in the other
# web processes within those seconds. A refusal is never kept: a new grant opens the dataset at
# once.
_believed: Recent[tuple[int, str], tuple[DatasetView, datetime | None]] = Recent()


def forget_views() -> None:
    """Stop believing this process's views (a grant was decided or a dataset registered)."""
    _believed.forget()


def view_of(session: Session, department: Department, dataset_id: str) -> DatasetView:
    """The department's view of one dataset; NotFoundError or AccessDeniedError (saying how to
    ask)."""
    believed = _believed.get((department.id, dataset_id))
    if believed is not None and (believed[1] is None or believed[1] > datetime.now(UTC)):
        return believed[0]
    dataset = session.get(Dataset, dataset_id)
    if dataset is None:
        raise NotFoundError(f"no dataset {dataset_id!r}; GET /api/v1/datasets lists them")
    # Only a conditional dataset read by another department needs its grants looked up.
    asks = dataset.sharing_class == "conditional" and dataset.owner_department_id != department.id
    grants = _grants(session, department).get(dataset_id, []) if asks else []
    view = _view(dataset, department, grants)
    if view is not None:
        _believed.put((department.id, dataset_id),
                      (view, min((g.expires_at for g in grants), default=None)))
        return view
    if dataset.sharing_class == "not_shared":
        raise AccessDeniedError(f"dataset {dataset_id!r} is not shared (不予共享): only its owner "
                                "department reads it")
    raise AccessDeniedError(f"dataset {dataset_id!r} is shared on request (有条件共享) and your "
                            f"department {department.code} has no valid grant; "
                            f"{how_to_ask(dataset_id)}")
