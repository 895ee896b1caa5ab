"""`heritage serve`: the embedded database, the tiling worker and either the production front
(nginx on the public port serving published files from the store, uvicorn workers on a private
unix socket behind it) or, with --dev or without nginx, the bare app in this process.

Every child runs in its own session under a supervisor (jobs.supervisor) that restarts it when it
stops; Ctrl-C or SIGTERM stops them in order — nginx first (no new requests), the app, the link
keeper, the tiling worker — and then the embedded cluster.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from dataclasses import dataclass

from rich.console import Console

from ..jobs.supervisor import Supervisor
from ..migrate import upgrade
from ..runtime import start_database, stop_database
from ..settings import Settings
from .nginx import FrontError, find_nginx
from .process import WORKER_HEALTHCHECK_SECONDS, ProductionFront
from .settings import FrontSettings

console = Console(stderr=True)
NO_NGINX = (
    "nginx was not found (Debian: apt-get install nginx-light; scripts/setup.sh installs it): "
    "serving the bare app instead, as with --dev (tiles are much slower)"
)


@dataclass(frozen=True)
class ServeOptions:
    host: str
    port: int
    workers: int | None = None  # None: one per core (2–8) behind the front, 1 with --dev
    dev: bool = False
    reload: bool = False
    keep_db: bool = False
    access_log: bool = True


def default_workers() -> int:
    return max(2, min(os.cpu_count() or 1, 8))


def serve_product(settings: Settings, options: ServeOptions, tiling_worker: Supervisor | None) -> None:
    front_settings = FrontSettings()
    nginx = None if options.dev else find_nginx(front_settings.nginx)
    if not options.dev and nginx is None:
        console.print(f"[yellow]warning:[/yellow] {NO_NGINX}")
    # uvicorn re-raises the signal that stopped it; SIGTERM becomes an exit so that cleanup runs.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    # Ctrl-C stops everything even when started from a script that ignores SIGINT (`cmd &`).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    dsn, _ = start_database(settings)
    try:
        upgrade(dsn)
        if tiling_worker is not None:
            tiling_worker.start()
        if nginx is None:
            _serve_bare(options)
        else:
            workers = options.workers or default_workers()
            front = ProductionFront(
                settings,
                front_settings,
                options.host,
                options.port,
                workers,
                nginx=nginx,
                dsn=dsn,
                access_log=options.access_log,
            )
            _serve_front(front)
    except KeyboardInterrupt:
        pass
    except FrontError as exc:
        console.print(f"[red]cannot serve:[/red] {exc}")
        raise SystemExit(1) from None
    finally:
        if tiling_worker is not None:
            tiling_worker.stop(timeout=30)
        if not options.keep_db:
            stop_database(settings)
            console.print("database stopped")


def _serve_bare(options: ServeOptions) -> None:
    import uvicorn

    console.print(f"[green]serving[/green] the bare app on http://{options.host}:{options.port}")
    uvicorn.run(
        "mapserver.asgi:app",
        host=options.host,
        port=options.port,
        workers=None if options.reload else (options.workers or 1),
        reload=options.reload,
        log_level="info",
        access_log=options.access_log,
        proxy_headers=True,
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
    )


def _serve_front(front: ProductionFront) -> None:
    try:
        front.start()
        console.print(f"[green]serving[/green] on {front.describe()}")
        while True:
            time.sleep(1)
    finally:
        front.stop()
