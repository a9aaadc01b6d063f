"""The dataset catalog: what each dataset is, who owns it and who may contribute to it.

A dataset is registered once from a YAML (or JSON) spec; see docs/ingest.md for the format."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import jsonschema_rs
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from onegrid.platform.accounts.departments import get_department
from onegrid.platform.errors import InvalidInputError
from onegrid.platform.sharing.identity import is_credit_code, is_resident_id
from onegrid.platform.sharing.views import forget_views
from onegrid.platform.store.models import SHARING_CLASSES, SUBJECT_KEY_KINDS, Dataset, Department

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
        # a list (each may set every attribute) or {code: [the attributes it may set] or "*"}
        "contributors": {"oneOf": [
            {"type": "array", "items": {"type": "string"}},
            {"type": "object", "additionalProperties": {"oneOf": [
                {"type": "array", "items": {"type": "string"}}, {"const": "*"}]}}]},
        "subject_key": {"enum": list(SUBJECT_KEY_KINDS)},
        "geometry": {"enum": [*GEOMETRY_TYPES, None]},
        "sharing": {"enum": list(SHARING_CLASSES)},
        "personal_information": {"type": "array", "items": {"type": "string"}},
        "schema": {"type": "object"},
    },
}
# Every schema is read as Draft 7 unless it names its own ($schema).
_SPEC = jsonschema_rs.Draft7Validator(SPEC_SCHEMA)
# What a schema error calls the value instead of quoting it: a dead letter's reason must never
# repeat personal information (a resident ID that fails a field's pattern, say).
MASK = "the value"


# Attribute formats a schema may use; the check characters are verified, not just the shape.
FORMATS = {"resident-id": is_resident_id, "credit-code": is_credit_code}


@dataclass(frozen=True)
class FieldRights:
    """The attributes one contributor may set, and the schema its reports are checked against:
    the dataset's, less the required attributes it may not set (they are the owner's to say)."""

    fields: frozenset[str]
    attributes: jsonschema_rs.Validator


@dataclass(frozen=True)
class DatasetRules:
    """What ingest needs to know about one dataset, compiled once."""

    id: str
    owner: str
    contributors: frozenset[str]
    subject_key_kind: str
    geometry_type: str | None
    attributes: jsonschema_rs.Validator  # the attribute schema, compiled
    resident_id_fields: tuple[str, ...]
    # per contributor limited to some attributes; the owner and the others may set every one
    rights: Mapping[str, FieldRights] = field(default_factory=dict)
    attribute_names: frozenset[str] = frozenset()  # the schema's properties

    def may_contribute(self, department: str) -> bool:
        return department == self.owner or department in self.contributors


def compile_attribute_schema(schema: dict[str, Any]) -> jsonschema_rs.Validator:
    """The schema as a validator (jsonschema-rs, in Rust: ≈ 0.35 µs a record of market.business,
    where fastjsonschema's generated Python took 1.7), formats checked, values masked."""
    draft = jsonschema_rs.validator_cls_for(schema) if "$schema" in schema \
        else jsonschema_rs.Draft7Validator
    try:
        return draft(schema, formats=FORMATS, validate_formats=True, mask=MASK)
    except (jsonschema_rs.ValidationError, ValueError) as exc:
        said = str(exc).partition("\n")[0]  # the first line: what is wrong, not the context
        raise InvalidInputError(f"the attribute schema is not a valid JSON Schema: {said}") from exc


def problem(validator: jsonschema_rs.Validator, instance: Any) -> str | None:
    """What is wrong with ``instance`` (its first error, naming the field), or None."""
    if validator.is_valid(instance):
        return None
    error = next(validator.iter_errors(instance))
    where = ".".join(map(str, error.instance_path))
    if error.message.startswith(MASK):  # "the value is less than the minimum of 0"
        return (where or "the object") + error.message.removeprefix(MASK)
    return f"{where}: {error.message}" if where else error.message


def register(session: Session, spec: dict[str, Any]) -> Dataset:
    """Create or update the dataset described by ``spec`` (idempotent)."""
    wrong = problem(_SPEC, spec)
    if wrong:
        raise InvalidInputError(f"dataset spec: {wrong}")
    compile_attribute_schema(spec["schema"])
    owner = get_department(session, spec["owner"])
    fields = _contributor_fields(spec)
    contributors = sorted(set(spec.get("contributors", [])) - {owner.code})
    for code in contributors:
        get_department(session, code)
    values = {"title": spec["title"], "owner_department_id": owner.id,
              "contributors": contributors,
              "contributor_fields": {c: f for c, f in fields.items() if c != owner.code},
              "attribute_schema": spec["schema"],
              "subject_key_kind": spec["subject_key"], "geometry_type": spec.get("geometry"),
              "sharing_class": spec["sharing"],
              "pii_fields": sorted(set(spec.get("personal_information", [])))}
    stmt = (insert(Dataset).values(id=spec["id"], **values)
            .on_conflict_do_update(index_elements=[Dataset.id], set_=values).returning(Dataset))
    dataset = session.scalars(stmt, execution_options={"populate_existing": True}).one()
    forget_views()  # its sharing class, schema or personal fields may have changed
    return dataset


def _contributor_fields(spec: dict[str, Any]) -> dict[str, list[str]]:
    """The spec's contributors limited to some attributes: {code: sorted attributes}; each must
    be one the schema names."""
    contributors = spec.get("contributors", [])
    if not isinstance(contributors, dict):
        return {}
    known = set(spec["schema"].get("properties", {}))
    limited = {code: sorted(set(fields)) for code, fields in contributors.items()
               if fields != "*"}
    for code, fields in limited.items():
        unknown = [name for name in fields if name not in known]
        if unknown:
            raise InvalidInputError(f"dataset spec: contributor {code} is given attributes the "
                                    f"schema does not name: {', '.join(unknown)}")
    return limited


def _rights(schema: dict[str, Any], fields: dict[str, list[str]]) -> dict[str, FieldRights]:
    required = schema.get("required", [])
    return {code: FieldRights(frozenset(names), compile_attribute_schema(
        {**schema, "required": [name for name in required if name in names]}))
        for code, names in fields.items()}


def rules(session: Session) -> dict[str, DatasetRules]:
    """Every registered dataset's ingest rules, keyed by dataset id."""
    rows = session.execute(select(Dataset, Department.code).join(
        Department, Department.id == Dataset.owner_department_id))
    return {ds.id: DatasetRules(
        id=ds.id, owner=owner, contributors=frozenset(ds.contributors),
        subject_key_kind=ds.subject_key_kind, geometry_type=ds.geometry_type,
        attributes=compile_attribute_schema(ds.attribute_schema),
        resident_id_fields=tuple(name for name, prop in
                                 ds.attribute_schema.get("properties", {}).items()
                                 if isinstance(prop, dict) and prop.get("format") == "resident-id"),
        rights=_rights(ds.attribute_schema, ds.contributor_fields),
        attribute_names=frozenset(ds.attribute_schema.get("properties", {})),
    ) for ds, owner in rows}
