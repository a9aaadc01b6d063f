"""The dataset catalog: what each dataset is, who owns it and who may contribute to it.

A dataset is registered once from a YAML (or JSON) spec; see docs/ingest.md for the format."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import fastjsonschema
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from onegrid.platform.departments import get_department
from onegrid.platform.errors import InvalidInput
from onegrid.platform.identity import check_credit_code, check_resident_id
from onegrid.platform.models import SHARING_CLASSES, SUBJECT_KEY_KINDS, Dataset, Department

GEOMETRY_TYPES = ("Point", "LineString", "Polygon", "MultiPoint", "MultiLineString",
                  "MultiPolygon")

SPEC_SCHEMA = {
    "type": "object",
    "required": ["id", "title", "owner", "subject_key", "sharing", "schema"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "pattern": r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$",
               "maxLength": 64},
        "title": {"type": "string", "minLength": 1},
        "owner": {"type": "string"},
        "contributors": {"type": "array", "items": {"type": "string"}},
        "subject_key": {"enum": list(SUBJECT_KEY_KINDS)},
        "geometry": {"enum": [*GEOMETRY_TYPES, None]},
        "sharing": {"enum": list(SHARING_CLASSES)},
        "personal_information": {"type": "array", "items": {"type": "string"}},
        "schema": {"type": "object"},
    },
}
_check_spec = fastjsonschema.compile(SPEC_SCHEMA)


def _valid(check) -> Any:
    def accepts(value: str) -> bool:
        try:
            check(value)
        except InvalidInput:
            return False
        return True
    return accepts


# Attribute formats a schema may use; the check characters are verified, not just the shape.
FORMATS = {"resident-id": _valid(check_resident_id), "credit-code": _valid(check_credit_code)}


@dataclass(frozen=True)
class DatasetRules:
    """What ingest needs to know about one dataset, compiled once."""

    id: str
    owner: str
    contributors: frozenset[str]
    subject_key_kind: str
    geometry_type: str | None
    validate_attributes: Any
    resident_id_fields: tuple[str, ...]

    def may_contribute(self, department: str) -> bool:
        return department == self.owner or department in self.contributors


def compile_attribute_schema(schema: dict[str, Any]) -> Any:
    try:
        return fastjsonschema.compile(schema, formats=FORMATS)
    except fastjsonschema.JsonSchemaDefinitionException as exc:
        raise InvalidInput(f"the attribute schema is not a valid JSON Schema: {exc}") from exc


def register(session: Session, spec: dict[str, Any]) -> Dataset:
    """Create or update the dataset described by ``spec`` (idempotent)."""
    try:
        _check_spec(spec)
    except fastjsonschema.JsonSchemaValueException as exc:
        raise InvalidInput(f"dataset spec: {exc.message}") from exc
    compile_attribute_schema(spec["schema"])
    owner = get_department(session, spec["owner"])
    contributors = sorted(set(spec.get("contributors", [])) - {owner.code})
    for code in contributors:
        get_department(session, code)
    values = {"title": spec["title"], "owner_department_id": owner.id,
              "contributors": contributors, "attribute_schema": spec["schema"],
              "subject_key_kind": spec["subject_key"], "geometry_type": spec.get("geometry"),
              "sharing_class": spec["sharing"],
              "pii_fields": sorted(set(spec.get("personal_information", [])))}
    stmt = (insert(Dataset).values(id=spec["id"], **values)
            .on_conflict_do_update(index_elements=[Dataset.id], set_=values).returning(Dataset))
    return session.scalars(stmt, execution_options={"populate_existing": True}).one()


def rules(session: Session) -> dict[str, DatasetRules]:
    """Every registered dataset's ingest rules, keyed by dataset id."""
    rows = session.execute(select(Dataset, Department.code).join(
        Department, Department.id == Dataset.owner_department_id))
    return {ds.id: DatasetRules(
        id=ds.id, owner=owner, contributors=frozenset(ds.contributors),
        subject_key_kind=ds.subject_key_kind, geometry_type=ds.geometry_type,
        validate_attributes=compile_attribute_schema(ds.attribute_schema),
        resident_id_fields=tuple(name for name, prop in
                                 ds.attribute_schema.get("properties", {}).items()
                                 if isinstance(prop, dict) and prop.get("format") == "resident-id"),
    ) for ds, owner in rows}
