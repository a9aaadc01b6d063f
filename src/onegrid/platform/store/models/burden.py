"""The burden-reduction office's inventory (填表报数目录): the forms and periodic reports
departments ask of streets, communities and grids, the synonyms that say which field names mean
the same thing, and each department's yearly reduction target."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from onegrid.platform.store.models.base import Base, created, one_of

# How often a form is asked, as times a year (the burden figure's multiplier).
FREQUENCIES = {"once": 1, "yearly": 1, "half_yearly": 2, "quarterly": 4, "monthly": 12,
               "weekly": 52, "daily": 250}  # daily: working days only
FORM_LEVELS = ("street", "community", "grid")
FORM_STATES = ("active", "retired")


class FieldSynonym(Base):
    """One name of a field's meaning: 联系电话, 电话 and 手机号 all name ``phone``. A name not in
    the table means only itself. ``value_type`` (a JSON Schema type) is the meaning's, when
    known: a dataset field of another type does not hold it."""

    __tablename__ = "field_synonym"
    term: Mapped[str] = mapped_column(Text, primary_key=True)
    concept: Mapped[str] = mapped_column(Text, index=True)
    value_type: Mapped[str | None] = mapped_column(String(16))


class BurdenForm(Base):
    """A form or periodic report a department asks of the levels below it."""

    __tablename__ = "burden_form"
    __table_args__ = (one_of("frequency", tuple(FREQUENCIES)), one_of("status", FORM_STATES),
                      UniqueConstraint("department_id", "name"))
    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    name: Mapped[str] = mapped_column(Text)
    fields: Mapped[list[str]] = mapped_column(ARRAY(Text))
    frequency: Mapped[str] = mapped_column(String(16))
    levels: Mapped[list[str]] = mapped_column(ARRAY(String(16)))
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime] = created()


class BurdenTarget(Base):
    """The office's reduction target for one department and year: the burden figure when it was
    set (``baseline``) is to fall by ``reduction_pct`` per cent by the year's end."""

    __tablename__ = "burden_target"
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    reduction_pct: Mapped[float] = mapped_column(Numeric(5, 2, asdecimal=False))
    baseline: Mapped[int] = mapped_column(Integer)
    set_at: Mapped[datetime] = created()
