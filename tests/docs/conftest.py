"""One database, one built guide site and one app for the whole directory: the seeded template's
copy, the sample accounts and the submitted artefact of scripts/guide_screenshots.py (so the
screens compared here show what the script shows), the guides built by the real builder into the
app's var dir, and the real app over HTTP."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

import pytest

from mapserver.settings import PROJECT_ROOT, Settings
from tests.conftest import _create_from_template, _drop, make_settings
from tests.live_server import LiveServer

SCRIPT = PROJECT_ROOT / "scripts" / "guide_screenshots.py"


def screenshot_script():
    spec = importlib.util.spec_from_file_location("guide_screenshots", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class GuideServer:
    live: LiveServer
    settings: Settings
    dsn: str
    tokens: dict[str, str]

    @property
    def url(self) -> str:
        return self.live.url

    @property
    def client(self):
        return self.live.client


@pytest.fixture(scope="session")
def guide_server(pg_cluster, template_dsn, tmp_path_factory) -> GuideServer:
    from mapserver.app import create_app
    from mapserver.guides.build import build_guides

    name = _create_from_template(pg_cluster)
    dsn = pg_cluster.dsn(name)
    settings = make_settings(dsn, tmp_path_factory.mktemp("guides-var"))
    build_guides(settings)
    live = LiveServer(create_app(settings))
    live.start()
    try:
        tokens = screenshot_script().prepare(dsn, live.url)
        yield GuideServer(live, settings, dsn, tokens)
    finally:
        live.stop()
        _drop(pg_cluster, name)


@pytest.fixture(scope="session")
def guides_site(guide_server) -> Path:
    from mapserver.guides import site_dir

    return site_dir(guide_server.settings)
