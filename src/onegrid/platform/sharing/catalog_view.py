"""The catalog as a department reads it: owner, fields, sharing class, freshness, record count,
and whether (and how) the department may read each dataset."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onegrid.platform.errors import NotFoundError
from onegrid.platform.sharing.views import DatasetView, how_to_ask, schema_fields
from onegrid.platform.store.models import Dataset, Department, Record


def _access(dataset: Dataset, view: DatasetView | None) -> dict[str, Any]:
    if view is not None:
        return {"readable": True, "fields": list(view.fields),
                "masked_fields": sorted(view.pii_fields & set(view.fields)),
                "hidden": sorted(view.hidden),  # geometry, grid, subject_key not granted
                "purpose_required": view.sharing_class == "conditional" and not view.owner}
    how = (how_to_ask(dataset.id) if dataset.sharing_class == "conditional"
           else "not shared (不予共享): only the owner department reads it")
    return {"readable": False, "fields": [], "masked_fields": [], "purpose_required": False,
            "how_to_get_access": how}


def describe(session: Session, views: dict[str, DatasetView],
             dataset_id: str | None = None) -> list[dict[str, Any]]:
    """Catalog entries (one, when ``dataset_id`` is given: NotFoundError if unknown)."""
    stats = select(Record.dataset_id, func.count().label("records"),
                   func.max(Record.updated_at).label("updated_at")).group_by(Record.dataset_id)
    if dataset_id is not None:
        stats = stats.where(Record.dataset_id == dataset_id)
    counts = stats.subquery()
    query = (select(Dataset, Department.code, counts.c.records, counts.c.updated_at)
             .join(Department, Department.id == Dataset.owner_department_id)
             .outerjoin(counts, counts.c.dataset_id == Dataset.id).order_by(Dataset.id))
    if dataset_id is not None:
        query = query.where(Dataset.id == dataset_id)
    entries = [_entry(ds, owner, records, updated, views.get(ds.id))
               for ds, owner, records, updated in session.execute(query)]
    if dataset_id is not None and not entries:
        raise NotFoundError(f"no dataset {dataset_id!r}; GET /api/v1/datasets lists them")
    return entries


def _entry(ds: Dataset, owner: str, records: int | None, updated: Any,
           view: DatasetView | None) -> dict[str, Any]:
    properties = ds.attribute_schema.get("properties", {})
    return {
        "id": ds.id, "title": ds.title, "owner": owner, "contributors": ds.contributors,
        "sharing_class": ds.sharing_class, "subject_key_kind": ds.subject_key_kind,
        "geometry_type": ds.geometry_type, "record_count": records or 0, "updated_at": updated,
        "fields": [{"name": name, "schema": properties[name],
                    "personal_information": name in ds.pii_fields} for name in schema_fields(ds)],
        "access": _access(ds, view),
        "links": {"records": f"/api/v1/datasets/{ds.id}/records",
                  "changes": f"/api/v1/datasets/{ds.id}/changes",
                  "ogc": f"/ogc/collections/{ds.id}"},
    }
