"""Servers of the upload tests: the real app with the upload guard installed (added here while
create_app does not add it yet; a no-op once it does) behind a meter of the body bytes it read, one
with default limits and one with small limits; a surveyor; and a private temporary folder that must
be empty once a test is done."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import psycopg
import pytest

from mapserver.accounts.service import create_user
from mapserver.app import create_app
from mapserver.web.upload_guard import UploadGuard
from tests.conftest import make_settings
from tests.live_server import LiveServer

SMALL_LIMITS = {
    "survey_max_bytes": 1 << 20,
    "scan_max_bytes": 1 << 20,
    "max_body_bytes": 1 << 20,
    "planner_upload_max_bytes": 256 << 10,
}


def guarded_app(settings):
    app = create_app(settings)
    if not any(m.cls is UploadGuard for m in app.user_middleware):
        app.add_middleware(UploadGuard)  # added last: the outermost layer, as app.py should do
    return app


class BodyMeter:
    """The outermost layer of the test servers: how many body bytes the app took from uvicorn,
    per path of the latest request there (0: refused from its headers alone)."""

    def __init__(self, app):
        self.app = app
        self.read: dict[str, int] = {}

    @property
    def state(self):
        return self.app.state

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        self.read[path] = 0

        async def metered():
            message = await receive()
            if message["type"] == "http.request":
                self.read[path] += len(message.get("body", b""))
            return message

        await self.app(scope, metered, send)


def _serve(settings):
    server = LiveServer(BodyMeter(guarded_app(settings)))
    server.start()
    return server


@pytest.fixture(scope="module")
def live_server(module_dsn, tmp_path_factory):
    server = _serve(make_settings(module_dsn, tmp_path_factory.mktemp("var")))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def small_server(module_dsn, tmp_path_factory):
    settings = make_settings(module_dsn, tmp_path_factory.mktemp("var-small")).model_copy(update=SMALL_LIMITS)
    server = _serve(settings)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def surveyor(module_dsn) -> str:
    with psycopg.connect(module_dsn) as conn:
        return create_user(conn, "guard-surveyor", "surveyor")[1]


def leftovers(folder: Path) -> list[str]:
    """Files under the folder, and files of this process (the server runs in it) still open there,
    which includes spooled files already unlinked."""
    found = [str(p) for p in folder.rglob("*")]
    for fd in Path("/proc/self/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith(str(folder)):
            found.append(target)
    return found


@pytest.fixture
def spool_dir(tmp_path, monkeypatch) -> Path:
    """Every temporary file of the process (the in-process server's spooling too) goes here."""
    folder = tmp_path / "spool"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    yield folder
    # The server may still be unwinding the refused request when the client has its answer.
    deadline = time.monotonic() + 5
    while leftovers(folder) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert leftovers(folder) == []
