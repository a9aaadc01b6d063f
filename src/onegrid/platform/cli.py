"""Command-line plumbing shared by every `onegrid` sub-command, and the platform's own commands."""

from __future__ import annotations

import json
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import cached_property
from typing import Any

import click
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from onegrid.platform.accounts.departments import add_department, list_departments
from onegrid.platform.errors import OneGridError
from onegrid.platform.operations.health import platform_state
from onegrid.platform.settings import Settings
from onegrid.platform.sharing.tokens import (
    DEFAULT_DAYS,
    create_token,
    list_tokens,
    revoke_token,
)
from onegrid.platform.store import migrate
from onegrid.platform.store.db import (
    COLLATION,
    collation,
    engine_for,
    session_factory,
    unit_of_work,
)
from onegrid.platform.store.models import TOKEN_SCOPES
from onegrid.platform.trace.chain import append, verify


class Runtime:
    """What a command needs: the settings the entry point passes (loaded on first use, so
    `--help` works without configuration), the engine and sessions built from them."""

    def __init__(self, load_settings: Callable[[], Settings]) -> None:
        self._load_settings = load_settings

    @cached_property
    def settings(self) -> Settings:
        return self._load_settings()

    @cached_property
    def engine(self) -> Engine:
        return engine_for(self.settings.database_url)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session to read with; closing it rolls back whatever it did."""
        with session_factory(self.engine)() as session:
            yield session

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """A command's one transaction: committed when the block ends normally, rolled back
        when it raises (platform/store/db.py)."""
        with session_factory(self.engine)() as session, unit_of_work(session):
            yield session


pass_runtime = click.make_pass_decorator(Runtime)


class OneGridGroup(click.Group):
    """Turns OneGridError into a one-line message and exit status 1 instead of a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except OneGridError as exc:
            raise click.ClickException(exc.detail) from exc


@click.command()
@click.option("--wait", type=float, default=0, help="Keep trying for this many seconds.")
@click.option("--url", help="Ask a running web server's /healthz instead of checking directly.")
@pass_runtime
def health(rt: Runtime, wait: float, url: str | None) -> None:
    """Print the store's and the broker's state as JSON; exit 1 unless both answer."""
    deadline = time.monotonic() + wait
    while True:
        state = _http_state(url) if url else platform_state(rt.engine,
                                                            rt.settings.kafka_bootstrap_servers)
        if state.get("status") == "ok" or time.monotonic() >= deadline:
            break
        time.sleep(0.5)
    click.echo(json.dumps(state, ensure_ascii=False, indent=2))
    sys.exit(0 if state.get("status") == "ok" else 1)


def _http_state(url: str) -> dict[str, Any]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            state: dict[str, Any] = json.load(response)
            return state
    except OSError as exc:
        return {"status": "unavailable", "error": str(exc)}


@click.group(cls=OneGridGroup)
def db() -> None:
    """The store's schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@pass_runtime
def db_upgrade(rt: Runtime, revision: str) -> None:
    """Apply the migrations (creates PostGIS in the database if needed)."""
    migrate.upgrade(rt.engine, revision)
    click.echo(f"schema at {migrate.current_revision(rt.engine)}")
    if (collate := collation(rt.engine)) != COLLATION:
        click.echo(f"note: the database's collation is {collate!r}; ingest runs faster in one "
                   f"created with LC_COLLATE '{COLLATION}' (docs/ingest.md §6)", err=True)


@db.command("check")
@pass_runtime
def db_check(rt: Runtime) -> None:
    """Fail if the models and the migrations have drifted apart."""
    migrate.check(rt.engine)
    click.echo("models and migrations agree")


@click.group(cls=OneGridGroup)
def department() -> None:
    """City departments."""


@department.command("add")
@click.argument("code")
@click.argument("name")
@click.option("--name-en", default="", help="English name shown in the English UI.")
@pass_runtime
def department_add(rt: Runtime, code: str, name: str, name_en: str) -> None:
    """Add a department (or rename an existing one), e.g. `department add SCJG 市场监管局`."""
    with rt.unit_of_work() as session:
        dep = add_department(session, code, name, name_en)
        append(session, "cli", "department.add", f"department:{code}", {"name": name})
    click.echo(f"{dep.code}\t{dep.name}")


@department.command("list")
@pass_runtime
def department_list(rt: Runtime) -> None:
    """List the departments."""
    with rt.session() as session:
        for dep in list_departments(session):
            click.echo(f"{dep.code}\t{dep.name}\t{dep.name_en}")


@click.group(cls=OneGridGroup)
def token() -> None:
    """Department API tokens."""


@token.command("create")
@click.option("--department", "department_code", required=True, help="Department code.")
@click.option("--scope", type=click.Choice(TOKEN_SCOPES), default="data", show_default=True,
              help="data: the data API, OGC API Features and tiles; open311: an Open311 "
                   "client's api_key (files requests, reads nothing else).")
@click.option("--label", default="", help="What the token is for.")
@click.option("--days", type=click.IntRange(min=1), default=DEFAULT_DAYS, show_default=True,
              help="Expire after this many days.")
@pass_runtime
def token_create(rt: Runtime, department_code: str, scope: str, label: str, days: int) -> None:
    """Create a token and print it once: only its hash is stored."""
    with rt.unit_of_work() as session:
        row, clear = create_token(session, department_code, label, days, scope)
        append(session, "cli", "token.create", f"department:{department_code}",
               {"token_id": row.id, "scope": scope, "label": label,
                "expires_at": row.expires_at})
    click.echo(clear)


@token.command("list")
@pass_runtime
def token_list(rt: Runtime) -> None:
    """List the tokens: id, department, scope, label, created, expires, revoked (never the
    token: only its hash is stored)."""
    with rt.unit_of_work() as session:
        tokens = list_tokens(session)
        append(session, "cli", "token.list", "api_token", {"tokens": len(tokens)})
    for row, code in tokens:
        click.echo("\t".join([str(row.id), code, row.scope, row.label, _day(row.created_at),
                              _day(row.expires_at), _day(row.revoked_at)]))


def _day(at: datetime | None) -> str:
    return at.isoformat(timespec="seconds") if at else "-"


@token.command("revoke")
@click.argument("token_id", type=int)
@pass_runtime
def token_revoke(rt: Runtime, token_id: int) -> None:
    """Revoke a token by its id (see `onegrid token list`)."""
    with rt.unit_of_work() as session:
        row = revoke_token(session, token_id)
        append(session, "cli", "token.revoke", f"token:{token_id}",
               {"revoked_at": row.revoked_at})
    click.echo(f"token {token_id} revoked")


@click.group(cls=OneGridGroup)
def trace() -> None:
    """The tamper-evident trace."""


@trace.command("verify")
@pass_runtime
def trace_verify(rt: Runtime) -> None:
    """Check the hash chain; report the first altered or missing entry."""
    with rt.session() as session:
        verdict = verify(session)
    if not verdict.ok:
        raise click.ClickException(f"{verdict.reason} ({verdict.entries} entries verified before)")
    click.echo(f"trace intact: {verdict.entries} entries")


COMMANDS = (health, db, department, token, trace)
