"""The burden-reduction office's registers (减负办): government apps and work groups, inspection
plans and indicators, burden complaints, documents and meetings against their caps."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from onegrid.platform.store.models.base import Base, created, one_of

CHANNEL_KINDS = ("app", "group")  # 政务APP, 工作群
PLAN_STATES = ("pending", "approved", "refused")
ASSESSMENT_LISTS = ("veto", "pledge")  # 一票否决, 责任状
COMPLAINT_CHANNELS = ("letter", "visit", "web", "phone", "hotline")
COMPLAINT_STATES = ("received", "verifying", "rectifying", "rectified", "published",
                    "dismissed")
OUTPUT_KINDS = ("document", "meeting")
OUTPUT_MEASURES = ("pages", "characters", "minutes", "speakers")


class WorkChannel(Base):
    """A government app or work group: the department that made it answers for it (谁建群谁负责),
    the levels that must use it, its members and when it was last active."""

    __tablename__ = "work_channel"
    __table_args__ = (one_of("kind", CHANNEL_KINDS), UniqueConstraint("kind", "name"))
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(Text)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    levels: Mapped[list[str]] = mapped_column(ARRAY(Text))
    members: Mapped[int] = mapped_column(Integer)
    last_active_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    zombie_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = created()


class GroupMessage(Base):
    """One line of a work group's imported message log; ``out_of_hours`` marks work assigned
    outside the working hours (8小时外)."""

    __tablename__ = "group_message"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("work_channel.id", ondelete="CASCADE"),
                                            index=True)
    sender: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    text: Mapped[str] = mapped_column(Text)
    is_assignment: Mapped[bool] = mapped_column(Boolean)
    out_of_hours: Mapped[bool] = mapped_column(Boolean)


class InspectionPlan(Base):
    """A department's annual plan of inspections and assessments (督查检查考核计划), which the
    office approves or refuses with a reason."""

    __tablename__ = "inspection_plan"
    __table_args__ = (one_of("status", PLAN_STATES), UniqueConstraint("department_id", "year"))
    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    year: Mapped[int] = mapped_column(Integer)
    inspections: Mapped[int] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    decided_by: Mapped[str | None] = mapped_column(Text)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = created()


class IndicatorVersion(Base):
    """A department's assessment indicators for a year; more than the year before only with
    the office's approval and a reason (``increase_reason``, ``approved_by``)."""

    __tablename__ = "indicator_version"
    __table_args__ = (UniqueConstraint("department_id", "year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    year: Mapped[int] = mapped_column(Integer)
    indicators: Mapped[list[str]] = mapped_column(ARRAY(Text))
    increase_reason: Mapped[str] = mapped_column(Text, default="")
    approved_by: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created()


class AssessmentItem(Base):
    """An item on the one-vote-veto list (一票否决) or a pledge (责任状) a department asks
    the grassroots to sign, for a year."""

    __tablename__ = "assessment_item"
    __table_args__ = (one_of("kind", ASSESSMENT_LISTS),
                      UniqueConstraint("kind", "department_id", "year", "name"))
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    year: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = created()


class BurdenComplaint(Base):
    """A burden complaint (减负投诉) from its channel to a published result; ``ticket`` is the
    hotline's ticket number (once only); ``typical`` the quarter it was chosen a typical case."""

    __tablename__ = "burden_complaint"
    __table_args__ = (one_of("channel", COMPLAINT_CHANNELS), one_of("status", COMPLAINT_STATES))
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    channel: Mapped[str] = mapped_column(String(8))
    ticket: Mapped[str | None] = mapped_column(Text, unique=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    summary: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    finding: Mapped[str] = mapped_column(Text, default="")
    rectification: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[str] = mapped_column(Text, default="")
    typical: Mapped[str | None] = mapped_column(String(7))  # "2026Q4"
    received_at: Mapped[datetime] = created()


class OutputCap(Base):
    """The office's cap on one measure of documents or meetings (pages, minutes, …)."""

    __tablename__ = "output_cap"
    __table_args__ = (one_of("kind", OUTPUT_KINDS), one_of("measure", OUTPUT_MEASURES))
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    measure: Mapped[str] = mapped_column(String(16), primary_key=True)
    cap: Mapped[int] = mapped_column(Integer)


class OfficeOutput(Base):
    """A document or meeting a department issued or held, as imported with its measures;
    ``over`` names the measures above the caps in force at import."""

    __tablename__ = "office_output"
    __table_args__ = (one_of("kind", OUTPUT_KINDS),
                      UniqueConstraint("kind", "department_id", "reference"))
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    reference: Mapped[str] = mapped_column(Text)  # 文号 or the meeting's name and day
    held_on: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    measures: Mapped[dict[str, Any]] = mapped_column(default=dict)
    over: Mapped[list[str]] = mapped_column(ARRAY(Text))
