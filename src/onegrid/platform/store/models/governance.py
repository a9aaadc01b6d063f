"""Burden reduction (减负): the admission list, tasks pushed down to grids, the burden ledger."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from onegrid.platform.store.models.base import Base, created, one_of

ADMISSION_LEVELS = ("street", "community", "grid")
TASK_STATES = ("open", "done")


class AdmissionItem(Base):
    """One task type on the admission list (准入清单): departments may push it down to
    ``level`` (and the levels below it); any other task type is refused."""

    __tablename__ = "admission_item"
    __table_args__ = (one_of("level", ADMISSION_LEVELS),)
    task_type: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str] = mapped_column(Text)
    level: Mapped[str] = mapped_column(String(16))
    basis: Mapped[str] = mapped_column(Text, default="")


class GridTask(Base):
    """An admitted task a department pushed down to a grid; workers see it from ``release_at``
    (the next working period) on."""

    __tablename__ = "grid_task"
    __table_args__ = (one_of("status", TASK_STATES),
                      Index("grid_task_grid_release_idx", "grid_id", "release_at"))
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    task_type: Mapped[str] = mapped_column(ForeignKey("admission_item.task_type"))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    grid_id: Mapped[int] = mapped_column(ForeignKey("area.id"))
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
