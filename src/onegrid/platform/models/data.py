"""What departments share: the dataset catalog, subjects and their provenance."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from onegrid.platform.config import STORE_SRID
from onegrid.platform.models.base import Base, created, one_of

SHARING_CLASSES = ("unconditional", "conditional", "not_shared")
SUBJECT_KEY_KINDS = ("credit_code", "resident_id", "address_code", "building_code", "event_id")


class Dataset(Base):
    """A catalog entry: who owns the data, who may contribute, its schema and sharing class."""

    __tablename__ = "dataset"
    __table_args__ = (
        one_of("sharing_class", SHARING_CLASSES),
        one_of("subject_key_kind", SUBJECT_KEY_KINDS),
    )
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    owner_department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    contributors: Mapped[list[str]] = mapped_column(ARRAY(String(32)), default=list)
    attribute_schema: Mapped[dict[str, Any]] = mapped_column(default=dict)
    subject_key_kind: Mapped[str] = mapped_column(String(32))
    geometry_type: Mapped[str | None] = mapped_column(String(32))
    sharing_class: Mapped[str] = mapped_column(String(16))
    pii_fields: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    created_at: Mapped[datetime] = created()


class Subject(Base):
    """One real-world subject (an organisation, a person, a place, an event) stored once.

    ``key`` is the natural key, or its keyed hash when the key is personal information;
    ``attributes`` is the current merged view, ``provenance`` the who-said-what history."""

    __tablename__ = "subject"
    __table_args__ = (
        UniqueConstraint("kind", "key"),
        one_of("kind", SUBJECT_KEY_KINDS),
    )
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(Text)
    key_masked: Mapped[str] = mapped_column(Text)
    geom: Mapped[Any | None] = mapped_column(Geometry("GEOMETRY", srid=STORE_SRID))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"), index=True)
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = created()
    updated_at: Mapped[datetime] = created()


class Provenance(Base):
    """One version of one attribute of a subject, as one department reported it."""

    __tablename__ = "provenance"
    __table_args__ = (Index("provenance_subject_attr_idx", "subject_id", "attribute"),)
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id", ondelete="CASCADE"))
    dataset_id: Mapped[str] = mapped_column(ForeignKey("dataset.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    attribute: Mapped[str] = mapped_column(Text)
    value: Mapped[Any] = mapped_column(JSONB)
    record_id: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recorded_at: Mapped[datetime] = created()


