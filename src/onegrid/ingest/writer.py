"""One batch into the store in one transaction: reports merged, refusals kept as dead letters,
counters and consumed offsets written beside them, so a crash anywhere loses and doubles nothing.

A message only costs itself. The batch is first written whole, without a savepoint per message
(they would cost every batch for the rare one that fails). If that fails for a passing fault of
the store (faults.passing: the connection lost, a serialization failure, a deadlock), the same
batch is written again after a wait, however long the store takes to come back, and nothing
becomes a dead letter. Any other failure may lie in one message: the batch is rolled back and
written again in one transaction, its reports now merged in halves, each in a savepoint, a half
that fails split again until the report at fault is alone; that report becomes a dead letter
with the reason (faults.reason) and the rest is stored, with every offset, in the one commit.
A batch with one bad report of 5,000 costs some 26 merges of shrinking parts rather than 5,000
single ones, which per-report savepoints on the retry would take."""

from __future__ import annotations

import logging
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

import msgspec
import psycopg
from psycopg.adapt import PyFormat
from sqlalchemy import Connection, text
from sqlalchemy.dialects.postgresql import insert

from onegrid.ingest import faults
from onegrid.ingest.bridges import run_bridges
from onegrid.ingest.decode import NO_HASHES, Refusal, Report
from onegrid.ingest.redaction import redacted
from onegrid.platform.governance.working_time import WorkingHours
from onegrid.platform.loop.dedup import DEFAULT_RULE, DedupRule
from onegrid.platform.store.models import DeadLetter, IngestCounter
from onegrid.platform.store.sqlfiles import statements

log = logging.getLogger(__name__)
# staging's columns as COPY sends them (sql/staging.sql), in PostgreSQL's binary format: the
# server parses no numbers, times or text escapes (≈ 2.5 µs a row less than the text format).
# The JSON texts decode() wrote go as they are: psycopg's bytea dumper sends bytes unchanged,
# which is text's binary form, and jsonb's after a version byte (no Python dumper per value).
STAGED = {"seq": "int4", "rnk": "int4", "dataset_id": "text",
          "department_id": "int4", "record_id": "text", "key": "text",
          "key_masked": "text", "occurred_at": "timestamptz", "lon": "float8", "lat": "float8",
          "geojson": "bytea", "attributes": "bytea", "sources": "bytea", "pii_hashes": "bytea"}
JSONB = b"\x01"  # jsonb's binary format version
REPLAN_BATCHES = 16


# A msgspec Struct: one per message, built in C (≈ 80 ns; a NamedTuple's __new__ is Python,
# ≈ 320 ns), and left out of the cyclic garbage collector (gc=False: it holds no cycles).
class Delivery(msgspec.Struct, frozen=True, gc=False):
    """A message as the broker delivered it."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    signature: bytes | None = None  # its onegrid-signature header (ingest/signing.py)


@dataclass
class Outcome:
    """What one batch did, per (dataset, department), and where reading resumes after it, per
    (topic, partition)."""

    counts: dict[tuple[str, str], Counter[str]] = field(default_factory=dict)
    dead_letters: list[tuple[Delivery, Refusal]] = field(default_factory=list)
    resume_at: dict[tuple[str, int], int] = field(default_factory=dict)

    def add(self, dataset: str, department: str, **counts: int) -> None:
        self.counts.setdefault((dataset, department), Counter()).update(
            {name: n for name, n in counts.items() if n})

    def absorb(self, part: Outcome) -> None:
        """Adds the counts of a part of the batch."""
        for (dataset, department), counts in part.counts.items():
            self.add(dataset, department, **counts)


def _offset_ranges(deliveries: Iterable[Delivery]) -> dict[tuple[str, int], tuple[int, int]]:
    """Per (topic, partition): the first offset delivered and the one after the last (where
    reading resumes)."""
    offsets: defaultdict[tuple[str, int], list[int]] = defaultdict(list)
    for d in deliveries:
        offsets[(d.topic, d.partition)].append(d.offset)
    return {tp: (min(o), max(o) + 1) for tp, o in offsets.items()}


class StoreRewoundError(Exception):
    """The store's offsets are behind what this writer stored: batches it committed are gone.

    The writer's commits do not wait for the disk (synchronous_commit off, _prepare), so a
    crash of PostgreSQL may lose the last fraction of a second of them, offsets with rows; a
    restore, or the local broker's restart (deploy/broker.sh forgets the offsets), moves them
    back too. Writing on would advance the offsets past what was lost, so the worker is told
    to read again from ``stored``, (topic, partition) -> offset, instead."""

    def __init__(self, stored: dict[tuple[str, int], int]) -> None:
        super().__init__(", ".join(f"{t}[{p}]@{o}" for (t, p), o in sorted(stored.items())))
        self.stored = stored


class BatchWriter:
    """Writes batches through one dedicated connection (it owns a temporary staging table)."""

    def __init__(self, conn: Connection, consumer_group: str,
                 department_ids: Callable[[], dict[str, int]],
                 dedup: DedupRule = DEFAULT_RULE,
                 stopping: threading.Event | None = None,
                 hours: WorkingHours | None = None) -> None:
        self.conn = conn
        self.group = consumer_group
        self.department_ids = department_ids
        self.dedup = dedup  # for the bridges: a hotline ticket merges as the web's reports do
        self.hours = hours  # and its issue's SLA counts by the city's working calendar
        self.stopping = stopping  # ends the waits for the store (the worker's stop)
        self._batches = 0
        self._committed: dict[tuple[str, int], int] = {}  # where our last commits left offsets
        self._prepare()

    def _prepare(self) -> None:
        """The session's staging table and settings: once, and again on a new connection."""
        conn = self.conn
        with self._transaction():
            for statement in statements("onegrid.ingest", "staging"):
                conn.execute(statement)
            # Batch-sized sorts and hashes stay in memory (the default 4 MB spills to disk);
            # JIT compiling the batch statements costs more than it saves on 5,000 rows.
            conn.exec_driver_sql("SET work_mem = '64MB'")
            conn.exec_driver_sql("SET jit = off")
            # The batch's records are found by key, one index probe each; at the default
            # random_page_cost (4, a spinning disk's) the planner prefers reading the whole
            # record table into a hash, so each batch would cost as much as the table is large.
            conn.exec_driver_sql("SET random_page_cost = 1.1")
            # A batch's commit need not wait for its WAL to reach the disk: the offsets are in
            # the same transaction, so a database crash that loses the last batches also loses
            # their offsets, and the worker reads those messages again from the broker. The
            # wait left the cores idle at every commit.
            conn.exec_driver_sql("SET synchronous_commit = off")
            # The batch statements are prepared (psycopg prepares a query from its fifth run)
            # and their plans kept, not made again for every batch (the merge's: 3.4 ms a
            # batch of 5,000); _merge says when to plan again.
            conn.exec_driver_sql("SET plan_cache_mode = force_generic_plan")
        self._analysed_for = 0  # reports in the batch staging's statistics describe
        # COPY picks dumpers by type oid, and psycopg's DB-API module registers a pure-Python
        # one for bytea (to unwrap its Binary objects); ours are plain bytes: use the C dumper
        # that bytes get everywhere else (≈ 1 µs a row with four JSON columns).
        adapters = _psycopg(conn).adapters
        adapters.register_dumper(bytes, adapters.get_dumper(bytes, PyFormat.BINARY))

    def write(self, reports: list[tuple[Delivery, Report]],
              refusals: list[tuple[Delivery, Refusal]],
              before_commit: Callable[[Outcome], None] = lambda _: None) -> Outcome:
        """Store one batch: each message ends stored or as a dead letter, with the batch's
        offsets in the same transaction. ``before_commit`` runs inside it (e.g. to publish dead
        letters, so a crash after it re-publishes rather than loses them). Waits out passing
        faults of the store (module docstring); raises only when ``stopping`` is set during
        such a wait, or for a failure outside every report's merge (a fault of OneGrid's)."""
        apart = False  # the reports merged in parts, once the whole batch failed
        waits = faults.waits(self.stopping)
        while True:
            try:
                if self.conn.invalidated:
                    self._prepare()  # a new connection: no staging table, default settings
                outcome = self._write(reports, refusals, before_commit, apart)
                for tp, end in outcome.resume_at.items():
                    self._committed[tp] = max(end, self._committed.get(tp, end))
                return outcome
            except StoreRewoundError:
                raise
            except Exception as exc:
                why = faults.passing(exc)
                self._analysed_for = 0  # the rollback took the statistics back too
                if why is None:
                    if apart:
                        raise
                    log.warning("a batch of %d failed (%s); writing it again, finding the "
                                "report at fault", len(reports) + len(refusals),
                                type(exc).__name__)
                    apart = True
                    continue
                log.info("%s; writing the batch again", why)
                next(waits)

    def _write(self, reports: list[tuple[Delivery, Report]],
               refusals: list[tuple[Delivery, Refusal]],
               before_commit: Callable[[Outcome], None], apart: bool) -> Outcome:
        ranges = _offset_ranges([d for d, _ in reports] + [d for d, _ in refusals])
        outcome = Outcome(resume_at={tp: end for tp, (_, end) in ranges.items()})
        with self._transaction():
            fresh = self._claim_offsets(ranges)
            if fresh:
                reports = [(d, r) for d, r in reports if fresh(d)]
                refusals = [(d, r) for d, r in refusals if fresh(d)]
            merge = self._merge_halves if apart else self._merge
            refusals = refusals + merge(reports, outcome)
            self._keep_dead_letters(refusals, outcome)
            self._count(outcome)
            before_commit(outcome)
        return outcome

    def _merge_halves(self, reports: list[tuple[Delivery, Report]],
                      outcome: Outcome) -> list[tuple[Delivery, Refusal]]:
        """The reports of a part that failed, merged in two halves (_merge_apart), in arrival
        order, so a subject's reports still merge in theirs."""
        if len(reports) < 2:
            return self._merge_apart(reports, outcome)
        half = len(reports) // 2
        return (self._merge_apart(reports[:half], outcome)
                + self._merge_apart(reports[half:], outcome))

    def _merge_apart(self, reports: list[tuple[Delivery, Report]],
                     outcome: Outcome) -> list[tuple[Delivery, Refusal]]:
        """_merge in a savepoint; a part that fails is halved again, and a report that fails
        alone is refused with the reason."""
        if not reports:
            return []
        part = Outcome()
        try:
            with self.conn.begin_nested():
                refusals = self._merge(reports, part)
        except Exception as exc:
            if faults.passing(exc):
                raise
            self._analysed_for = 0
            if len(reports) > 1:
                return self._merge_halves(reports, outcome)
            [(delivery, report)] = reports
            faults.log_failure(exc, f"{delivery.topic}[{delivery.partition}]@{delivery.offset} "
                                    "is a dead letter")
            return [(delivery, Refusal(faults.reason(exc), report.dataset, report.department))]
        outcome.absorb(part)
        return refusals

    def _transaction(self) -> AbstractContextManager[object]:
        """A savepoint when the caller already holds a transaction (tests, a larger unit of
        work), else a transaction of our own."""
        return self.conn.begin_nested() if self.conn.in_transaction() else self.conn.begin()

    def _claim_offsets(self, ranges: dict[tuple[str, int], tuple[int, int]]
                       ) -> Callable[[Delivery], bool] | None:
        """Lock this group's offsets for the batch's partitions and advance them; says which
        messages are at or past them (another worker may have stored the rest before a
        rebalance), or None when all are (the usual case: nothing to sort out)."""
        if not ranges:
            return None
        params = {"group": self.group, "topics": [t for t, _ in ranges],
                  "partitions": [p for _, p in ranges],
                  "ends": [end for _, end in ranges.values()]}
        claim, read, advance = statements("onegrid.ingest", "offsets")
        self.conn.execute(claim, params)
        stored = {(t, p): o for t, p, o in self.conn.execute(read, params)}
        lost = {tp: o for tp, o in stored.items() if o < self._committed.get(tp, o)}
        if lost:
            self._committed.update(lost)  # from there on, as the store has it
            raise StoreRewoundError(lost)
        self.conn.execute(advance, params)
        if all(stored[tp] <= first for tp, (first, _) in ranges.items()):
            return None
        return lambda d: d.offset >= stored[(d.topic, d.partition)]

    def _merge(self, reports: list[tuple[Delivery, Report]],
               outcome: Outcome) -> list[tuple[Delivery, Refusal]]:
        if not reports:
            return []
        rounds = self._copy(reports)
        analyze, merge = statements("onegrid.ingest", "merge")
        self._batches += 1
        # Analysing staging also plans the merge again. A plan holds for batches up to twice
        # the size it was made for, while record grows by less than REPLAN_BATCHES batches
        # (it may start empty; an autoanalyze of record plans again too).
        if len(reports) > 2 * self._analysed_for or self._batches % REPLAN_BATCHES == 0:
            self.conn.execute(analyze)
            self._analysed_for = len(reports)
        refusals: list[tuple[Delivery, Refusal]] = []
        outside: set[int] = set()
        stored = 0
        for round_ in range(1, rounds + 1):
            for dataset, department, received, new, versions, seq, lon, lat in \
                    self.conn.execute(merge, {"round": round_}):
                if seq is None:
                    stored += received
                    outcome.add(dataset, department, received=received, new=new,
                                merged=received - new, versions=versions)
                else:
                    outside.add(seq)
                    delivery, report = reports[seq]
                    refusals.append((delivery, Refusal(
                        f"outside the city: the location ({lon:.6f}, {lat:.6f}) is in no grid "
                        "of the platform", report.dataset, report.department)))
        if stored + len(refusals) != len(reports):  # never advance offsets past a report lost
            raise RuntimeError(f"{len(reports) - stored - len(refusals)} reports of the batch "
                               "were neither stored nor refused")
        run_bridges(self.conn, (r for seq, (_, r) in enumerate(reports) if seq not in outside),
                    self.dedup, self.hours)
        if self.conn.in_nested_transaction():  # else the commit empties it (ON COMMIT)
            # TRUNCATE gives the table new files and catalog rows: only for a batch written in
            # a caller's transaction, where the next batch would see this one's rows.
            self.conn.execute(text("TRUNCATE staging"))
        return refusals

    def _copy(self, reports: list[tuple[Delivery, Report]]) -> int:
        """COPY the reports into staging; returns the merge rounds they need (the most reports
        of one subject in one dataset)."""
        ids = self.department_ids()
        seen: dict[tuple[str, str], int] = {}
        cursor = _psycopg(self.conn).cursor()
        with cursor.copy(f"COPY staging ({', '.join(STAGED)}) FROM STDIN (FORMAT binary)"
                         ) as copy:
            copy.set_types(list(STAGED.values()))
            for seq, (_, r) in enumerate(reports):
                subject = (r.dataset, r.key)  # a dataset's subjects are of one kind
                rank = seen[subject] = seen.get(subject, 0) + 1  # its rank in arrival order
                lon, lat = r.point or (None, None)
                copy.write_row((seq, rank, r.dataset, ids[r.department], r.record_id,
                                r.key, None if r.key_masked == r.key else r.key_masked,
                                r.occurred_at, lon, lat, r.geometry, JSONB + r.attributes,
                                r.sources,
                                None if r.pii_hashes == NO_HASHES else JSONB + r.pii_hashes))
        return max(seen.values())

    def _keep_dead_letters(self, refusals: list[tuple[Delivery, Refusal]],
                           outcome: Outcome) -> None:
        refusals = [redacted(d, r) for d, r in refusals]  # the table, the topic and counters
        outcome.dead_letters = refusals
        if not refusals:
            return
        self.conn.execute(insert(DeadLetter).values([
            {"topic": d.topic, "partition": d.partition, "offset": d.offset, "key": d.key,
             "value": d.value, "reason": r.reason, "dataset": r.dataset,
             "department": r.department, "signature": d.signature} for d, r in refusals
        ]).on_conflict_do_nothing())
        for _, r in refusals:
            outcome.add(r.dataset, r.department, received=1, dead_letters=1)

    def _count(self, outcome: Outcome) -> None:
        if not outcome.counts:
            return
        columns = ("received", "new", "merged", "versions", "dead_letters")
        rows = [{"dataset": ds, "department": dep, **{c: counts[c] for c in columns}}
                for (ds, dep), counts in sorted(outcome.counts.items())]
        stmt = insert(IngestCounter).values(rows)
        self.conn.execute(stmt.on_conflict_do_update(
            index_elements=[IngestCounter.dataset, IngestCounter.department],
            set_={**{c: getattr(IngestCounter, c) + getattr(stmt.excluded, c) for c in columns},
                  "updated_at": text("now()")}))


def _psycopg(conn: Connection) -> psycopg.Connection[Any]:
    """The psycopg connection under SQLAlchemy's, for COPY and its dumpers."""
    driver = conn.connection.driver_connection
    assert isinstance(driver, psycopg.Connection)  # the store's URL names psycopg (settings)
    return driver
