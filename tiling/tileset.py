"""Typed 3D Tiles model and the project's own checks of the 3D Tiles 1.1 rules.

The official 3d-tiles-validator is not installable from npm here, so the rules that
matter for our output (and the classic mistakes) are checked in Python:

* ``asset.version`` is "1.0" or "1.1"; ``geometricError`` is present, finite, ≥ 0
  (tileset and every tile) and a child's error never exceeds its parent's;
* every tile has exactly one valid bounding volume, and a child's volume (and its
  content volume) lies inside its parent's, transforms applied, within a tolerance;
* ``transform`` is 16 finite numbers forming an affine matrix (last row 0,0,0,1,
  invertible); ``refine`` is ADD or REPLACE and the root has one;
* every content URI resolves (relative to the tileset.json that names it) to a
  readable local file with a plausible header; external tilesets are recursed.

glTF content is checked separately by gltf-validator (:func:`validate_glb_files`).
"""

from __future__ import annotations

import json
import math
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, NotRequired, TypedDict
from urllib.parse import unquote, urlparse

import numpy as np

from . import nodetools
from .volumes import Region, Volume, outside_distance, parse_volume, to_world


# ----------------------------------------------------------------------------- typed model
class Asset(TypedDict):
    version: str
    generator: NotRequired[str]
    tilesetVersion: NotRequired[str]


class BoundingVolume(TypedDict, total=False):
    box: list[float]  # centre (3) + three half-axes (9)
    region: list[float]  # west, south, east, north (rad), min h, max h (m)
    sphere: list[float]  # centre (3) + radius


class Content(TypedDict):
    uri: str
    boundingVolume: NotRequired[BoundingVolume]


class Tile(TypedDict):
    boundingVolume: BoundingVolume
    geometricError: float
    refine: NotRequired[Literal["ADD", "REPLACE"]]
    transform: NotRequired[list[float]]  # column-major 4×4
    content: NotRequired[Content]
    children: NotRequired[list[Tile]]


class Tileset(TypedDict):
    asset: Asset
    geometricError: float
    root: Tile
    extras: NotRequired[dict[str, Any]]
    extensionsUsed: NotRequired[list[str]]
    extensions: NotRequired[dict[str, Any]]


def box_from_bounds(lo: np.ndarray, hi: np.ndarray, pad: float = 0.0) -> BoundingVolume:
    """Axis-aligned box (in the tile frame) from min/max corners."""
    c = (np.asarray(lo, float) + np.asarray(hi, float)) / 2
    h = np.maximum((np.asarray(hi, float) - np.asarray(lo, float)) / 2 + pad, 1e-3)  # never flat
    return {
        "box": [
            float(c[0]),
            float(c[1]),
            float(c[2]),
            float(h[0]),
            0.0,
            0.0,
            0.0,
            float(h[1]),
            0.0,
            0.0,
            0.0,
            float(h[2]),
        ]
    }


def write_tileset(path: Path, tileset: Tileset) -> None:
    """Write tileset.json compactly (big trees are mostly numbers)."""
    Path(path).write_text(json.dumps(tileset, separators=(",", ":")))


# ----------------------------------------------------------------------------- issues
@dataclass(frozen=True)
class Issue:
    """One broken rule: where (file + JSON path), a stable code and a readable message."""

    severity: Literal["error", "warning"]
    code: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.severity.upper()} {self.code} at {self.where}: {self.message}"


@dataclass
class _Ctx:
    issues: list[Issue] = field(default_factory=list)
    contents: list[Path] = field(default_factory=list)
    visited: set[Path] = field(default_factory=set)

    def err(self, code: str, where: str, msg: str) -> None:
        self.issues.append(Issue("error", code, where, msg))

    def warn(self, code: str, where: str, msg: str) -> None:
        self.issues.append(Issue("warning", code, where, msg))


_MAGIC = {b"glTF": ".glb", b"b3dm": ".b3dm", b"pnts": ".pnts", b"i3dm": ".i3dm", b"cmpt": ".cmpt"}
_TOL_ABS = 0.01  # metres: boxes are written from float64 bounds, 1 cm is generous
_TOL_REL = 1e-4  # of the parent size, for volumes written by other tools


def validate_tileset(path: Path | str) -> list[Issue]:
    """Check a tileset.json (and every external tileset it references); [] means valid."""
    return _check(Path(path)).issues


def content_files(path: Path | str) -> list[Path]:
    """Every local content file reachable from a tileset (after checking it)."""
    return _check(Path(path)).contents


def _check(path: Path) -> _Ctx:
    ctx = _Ctx()
    _check_file(path, ctx, np.eye(4), None, math.inf, "tileset")
    return ctx


def _check_file(
    path: Path, ctx: _Ctx, world: np.ndarray, parent_vol: Volume | None, parent_ge: float, where: str
) -> None:
    path = path.resolve()
    if path in ctx.visited:
        ctx.err("EXTERNAL_TILESET_CYCLE", where, f"{path.name} is referenced in a cycle")
        return
    ctx.visited.add(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        ctx.err("TILESET_UNREADABLE", str(path), f"cannot read JSON: {exc}")
        return
    w = path.name
    if not isinstance(doc, dict):
        ctx.err("TILESET_NOT_OBJECT", w, "top level is not a JSON object")
        return
    version = doc.get("asset", {}).get("version") if isinstance(doc.get("asset"), dict) else None
    if version not in ("1.0", "1.1"):
        ctx.err("ASSET_VERSION", f"{w}#/asset", f"asset.version must be '1.0' or '1.1', got {version!r}")
    ge = _geometric_error(doc, ctx, f"{w}#")
    # an external tileset's root answers to the referencing tile; the main root to the tileset
    limit = parent_ge if math.isfinite(parent_ge) else (ge if ge is not None else math.inf)
    root = doc.get("root")
    if not isinstance(root, dict):
        ctx.err("ROOT_MISSING", f"{w}#", "tileset has no root tile")
        return
    if root.get("refine") is None:
        ctx.err("ROOT_REFINE_MISSING", f"{w}#/root", "the root tile must specify refine (ADD or REPLACE)")
    if "implicitTiling" in root:
        ctx.warn("IMPLICIT_NOT_CHECKED", f"{w}#/root", "implicit tiling subtrees are not checked")
    _check_tile(root, ctx, path.parent, world, parent_vol, limit, f"{w}#/root", 0)


def _geometric_error(obj: dict, ctx: _Ctx, where: str) -> float | None:
    ge = obj.get("geometricError")
    if ge is None:
        ctx.err("GEOMETRIC_ERROR_MISSING", where, "geometricError is required")
        return None
    if isinstance(ge, bool) or not isinstance(ge, (int, float)) or not math.isfinite(ge):
        ctx.err("GEOMETRIC_ERROR_INVALID", where, f"geometricError must be a finite number, got {ge!r}")
        return None
    if ge < 0:
        ctx.err("GEOMETRIC_ERROR_NEGATIVE", where, f"geometricError must be >= 0, got {ge}")
    return float(ge)


def _transform(tile: dict, ctx: _Ctx, where: str) -> np.ndarray | None:
    t = tile.get("transform")
    if t is None:
        return np.eye(4)
    ok = (
        isinstance(t, list)
        and len(t) == 16
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in t)
    )
    if not ok:
        ctx.err("TRANSFORM_INVALID", where, "transform must be an array of 16 finite numbers")
        return None
    m = np.asarray(t, float).reshape(4, 4).T  # column-major
    if not np.allclose(m[3], [0, 0, 0, 1], atol=1e-12):
        ctx.err(
            "TRANSFORM_NOT_AFFINE",
            where,
            f"the last row of transform must be 0,0,0,1 (column-major), got {m[3].tolist()}",
        )
        return None
    if abs(np.linalg.det(m[:3, :3])) < 1e-12:
        ctx.err("TRANSFORM_SINGULAR", where, "transform is not invertible")
        return None
    return m


def _volume(bv: Any, ctx: _Ctx, where: str) -> Volume | None:
    if not isinstance(bv, dict):
        ctx.err("BOUNDING_VOLUME_MISSING", where, "boundingVolume is required")
        return None
    kinds = [k for k in ("box", "region", "sphere") if k in bv]
    if len(kinds) != 1:
        ctx.err("BOUNDING_VOLUME_INVALID", where, f"need exactly one of box/region/sphere, got {kinds}")
        return None
    k = kinds[0]
    vals = bv[k]
    n = {"box": 12, "region": 6, "sphere": 4}[k]
    if not (
        isinstance(vals, list)
        and len(vals) == n
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in vals)
    ):
        ctx.err("BOUNDING_VOLUME_INVALID", where, f"{k} must be {n} finite numbers")
        return None
    if k == "region":
        w_, s, e, nn, lo, hi = vals
        if not (
            -math.pi <= w_ <= math.pi
            and -math.pi <= e <= math.pi
            and -math.pi / 2 <= s <= nn <= math.pi / 2
            and lo <= hi
        ):
            ctx.err("REGION_INVALID", where, f"region out of range or inverted: {vals}")
            return None
    if k == "sphere" and vals[3] < 0:
        ctx.err("SPHERE_INVALID", where, "sphere radius must be >= 0")
        return None
    return parse_volume(bv)


def _inside(ctx: _Ctx, parent: Volume | None, child: Volume, where: str, what: str) -> None:
    if parent is None:
        return
    tol = max(_TOL_ABS, _TOL_REL * parent.size())
    d = outside_distance(parent, child)
    if d > tol:
        ctx.err("BOUNDING_VOLUME_NOT_CONTAINED", where, f"{what} reaches {d:.3f} m outside its parent's volume")


def _check_tile(
    tile: Any,
    ctx: _Ctx,
    base: Path,
    parent_world: np.ndarray,
    parent_vol: Volume | None,
    parent_ge: float,
    where: str,
    depth: int,
) -> None:
    if not isinstance(tile, dict):
        ctx.err("TILE_NOT_OBJECT", where, "tile must be an object")
        return
    if depth > 64:
        ctx.err("TREE_TOO_DEEP", where, "tile tree deeper than 64 levels")
        return
    ge = _geometric_error(tile, ctx, where)
    if ge is not None and ge > parent_ge + 1e-9:
        ctx.err("GEOMETRIC_ERROR_INCREASES", where, f"geometricError {ge} exceeds its parent's {parent_ge}")
    refine = tile.get("refine")
    if refine is not None and refine not in ("ADD", "REPLACE"):
        ctx.err("REFINE_INVALID", where, f"refine must be 'ADD' or 'REPLACE', got {refine!r}")
    m = _transform(tile, ctx, where)
    world = parent_world @ (m if m is not None else np.eye(4))
    vol = _volume(tile.get("boundingVolume"), ctx, f"{where}/boundingVolume")
    wvol = to_world(vol, world) if vol is not None else None
    if wvol is not None:
        _inside(ctx, parent_vol, wvol, f"{where}/boundingVolume", "tile bounding volume")
    contents = []
    if "content" in tile:
        contents.append((tile["content"], f"{where}/content"))
    for i, c in enumerate(tile.get("contents", []) or []):
        contents.append((c, f"{where}/contents/{i}"))
    for c, cw in contents:
        _check_content(c, ctx, base, world, wvol, ge if ge is not None else parent_ge, cw)
    children = tile.get("children", [])
    if not isinstance(children, list):
        ctx.err("CHILDREN_INVALID", where, "children must be an array")
        return
    for i, ch in enumerate(children):
        _check_tile(ch, ctx, base, world, wvol, ge if ge is not None else parent_ge, f"{where}/children/{i}", depth + 1)


def _check_content(
    c: Any, ctx: _Ctx, base: Path, world: np.ndarray, tile_vol: Volume | None, ge: float, where: str
) -> None:
    if not isinstance(c, dict) or not isinstance(c.get("uri"), str) or not c["uri"]:
        ctx.err("CONTENT_URI_MISSING", where, "content.uri is required")
        return
    uri = c["uri"]
    if "boundingVolume" in c:
        cv = _volume(c["boundingVolume"], ctx, f"{where}/boundingVolume")
        if cv is not None:
            _inside(ctx, tile_vol, to_world(cv, world), f"{where}/boundingVolume", "content bounding volume")
    parsed = urlparse(uri)
    if parsed.scheme or parsed.netloc or uri.startswith("/"):
        ctx.err("CONTENT_URI_NOT_RELATIVE", where, f"content uri {uri!r} is not a relative local path")
        return
    if "{" in uri:
        return  # implicit-tiling template; reported at the root
    p = (base / unquote(parsed.path)).resolve()
    try:
        with open(p, "rb") as fh:
            head = fh.read(12)
    except OSError as exc:
        ctx.err("CONTENT_UNREADABLE", where, f"content {uri!r} cannot be read: {exc.strerror or exc}")
        return
    if p.suffix.lower() == ".json" or head[:1] == b"{":
        _check_file(p, ctx, world, tile_vol, ge, f"{where}({uri})")
        return
    kind = _MAGIC.get(head[:4])
    if kind is None:
        ctx.err("CONTENT_UNKNOWN_FORMAT", where, f"content {uri!r} is not glb/b3dm/pnts/i3dm/cmpt/json")
        return
    if len(head) == 12:
        length = struct.unpack_from("<I", head, 8)[0]
        if length != p.stat().st_size:
            ctx.err(
                "CONTENT_LENGTH_MISMATCH",
                where,
                f"{uri!r} header says {length} bytes but the file has {p.stat().st_size}",
            )
    ctx.contents.append(p)


# ----------------------------------------------------------------------------- glTF + all
def validate_glb_files(paths: list[Path]) -> list[Issue]:
    """Run gltf-validator (npm, pinned in tiling/js) on GLB files; an Issue per file with errors."""
    report = nodetools.gltf_validate([Path(p) for p in paths])
    issues = []
    for f in report["files"]:
        if f["numErrors"]:
            first = "; ".join(
                f"{m['code']} {m.get('pointer') or ''} {m['message']}".strip()
                for m in f["messages"]
                if m["severity"] == 0
            )[:500]
            issues.append(Issue("error", "GLTF_VALIDATOR", f["path"], f"{f['numErrors']} error(s): {first}"))
    return issues


def validate_output(directory: Path | str, *, tileset_name: str = "tileset.json") -> list[Issue]:
    """Tileset rules plus gltf-validator on every glb content; [] means publishable."""
    ctx = _check(Path(directory) / tileset_name)
    glbs = [p for p in ctx.contents if p.suffix.lower() == ".glb"]
    return ctx.issues + validate_glb_files(glbs)


def errors(issues: list[Issue]) -> list[Issue]:
    """Only the issues that block publication."""
    return [i for i in issues if i.severity == "error"]


__all__ = [
    "Asset",
    "BoundingVolume",
    "Content",
    "Issue",
    "Region",
    "Tile",
    "Tileset",
    "box_from_bounds",
    "content_files",
    "errors",
    "validate_glb_files",
    "validate_output",
    "validate_tileset",
    "write_tileset",
]
