"""The store's tables as typed SQLAlchemy models; Alembic migrations are the schema's source."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from onegrid.platform.config import STORE_SRID

AREA_LEVELS = ("city", "district", "street", "community", "grid")
USER_ROLES = ("grid_worker", "department_staff", "operator")
SHARING_CLASSES = ("unconditional", "conditional", "not_shared")
SUBJECT_KEY_KINDS = ("credit_code", "resident_id", "address_code", "building_code", "event_id")


def _one_of(column: str, values: tuple[str, ...]) -> CheckConstraint:
    allowed = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=f"{column}_allowed")


def _created() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now())


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSONB}


class Department(Base):
    """A city department (部门): owns datasets, receives issues, pulls shared data."""

    __tablename__ = "department"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = _created()


class Area(Base):
    """One node of the hierarchy city → district → street → community → grid.

    ``path`` lists the codes from the city down, dot-separated, so "everything under X" is a
    prefix match that works for every level (a city's code is not a prefix of its districts')."""

    __tablename__ = "area"
    __table_args__ = (
        _one_of("level", AREA_LEVELS),
        Index("area_path_idx", "path", postgresql_ops={"path": "text_pattern_ops"}),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    name: Mapped[str] = mapped_column(Text)
    level: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"), index=True)
    path: Mapped[str] = mapped_column(Text)
    geom: Mapped[Any] = mapped_column(Geometry("MULTIPOLYGON", srid=STORE_SRID))
    created_at: Mapped[datetime] = _created()


user_grid = Table(
    "user_grid",
    Base.metadata,
    Column("user_id", ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True),
    Column("area_id", ForeignKey("area.id", ondelete="CASCADE"), primary_key=True),
)


class User(Base):
    """A person who signs in: a grid worker, department staff or a command-centre operator."""

    __tablename__ = "app_user"
    __table_args__ = (_one_of("role", USER_ROLES),)
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(32))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    password_hash: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _created()
    grids: Mapped[list[Area]] = relationship(secondary=user_grid)


class ApiToken(Base):
    """A department's bearer token; only the SHA-256 of the token is stored."""

    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = _created()
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Dataset(Base):
    """A catalog entry: who owns the data, who may contribute, its schema and sharing class."""

    __tablename__ = "dataset"
    __table_args__ = (
        _one_of("sharing_class", SHARING_CLASSES),
        _one_of("subject_key_kind", SUBJECT_KEY_KINDS),
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
    created_at: Mapped[datetime] = _created()


class Subject(Base):
    """One real-world subject (an organisation, a person, a place, an event) stored once.

    ``key`` is the natural key, or its keyed hash when the key is personal information;
    ``attributes`` is the current merged view, ``provenance`` the who-said-what history."""

    __tablename__ = "subject"
    __table_args__ = (
        UniqueConstraint("kind", "key"),
        _one_of("kind", SUBJECT_KEY_KINDS),
    )
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(Text)
    key_masked: Mapped[str] = mapped_column(Text)
    geom: Mapped[Any | None] = mapped_column(Geometry("GEOMETRY", srid=STORE_SRID))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"), index=True)
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _created()


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
    recorded_at: Mapped[datetime] = _created()


class Issue(Base):
    """Something seen in a grid that must be handled: one row however many times reported."""

    __tablename__ = "issue"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    client_id: Mapped[Any] = mapped_column(UUID(as_uuid=True), unique=True)
    category: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(32), default="reported")
    geom: Mapped[Any] = mapped_column(Geometry("POINT", srid=STORE_SRID))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"), index=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    report_count: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _created()


class TraceEntry(Base):
    """One link of the hash chain: ``hash`` covers the previous hash and this entry's content."""

    __tablename__ = "trace_entry"
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(Text)
    target: Mapped[str] = mapped_column(Text)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
