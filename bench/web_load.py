"""The API's latency with the command centre's walls open, against the same API idle.

    deploy/with-env.sh --admin .venv/bin/python -m bench.web_load [--streams 50] [--rate 20]

Serves a bench database of its own (the demo city, 20,000 records of one dataset loaded as
bench.api loads them) the way `make run` does: gunicorn with 3 workers × 4 threads for the site
and the stream service (uvicorn) for the screen's live feed. It asks the shared API for the
records of one grid (100 a page) at ``--rate`` requests a second, open loop (a request is sent
every 1/rate s whether or not the previous one answered), first with no wall open, then with
``--streams`` live feeds open, signed in as an operator, each checked to be streaming before
and after. It prints both p50s and their ratio; target: loaded ≤ 1.5 × idle."""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager

import requests
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bench.api import DATASET, load, queries, serve
from bench.common import bench_database, bench_settings, cpu_sample, line
from onegrid.demo.city import DEMO_PASSWORD
from onegrid.platform.settings import Settings
from onegrid.platform.sharing.tokens import create_token

TARGET = 1.5


def latencies(urls: list[str], headers: dict[str, str], rate: float) -> list[float]:
    """Each of ``urls`` asked at ``rate`` a second (open loop); the times in ms."""
    local = threading.local()
    times: list[float] = []

    def ask(url: str) -> None:
        http = getattr(local, "http", None) or requests.Session()
        local.http = http
        started = time.perf_counter()
        http.get(url, headers=headers, timeout=30).raise_for_status()
        times.append((time.perf_counter() - started) * 1000)
    with ThreadPoolExecutor(16) as pool:
        start = time.perf_counter()
        futures = []
        for n, url in enumerate(urls):
            time.sleep(max(0.0, start + n / rate - time.perf_counter()))
            futures.append(pool.submit(ask, url))
        for future in futures:
            future.result()
    return times


def signed_in(site: str) -> requests.Session:
    """An operator's session cookie, as the wall's browser holds it."""
    http = requests.Session()
    form = http.get(f"{site}/login", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token, "no CSRF token on the sign-in page"
    http.post(f"{site}/login", data={"username": "op1", "password": DEMO_PASSWORD,
                                      "csrf_token": token.group(1)}, timeout=10,
              allow_redirects=False).raise_for_status()
    return http


@contextmanager
def walls(stream: str, operator: requests.Session, count: int) -> Iterator[list[bool]]:
    """``count`` live feeds held open, each read on a thread of its own; whether each is open
    now (a stream ends after ONEGRID_FEED_SECONDS and is opened again, as the browser's
    EventSource does)."""
    streaming = [False] * count
    stop = threading.Event()

    def hold(n: int) -> None:
        while not stop.is_set():
            try:
                with operator.get(f"{stream}/screen/feed", stream=True,
                                  timeout=120) as response:
                    response.raise_for_status()
                    for _ in response.iter_lines():
                        streaming[n] = True
                        if stop.is_set():
                            return
            except requests.RequestException:  # counted as closed; opened again, as a browser
                time.sleep(1)
            streaming[n] = False
    threads = [threading.Thread(target=hold, args=(n,), daemon=True) for n in range(count)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    while not all(streaming) and time.monotonic() < deadline:
        time.sleep(0.1)
    if not all(streaming):
        raise RuntimeError(f"only {sum(streaming)} of {count} streams opened")
    try:
        yield streaming
    finally:
        stop.set()


def run(settings: Settings, engine: Engine, streams: int, rate: float, seconds: float,
        ports: tuple[int, int]) -> None:
    engine_url = settings.database_url.replace("postgresql+psycopg://", "postgresql://")
    site, stream = (f"http://127.0.0.1:{p}" for p in ports)
    env = {"DATABASE_URL": engine_url, "ONEGRID_STREAM_PORT": str(ports[1])}
    gunicorn = [sys.executable, "-m", "gunicorn", "--workers", "3", "--threads", "4",
                "-b", f"127.0.0.1:{ports[0]}", "onegrid.api:create_app()"]
    uvicorn = [sys.executable, "-m", "uvicorn", "--factory",
               "onegrid.api.screen.stream:create_stream_app", "--port", str(ports[1]),
               "--log-level", "warning", "--no-access-log"]
    with ExitStack() as stack:
        stack.enter_context(serve(gunicorn, env, f"{site}/healthz"))
        service = stack.enter_context(serve(uvicorn, env, f"{stream}/screen/feed"))
        grids, _ = queries(engine, int(rate * seconds) + 20)
        with Session(engine) as session:
            _, token = create_token(session, "ZHZX", "bench")
            session.commit()
        auth = {"Authorization": f"Bearer {token}"}
        urls = [f"{site}/api/v1/datasets/{DATASET}/records?grid={code}&limit=100"
                for code, _ in grids]
        latencies(urls[:20], auth, rate)  # warm-up: every worker's first requests
        idle = statistics.median(latencies(urls[20:], auth, rate))
        with walls(stream, signed_in(site), streams) as streaming:
            before, started = cpu_sample([service.pid]), time.monotonic()
            loaded = statistics.median(latencies(urls[20:], auth, rate))
            spent = cpu_sample([service.pid]) - before
            still = sum(streaming)
        share = spent.processes / (time.monotonic() - started)
        line("load average (1 min) at the end", f"{os.getloadavg()[0]:.1f}")
        line(f"API p50, idle ({rate:.0f} req/s)", f"{idle:.1f} ms")
        line(f"API p50, {streams} walls open ({rate:.0f} req/s)", f"{loaded:.1f} ms")
        line("streams open at the end", f"{still} of {streams}")
        line(f"stream service's CPU with {streams} walls", f"{share:.0%} of a core")
        ratio = loaded / idle
        line("p50 ratio loaded / idle",
             f"{ratio:.2f}  (target ≤ {TARGET}: {'met' if ratio <= TARGET else 'NOT met'})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--streams", type=int, default=50)
    parser.add_argument("--rate", type=float, default=20.0, help="API requests a second")
    parser.add_argument("--seconds", type=float, default=30.0, help="each phase's length")
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--ports", type=int, nargs=2, default=(58111, 58112))
    args = parser.parse_args()
    settings = Settings.from_env()
    print("preparing a bench database with the demo city …", flush=True)
    with bench_database(settings, "onegrid_bench_web", warm=False) as engine:  # dropped after
        settings = bench_settings(settings, engine)
        load(engine, args.records)
        run(settings, engine, args.streams, args.rate, args.seconds, tuple(args.ports))


if __name__ == "__main__":
    main()
