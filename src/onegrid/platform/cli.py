"""Command-line plumbing shared by every `onegrid` sub-command, and the platform's own commands."""

from __future__ import annotations

import json
import logging
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import cached_property, wraps
from pathlib import Path
from typing import Any, Literal

import click
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from onegrid.platform.accounts.departments import list_departments, register_department
from onegrid.platform.accounts.ingest_keys import issue_key, list_keys, revoke_key
from onegrid.platform.errors import OneGridError
from onegrid.platform.operations.broker_view import read_once
from onegrid.platform.operations.health import platform_state
from onegrid.platform.settings import Settings
from onegrid.platform.sharing.tokens import (
    DEFAULT_DAYS,
    issue_token,
    listed_tokens,
    revoke_token,
)
from onegrid.platform.store import migrate, roles
from onegrid.platform.store.db import (
    COLLATION,
    collation,
    engine_for,
    session_factory,
    unit_of_work,
)
from onegrid.platform.store.models import TOKEN_SCOPES
from onegrid.platform.streams import CHECKPOINT_TOPIC
from onegrid.platform.trace.audit import audit
from onegrid.platform.trace.checkpointer import Checkpointer
from onegrid.platform.trace.checkpoints import Checkpoint, TopicCopy, read
from onegrid.platform.trace.signing import public_key, public_pem, signing_key

Role = Literal["web", "ingest", "owner"]
"""Whose database role a command connects as (docs/architecture.md, The store: roles): the
web's (DATABASE_URL) unless it sets the store up (the owner's) or does ingest's work."""


class Runtime:
    """What a command needs: the settings the entry point passes (loaded on first use, so
    `--help` works without configuration), the engine and sessions built from them."""

    def __init__(self, load_settings: Callable[[], Settings], role: Role = "web") -> None:
        self._load_settings, self.role = load_settings, role

    @cached_property
    def settings(self) -> Settings:
        return self._load_settings()

    @cached_property
    def engine(self) -> Engine:
        settings = self.settings
        return engine_for({"web": settings.database_url, "owner": settings.owner_database_url,
                           "ingest": settings.ingest_database_url}[self.role])

    def as_role(self, role: Role) -> Runtime:
        """The same settings, connected as ``role``."""
        return Runtime(lambda: self.settings, role)

    def close(self) -> None:
        """Close the store's connections, if the command opened any."""
        if "engine" in self.__dict__:
            self.engine.dispose()

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


def pass_runtime_as(role: Role) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Like pass_runtime, connected as ``role``."""
    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        @pass_runtime
        @wraps(command)
        def run(rt: Runtime, *args: Any, **kwargs: Any) -> Any:
            return command(rt.as_role(role), *args, **kwargs)
        return run
    return decorate


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
    """Print the store's, the broker's and ingest's state as JSON; exit 1 unless the store and
    the broker both answer (a "degraded" ingest, which `onegrid ingest status` explains, still
    exits 0)."""
    deadline = time.monotonic() + wait
    answering = ("ok", "degraded")
    while True:
        state = _http_state(url) if url else platform_state(
            rt.engine, read_once(rt.settings.kafka, rt.settings.topic_prefix),
            rt.settings.topic_prefix)
        if state.get("status") in answering or time.monotonic() >= deadline:
            break
        time.sleep(0.5)
    click.echo(json.dumps(state, ensure_ascii=False, indent=2))
    sys.exit(0 if state.get("status") in answering else 1)


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
@pass_runtime_as("owner")
def db_upgrade(rt: Runtime, revision: str) -> None:
    """Apply the migrations as the store's owner (creates PostGIS in the database if needed) and,
    at the head, load the store's functions and triggers from their SQL files again; then grant
    the web's and ingest's roles what they may do (platform/store/sql/roles.sql)."""
    migrate.upgrade(rt.engine, revision)
    click.echo(f"schema at {migrate.current_revision(rt.engine)}")
    if app_roles := roles.app_roles(rt.settings):
        with rt.engine.begin() as conn:
            roles.grant(conn, *app_roles)
        click.echo("granted roles {} (web) and {} (ingest)".format(*app_roles))
    if (collate := collation(rt.engine)) != COLLATION:
        click.echo(f"note: the database's collation is {collate!r}; ingest runs faster in one "
                   f"created with LC_COLLATE '{COLLATION}' (docs/ingest.md §6)", err=True)


@db.command("check")
@pass_runtime_as("owner")
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
@pass_runtime_as("owner")
def department_add(rt: Runtime, code: str, name: str, name_en: str) -> None:
    """Add a department (or rename an existing one), e.g. `department add SCJG 市场监管局`."""
    with rt.unit_of_work() as session:
        dep = register_department(session, code, name, name_en, "cli")
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
@pass_runtime_as("owner")
def department_key_create(rt: Runtime, code: str, label: str) -> None:
    """Create an ingest key for department CODE; the last line printed is `<kid> <secret>`.
    The secret is shown this once: give it to the department's producer."""
    with rt.unit_of_work() as session:
        key, secret = issue_key(session, code, rt.settings.secret_key, label, "cli")
    click.echo(f"ingest key for {code}: sign each message's value with HMAC-SHA256 under the "
               "secret (docs/ingest.md §2)")
    click.echo(f"{key.kid} {secret}")


@department_key.command("list")
@click.argument("code")
@pass_runtime_as("owner")
def department_key_list(rt: Runtime, code: str) -> None:
    """List department CODE's ingest keys (never their secrets), oldest first."""
    with rt.session() as session:
        for key in list_keys(session, code):
            state = f"revoked {key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "active"
            click.echo(f"{key.kid}\t{state}\tcreated {key.created_at:%Y-%m-%d %H:%M}"
                       f"\t{key.label}")


@department_key.command("revoke")
@click.argument("kid")
@pass_runtime_as("owner")
def department_key_revoke(rt: Runtime, kid: str) -> None:
    """Revoke ingest key KID for good: ingest refuses what it signs from its next batch on."""
    with rt.unit_of_work() as session:
        revoke_key(session, kid, "cli")
    click.echo(f"revoked {kid}")


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
        _, clear = issue_token(session, department_code, label, days, scope, "cli")
    click.echo(clear)


@token.command("list")
@pass_runtime
def token_list(rt: Runtime) -> None:
    """List the tokens: id, department, scope, label, created, expires, revoked (never the
    token: only its hash is stored)."""
    with rt.unit_of_work() as session:
        tokens = listed_tokens(session, "cli")
    for row, code in tokens:
        click.echo("\t".join([str(row.id), code, row.scope, row.label, _day(row.created_at),
                              _day(row.expires_at), _day(row.revoked_at)]))


def _day(at: datetime | None) -> str:
    return at.isoformat(timespec="seconds") if at else "-"


@token.command("revoke")
@click.argument("token_id", type=int)
@pass_runtime
def token_revoke(rt: Runtime, token_id: int) -> None:
    """Revoke a token by its id (see `onegrid token list`); again says when it was."""
    with rt.unit_of_work() as session:
        revoked = revoke_token(session, token_id, "cli").revoked_at
    click.echo(f"token {token_id} revoked {_day(revoked)}")


@click.group(cls=OneGridGroup)
def trace() -> None:
    """The tamper-evident trace."""


class CannotCheckError(click.ClickException):
    """The check could not be made (exit 2), as opposed to finding tampering (exit 1)."""

    exit_code = 2


@trace.command("verify")
@click.option("--public-key", "public_key_file",
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The auditor's copy of the public key (PEM). Default: the public half of "
                   "ONEGRID_TRACE_KEY_FILE, when that file is here.")
@click.option("--checkpoints", "checkpoints_file",
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Signed checkpoints, one JSON line each (a copy of the file, or of the topic "
                   "onegrid.trace.checkpoints). Default: ONEGRID_TRACE_CHECKPOINTS.")
@pass_runtime
def trace_verify(rt: Runtime, public_key_file: Path | None,
                 checkpoints_file: Path | None) -> None:
    """Check the hash chain, then the chain against the signed checkpoints: an edited entry, a
    chain rewritten with its hashes recomputed, deleted newest entries, a forged checkpoint.
    Exit 0: intact; 1: tampering found (each finding on stderr); 2: the check cannot be made."""
    checkpoints = checkpoints_file or Path(rt.settings.trace_checkpoints_file)
    if not checkpoints.exists():
        click.echo(f"note: no checkpoints at {checkpoints}: only the chain is checked, which "
                   "misses a recomputed chain and deleted newest entries", err=True)
    key = _verifying_key(rt, public_key_file)
    if key is None and checkpoints.exists():
        raise CannotCheckError(f"no public key to check {checkpoints} with: pass --public-key "
                               "FILE (the copy the auditors keep)")
    with rt.session() as session:
        result = audit(session, key, read(checkpoints) if checkpoints.exists() else ())
    for finding in result.findings:
        click.echo(f"tampered: {finding}", err=True)
    if not result.ok:
        raise click.ClickException(f"the trace was tampered with ({len(result.findings)} "
                                   f"findings; entries 1–{result.entries} chain soundly)")
    click.echo(f"trace intact: {result.entries} entries" + _agreeing(result.checkpoints))


def _verifying_key(rt: Runtime, public_key_file: Path | None) -> Ed25519PublicKey | None:
    try:
        if public_key_file:
            return public_key(public_key_file.read_bytes(), str(public_key_file))
        own = Path(rt.settings.trace_key_file)
        return signing_key(own).public_key() if own.exists() else None
    except OneGridError as exc:
        raise CannotCheckError(exc.detail) from exc


def _agreeing(checkpoints: tuple[Checkpoint, ...]) -> str:
    if not checkpoints:
        return " (no signed checkpoint to hold them against)"
    latest = max(checkpoints, key=lambda c: c.seq)
    return (f"; {len(checkpoints)} signed checkpoints agree (the latest covers entry "
            f"{latest.seq}, signed {latest.at})")


@trace.command("checkpoint")
@click.option("--every", type=click.FloatRange(min=1), metavar="SECONDS",
              help="Keep running: a checkpoint now, then every SECONDS while the trace grows, "
                   "and a last one on SIGTERM or Ctrl-C.")
@pass_runtime
def trace_checkpoint(rt: Runtime, every: float | None) -> None:
    """Sign the trace's last entry (seq, hash, time) with the key in ONEGRID_TRACE_KEY_FILE
    (made on first use, mode 0600) and append it to ONEGRID_TRACE_CHECKPOINTS and to the topic
    onegrid.trace.checkpoints. Signs nothing when the trace no longer chains onto the last
    checkpoint."""
    path = Path(rt.settings.trace_checkpoints_file)
    checkpointer = Checkpointer(rt.session, signing_key(Path(rt.settings.trace_key_file)), path,
                                TopicCopy(rt.settings.kafka))
    if every is None:
        checkpoint = checkpointer.checkpoint()
        click.echo(f"checkpoint: entry {checkpoint.seq} ({checkpoint.head_hash}), "
                   f"signed {checkpoint.at}")
        return
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    checkpointer.stop_on_signals()
    click.echo(f"checkpointing the trace every {every:g} s into {path} and {CHECKPOINT_TOPIC}")
    checkpointer.run(every)


@trace.command("public-key")
@pass_runtime
def trace_public_key(rt: Runtime) -> None:
    """Print the public key that checks the checkpoints (PEM, SubjectPublicKeyInfo), making
    the signing key on first use. Auditors keep a copy for `trace verify --public-key`."""
    click.echo(public_pem(signing_key(Path(rt.settings.trace_key_file))), nl=False)


@click.group("import", cls=OneGridGroup)
def import_() -> None:
    """A city's own files into the store; each reports what is wrong before anything is
    written."""


COMMANDS = (health, db, department, token, trace, import_)
