"""Who and where: departments, the area hierarchy, users and their grids, API tokens, the trace."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Index,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from onegrid.platform.settings import STORE_SRID
from onegrid.platform.store.models.base import Base, created, one_of

AREA_LEVELS = ("city", "district", "street", "community", "grid")
USER_ROLES = ("grid_worker", "department_staff", "operator", "admin")
TOKEN_SCOPES = ("data", "open311")  # what each opens: api/scopes.py


class Department(Base):
    """A city department (部门): owns datasets, receives issues, pulls shared data."""

    __tablename__ = "department"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = created()


class Area(Base):
    """One node of the hierarchy city → district → street → community → grid.

    ``path`` lists the codes from the city down, dot-separated, so "everything under X" is a
    prefix match that works for every level (a city's code is not a prefix of its districts')."""

    __tablename__ = "area"
    __table_args__ = (
        one_of("level", AREA_LEVELS),
        Index("area_path_idx", "path", postgresql_ops={"path": "text_pattern_ops"}),
        # "Which grid is this point in?" is asked for every ingested record: grids only.
        Index("area_grid_geom_idx", "geom", postgresql_using="gist",
              postgresql_where=text("level = 'grid'")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    name: Mapped[str] = mapped_column(Text)
    level: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"), index=True)
    path: Mapped[str] = mapped_column(Text)
    geom: Mapped[Any] = mapped_column(Geometry("MULTIPOLYGON", srid=STORE_SRID))
    created_at: Mapped[datetime] = created()


class GridCell(Base):
    """A square of 1/4000 degree wholly inside one grid and touching no other: a point in it
    is placed by one key lookup instead of a spatial search (``onegrid_cell``). A cache of
    ``area``: a change to grids' geometries or levels forgets the cells near them and notes
    where in ``grid_cell_dirty``; ``onegrid_refresh_grid_cells()`` adds them back
    (gis/sql/grid_cells.sql). Placement without a cell is slower, never different."""

    __tablename__ = "grid_cell"
    # the key's index carries grid_id: a placement probe reads the index alone
    __table_args__ = (PrimaryKeyConstraint("cell", name="grid_cell_pkey",
                                           postgresql_include=["grid_id"]),)
    cell: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    grid_id: Mapped[int]


# Ranges of squares (columns x0..x1, rows y0..y1) whose cells were forgotten and await
# onegrid_refresh_grid_cells(); several may overlap, so no key.
grid_cell_dirty = Table(
    "grid_cell_dirty", Base.metadata,
    *(Column(name, BigInteger, nullable=False) for name in ("x0", "x1", "y0", "y1")),
)


user_grid = Table(
    "user_grid",
    Base.metadata,
    Column("user_id", ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True),
    Column("area_id", ForeignKey("area.id", ondelete="CASCADE"), primary_key=True),
)


class User(Base):
    """A person who signs in: a grid worker, department staff or a command-centre operator."""

    __tablename__ = "app_user"
    __table_args__ = (one_of("role", USER_ROLES),)
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(32))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    password_hash: Mapped[str | None] = mapped_column(Text)
    # Signing out raises it; a session cookie carrying an older value is no longer accepted.
    session_generation: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    created_at: Mapped[datetime] = created()
    # A one-time password (an import, a reset) must be replaced at the next sign-in.
    must_change_password: Mapped[bool] = mapped_column(default=False,
                                                       server_default=text("false"))
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Personal information, kept as resident IDs are (platform/sharing/identity.py): a keyed
    # hash to find the person by, and a masked form to show; never the number in clear.
    phone_hash: Mapped[str | None] = mapped_column(String(64))
    phone_masked: Mapped[str | None] = mapped_column(String(24))
    grids: Mapped[list[Area]] = relationship(secondary=user_grid)


class ApiToken(Base):
    """A department's bearer token; only the SHA-256 of the token is stored."""

    __tablename__ = "api_token"
    __table_args__ = (one_of("scope", TOKEN_SCOPES),)
    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(Text, default="")
    scope: Mapped[str] = mapped_column(String(16), default="data", server_default="data")
    created_at: Mapped[datetime] = created()
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))




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
