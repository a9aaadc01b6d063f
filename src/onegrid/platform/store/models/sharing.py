"""Sharing: grant requests (grants once approved) and collection requests with their tasks."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Date, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from onegrid.platform.store.models.base import Base, created, one_of
from onegrid.platform.store.models.data import Record

ACCESS_STATES = ("pending", "approved", "denied")
COLLECTION_STATES = ("accepted", "refused", "answered")
COLLECTION_TASK_STATES = ("open", "ended")
TASK_END_REASONS = ("", "answered", "deadline")


class GrantRequest(Base):
    """A department's request to read a conditional dataset; approved by the owner it is a grant
    on ``fields`` until ``expires_at``."""

    __tablename__ = "grant_request"
    __table_args__ = (one_of("status", ACCESS_STATES),
                      Index("grant_request_lookup_idx", "department_id", "dataset_id", "status"))
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    dataset_id: Mapped[str] = mapped_column(ForeignKey("dataset.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    purpose: Mapped[str] = mapped_column(Text)
    fields: Mapped[list[str]] = mapped_column(ARRAY(Text))
    personal_information: Mapped[bool] = mapped_column(Boolean, default=False)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    decided_by: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = created()


class CollectionTask(Base):
    """A form pushed down to the grid workers of some areas for the fields the gate found
    nowhere: their answers become records of ``dataset_id``, a dataset of the requesting
    department. One open task per (dataset, field, area): a later request for the same fields
    there joins it (``departments``) instead of sending a second form. It ends at its deadline
    or when every area has answered (``end_reason``)."""

    __tablename__ = "collection_task"
    __table_args__ = (one_of("status", COLLECTION_TASK_STATES),
                      one_of("end_reason", TASK_END_REASONS))
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    dataset_id: Mapped[str] = mapped_column(ForeignKey("dataset.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    fields: Mapped[list[str]] = mapped_column(ARRAY(Text))
    task_type: Mapped[str] = mapped_column(String(32))
    deadline: Mapped[date] = mapped_column(Date)
    departments: Mapped[list[str]] = mapped_column(ARRAY(String(32)))
    status: Mapped[str] = mapped_column(String(16), default="open")
    end_reason: Mapped[str] = mapped_column(String(16), default="")
    created_at: Mapped[datetime] = created()
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CollectionTaskArea(Base):
    """One target area of a task: its grid workers see the task until the area has answered."""

    __tablename__ = "collection_task_area"
    __table_args__ = (Index("collection_task_area_code_idx", "area_code"),)
    task_id: Mapped[int] = mapped_column(ForeignKey("collection_task.id"), primary_key=True)
    area_code: Mapped[str] = mapped_column(String(24), primary_key=True)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CollectionSubmission(Base):
    """One grid worker's answer to a task, kept by the client's id so that a retry from the
    offline outbox is the same submission; ``record_id`` is the record it became."""

    __tablename__ = "collection_submission"
    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("collection_task.id"), index=True)
    area_code: Mapped[str] = mapped_column(String(24))
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    record_id: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = created()


class CollectionRequest(Base):
    """A department's request to collect fields from the grassroots and the platform's answer."""

    __tablename__ = "collection_request"
    __table_args__ = (one_of("status", COLLECTION_STATES),)
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    task_type: Mapped[str] = mapped_column(String(32))
    fields: Mapped[list[str]] = mapped_column(ARRAY(Text))
    grid_codes: Mapped[list[str]] = mapped_column(ARRAY(Text))
    deadline: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    answer: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = created()


# A grid's page of records in id order straight from the index (the shared API's grid query):
# without it the page reads every record of the grid from the heap to sort them.
Index("record_grid_page_idx", Record.grid_id, Record.id)
