"""Command-line plumbing shared by every `onegrid` sub-command, and the platform's own commands."""

from __future__ import annotations

import json
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cached_property
from typing import Any

import click
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from onegrid.platform.accounts.departments import add_department, list_departments
from onegrid.platform.accounts.ingest_keys import create_key, list_keys, revoke_key
from onegrid.platform.errors import OneGridError
from onegrid.platform.operations.health import platform_state
from onegrid.platform.settings import Settings
from onegrid.platform.sharing.tokens import create_token, revoke_token
from onegrid.platform.store import migrate
from onegrid.platform.store.db import (
    COLLATION,
    collation,
    engine_for,
    session_factory,
    unit_of_work,
)
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
        state = _http_state(url) if url else platform_state(rt.engine, rt.settings.kafka)
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


@department.group("key", cls=OneGridGroup)
def department_key() -> None:
    """Ingest keys: a department's producers sign every message with one (docs/ingest.md §2)."""


@department_key.command("create")
@click.argument("code")
@click.option("--label", default="", help="What the key is for (a system, a host).")
@pass_runtime
def department_key_create(rt: Runtime, code: str, label: str) -> None:
    """Create an ingest key for department CODE; the last line printed is `<kid> <secret>`.
    The secret is shown this once: give it to the department's producer."""
    with rt.unit_of_work() as session:
        key, secret = create_key(session, code, rt.settings.secret_key, label)
        append(session, "cli", "ingest_key.create", f"department:{code}",
               {"kid": key.kid, "label": label})
    click.echo(f"ingest key for {code}: sign each message's value with HMAC-SHA256 under the "
               "secret (docs/ingest.md §2)")
    click.echo(f"{key.kid} {secret}")


@department_key.command("list")
@click.argument("code")
@pass_runtime
def department_key_list(rt: Runtime, code: str) -> None:
    """List department CODE's ingest keys (never their secrets), oldest first."""
    with rt.session() as session:
        for key in list_keys(session, code):
            state = f"revoked {key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "active"
            click.echo(f"{key.kid}\t{state}\tcreated {key.created_at:%Y-%m-%d %H:%M}"
                       f"\t{key.label}")


@department_key.command("revoke")
@click.argument("kid")
@pass_runtime
def department_key_revoke(rt: Runtime, kid: str) -> None:
    """Revoke ingest key KID for good: ingest refuses what it signs from its next batch on."""
    with rt.unit_of_work() as session:
        key = revoke_key(session, kid)
        append(session, "cli", "ingest_key.revoke", f"ingest_key:{kid}",
               {"department_id": key.department_id})
    click.echo(f"revoked {kid}")


@click.group(cls=OneGridGroup)
def token() -> None:
    """Department API tokens."""


@token.command("create")
@click.option("--department", "department_code", required=True, help="Department code.")
@click.option("--label", default="", help="What the token is for.")
@click.option("--days", type=int, help="Expire after this many days (default: never).")
@pass_runtime
def token_create(rt: Runtime, department_code: str, label: str, days: int | None) -> None:
    """Create a token and print it once: only its hash is stored."""
    with rt.unit_of_work() as session:
        row, clear = create_token(session, department_code, label, days)
        append(session, "cli", "token.create", f"department:{department_code}",
               {"token_id": row.id, "label": label, "expires_at": row.expires_at})
    click.echo(clear)


@token.command("revoke")
@click.argument("token_id", type=int)
@pass_runtime
def token_revoke(rt: Runtime, token_id: int) -> None:
    """Revoke a token by its id."""
    with rt.unit_of_work() as session:
        revoke_token(session, token_id)
        append(session, "cli", "token.revoke", f"token:{token_id}")


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
