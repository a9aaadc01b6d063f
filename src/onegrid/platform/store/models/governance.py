"""Burden reduction (减负): versioned lists, offices of areas, admission review, tasks pushed
down, the burden ledger."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from onegrid.platform.store.models.base import Base, created, one_of

LIST_KINDS = ("categories", "responsibility", "admission")
ADMISSION_LEVELS = ("street", "community", "grid")  # highest first
ADMISSION_KINDS = ("duty", "assistance", "removed")  # 履职事项, 配合事项, 取消事项
OFFICE_ROLES = ("command_centre", "admission_reviewer")
APPLICATION_STATES = ("pending", "approved", "refused")
TASK_STATES = ("open", "done")


class ListVersion(Base):
    """One version of a list (categories, responsibility, admission), in force from
    ``effective_at`` until the next version of its kind; of two with the same time, the later
    import. ``sha256`` covers its entries, so importing the same file again adds nothing."""

    __tablename__ = "list_version"
    __table_args__ = (one_of("kind", LIST_KINDS),
                      Index("list_version_in_force_idx", "kind", "effective_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    effective_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    source: Mapped[str] = mapped_column(Text)  # the file's name, or the approved application
    sha256: Mapped[str] = mapped_column(String(64))
    imported_by: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = created()


class ListEntry(Base):
    """One row of a list version, as checked at import (platform/governance/listfiles.py says
    each kind's fields): one JSON object per row, so that one diff and one lookup serve every
    kind."""

    __tablename__ = "list_entry"
    version_id: Mapped[int] = mapped_column(ForeignKey("list_version.id", ondelete="CASCADE"),
                                            primary_key=True)
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)


class AreaOffice(Base):
    """A role a department holds for an area and every area under it that holds none nearer:
    the command centre (指挥中心), the admission reviewer (准入审核)."""

    __tablename__ = "area_office"
    __table_args__ = (one_of("role", OFFICE_ROLES),)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"),
                                         primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))


class AdmissionApplication(Base):
    """A department's application to push a new item down (准入审核): what, why, to which
    level, how much work; the district's reviewer approves (a new admission list version,
    ``version_id``) or refuses it, with reasons."""

    __tablename__ = "admission_application"
    __table_args__ = (one_of("status", APPLICATION_STATES), one_of("kind", ADMISSION_KINDS[:2]),
                      one_of("level", ADMISSION_LEVELS))
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"))  # whose reviewer decides
    task_type: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))
    level: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    workload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    applied_by: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    version_id: Mapped[int | None] = mapped_column(ForeignKey("list_version.id"))
    created_at: Mapped[datetime] = created()


class GridTask(Base):
    """An admitted task a department pushed down to a street, community or grid (no lower
    than the item's level), under the admission list version in force then; workers see it
    from ``release_at`` (the next working period) on."""

    __tablename__ = "grid_task"
    __table_args__ = (one_of("status", TASK_STATES),
                      Index("grid_task_area_release_idx", "area_id", "release_at"))
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    task_type: Mapped[str] = mapped_column(String(32))
    admission_version_id: Mapped[int] = mapped_column(ForeignKey("list_version.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"))
    title: Mapped[str] = mapped_column(Text)
    detail: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    release_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created()


class BurdenEvent(Base):
    """One line of the burden ledger: a form avoided, a request or task refused, a flag."""

    __tablename__ = "burden_event"
    __table_args__ = (Index("burden_event_kind_at_idx", "kind", "at"),)
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String(48))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    at: Mapped[datetime] = created()
