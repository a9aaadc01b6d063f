"""Shared-API latency against tipg serving the same table, measured in the same run.

    deploy/with-env.sh --admin .venv/bin/python -m bench.api [--records 1000000] [--requests 300]

Loads N records of one unconditional dataset into a bench database of its own. The load is not
the ingest path (bench/ingest.py measures that): the records are written by one set-based
INSERT … SELECT, points generated inside the district and placed in their grid
by the same containment join ingest uses. Then OneGrid (gunicorn, 1 sync worker) and
tipg (uvicorn, 1 worker) are started on 127.0.0.1 over the SAME database and table, and each
query is asked the same way of both, one request at a time on a kept-alive connection:

- grid query: the records of one grid, 100 a page (OneGrid /api/v1/datasets/…/records?grid=;
  tipg /collections/public.record/items?grid_id=)
- bbox items: OGC items in a box holding ~2 % of the records, 100 a page (both OGC API).

OneGrid's answer includes appending the pull to the hash-chained trace and committing it.

With ``--clients 8 32`` it then asks the grid query of both with that many connections at once,
each server given the machine's cores as processes (OneGrid: gunicorn's gthread workers with 8
threads each; tipg: uvicorn workers), and prints requests/s and the ratio."""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import requests
import yaml
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from bench.common import bench_database, bench_settings, line
from onegrid.demo.datasets import SPECS
from onegrid.platform.settings import Settings
from onegrid.platform.sharing.catalog import register
from onegrid.platform.sharing.tokens import create_token

DATASET = "bench.business"
LOAD = [
    """INSERT INTO record (dataset_id, subject_key, attributes, provenance, sources, pii_hashes,
                           geom, grid_id, version, reports, occurred_at)
       SELECT :dataset, 'B' || lpad(p.n::text, 17, '0'),
              jsonb_build_object('name', '鹿城示例企业' || p.n, 'employees', p.n % 500,
                                 'status', (ARRAY['存续', '在业', '吊销'])[1 + p.n % 3]),
              '{}', jsonb_build_object('1', jsonb_build_object(
                  'department', 'SCJG', 'record_id', 'b' || p.n, 'at', p.at)),
              '{}', p.geom, g.id, 1, 1, p.at
       FROM (SELECT row_number() OVER () AS n, d.geom,
                    now() - (row_number() OVER () % 365) * interval '1 day' AS at
             FROM area, ST_Dump(ST_GeneratePoints(area.geom, :n, 7)) d
             WHERE area.level = 'district') p
       LEFT JOIN LATERAL (SELECT a.id FROM area a WHERE a.level = 'grid'
                          AND ST_Intersects(a.geom, p.geom) ORDER BY a.code LIMIT 1) g ON true
       ORDER BY p.n""",
    "ANALYZE record",
]


def load(engine: Engine, n: int) -> None:
    spec = yaml.safe_load(SPECS.joinpath("market.business.yaml").read_text("utf-8"))
    with Session(engine) as session:
        register(session, {**spec, "id": DATASET, "title": "bench"})
        session.commit()
    with engine.begin() as conn:
        for statement in LOAD:
            conn.execute(text(statement), {"n": n, "dataset": DATASET})


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


def measure(urls: list[str], headers: dict[str, str]) -> tuple[float, float, float]:
    """p50 and p99 in ms and requests/s over ``urls``, after a short warm-up."""
    http = requests.Session()
    for url in urls[:20]:
        http.get(url, headers=headers).raise_for_status()
    times = []
    started = time.perf_counter()
    for url in urls:
        t = time.perf_counter()
        http.get(url, headers=headers).raise_for_status()
        times.append((time.perf_counter() - t) * 1000)
    total = time.perf_counter() - started
    cuts = statistics.quantiles(times, n=100)
    return cuts[49], cuts[98], len(urls) / total


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


def report(name: str, ours: tuple[float, float, float], peer: tuple[float, float, float]) -> None:
    line(f"{name}: OneGrid p50 / p99 / req/s",
         f"{ours[0]:.1f} ms / {ours[1]:.1f} ms / {ours[2]:.0f}")
    line(f"{name}: tipg p50 / p99 / req/s", f"{peer[0]:.1f} ms / {peer[1]:.1f} ms / {peer[2]:.0f}")
    line(f"{name}: p50 ratio OneGrid/tipg", f"{ours[0] / peer[0]:.2f}  (target ≤ 1.00)")


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


def run(settings: Settings, engine: Engine, count: int, ports: tuple[int, int],
        clients: list[int]) -> None:
    with Session(engine) as session:
        _, token = create_token(session, "ZHZX", "bench")
        session.commit()
    grids, boxes = queries(engine, count)
    ours, peer = (f"http://127.0.0.1:{p}" for p in ports)
    url = settings.database_url.replace("postgresql+psycopg://", "postgresql://")
    onegrid = [sys.executable, "-m", "gunicorn", "-w", "1", "-k", "sync",
               "-b", f"127.0.0.1:{ports[0]}", "onegrid.api:create_app()"]
    tipg = [sys.executable, "-m", "uvicorn", "tipg.main:app", "--port", str(ports[1]),
            "--log-level", "warning"]
    auth = {"Authorization": f"Bearer {token}"}
    bbox: Callable[[tuple], str] = lambda b: ",".join(map(str, b))  # noqa: E731
    with serve(onegrid, {"DATABASE_URL": url}, f"{ours}/healthz"), \
            serve(tipg, {"DATABASE_URL": url, "TIPG_DB_SCHEMAS": '["public"]'},
                  f"{peer}/collections"):
        report("grid query (100 a page)",
               measure([f"{ours}/api/v1/datasets/{DATASET}/records?grid={c}&limit=100"
                        for c, _ in grids], auth),
               measure([f"{peer}/collections/public.record/items?grid_id={i}&limit=100"
                        for _, i in grids], {}))
        report("bbox items (100 a page)",
               measure([f"{ours}/ogc/collections/{DATASET}/items?bbox={bbox(b)}&limit=100"
                        for b in boxes], auth),
               measure([f"{peer}/collections/public.record/items?bbox={bbox(b)}&limit=100"
                        for b in boxes], {}))
    if not clients:
        return
    cores = str(os.cpu_count() or 1)
    onegrid[4:7] = [cores, "-k", "gthread", "--threads", "8"]
    tipg += ["--workers", cores]
    ours_grid = [f"{ours}/api/v1/datasets/{DATASET}/records?grid={c}&limit=100" for c, _ in grids]
    peer_grid = [f"{peer}/collections/public.record/items?grid_id={i}&limit=100" for _, i in grids]
    with serve(onegrid, {"DATABASE_URL": url}, f"{ours}/healthz"), \
            serve(tipg, {"DATABASE_URL": url, "TIPG_DB_SCHEMAS": '["public"]'},
                  f"{peer}/collections"):
        for n in clients:
            mine, theirs = throughput(ours_grid * 2, auth, n), throughput(peer_grid * 2, {}, n)
            line(f"grid query, {n} connections: OneGrid / tipg req/s",
                 f"{mine:.0f} / {theirs:.0f}, ratio {mine / theirs:.2f}  (target ≥ 1.00)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--ports", type=int, nargs=2, default=(58101, 58102))
    parser.add_argument("--clients", type=int, nargs="*", default=[],
                        help="also requests/s with this many connections at once, e.g. 8 32")
    args = parser.parse_args()
    settings = Settings.from_env()
    print("preparing a bench database with the demo city …", flush=True)
    with bench_database(settings, "onegrid_bench_api") as engine:  # dropped at the end
        settings = bench_settings(settings, engine)
        started = time.perf_counter()
        load(engine, args.records)
        with engine.connect() as conn:
            rows = conn.scalar(text("SELECT count(*) FROM record"))
        print(f"{rows:,} records loaded in {time.perf_counter() - started:.0f} s", flush=True)
        run(settings, engine, args.requests, tuple(args.ports), args.clients)


if __name__ == "__main__":
    main()
