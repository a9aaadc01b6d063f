"""What departments share: the dataset catalog, records of subjects and their version history.

A subject (an organisation, a person, a place, an event) is known by its natural key, whoever
reports it. Each dataset holds at most one record per subject, merged from every department that
contributes to it; ``provenance`` says, attribute by attribute, who said the current value and
when, and ``record_version`` keeps every change."""

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
    Sequence,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from onegrid.platform.settings import STORE_SRID
from onegrid.platform.store.models.base import Base, created, one_of

SHARING_CLASSES = ("unconditional", "conditional", "not_shared")
SUBJECT_KEY_KINDS = ("credit_code", "resident_id", "address_code", "building_code",
                     "facility_code", "event_id")

change_seq = Sequence("record_change_seq", metadata=Base.metadata)
"""Orders records' creations and changes: the change feed's cursor (sharing/changes.py)."""


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
    # {contributor: [the attributes it may set]}; a contributor it does not name may set every
    # attribute (the spec's list form; docs/ingest.md §1)
    contributor_fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    attribute_schema: Mapped[dict[str, Any]] = mapped_column(default=dict)
    subject_key_kind: Mapped[str] = mapped_column(String(32))
    geometry_type: Mapped[str | None] = mapped_column(String(32))
    sharing_class: Mapped[str] = mapped_column(String(16))
    pii_fields: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    created_at: Mapped[datetime] = created()


class Record(Base):
    """A subject as one dataset knows it: the merged current attributes, the version that set
    each and the location (``provenance``: ``{attribute or "geometry": version}``, for what a
    later version set: anything else is version 1's) and who said each version (``sources``:
    ``{version: {"department", "record_id", "at"}}``). Most records never change: listing their
    every attribute as version 1's cost each new record ≈ 120 bytes and a JSON parse.

    The subject is its natural key, ``subject_key`` (a resident ID's keyed hash, shown only as
    ``subject_key_masked``, which is NULL for keys that are not personal information); its kind
    is the dataset's. The same subject in several datasets has the same key in each (a table of
    subjects only translated keys into numbers, at a fifth of a new record's cost).

    ``dataset_id`` and ``grid_id`` carry no foreign keys: their per-row checks cost ingest a
    fifth of its throughput (the baseline migration has the figures), and triggers on dataset
    and area refuse to delete what records use (platform/store/sql/reference_guards.sql)."""

    __tablename__ = "record"
    __table_args__ = (
        UniqueConstraint("subject_key", "dataset_id"),
        Index("record_dataset_change_idx", "dataset_id", "change_seq"),
        # an SP-GiST: as fast for bounding boxes, cheaper to insert into
        Index("idx_record_geom", "geom", postgresql_using="spgist"),
        {"postgresql_with": {"fillfactor": 70}},  # room for re-reports' updates
    )
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    dataset_id: Mapped[str] = mapped_column(String(64))
    subject_key: Mapped[str] = mapped_column(Text)
    subject_key_masked: Mapped[str | None] = mapped_column(Text)
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    provenance: Mapped[dict[str, Any]] = mapped_column(default=dict)
    sources: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    pii_hashes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    geom: Mapped[Any | None] = mapped_column(Geometry("GEOMETRY", srid=STORE_SRID,
                                                       spatial_index=False))
    grid_id: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)
    reports: Mapped[int] = mapped_column(Integer, default=1)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created()
    updated_at: Mapped[datetime] = created()
    # where the record was created in the change feed; never moves (its changes' positions
    # are on their version rows, so an update stays off this indexed column)
    change_seq: Mapped[int] = mapped_column(BigInteger, change_seq,
                                            server_default=change_seq.next_value())


class RecordVersion(Base):
    """One change to a record: the attributes it set, the location it set (``geom``; NULL: the
    record stayed where it was), who reported them, and when. Version 1's row, written when
    the record first changes, keeps every first attribute and the first location.

    No foreign keys (their checks cost ingest a sixth of its throughput; the baseline migration
    has the figures): a record's versions go with it, and a department they name cannot be
    deleted, by triggers (sharing/sql/record_versions.sql, store/sql/reference_guards.sql)."""

    __tablename__ = "record_version"
    __table_args__ = (Index("record_version_change_idx", "dataset_id", "change_seq",
                            postgresql_where=text("change_seq IS NOT NULL")),)
    record_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    department_id: Mapped[int] = mapped_column(Integer)
    source_record_id: Mapped[str] = mapped_column(Text)
    changes: Mapped[dict[str, Any]] = mapped_column()
    geom: Mapped[Any | None] = mapped_column(Geometry("GEOMETRY", srid=STORE_SRID,
                                                       spatial_index=False))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recorded_at: Mapped[datetime] = created()
    dataset_id: Mapped[str] = mapped_column(String(64))  # the record's: the feed's index
    # the change's position in the feed (record_change_seq); none on a lazily written first
    # version, which is never a record's latest change
    change_seq: Mapped[int | None] = mapped_column(BigInteger)
