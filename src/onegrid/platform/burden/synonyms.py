"""Field synonyms (同义词表): which field names mean the same thing (联系电话 = 电话 = 手机号 =
``phone``), and which dataset field holds a meaning. The office maintains the table; the forms
inventory and the collection gate both read it, so a form's coverage and the gate's answer
agree."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from onegrid.platform.errors import InvalidInputError
from onegrid.platform.store.models import Dataset, FieldSynonym
from onegrid.platform.trace.chain import append

VALUE_TYPES = ("string", "integer", "number", "boolean")


@dataclass(frozen=True)
class Synonym:
    """One row of the table: ``term`` means ``concept`` (of ``value_type``, when known)."""

    concept: str
    term: str
    value_type: str | None = None


def _field_type(prop: Any) -> str | None:
    """A schema property's value type: its JSON Schema type, an enum's as strings."""
    if not isinstance(prop, dict):
        return None
    if isinstance(prop.get("type"), str):
        return str(prop["type"])
    return "string" if "enum" in prop else None


def _types_agree(wanted: str | None, held: str | None) -> bool:
    """Unknown types agree with any; an integer field holds a number."""
    return wanted is None or held is None or wanted == held or (wanted, held) == (
        "number", "integer")


@dataclass(frozen=True)
class Meanings:
    """The synonym table, loaded once per request or command."""

    concepts: dict[str, str]  # term -> concept
    types: dict[str, str]  # concept -> value type

    def concept(self, term: str) -> str:
        """What ``term`` means: its concept, or itself when the table does not name it."""
        return self.concepts.get(term.strip(), term.strip())

    def held_by(self, dataset: Dataset, term: str) -> str | None:
        """The field of ``dataset`` that holds what ``term`` means (same concept, agreeing
        type), or None."""
        concept = self.concept(term)
        for name, prop in dataset.attribute_schema.get("properties", {}).items():
            if self.concept(name) == concept and _types_agree(self.types.get(concept),
                                                              _field_type(prop)):
                return str(name)
        return None


def meanings(session: Session) -> Meanings:
    rows = session.scalars(select(FieldSynonym)).all()
    return Meanings({r.term: r.concept for r in rows},
                    {r.concept: r.value_type for r in rows if r.value_type})


def _checked(row: Synonym) -> Synonym:
    concept, term = row.concept.strip(), row.term.strip()
    if not concept or not term:
        raise InvalidInputError("each synonym needs a concept and a term")
    if row.value_type and row.value_type not in VALUE_TYPES:
        raise InvalidInputError(f"value type {row.value_type!r} is not one of "
                                f"{', '.join(VALUE_TYPES)}")
    return Synonym(concept, term, row.value_type or None)


def set_synonyms(session: Session, rows: Iterable[Synonym], actor: str) -> int:
    """Add or change synonyms (a term names one concept: a new row for a known term moves it);
    each concept also names itself. Traced as one entry; returns the rows written."""
    checked = [_checked(r) for r in rows]
    written = {r.term: r for r in checked} | {
        r.concept: Synonym(r.concept, r.concept, r.value_type) for r in checked}
    for row in written.values():
        values = {"concept": row.concept, "value_type": row.value_type}
        session.execute(insert(FieldSynonym).values(term=row.term, **values)
                        .on_conflict_do_update(index_elements=[FieldSynonym.term], set_=values))
    append(session, actor, "burden.synonyms", "field-synonyms",
           {"terms": {r.term: r.concept for r in checked}})
    return len(written)
