"""`onegrid trace checkpoint | public-key | verify` as an operator and an auditor run them, on a
database of their own that an attacker with superuser rights then tampers with."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.orm import Session

from onegrid.cli import main
from onegrid.platform.settings import Settings
from onegrid.platform.streams import CHECKPOINT_TOPIC
from onegrid.platform.trace.checkpoints import parse, sign
from tests.conftest import _admin_engine, _template
from tests.platform.trace.attacker import add_entries, delete_newest, rewrite

Run = Callable[..., Result]


@pytest.fixture
def database(settings: Settings) -> Iterator[str]:
    """A database of this test's own, migrated, so that tampering with it harms no other."""
    admin = _admin_engine(settings.admin_database_url)
    url = make_url(settings.owner_database_url)  # the attacker owns the store
    name = f"{url.database}_{uuid.uuid4().hex[:6]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{_template(admin, settings)}" '
                          f'OWNER "{url.username}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def env(settings: Settings, database: str, tmp_path: Path) -> dict[str, str]:
    return {"DATABASE_URL": database,
            "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
            "ONEGRID_SECRET_KEY": settings.secret_key, "ONEGRID_PII_KEY": settings.pii_key,
            "ONEGRID_TRACE_KEY_FILE": str(tmp_path / "key.pem"),
            "ONEGRID_TRACE_CHECKPOINTS": str(tmp_path / "checkpoints.jsonl")}


@pytest.fixture
def run(env: dict[str, str]) -> Run:
    def invoke(*args: str, **overrides: str) -> Result:
        return CliRunner().invoke(main, list(args), env=env | overrides)
    return invoke


def _as_superuser(database: str, tamper: Callable[[Session], None]) -> None:
    engine = create_engine(database)
    with Session(engine) as db:
        db.execute(text("ALTER TABLE trace_entry DISABLE TRIGGER trace_entry_append_only"))
        tamper(db)
        db.execute(text("ALTER TABLE trace_entry ENABLE TRIGGER trace_entry_append_only"))
        db.commit()
    engine.dispose()


@pytest.fixture
def audited(run: Run, database: str, tmp_path: Path) -> Run:
    """Eight entries, a checkpoint over them, the auditor's copy of the public key; returns
    the auditor's `trace verify`."""
    _as_superuser(database, lambda db: add_entries(db, 8))
    assert run("trace", "checkpoint").exit_code == 0
    (tmp_path / "auditor.pem").write_text(run("trace", "public-key").output)

    def verify() -> Result:
        return run("trace", "verify", "--public-key", str(tmp_path / "auditor.pem"),
                   "--checkpoints", str(tmp_path / "checkpoints.jsonl"))
    return verify


def test_a_clean_trace_verifies_against_its_checkpoint(audited: Run) -> None:
    result = audited()
    assert result.exit_code == 0, result.output
    assert result.output.startswith("trace intact: 8 entries; 1 signed checkpoints agree "
                                    "(the latest covers entry 8, signed ")


def test_a_rewritten_chain_with_recomputed_hashes_fails_verify(
        audited: Run, run: Run, database: str, tmp_path: Path) -> None:
    _as_superuser(database, lambda db: rewrite(db, 3, {"rows": 1000}))
    missing = str(tmp_path / "none.jsonl")
    assert run("trace", "verify", ONEGRID_TRACE_CHECKPOINTS=missing).exit_code == 0  # chain only
    result = audited()
    assert result.exit_code == 1
    assert "tampered: entry 8 does not match the checkpoint of " in result.stderr
    assert "an entry from 1 to 8 was rewritten and the hashes after it recomputed" in result.stderr


def test_deleted_newest_entries_fail_verify(audited: Run, database: str) -> None:
    _as_superuser(database, lambda db: delete_newest(db, 3))
    result = audited()
    assert result.exit_code == 1
    assert "tampered: entries 6–8 were deleted: the checkpoint of " in result.stderr
    assert "Error: the trace was tampered with (1 findings; entries 1–5 chain soundly)" in \
        result.stderr


def test_a_forged_checkpoint_line_fails_verify(audited: Run, tmp_path: Path) -> None:
    forged = sign(Ed25519PrivateKey.generate(), (9, "f" * 64), datetime.now(UTC))
    with (tmp_path / "checkpoints.jsonl").open("a") as out:
        out.write(forged.line() + "\n")
    result = audited()
    assert result.exit_code == 1
    assert ("tampered: the checkpoint on line 2 (entry 9, " in result.stderr
            and "is not signed by this public key" in result.stderr)


def test_verify_cannot_check_without_a_usable_public_key(audited: Run, run: Run,
                                                         tmp_path: Path) -> None:
    result = run("trace", "verify", ONEGRID_TRACE_KEY_FILE=str(tmp_path / "elsewhere.pem"))
    assert result.exit_code == 2 and "no public key to check" in result.stderr
    (tmp_path / "not-a-key.pem").write_text("hello")
    result = run("trace", "verify", "--public-key", str(tmp_path / "not-a-key.pem"))
    assert result.exit_code == 2 and "holds no Ed25519 public key" in result.stderr


def test_public_key_prints_the_signing_keys_public_half(run: Run, env: dict[str, str]) -> None:
    printed = run("trace", "public-key").output
    assert printed.startswith("-----BEGIN PUBLIC KEY-----")
    key = Path(env["ONEGRID_TRACE_KEY_FILE"])
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    assert key.read_text() not in printed


def _lines(path: Path, count: int, timeout: float = 60) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines = path.read_text().splitlines() if path.exists() else []
        if len(lines) >= count:
            return lines
        time.sleep(0.2)
    raise AssertionError(f"{path} has not {count} lines after {timeout} s")


def _on_topic(signatures: set[str], timeout: float = 30) -> set[str]:
    consumer = Consumer({"bootstrap.servers": os.environ["KAFKA_BOOTSTRAP_SERVERS"],
                         "group.id": f"test-{uuid.uuid4().hex}", "enable.auto.commit": False})
    consumer.assign([TopicPartition(CHECKPOINT_TOPIC, 0, OFFSET_BEGINNING)])
    seen: set[str] = set()
    deadline = time.monotonic() + timeout
    try:
        while signatures - seen and time.monotonic() < deadline:
            message = consumer.poll(1)
            if message is not None and not message.error():
                checkpoint = parse((message.value() or b"").decode())
                seen |= {checkpoint.signature} & signatures if checkpoint else set()
    finally:
        consumer.close()
    return seen


def test_the_supervised_checkpointer_signs_at_start_and_once_more_on_sigterm(
        env: dict[str, str], database: str) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "onegrid.cli", "trace", "checkpoint", "--every", "60"],
        env=os.environ | env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        path = Path(env["ONEGRID_TRACE_CHECKPOINTS"])
        [first] = _lines(path, 1)
        _as_superuser(database, lambda db: add_entries(db, 2))
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 0, output
    lines = path.read_text().splitlines()
    checkpoints = [parse(line) for line in lines]
    assert [c.seq for c in checkpoints if c] == [0, 2], output
    assert _on_topic({c.signature for c in checkpoints if c}) == {
        c.signature for c in checkpoints if c}
    assert first == lines[0]

