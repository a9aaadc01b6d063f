"""Issues that grid workers, citizens and the hotline report, and their handling."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from onegrid.platform.config import STORE_SRID
from onegrid.platform.models.base import Base, created


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
    created_at: Mapped[datetime] = created()
    updated_at: Mapped[datetime] = created()


