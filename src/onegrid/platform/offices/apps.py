"""Government apps and work groups (政务APP、工作群): who answers for each (谁建群谁负责), which
levels must use it, zombies (idle past the office's limit) and work assigned in a group
outside working hours (8小时外)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from onegrid.platform.accounts.departments import get_department
from onegrid.platform.errors import InvalidInputError
from onegrid.platform.governance.ledger import record_burden
from onegrid.platform.governance.listfiles import WORDS, Column, codes
from onegrid.platform.governance.working_time import WorkingHours
from onegrid.platform.offices.office import count, moment, read_table, yes_no
from onegrid.platform.store.models import (
    AREA_LEVELS,
    CHANNEL_KINDS,
    Department,
    GroupMessage,
    WorkChannel,
)
from onegrid.platform.trace.chain import append

ZOMBIE_IDLE_DAYS = 90  # the office's default: no activity for a quarter


@dataclass(frozen=True)
class Channel:
    """An app or work group as entered or imported."""

    kind: str
    name: str
    department: str
    levels: list[str]
    members: int
    last_active_at: datetime


KIND_WORDS = {"政务app": "app", "app": "app", "工作群": "group", "group": "group"}


def _kind(cell: str) -> str:
    if cell.lower() not in KIND_WORDS:
        raise ValueError(f"{cell!r} is not one of app (政务APP), group (工作群)")
    return KIND_WORDS[cell.lower()]


def _levels(cell: str) -> list[str]:
    levels = [WORDS.get(level, level) for level in codes(cell)]
    wrong = [level for level in levels if level not in AREA_LEVELS]
    if wrong or not levels:
        raise ValueError(f"levels are among {', '.join(AREA_LEVELS)}, not {cell!r}")
    return levels


def register(session: Session, channel: Channel, actor: str) -> WorkChannel:
    """Enter an app or group, or update the one of that kind and name; traced."""
    if channel.kind not in CHANNEL_KINDS:
        raise InvalidInputError(f"kind is one of {', '.join(CHANNEL_KINDS)}")
    if not channel.name.strip() or channel.members < 0:
        raise InvalidInputError("say the name, and members as a whole number")
    _levels(",".join(channel.levels))
    department = get_department(session, channel.department)
    values = {"kind": channel.kind, "name": channel.name.strip(), "department_id": department.id,
              "levels": channel.levels, "members": channel.members,
              "last_active_at": channel.last_active_at}
    row_id = session.scalars(
        insert(WorkChannel).values(values)
        .on_conflict_do_update(index_elements=["kind", "name"], set_=values)
        .returning(WorkChannel.id)).one()
    append(session, actor, "channel.registered", f"channel:{row_id}",
           {"kind": channel.kind, "name": values["name"], "department": department.code,
            "levels": channel.levels, "members": channel.members})
    return session.get_one(WorkChannel, row_id, populate_existing=True)


def import_channels(session: Session, path: Path, zone: str, actor: str) -> list[WorkChannel]:
    """Register every row of a CSV/XLSX file (kind, name, department, levels, members,
    last_active); nothing is written while any row is wrong."""
    rows = read_table(path, (
        Column("kind", "类型", _kind), Column("name", "名称"),
        Column("department", "主管部门"), Column("levels", "使用层级", _levels),
        Column("members", "成员数", count), Column("last_active", "最近活跃", moment(zone))))
    return [register(session, Channel(r["kind"], r["name"], r["department"], r["levels"],
                                      r["members"], r["last_active"]), actor) for r in rows]


def flag_zombies(session: Session, idle: timedelta, actor: str,
                 now: datetime | None = None) -> list[WorkChannel]:
    """Every app and group idle for ``idle`` or longer. Each newly idle one is flagged once
    (a ledger line against its owner, traced); one active again loses its flag."""
    now = now or datetime.now(UTC)
    if idle <= timedelta(0):
        raise InvalidInputError("the idle time is a positive number of days")
    cutoff = now - idle
    for woken in session.scalars(select(WorkChannel).where(
            WorkChannel.zombie_since.is_not(None), WorkChannel.last_active_at > cutoff)):
        woken.zombie_since = None
        append(session, actor, "channel.active_again", f"channel:{woken.id}", {})
    zombies = list(session.scalars(select(WorkChannel).where(
        WorkChannel.last_active_at <= cutoff).order_by(WorkChannel.last_active_at)))
    for channel in zombies:
        if channel.zombie_since is None:
            channel.zombie_since = now
            owner = session.get_one(Department, channel.department_id).code
            detail = {"channel": channel.id, "kind": channel.kind, "name": channel.name,
                      "idle_days": idle.days, "last_active_at": channel.last_active_at.isoformat()}
            record_burden(session, "zombie_channel", owner, detail)
            append(session, actor, "channel.zombie", f"channel:{channel.id}", detail)
    session.flush()
    return zombies


def import_messages(session: Session, path: Path, hours: WorkingHours, actor: str
                    ) -> list[GroupMessage]:
    """Add a group's message log (group, sender, sent_at, text, is_assignment); a work
    assignment outside ``hours`` is flagged: a ledger line against the group's owner. Returns
    the flagged messages; nothing is written while any row is wrong."""
    rows = read_table(path, (
        Column("group", "工作群"), Column("sender", "发送人"),
        Column("sent_at", "发送时间", moment(hours.zone)),
        Column("text", "内容", required=False),
        Column("is_assignment", "是否布置工作", yes_no)))
    groups = {name: (gid, code) for gid, name, code in session.execute(
        select(WorkChannel.id, WorkChannel.name, Department.code)
        .join(Department, Department.id == WorkChannel.department_id)
        .where(WorkChannel.kind == "group",
               WorkChannel.name.in_({r["group"] for r in rows})))}
    unknown = sorted({r["group"] for r in rows} - set(groups))
    if unknown:
        raise InvalidInputError(f"register these groups first: {', '.join(unknown)}")
    messages = [GroupMessage(channel_id=groups[r["group"]][0], sender=r["sender"],
                             sent_at=r["sent_at"], text=r["text"] or "",
                             is_assignment=r["is_assignment"],
                             out_of_hours=r["is_assignment"] and not hours.is_working(r["sent_at"]))
                for r in rows]
    session.add_all(messages)
    session.flush()
    flagged = [m for m in messages if m.out_of_hours]
    owner_of = {gid: code for gid, code in groups.values()}
    for message in flagged:
        record_burden(session, "assignment_out_of_hours", owner_of[message.channel_id],
                      {"channel": message.channel_id, "message": message.id,
                       "sent_at": message.sent_at.isoformat()})
    _touch(session, messages)
    append(session, actor, "channel.messages_imported", f"file:{path.name}",
           {"messages": len(messages), "out_of_hours": [m.id for m in flagged]})
    return flagged


def _touch(session: Session, messages: list[GroupMessage]) -> None:
    """A group is active when its log says so."""
    latest: dict[int, datetime] = {}
    for m in messages:
        latest[m.channel_id] = max(latest.get(m.channel_id, m.sent_at), m.sent_at)
    for channel_id, at in latest.items():
        channel = session.get_one(WorkChannel, channel_id)
        channel.last_active_at = max(channel.last_active_at, at)
    session.flush()
