"""Shared-API latency against tipg serving the same table, measured in the same run.

    deploy/with-env.sh --admin .venv/bin/python -m bench.api [--records 1000000 10000000]
        [--requests 300] [--clients 8 32] [--port 58101]

Loads records of one unconditional dataset into a bench database of its own, migrated as
production is. The load is not the ingest path (bench/ingest.py measures that): points are
generated grid by grid in the store and written in random order by one INSERT … SELECT, the
record's indexes dropped for it and built again from their own definitions, then VACUUM ANALYZE
and a checkpoint. Each further size of ``--records`` is a copy of the first's database grown
to that size.
OneGrid (gunicorn, 1 sync worker) and tipg (uvicorn, 1 worker) are started over each size's
database, all of them at once, and each query is asked the same way of every server, one
request at a time on a kept-alive connection, the servers in turn 25 requests at a time (p50,
p95), so that the machine's drift falls on every size and both servers alike:

- grid query: the records of one grid, 100 a page (OneGrid /api/v1/datasets/…/records?grid=;
  tipg /collections/public.record/items?grid_id=)
- bbox items: OGC items in a box holding ~2 % of the records, 100 a page (both OGC API).

OneGrid's answer includes the grant check and appending the pull to the hash-chained trace.
It prints each size's p50 ratio OneGrid/tipg, and OneGrid's p50 at each size against the first.

With ``--clients 8 32`` it then asks the grid query of both at the last size with that many
connections at once, each server given the machine's cores as processes (OneGrid: gunicorn's
gthread workers with 8 threads each; tipg: uvicorn workers), and prints requests/s and the
ratio."""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager

import requests
import yaml
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from bench.common import bench_database, copied_database, line
from onegrid.demo.datasets import SPECS
from onegrid.platform.settings import Settings
from onegrid.platform.sharing.catalog import register
from onegrid.platform.sharing.tokens import create_token

DATASET = "bench.business"
# Points of a growth, generated grid by grid (a grid's share of them is its share of the grids'
# area, so the same as points across the district, without placing each), then written in a
# random order, so a grid's records lie scattered through the table as ingest leaves them.
POINTS = """CREATE UNLOGGED TABLE bench_points AS
    SELECT g.id AS grid_id, d.geom, random() AS r
    FROM (SELECT id, geom, ceil(:n * ST_Area(geom) / sum(ST_Area(geom)) OVER ())::int AS k
          FROM area WHERE level = 'grid') g,
         ST_Dump(ST_GeneratePoints(g.geom, g.k, g.id + :start)) d"""
GROW = """INSERT INTO record (dataset_id, subject_key, attributes, provenance, sources, pii_hashes,
                       geom, grid_id, version, reports, occurred_at)
    SELECT :dataset, 'B' || lpad(p.n::text, 17, '0'),
           jsonb_build_object('name', '鹿城示例企业' || p.n, 'employees', p.n % 500,
                              'status', (ARRAY['存续', '在业', '吊销'])[1 + p.n % 3]),
           '{}', jsonb_build_object('1', jsonb_build_object(
               'department', 'SCJG', 'record_id', 'b' || p.n, 'at', p.at)),
           '{}', p.geom, p.grid_id, 1, 1, p.at
    FROM (SELECT :start + row_number() OVER (ORDER BY r) AS n, geom, grid_id,
                 now() - ((:start + row_number() OVER (ORDER BY r)) % 365) * interval '1 day' AS at
          FROM bench_points ORDER BY r LIMIT :n) p
    ORDER BY p.n"""
# The record's indexes that are not constraints: dropped for a growth and built again after
# it from their own definitions (a build sorts once; 10 million inserts into an SP-GiST and
# three B-trees take many times longer), so the table ends as the migrations made it.
INDEXES = """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
    WHERE i.indrelid = 'record'::regclass
      AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conindid = i.indexrelid)"""


def load(engine: Engine, records: int) -> int:
    """The bench's dataset registered and ``records`` of it loaded (grow); returns seconds."""
    spec = yaml.safe_load(SPECS.joinpath("market.business.yaml").read_text("utf-8"))
    with Session(engine) as session:
        register(session, {**spec, "id": DATASET, "title": "bench"})
        session.commit()
    return grow(engine, records)


def grow(engine: Engine, records: int) -> int:
    """The bench's records grown to ``records`` by set-based statements, then VACUUM ANALYZE
    (as autovacuum would have left a table that size) and a checkpoint; returns the seconds it
    took."""
    started = time.perf_counter()
    with engine.begin() as conn:
        start = conn.scalar(text("SELECT count(*) FROM record WHERE dataset_id = :d"),
                            {"d": DATASET})
        n = records - start
        indexes = conn.execute(text(INDEXES)).all() if n > 0 else []
        for name, _ in indexes:
            conn.execute(text(f"DROP INDEX {name}"))
        if n > 0:
            conn.execute(text("SET LOCAL work_mem = '1GB'"))
            conn.execute(text("SET LOCAL maintenance_work_mem = '1GB'"))
            conn.execute(text(POINTS), {"n": n, "start": start})
            conn.execute(text(GROW), {"n": n, "start": start, "dataset": DATASET})
            conn.execute(text("DROP TABLE bench_points"))
        for _, definition in indexes:
            conn.execute(text(definition))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE record"))
        # The growth's gigabytes are flushed now, not while the queries are timed: a store that
        # serves 10 million records is not in the middle of writing them (timed in the wake of
        # the growth, both servers' grid query took 3 ms longer).
        conn.execute(text("CHECKPOINT"))
    return round(time.perf_counter() - started)


@contextmanager
def serve(command: list[str], env: dict[str, str], probe: str
          ) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(command, env={**os.environ, **env},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(120):
            try:
                if requests.get(probe, timeout=10).status_code < 500:
                    break
            except requests.RequestException:  # not listening yet, or still starting
                time.sleep(0.5)
        else:
            raise RuntimeError(f"{command[0]} did not start")
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)  # gunicorn lets its workers finish what they serve


Asked = tuple[list[str], dict[str, str]]  # the URLs asked of a server, and the headers sent
Figures = tuple[float, float, float]  # p50 ms, p95 ms, requests/s
BLOCK = 25


def measure(*asked: Asked) -> list[Figures]:
    """p50 and p95 in ms and requests/s of each server over its URLs, after a short warm-up,
    the servers asked in turn BLOCK at a time (first to last, then last to first, and so on):
    these machines' speed drifts, and all of one server's requests asked before all of the
    other's showed the drift as a difference between the servers."""
    sessions = [requests.Session() for _ in asked]
    for http, (urls, headers) in zip(sessions, asked, strict=True):
        for url in urls[:20]:
            http.get(url, headers=headers).raise_for_status()
    times: list[list[float]] = [[] for _ in asked]
    turns = list(range(len(asked)))
    for start in range(0, len(asked[0][0]), BLOCK):
        for side in turns if start // BLOCK % 2 == 0 else turns[::-1]:
            urls, headers = asked[side]
            for url in urls[start:start + BLOCK]:
                t = time.perf_counter()
                sessions[side].get(url, headers=headers).raise_for_status()
                times[side].append((time.perf_counter() - t) * 1000)
    return [_figures(t) for t in times]


def _figures(times: list[float]) -> Figures:
    cuts = statistics.quantiles(times, n=100)
    return cuts[49], cuts[94], 1000 * len(times) / sum(times)


def throughput(urls: list[str], headers: dict[str, str], clients: int) -> float:
    """Requests/s over ``urls`` asked by ``clients`` connections at once (each its share)."""
    def ask(share: list[str]) -> None:
        with requests.Session() as http:
            for url in share:
                http.get(url, headers=headers).raise_for_status()
    shares = [urls[i::clients] for i in range(clients)]
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(ask, [share[:5] for share in shares]))  # connections open, caches warm
        started = time.perf_counter()
        list(pool.map(ask, shares))
    return len(urls) / (time.perf_counter() - started)


def report(name: str, ours: Figures, peer: Figures, target: float = 1.0) -> None:
    line(f"{name}: OneGrid p50 / p95 / req/s",
         f"{ours[0]:.1f} ms / {ours[1]:.1f} ms / {ours[2]:.0f}")
    line(f"{name}: tipg p50 / p95 / req/s", f"{peer[0]:.1f} ms / {peer[1]:.1f} ms / {peer[2]:.0f}")
    line(f"{name}: p50 ratio OneGrid/tipg", f"{ours[0] / peer[0]:.2f}  (target ≤ {target:.2f})")


def queries(engine: Engine, count: int) -> tuple[list[tuple], list[tuple]]:
    """Grids that hold records (code, id) and boxes around random records (~2 % each)."""
    rng = random.Random(4)
    with engine.connect() as conn:
        grids = conn.execute(text("SELECT a.code, a.id FROM area a WHERE level = 'grid' AND "
                                  "EXISTS (SELECT 1 FROM record r WHERE r.grid_id = a.id)")).all()
        x0, y0, x1, y1 = conn.execute(text(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM "
            "(SELECT ST_Extent(geom) e FROM area WHERE level = 'district') d")).one()
    side = ((x1 - x0) * (y1 - y0) * 0.02) ** 0.5
    boxes = []
    for _ in range(count):
        x, y = rng.uniform(x0, x1 - side), rng.uniform(y0, y1 - side)
        boxes.append((round(x, 5), round(y, 5), round(x + side, 5), round(y + side, 5)))
    return [tuple(rng.choice(grids)) for _ in range(count)], boxes


class Servers:
    """How OneGrid and tipg are started over one bench database, and the URLs asked of both."""

    def __init__(self, engine: Engine, ports: tuple[int, int], token: str) -> None:
        self.ours, self.peer = (f"http://127.0.0.1:{p}" for p in ports)
        self.url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.onegrid = [sys.executable, "-m", "gunicorn", "-w", "1", "-k", "sync",
                        "-b", f"127.0.0.1:{ports[0]}", "onegrid.api:create_app()"]
        self.tipg = [sys.executable, "-m", "uvicorn", "tipg.main:app", "--port", str(ports[1]),
                     "--log-level", "warning"]
        self.auth = {"Authorization": f"Bearer {token}"}

    def all_cores(self) -> None:
        """From now on both on every core: gunicorn's gthread workers, uvicorn workers."""
        cores = str(os.cpu_count() or 1)
        self.onegrid[4:7] = [cores, "-k", "gthread", "--threads", "8"]
        self.tipg += ["--workers", cores]

    @contextmanager
    def running(self) -> Iterator[None]:
        with serve(self.onegrid, {"DATABASE_URL": self.url}, f"{self.ours}/healthz"), \
                serve(self.tipg, {"DATABASE_URL": self.url, "TIPG_DB_SCHEMAS": '["public"]'},
                      f"{self.peer}/collections"):
            yield

    def grid(self, grids: list[tuple]) -> tuple[Asked, Asked]:
        return (([f"{self.ours}/api/v1/datasets/{DATASET}/records?grid={c}&limit=100"
                  for c, _ in grids], self.auth),
                ([f"{self.peer}/collections/public.record/items?grid_id={i}&limit=100"
                  for _, i in grids], {}))

    def bbox(self, boxes: list[tuple]) -> tuple[Asked, Asked]:
        ask = [",".join(map(str, b)) for b in boxes]
        return (([f"{self.ours}/ogc/collections/{DATASET}/items?bbox={b}&limit=100" for b in ask],
                 self.auth),
                ([f"{self.peer}/collections/public.record/items?bbox={b}&limit=100" for b in ask],
                 {}))


def latency(stores: list[tuple[int, Servers]], grids: list[tuple], boxes: list[tuple]) -> None:
    """Both queries asked of both servers at every size, all of them in turn; the p50 ratios
    to tipg at each size, and OneGrid's at each size to the first's."""
    (first, _), *_ = stores
    with ExitStack() as running:
        for _, servers in stores:
            running.enter_context(servers.running())
        for name, urls, args, target in (("grid query", Servers.grid, grids, 0.5),
                                         ("bbox items", Servers.bbox, boxes, 1.0)):
            figures = measure(*(asked for _, servers in stores
                                for asked in urls(servers, args)))
            for (size, _), ours, peer in zip(stores, figures[::2], figures[1::2], strict=True):
                report(f"{name} at {size:,}", ours, peer, target)
            for (size, _), ours in list(zip(stores, figures[::2], strict=True))[1:]:
                line(f"{name}: OneGrid p50 at {size:,} / at {first:,}",
                     f"{ours[0]:.1f} / {figures[0][0]:.1f} ms, ratio {ours[0] / figures[0][0]:.2f}"
                     "  (target ≤ 1.30)")


def rates(servers: Servers, grids: list[tuple], clients: list[int]) -> None:
    """The grid query's requests/s with each number of connections at once, on all cores."""
    servers.all_cores()
    (ours, auth), (peer, _) = servers.grid(grids)
    with servers.running():
        for n in clients:
            mine, theirs = throughput(ours * 2, auth, n), throughput(peer * 2, {}, n)
            line(f"grid query, {n} connections: OneGrid / tipg req/s",
                 f"{mine:.0f} / {theirs:.0f}, ratio {mine / theirs:.2f}  (target ≥ 1.00)")


def run(engine: Engine, sizes: list[int], count: int, port: int, clients: list[int]) -> None:
    """The first size loaded, each further size a copy of it grown, all served at once and
    measured in one run (latency); then requests/s with ``clients`` connections at the last."""
    with Session(engine) as session:
        _, token = create_token(session, "ZHZX", "bench")
        session.commit()
    with ExitStack() as copies:
        stores = []
        for i, size in enumerate(sizes):
            store = copies.enter_context(
                copied_database(engine, f"onegrid_bench_api_{size}")) if i else engine
            seconds = grow(store, size)
            print(f"{size:,} records (grown in {seconds} s, then VACUUM ANALYZE and a checkpoint)",
                  flush=True)
            stores.append((size, Servers(store, (port + 2 * i, port + 2 * i + 1), token)))
        grids, boxes = queries(engine, count)
        latency(stores, grids, boxes)
        if clients:
            rates(stores[-1][1], grids, clients)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, nargs="+", default=[1_000_000],
                        help="sizes to measure at, each a database of its own, e.g. 1000000 "
                             "10000000")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--port", type=int, default=58101,
                        help="the first of two ports a size (OneGrid's, tipg's)")
    parser.add_argument("--clients", type=int, nargs="*", default=[],
                        help="also requests/s with this many connections at once, e.g. 8 32")
    args = parser.parse_args()
    settings = Settings.from_env()
    print("preparing a bench database with the demo city …", flush=True)
    with bench_database(settings, "onegrid_bench_api") as engine:  # dropped at the end
        load(engine, 0)
        run(engine, sorted(args.records), args.requests, args.port, args.clients)


if __name__ == "__main__":
    main()
