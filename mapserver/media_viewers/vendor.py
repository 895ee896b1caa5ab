"""``GET /vendor/{library}/{version}/{file}``: the few files of each npm viewer library that pages
load, from viewer/node_modules, with ETag/304 (StaticFiles) and immutable caching. The version in
the URL is the installed package's, so an upgrade gets new URLs; another version's URL is a 404.
Only the files listed here are served (no source maps, no package internals)."""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from ..viewer.assets import VIEWER_DIR, AssetTree
from ..viewer.routes import IMMUTABLE

NODE_MODULES = VIEWER_DIR / "node_modules"
PSV = "@photo-sphere-viewer"


@dataclass(frozen=True)
class Library:
    package: str  # the npm package (its package.json gives the version)
    directory: str  # the folder served, inside node_modules
    files: tuple[str, ...]  # the file names (or glob patterns) served from it

    def tree(self) -> AssetTree:
        # Made per request (it is two attributes): apps share no state.
        return AssetTree(NODE_MODULES / self.directory)

    def version(self) -> str | None:
        try:
            return json.loads((NODE_MODULES / self.package / "package.json").read_text(encoding="utf-8"))["version"]
        except (OSError, ValueError, KeyError):
            return None

    def serves(self, path: str) -> bool:
        return ".." not in path.split("/") and any(fnmatch.fnmatchcase(path, p) for p in self.files)


LIBRARIES: dict[str, Library] = {
    "mirador": Library("mirador", "mirador/dist", ("mirador.min.js",)),
    "openseadragon": Library(
        "openseadragon", "openseadragon/build/openseadragon", ("openseadragon.min.js", "images/*.png")
    ),
    "psv-core": Library(f"{PSV}/core", f"{PSV}/core", ("index.module.js", "index.css")),
    "psv-markers": Library(f"{PSV}/markers-plugin", f"{PSV}/markers-plugin", ("index.module.js", "index.css")),
    "psv-virtual-tour": Library(
        f"{PSV}/virtual-tour-plugin", f"{PSV}/virtual-tour-plugin", ("index.module.js", "index.css")
    ),
    # Photo Sphere Viewer's own three (a dependency of its core, not the top-level three): one three per page.
    "psv-three": Library(
        f"{PSV}/core/node_modules/three",
        f"{PSV}/core/node_modules/three/build",
        ("three.module.min.js", "three.core.min.js"),
    ),
    "model-viewer": Library("@google/model-viewer", "@google/model-viewer/dist", ("model-viewer.min.js",)),
    # Decoders model-viewer would otherwise fetch from www.gstatic.com (three 0.183.2's copies).
    "draco": Library(
        "three", "three/examples/jsm/libs/draco", ("draco_decoder.js", "draco_decoder.wasm", "draco_wasm_wrapper.js")
    ),
    "basis": Library("three", "three/examples/jsm/libs/basis", ("basis_transcoder.js", "basis_transcoder.wasm")),
}


def vendor_url(library: str, path: str = "") -> str | None:
    """The versioned URL of a library's file (or folder, with ``path=""``); None when not installed."""
    version = LIBRARIES[library].version()
    return None if version is None else f"/vendor/{library}/{version}/{path}"


def installed(*libraries: str) -> bool:
    return all(Path(NODE_MODULES / LIBRARIES[name].directory).is_dir() for name in libraries)


router = APIRouter(tags=["viewers"], include_in_schema=False)


@router.api_route("/vendor/{library}/{version}/{path:path}", methods=["GET", "HEAD"])
async def vendor_file(request: Request, library: str, version: str, path: str) -> Response:
    lib = LIBRARIES.get(library)
    if lib is None or version != lib.version() or not lib.serves(path):
        raise HTTPException(404, "Not found")
    return await lib.tree().respond(request, path, IMMUTABLE)
