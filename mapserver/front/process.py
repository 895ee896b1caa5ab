"""The processes of the production front: nginx and the app workers under supervisors
(jobs.supervisor), the published links rebuilt before nginx starts and kept current by the linker
while it runs. Started in order (links, app, nginx, linker) and stopped in the reverse."""

from __future__ import annotations

import logging
import socket
import sys
import time

import httpx
import psycopg

from ..jobs.backoff import Backoff
from ..jobs.supervisor import Supervisor
from ..settings import Settings
from ..store import LocalStore, make_store
from .leftovers import stop_leftover, write_pid
from .linker import Linker
from .nginx import FrontConfig, FrontError, FrontLayout, nginx_command, write_config
from .published import PREFIXES, PublishedTree
from .settings import FrontSettings

APP_READY_SECONDS = 180.0  # several workers importing the app on a busy 2-core machine
FRONT_READY_SECONDS = 15.0
WORKER_HEALTHCHECK_SECONDS = 60
# The multipart envelope around the largest upload, and then some.
BODY_MARGIN = 16 * 1024 * 1024


class ProductionFront:
    """nginx on the public port, `workers` app processes behind it, and the link keeper."""

    def __init__(
        self,
        settings: Settings,
        front_settings: FrontSettings,
        host: str,
        port: int,
        workers: int,
        *,
        nginx: str,
        dsn: str,
        access_log: bool = True,
    ):
        self.host, self.port, self.workers, self.dsn = host, port, workers, dsn
        self.layout = FrontLayout.under(settings.var_dir)
        store = make_store(settings)
        # An S3 store has no files here to link: its URLs stay on the app (see README, production).
        self.tree = PublishedTree(self.layout.published, store.root) if isinstance(store, LocalStore) else None
        self.upstream, app_command = _app_command(self.layout, workers)
        cap = settings.worker_backoff_max_seconds
        self.app = Supervisor(app_command, name="app", backoff=Backoff(cap=cap))
        self.nginx = Supervisor(nginx_command(nginx, self.layout), name="nginx", backoff=Backoff(cap=cap))
        self.nginx_binary = nginx
        self.linker = (
            Linker(dsn, self.tree, resync_seconds=front_settings.resync_seconds) if self.tree is not None else None
        )
        self.config = FrontConfig(
            listen_host=host,
            port=port,
            upstream=self.upstream,
            prefixes=PREFIXES if self.tree is not None else (),
            client_max_body_size=_largest_body(settings),
            worker_processes=front_settings.worker_processes,
            worker_connections=front_settings.worker_connections,
            access_log=access_log,
        )

    def start(self) -> None:
        logging.getLogger("httpx").setLevel(logging.WARNING)  # the readiness polls are not news
        layout = self.layout
        layout.make()
        stop_leftover(layout.nginx_pid, str(layout.conf), "nginx")
        stop_leftover(layout.app_pid, "mapserver.asgi:app", "app")
        _check_port_free(self.host, self.port)
        if self.tree is not None:
            with psycopg.connect(self.dsn, autocommit=True) as conn:
                self.tree.reconcile(conn)  # rebuilt at every start: nothing withdrawn meanwhile survives
        write_config(self.nginx_binary, layout, self.config)
        if layout.app_socket is not None:
            layout.app_socket.unlink(missing_ok=True)  # left by a run that was killed
        self.app.start()
        _wait_for_app(self.app, self.upstream)
        write_pid(layout.app_pid, self.app.pid)
        self.nginx.start()
        _wait_for_front(self.nginx, self.host, self.port, layout)
        if self.linker is not None:
            self.linker.start()

    def stop(self) -> None:
        """nginx first (no new requests reach the app), then the app, then the linker."""
        self.nginx.stop(timeout=10)
        self.app.stop(timeout=30)
        if self.linker is not None:
            self.linker.stop()
        self.layout.app_pid.unlink(missing_ok=True)

    def describe(self) -> str:
        what = "published files from the store" if self.tree is not None else "everything through the app (S3 store)"
        return (
            f"http://{self.host}:{self.port} — nginx front ({what}), {self.workers} app worker(s); "
            f"logs in {self.layout.logs}"
        )


def _app_command(layout: FrontLayout, workers: int) -> tuple[str, list[str]]:
    """(nginx upstream, command) of the app workers: on the private socket, else a loopback port."""
    sock = layout.app_socket
    if sock is not None:
        # Only the front can reach the socket (its directory is private): trust its client address.
        bind, upstream, trusted = ["--uds", str(sock)], f"unix:{sock}", "*"
    else:
        port = _free_port()
        bind, upstream, trusted = ["--host", "127.0.0.1", "--port", str(port)], f"127.0.0.1:{port}", "127.0.0.1"
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "mapserver.asgi:app",
        *bind,
        "--workers",
        str(workers),
        "--proxy-headers",
        "--forwarded-allow-ips",
        trusted,
        "--no-access-log",  # nginx logs every request, those it serves itself included
        "--timeout-graceful-shutdown",
        "20",
        # uvicorn kills a worker that does not answer its health check in time (5 s by default): a
        # worker still importing the app on a busy machine would be killed again and again.
        "--timeout-worker-healthcheck",
        str(WORKER_HEALTHCHECK_SECONDS),
    ]
    return upstream, command


def _largest_body(settings: Settings) -> int:
    """Above every body limit of the app (uploads of each kind and plain bodies)."""
    limits = [value for name, value in settings.model_dump().items() if name.endswith("max_bytes")]
    return max(limits) + BODY_MARGIN


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _check_port_free(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise FrontError(f"{host}:{port} is not free ({exc.strerror}); choose another with --port") from None


def _wait_for_app(app: Supervisor, upstream: str) -> None:
    if upstream.startswith("unix:"):
        client = httpx.Client(transport=httpx.HTTPTransport(uds=upstream[5:]), base_url="http://app", timeout=5)
    else:
        client = httpx.Client(base_url=f"http://{upstream}", timeout=5)
    deadline = time.monotonic() + APP_READY_SECONDS
    with client:
        while time.monotonic() < deadline:
            if app.starts > 1:
                raise FrontError("the app stopped while starting; its messages are above")
            try:
                client.get("/healthz")  # any answer: the app is up (it reports the database itself)
                return
            except httpx.HTTPError:
                time.sleep(0.2)
    raise FrontError(f"the app did not answer within {APP_READY_SECONDS:.0f} s")


def _wait_for_front(front: Supervisor, host: str, port: int, layout: FrontLayout) -> None:
    near = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    url = f"http://[{near}]:{port}/healthz" if ":" in near else f"http://{near}:{port}/healthz"
    deadline = time.monotonic() + FRONT_READY_SECONDS
    while time.monotonic() < deadline:
        if front.starts > 1:
            break
        try:
            httpx.get(url, timeout=5)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    log = layout.logs / "error.log"
    tail = log.read_text(errors="replace")[-600:] if log.exists() else ""
    raise FrontError(f"nginx did not start; {log}: {tail.strip() or 'empty'}")
