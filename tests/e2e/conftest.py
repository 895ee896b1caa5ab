"""Browser fixtures: Debian's chromium driven by Playwright (never `playwright install`), software
WebGL (SwiftShader), and a page wrapper that records every request and console error so each test
can assert the viewer stayed offline and clean. See shared/notes/browser-testing.md."""

from __future__ import annotations

import http.server
import shutil
import threading
from dataclasses import dataclass, field
from functools import partial
from typing import ClassVar
from urllib.parse import urlparse

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",  # required when running as root
    "--use-angle=swiftshader",  # software WebGL, no GPU needed
    "--enable-unsafe-swiftshader",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TIMEOUT_MS = 60_000
VIEWPORT = {"width": 1024, "height": 700}


@dataclass
class Session:
    """A browser context + page with what it requested and what went wrong."""

    context: object
    page: object
    allowed_origins: set[str]
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def foreign_requests(self) -> list[str]:
        out = []
        for url in self.requests:
            parsed = urlparse(url)
            if parsed.scheme in ("data", "blob"):
                continue
            if f"{parsed.scheme}://{parsed.netloc}" not in self.allowed_origins:
                out.append(url)
        return out

    def assert_clean(self) -> None:
        assert self.foreign_requests() == [], self.foreign_requests()
        assert self.errors == [], self.errors
        assert self.failed == [], self.failed
        assert self.dialogs == [], self.dialogs

    def wait(self, expression: str, timeout: int = TIMEOUT_MS):
        # polling=100, not the default requestAnimationFrame polling, which waits on Cesium's slow
        # software-rendered frames.
        return self.page.wait_for_function(expression, polling=100, timeout=timeout)

    def open_viewer(self, base_url: str, path: str = "/?lite") -> None:
        # wait_until="commit": "load" waits behind the 6 MB Cesium build for nothing we need
        self.page.goto(base_url + path, wait_until="commit")
        self.wait("window.__timings && window.__timings.relicsShown && window.__timings.ready")


def new_session(browser, base_url: str, *, viewport=VIEWPORT, extra_origins=()) -> Session:
    context = browser.new_context(viewport=viewport, accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    session = Session(context, page, {base_url, *extra_origins})
    context.on("request", lambda r: session.requests.append(r.url))  # context: sees worker fetches too
    page.on("console", lambda m: m.type == "error" and session.errors.append(m.text))
    page.on("pageerror", lambda e: session.errors.append(str(e)))
    page.on("requestfailed", lambda r: session.failed.append(f"{r.url} {r.failure}"))

    def on_dialog(dialog):
        session.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return session


class _CorsHandler(http.server.SimpleHTTPRequestHandler):
    """Static files with CORS, like a tile store/CDN in front of the app."""

    extensions_map: ClassVar[dict[str, str]] = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".glb": "model/gltf-binary",
        ".json": "application/json",
    }

    def end_headers(self):
        self.send_header("Access-Control-Allow-Origin", "*")
        super().end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def static_server(tmp_path_factory):
    """A separate origin serving files from a temporary folder; yields (folder, base_url)."""
    folder = tmp_path_factory.mktemp("tiles")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(_CorsHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield folder, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
