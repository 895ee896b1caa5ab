"""Static trees served with Starlette's StaticFiles (path-traversal checks, ETag/Last-Modified, 304s)
plus our Cache-Control, and the content hash of the viewer's own modules."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from fastapi import Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException
from starlette.staticfiles import StaticFiles

from ..settings import PROJECT_ROOT

VIEWER_DIR = PROJECT_ROOT / "viewer"
APP_DIR = VIEWER_DIR / "src"
CESIUM_PACKAGE = VIEWER_DIR / "node_modules" / "cesium"
CESIUM_BUILD = CESIUM_PACKAGE / "Build" / "Cesium"


class AssetTree:
    """Looked up per request, so a missing `npm ci` is a 404, not a start-up failure."""

    def __init__(self, directory: Path):
        self._static = StaticFiles(directory=directory, check_dir=False)
        self._directory = directory

    async def respond(self, request: Request, path: str, cache_control: str) -> Response:
        if not self._directory.is_dir():
            raise HTTPException(404, "Not found")
        response = await self._static.get_response(path, request.scope)
        response.headers["Cache-Control"] = cache_control
        return response


def cesium_version() -> str | None:
    try:
        return json.loads((CESIUM_PACKAGE / "package.json").read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        return None


class ViewerAssets:
    """The two asset trees of one app and the build hash of viewer/src (kept on app.state)."""

    def __init__(self, app_dir: Path = APP_DIR, cesium_build: Path = CESIUM_BUILD):
        self.app_dir = app_dir
        self.cesium = AssetTree(cesium_build)
        self.app = AssetTree(app_dir)
        self._hashes: dict[tuple, str] = {}

    def _signature(self) -> tuple:
        if not self.app_dir.is_dir():
            return ()
        return tuple(
            sorted(
                (str(p.relative_to(self.app_dir)), p.stat().st_mtime_ns, p.stat().st_size)
                for p in self.app_dir.rglob("*")
                if p.is_file()
            )
        )

    def build(self) -> str:
        """Content hash of viewer/src: identical on every app server of a deployment (no mtimes in
        it), recomputed only when a file's mtime/size changes."""
        signature = self._signature()
        if signature not in self._hashes:
            digest = hashlib.sha256()
            for name, _, _ in signature:
                digest.update(name.encode())
                digest.update((self.app_dir / name).read_bytes())
            self._hashes = {signature: digest.hexdigest()[:12]}
        return self._hashes[signature]

    def modules(self) -> list[str]:
        return sorted(p.name for p in self.app_dir.glob("*.js")) if self.app_dir.is_dir() else []
