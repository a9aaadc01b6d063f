"""Issues that grid workers, citizens and the hotline report, their categories and handling."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from onegrid.platform.settings import STORE_SRID
from onegrid.platform.store.models.base import Base, created, one_of
from onegrid.platform.store.models.core import TraceEntry

ISSUE_STATES = ("reported", "routed", "dispatched", "in_progress", "resolved", "verified",
                "evaluated", "closed")
ISSUE_SOURCES = ("grid", "open311", "hotline")
CATEGORY_KINDS = ("component", "event")
RESPONSIBILITY_LEVELS = ("city", "district", "street", "community")
PHOTO_STAGES = ("report", "resolve")


class IssueCategory(Base):
    """A GB/T 30428.2 category: 部件 (component) or 事件 (event), by class (大类) and subclass
    (小类), as the newest imported categories list names it. Issues refer to it; the rules
    (its SLA, whether it may be reported) read the list version in force at the report
    (platform/governance/lists.py)."""

    __tablename__ = "issue_category"
    __table_args__ = (one_of("kind", CATEGORY_KINDS),)
    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    class_name: Mapped[str] = mapped_column(Text)
    class_name_en: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str] = mapped_column(Text)
    response_hours: Mapped[int] = mapped_column(Integer)
    resolve_hours: Mapped[int] = mapped_column(Integer)


class Issue(Base):
    """Something seen in a grid that must be handled: one row however many times reported."""

    __tablename__ = "issue"
    __table_args__ = (
        one_of("status", ISSUE_STATES),
        one_of("source", ISSUE_SOURCES),
        Index("issue_open_category_idx", "category", "created_at"),
        Index("issue_department_status_idx", "department_id", "status"),
    )
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    client_id: Mapped[Any] = mapped_column(UUID(as_uuid=True), unique=True)
    category: Mapped[str] = mapped_column(ForeignKey("issue_category.code"))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(32), default="reported")
    source: Mapped[str] = mapped_column(String(16), default="grid")
    geom: Mapped[Any] = mapped_column(Geometry("POINT", srid=STORE_SRID))
    address: Mapped[str] = mapped_column(Text, default="")
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"), index=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    level: Mapped[str | None] = mapped_column(String(16))
    # the area at the responsibility list's level that the issue belongs to (its street, …)
    handling_area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))
    # the list named no owner: the first office that received it holds it until it hands it on
    awaiting_owner: Mapped[bool] = mapped_column(Boolean, default=False,
                                                 server_default=text("false"))
    report_count: Mapped[int] = mapped_column(Integer, default=1)
    rejections: Mapped[int] = mapped_column(Integer, default=0)
    result_note: Mapped[str] = mapped_column(Text, default="")
    satisfaction: Mapped[int | None] = mapped_column(SmallInteger)
    media_url: Mapped[str] = mapped_column(Text, default="")
    response_due: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    resolve_due: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created()
    updated_at: Mapped[datetime] = created()


class IssueReport(Base):
    """One report of an issue: the first one and every duplicate merged into it. Its client
    id makes a retried submission land on the same row."""

    __tablename__ = "issue_report"
    __table_args__ = (one_of("source", ISSUE_SOURCES),)
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    client_id: Mapped[Any] = mapped_column(UUID(as_uuid=True), unique=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issue.id", ondelete="CASCADE"), index=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    source: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = created()


class IssuePhoto(Base):
    """A photo of an issue as reported or as resolved, kept in the store with its SHA-256."""

    __tablename__ = "issue_photo"
    __table_args__ = (one_of("stage", PHOTO_STAGES),)
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    issue_id: Mapped[int] = mapped_column(ForeignKey("issue.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String(16))
    content_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = created()


# An issue's history is read from the trace by target ("issue:<id>"); the trace is the
# foundation's table, the index serves this loop.
Index("trace_entry_target_idx", TraceEntry.target)
