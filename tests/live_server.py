"""Run an ASGI app with uvicorn in a background thread on a free port (tests, benchmarks)."""

from __future__ import annotations

import contextlib
import socket
import threading
import time

import httpx
import uvicorn


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    def __init__(self, app, port: int | None = None):
        self.app = app
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self.client = httpx.Client(base_url=self.url, timeout=30)

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("test server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        self.client.close()
        self._server.should_exit = True
        self._thread.join(timeout=15)


def run_async_in_thread(coroutine_factory):
    """Run a coroutine to completion on a fresh loop in another thread and return its result: the
    main thread may already run a loop (Playwright's sync API keeps one for the session)."""
    import asyncio

    errors: list[BaseException] = []
    results: list = []

    def target() -> None:
        try:
            results.append(asyncio.run(coroutine_factory()))
        except BaseException as exc:  # re-raised in the caller's thread
            errors.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return results[0]


@contextlib.contextmanager
def running_cluster(prefix: str):
    """A throw-away PostgreSQL cluster in a short /tmp folder the postgres OS user can reach (the
    socket path has a length limit; pytest's tmp_path is private to root); removed afterwards."""
    import shutil
    import tempfile
    from pathlib import Path

    from mapserver.embedded_pg import cluster_at

    folder = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    folder.chmod(0o755)
    cluster = cluster_at(folder)
    cluster.init()
    cluster.start(fast_unsafe=True)
    try:
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)
