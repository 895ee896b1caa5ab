"""Proof under load (issue 13), against the real app served by uvicorn in a subprocess.

1. 200 requests kept in flight for 30 s over the public reads: not one error; requests/s and
   p50/p95/p99 are printed and named in the assertion message.
2. The database stopped for 10 s under the same load: while it is down every answer is a 200 (a
   route that needs no database) or a 503 problem, never a 500 and never a hang; a few seconds after
   the restart the database routes answer 200 again.
3. The tiling worker started before the outage still takes and finishes a job queued after it.

The module runs its own PostGIS cluster: stopping the session's shared cluster would break the other
tests. Uvicorn runs with 2 worker processes: the machine has 2 cores, a single event loop would leave
one of them to the load generator and PostgreSQL alone, and with two processes the outage also proves
that each process's own connection pool recovers by itself.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest

from mapserver.accounts.service import create_user
from mapserver.embedded_pg import Cluster, cluster_at
from mapserver.migrate import ensure_database, upgrade
from mapserver.seed import load_reference_data
from mapserver.settings import PROJECT_ROOT
from tests.conftest import cluster_folder
from tests.live_server import free_port
from tests.mapserver.scans.test_scans import write_las

UVICORN_WORKERS = 2
CONCURRENCY = 200
LOAD_SECONDS = 30.0
OUTAGE_LEAD_SECONDS = 3.0  # load before the database is stopped
OUTAGE_SECONDS = 10.0
OUTAGE_TAIL_SECONDS = 12.0  # load after the restart
REQUEST_TIMEOUT = 10.0  # an answer slower than this is a hang, counted as an error
RECOVERY_LIMIT = 10.0  # seconds after the restart by which every database route answers 200
TILING_LIMIT = 60.0
MAX_REQUESTS_PER_CLIENT = 5_000  # a bound on each client loop beside its deadline
STARTUP_SECONDS = 60.0

STATIC_PATHS = ("/api/vocabulary",)  # answered without the database
PATHS = (
    "/healthz",
    "/api/sites?limit=100",
    "/api/sites?bbox=107.0,10.3,107.3,10.5",
    "/api/sites/bach-dinh",
    "/api/boundary",
    "/ogc/collections/relics/items?limit=50",
    "/api/search?q=dinh",
    "/api/festivals?year=2026",
    *STATIC_PATHS,
)
PROBLEM = "application/problem+json"


@dataclass
class Stack:
    cluster: Cluster
    dsn: str
    url: str
    var_dir: Path
    server: subprocess.Popen
    server_log: Path
    worker: subprocess.Popen
    worker_log: Path


@dataclass(slots=True)
class Sample:
    path: str
    started: float  # seconds since the phase began
    ended: float
    status: int  # 0: no HTTP answer (connection error or timeout)
    content_type: str = ""
    detail: str = ""  # the error, or the start of an unexpected body


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _log_digest(path: Path) -> str:
    """The log's own lines (pool warnings, restarted processes, errors) counted, tracebacks counted."""
    lines = path.read_text(errors="replace").splitlines() if path.exists() else []
    own = Counter(re.sub(r"/tmp/\S+", "…", line) for line in lines if line.strip() and line[:1] not in " \t^")
    return "; ".join(f"{n}× {line[:160]}" for line, n in own.most_common(8)) or "empty"


def _spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("wb") as out:
        # Its own session: uvicorn's worker processes are stopped with their supervisor.
        return subprocess.Popen(
            [sys.executable, *args],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _end(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)


def _wait_ready(url: str, server: subprocess.Popen, log: Path) -> None:
    """Every path answers 200 a few times in a row (so both uvicorn processes have started)."""
    deadline = time.monotonic() + STARTUP_SECONDS
    good = 0
    with httpx.Client(base_url=url, timeout=5) as client:
        while good < 5 * len(PATHS):
            assert server.poll() is None, "uvicorn exited:\n" + _tail(log)
            assert time.monotonic() < deadline, "the app did not become ready:\n" + _tail(log)
            try:
                ok = client.get(PATHS[good % len(PATHS)]).status_code == 200
            except httpx.HTTPError:
                ok = False
            good = good + 1 if ok else 0
            if not ok:
                time.sleep(0.2)


@pytest.fixture(scope="module")
def stack() -> Stack:
    folder = cluster_folder()
    cluster = cluster_at(folder)
    processes: list[subprocess.Popen] = []
    try:
        cluster.init()
        cluster.start(fast_unsafe=True)
        dsn = cluster.dsn("heritage")
        ensure_database(dsn)
        upgrade(dsn)
        load_reference_data(dsn, PROJECT_ROOT / "data", actor="load-test")
        var_dir = folder / "var"
        var_dir.mkdir()
        env = dict(os.environ, HERITAGE_DATABASE_URL=dsn, HERITAGE_VAR_DIR=str(var_dir))
        port = free_port()
        server_log, worker_log = folder / "uvicorn.log", folder / "worker.log"
        uvicorn_args = ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
        server = _spawn(
            ["-m", "uvicorn", "mapserver.asgi:app", *uvicorn_args, "--workers", str(UVICORN_WORKERS)], env, server_log
        )
        processes.append(server)
        worker = _spawn(["-m", "mapserver.cli", "worker"], env, worker_log)
        processes.append(worker)
        url = f"http://127.0.0.1:{port}"
        _wait_ready(url, server, server_log)
        yield Stack(cluster, dsn, url, var_dir, server, server_log, worker, worker_log)
    finally:
        for process in reversed(processes):
            _end(process)
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


# -- the load generator -----------------------------------------------------------------------------
async def _request(client: httpx.AsyncClient, path: str, t0: float) -> Sample:
    loop = asyncio.get_running_loop()
    started = loop.time() - t0
    try:
        # A bound on the whole exchange: httpx's own timeout applies to each read or write alone.
        response = await asyncio.wait_for(client.get(path), REQUEST_TIMEOUT)
    except (httpx.HTTPError, TimeoutError) as exc:
        return Sample(path, started, loop.time() - t0, 0, detail=f"{type(exc).__name__}: {exc}")
    ended = loop.time() - t0
    content_type = response.headers.get("content-type", "")
    detail = "" if response.status_code == 200 else response.text[:300]
    return Sample(path, started, ended, response.status_code, content_type, detail)


async def _drive(url: str, seconds: float, controller=None) -> tuple[list[Sample], float]:
    """CONCURRENCY virtual users, each sending one request after the other on its own keep-alive
    connection until `seconds` have passed; `controller(t0)` runs beside them (the outage).

    One connection pool per user: a single httpx pool of 200 connections costs the generator a
    scan of the whole pool per request, and it, not the server, became the bottleneck."""
    loop = asyncio.get_running_loop()
    samples: list[Sample] = []
    one = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(httpx.AsyncClient(base_url=url, limits=one, timeout=REQUEST_TIMEOUT))
            for _ in range(CONCURRENCY)
        ]
        t0 = loop.time()
        deadline = t0 + seconds

        async def user(index: int) -> None:
            for n in range(MAX_REQUESTS_PER_CLIENT):
                if loop.time() >= deadline:
                    return
                samples.append(await _request(clients[index], PATHS[(index + n) % len(PATHS)], t0))

        jobs = [user(i) for i in range(CONCURRENCY)]
        if controller is not None:
            jobs.append(controller(t0))
        await asyncio.wait_for(asyncio.gather(*jobs), seconds + REQUEST_TIMEOUT + 30)
        return samples, loop.time() - t0


def _run(coroutine):
    """uvloop when it is there (uvicorn brings it): the generator shares 2 cores with the server.
    In a thread of its own: the main thread may already run a loop (Playwright's sync API)."""
    try:
        import uvloop
    except ImportError:
        uvloop = None
    results: list = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            results.append(uvloop.run(coroutine) if uvloop else asyncio.run(coroutine))
        except BaseException as exc:  # re-raised in the caller's thread
            errors.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return results[0]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _summary(samples: list[Sample], wall: float) -> str:
    latencies = [(s.ended - s.started) * 1000 for s in samples]
    if not latencies:
        return "no requests"
    p50, p95, p99 = (_percentile(latencies, q) for q in (0.50, 0.95, 0.99))
    return (
        f"{len(samples)} requests in {wall:.1f} s = {len(samples) / wall:.0f} req/s; latency p50 {p50:.0f} ms, "
        f"p95 {p95:.0f} ms, p99 {p99:.0f} ms, max {max(latencies):.0f} ms; statuses {_statuses(samples)}"
    )


def _statuses(samples: list[Sample]) -> dict[int, int]:
    return dict(sorted(Counter(s.status for s in samples).items()))


def _examples(samples: list[Sample], limit: int = 5) -> str:
    seen: dict[tuple[str, int], Sample] = {}
    for s in samples:
        seen.setdefault((s.path, s.status), s)
    return "\n".join(f"  {s.status} {s.path} [{s.content_type}] {s.detail!r}" for s in list(seen.values())[:limit])


# -- 1. load ----------------------------------------------------------------------------------------
def test_200_concurrent_clients_for_30_seconds_without_an_error(stack: Stack):
    samples, wall = _run(_drive(stack.url, LOAD_SECONDS))
    report = _summary(samples, wall)
    print(f"\n[load] {CONCURRENCY} in flight, {UVICORN_WORKERS} uvicorn workers: {report}")
    per_path = {p: _statuses([s for s in samples if s.path == p]) for p in PATHS}
    print("[load] by path: " + "; ".join(f"{p} {c}" for p, c in per_path.items()))
    failures = [s for s in samples if s.status != 200]
    assert not failures, f"{len(failures)} failed: {report}\n{_examples(failures)}\n{_tail(stack.server_log)}"
    assert len(samples) >= CONCURRENCY * len(PATHS), report
    assert set(per_path) == set(PATHS) and all(per_path.values()), per_path
    print(f"[load] PASS: 0 errors; {report}")


# -- 2. the database stopped under load -------------------------------------------------------------
@dataclass
class Outage:
    samples: list[Sample]
    wall: float
    stop_begin: float
    stop_done: float
    start_begin: float
    start_done: float


@pytest.fixture(scope="module")
def outage(stack: Stack) -> Outage:
    times: dict[str, float] = {}

    async def stop_and_start(t0: float) -> None:
        loop = asyncio.get_running_loop()
        await asyncio.sleep(OUTAGE_LEAD_SECONDS)
        times["stop_begin"] = loop.time() - t0
        await asyncio.to_thread(stack.cluster.stop)
        times["stop_done"] = loop.time() - t0
        await asyncio.sleep(OUTAGE_SECONDS)
        times["start_begin"] = loop.time() - t0
        await asyncio.to_thread(stack.cluster.start, fast_unsafe=True)
        times["start_done"] = loop.time() - t0

    total = OUTAGE_LEAD_SECONDS + OUTAGE_SECONDS + OUTAGE_TAIL_SECONDS
    try:
        samples, wall = _run(_drive(stack.url, total, stop_and_start))
    finally:
        stack.cluster.start(fast_unsafe=True)  # whatever happened, the database is up for what follows
    return Outage(samples, wall, **times)


def _acceptable_while_down(s: Sample) -> bool:
    if s.status == 200:
        return True
    if s.status != 503:
        return False
    if s.path == "/healthz":  # the health probe has its own small JSON body
        return s.content_type.startswith("application/json") and '"unavailable"' in s.detail
    return s.content_type.startswith(PROBLEM)


def test_database_outage_gives_503_problems_then_200s(stack: Stack, outage: Outage):
    o = outage
    before = [s for s in o.samples if s.ended < o.stop_begin]
    down = [s for s in o.samples if s.ended >= o.stop_begin and s.started < o.start_done]
    after = [s for s in o.samples if s.started >= o.start_done]
    db_after = [s for s in after if s.path not in STATIC_PATHS]
    bad_after = [s for s in after if s.status != 200]
    recovered_at = max((s.ended for s in bad_after), default=o.start_done)
    first_ok = min((s.ended for s in db_after if s.status == 200), default=float("inf"))
    recovery = max(recovered_at, first_ok) - o.start_done
    report = (
        f"stopped {o.stop_begin:.1f}-{o.stop_done:.1f} s, restarted {o.start_begin:.1f}-{o.start_done:.1f} s "
        f"(down {o.start_begin - o.stop_done:.1f} s); before {_statuses(before)}, during {_statuses(down)}, "
        f"after {_statuses(after)}; first database 200 {first_ok - o.start_done:.1f} s after the restart, "
        f"only 200s from {recovered_at - o.start_done:.1f} s after it; {_summary(o.samples, o.wall)}"
    )
    print(f"\n[outage] {report}")
    print("[outage] 503s while down by path: " + str(dict(Counter(s.path for s in down if s.status == 503))))

    print("[outage] uvicorn log: " + (_log_digest(stack.server_log)))
    unanswered = [s for s in o.samples if s.status == 0]
    assert not unanswered, f"no answer within {REQUEST_TIMEOUT} s: {report}\n{_examples(unanswered)}"
    assert all(s.status == 200 for s in before), f"{report}\n{_examples([s for s in before if s.status != 200])}"
    wrong = [s for s in down + after if not _acceptable_while_down(s)]
    assert not wrong, f"neither 200 nor a 503 problem: {report}\n{_examples(wrong)}\n{_tail(stack.server_log)}"
    assert any(s.status == 503 for s in down), f"the outage was not seen: {report}"
    static_down = [s for s in down if s.path in STATIC_PATHS]
    assert static_down and all(s.status == 200 for s in static_down), f"static routes failed: {report}"
    assert first_ok - o.start_done <= RECOVERY_LIMIT, f"no database 200 within {RECOVERY_LIMIT} s: {report}"
    assert recovery <= RECOVERY_LIMIT, f"not recovered within {RECOVERY_LIMIT} s: {report}\n{_examples(bad_after)}"
    settled = [s for s in db_after if s.started > recovered_at]
    assert len(settled) >= 100 and {s.path for s in settled} >= set(PATHS) - set(STATIC_PATHS), report
    print(f"[outage] PASS: {report}")


# -- 3. the worker after the restart ----------------------------------------------------------------
def test_worker_tiles_a_scan_queued_after_the_restart(stack: Stack, outage: Outage, tmp_path: Path):
    assert outage.start_done > outage.stop_done  # the outage has happened
    alive = stack.worker.poll() is None
    print(f"\n[worker] alive after the restart: {alive}")
    assert alive, f"the worker exited ({stack.worker.returncode}) on the restart:\n{_tail(stack.worker_log)}"
    with psycopg.connect(stack.dsn) as conn:
        surveyor_token = create_user(conn, f"load-surveyor-{uuid.uuid4().hex[:6]}", "surveyor")[1]
        editor_token = create_user(conn, f"load-editor-{uuid.uuid4().hex[:6]}", "editor")[1]
    scan = write_las(tmp_path / "after-restart.las", n=5_000)
    surveyor = {"Authorization": f"Bearer {surveyor_token}"}
    with httpx.Client(base_url=stack.url, timeout=30) as client:
        with scan.open("rb") as fh:
            r = client.post(
                "/api/scans",
                headers=surveyor,
                data={"site_id": "bach-dinh", "crs": "EPSG:5899", "label": "after the restart"},
                files={"file": (scan.name, fh, "application/octet-stream")},
            )
        assert r.status_code == 202, r.text
        scan_id = r.json()["id"]
        queued_at = time.monotonic()
        r = client.post(
            f"/api/scans/{scan_id}/review",
            json={"action": "approve"},
            headers={"Authorization": f"Bearer {editor_token}"},
        )
        assert r.status_code == 200 and r.json()["review_status"] == "published", r.text
        state: dict = {}
        while time.monotonic() - queued_at < TILING_LIMIT:
            state = client.get(f"/api/scans/{scan_id}", headers=surveyor).json()
            if state.get("status") in ("done", "failed"):
                break
            time.sleep(0.5)
        took = time.monotonic() - queued_at
        print(f"[worker] scan {scan_id}: {state.get('status')} after {took:.1f} s")
        assert state.get("status") == "done", f"{state} after {took:.0f} s; worker log:\n{_tail(stack.worker_log)}"
        public = client.get(f"/api/scans/{scan_id}")
        assert public.status_code == 200 and public.json()["tileset_url"], public.text
        assert client.get(public.json()["tileset_url"]).status_code == 200
    print(f"[worker] PASS: scan {scan_id} tiled {took:.1f} s after it was queued")
