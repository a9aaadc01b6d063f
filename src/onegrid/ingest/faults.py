"""What went wrong while storing: a passing fault of the store (wait, and write the same batch
again) or something in one message (a dead letter, with a reason a person can read)."""

from __future__ import annotations

import logging
import random
import re
import threading
import traceback
from collections.abc import Iterator

import psycopg
from psycopg.errors import DeadlockDetected
from sqlalchemy.exc import DBAPIError, IntegrityError

from onegrid.platform.errors import OneGridError, StoreUnavailableError

log = logging.getLogger(__name__)
RECORD_KEY = "record_subject_key_dataset_id_key"
# SQLSTATE classes of the store's passing faults: the connection (08), a conflict with another
# transaction (40: serialization failure, deadlock), resources (53: disk, memory, connections),
# a lock or object in use (55), an operator or shutdown (57: terminated, cancelled, restarting),
# the server's I/O (58). psycopg raises OperationalError for these, but also for class 54 (a
# statement or a row beyond the server's limits), which a message can cause: that one is not
# waited out.
PASSING = frozenset({"08", "40", "53", "55", "57", "58"})
# The longest wait is short so that ingest is back within seconds of the store (a restarted
# PostgreSQL answers in a few): a try costs a refused connection, at most 2 s for one that hangs.
FIRST_WAIT_S, LONGEST_WAIT_S = 0.1, 4.0


def passing(exc: BaseException) -> str | None:
    """Why ``exc`` is a passing fault of the store or the broker, worth writing the same batch
    again for; None when it may lie in a message of the batch."""
    if isinstance(exc, StoreUnavailableError):  # e.g. the broker did not take the dead letters
        return exc.detail
    if not isinstance(exc, DBAPIError):
        return None
    if exc.connection_invalidated:
        return "the connection to the store was lost"
    if isinstance(exc.orig, DeadlockDetected):
        # Only when producers partition one subject differently, so that two workers load the
        # same new record (sql/merge.sql): each batch waited on a new record of the other.
        return "the batch and another worker's each waited on a new record of the other"
    diag = getattr(exc.orig, "diag", None)
    if isinstance(exc, IntegrityError) and diag and diag.constraint_name == RECORD_KEY:
        return "a record of the batch appeared meanwhile"  # the other worker committed it first
    if isinstance(exc.orig, psycopg.OperationalError):
        state = exc.orig.sqlstate
        if state is None:  # raised by the client: the connection broke
            return "the connection to the store was lost"
        if state[:2] in PASSING:
            return f"the store answered {_words(exc.orig)} (SQLSTATE {state})"
    return None


def reason(exc: BaseException) -> str:
    """Why one message could not be stored, for its dead letter: a OneGridError's own safe
    text; for the store's refusals the rule's kind and name, never the store's message, which
    may quote the values (and personal information with them)."""
    if isinstance(exc, OneGridError):
        return exc.detail
    orig = exc.orig if isinstance(exc, DBAPIError) else None
    if isinstance(orig, psycopg.Error) and orig.sqlstate:
        diag = orig.diag
        where = f" of table {diag.table_name}" if diag.table_name else ""
        if diag.constraint_name:
            return (f"the store refused it: it breaks the rule {diag.constraint_name}{where} "
                    f"({_words(orig)}, SQLSTATE {orig.sqlstate})")
        if diag.column_name:
            return (f"the store refused it: column {diag.column_name}{where} "
                    f"({_words(orig)}, SQLSTATE {orig.sqlstate})")
        return f"the store refused it: {_words(orig)} (SQLSTATE {orig.sqlstate})"
    return (f"OneGrid failed while storing it ({type(exc).__name__}): a fault of the platform, "
            "not necessarily of the message; the ingest worker's log has where")


def log_failure(exc: BaseException, where: str) -> None:
    """Logs the reason, and for any failure but a OneGridError (a refusal that says all) where
    ``exc`` was raised: its type and stack, not its message (which may quote a message's
    values)."""
    if isinstance(exc, OneGridError):
        log.warning("%s: %s", where, exc.detail)
        return
    stack = "".join(traceback.format_tb(exc.__traceback__))
    log.warning("%s: %s (%s)\n%s", where, reason(exc), type(exc).__name__, stack)


def waits(stopping: threading.Event | None) -> Iterator[None]:
    """Yields after each wait, doubling from FIRST_WAIT_S to LONGEST_WAIT_S (each drawn between
    half and all of it, so that two workers that failed together try again apart); ends with
    StoreUnavailableError when ``stopping`` is set meanwhile."""
    stop, wait = stopping or threading.Event(), FIRST_WAIT_S
    while True:
        if stop.wait(random.uniform(wait / 2, wait)):
            raise StoreUnavailableError("stopped while waiting for the store to answer again")
        yield
        wait = min(wait * 2, LONGEST_WAIT_S)


def _words(error: psycopg.Error) -> str:
    """psycopg's name for the error's SQLSTATE in words: "check violation", "deadlock
    detected"."""
    name = type(error).__name__.rstrip("_")
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).lower()
