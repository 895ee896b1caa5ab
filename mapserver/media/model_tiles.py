"""The 3D Tiles of a small scan (a zip with tileset.json and GLB/B3DM content) as one mesh.

The tile tree is walked with every ``transform`` applied; the contents of the finest level whose
files fit :data:`MAX_CONTENT_BYTES` are merged (with REPLACE refinement a finer level replaces its
parent, with ADD it is drawn on top of it, as a 3D Tiles viewer would). Geocentric (ECEF)
positions are brought into a local East-North-Up frame at the centre of the model, so the result
is Z-up in metres and the caller turns it to glTF's Y-up. The scan's true position is not
returned: a model of an artefact from a sensitive relic must not tell where it lies.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import numpy as np

from crs.ecef import ecef_to_enu
from crs.transform import ecef_to_geodetic
from tiling.gltf import gltf_to_enu

from .errors import MediaRejected
from .model_readers import Part, read_glbs, safe_extract

MAX_CONTENT_BYTES = 200 * 1024**2  # what one web GLB may start from; coarser levels above it
MAX_TILES = 5000
GEOCENTRIC_RADIUS = 6.0e6  # a point this far from the origin is on the Earth in ECEF


@dataclass
class _Tile:
    depth: int
    world: np.ndarray  # 4×4 tile frame → tileset frame (ECEF for georeferenced sets)
    refine: str
    contents: list[Path]
    children: list[_Tile] = field(default_factory=list)


def read_tileset_zip(src: Path, work: Path) -> tuple[list[Part], dict[str, Any]]:
    """Parts of a zipped tileset in a local Z-up metre frame, and facts about what was used."""
    folder = safe_extract(src, work / "tileset")
    candidates = sorted(folder.rglob("tileset.json"), key=lambda p: (len(p.parts), str(p)))
    if not candidates:
        raise MediaRejected("the zip holds no tileset.json")
    count = [0]
    root = _read_tileset(candidates[0], folder, np.eye(4), 0, "REPLACE", count)
    depth = _choose_depth(root)
    chosen = _cover(root, depth)
    if not chosen:
        raise MediaRejected("the tileset has no GLB or B3DM content")
    parts: list[Part] = []
    glbs, frames = [], []
    for i, (tile, path) in enumerate(chosen):
        glb, rtc = _glb_of(path, work / f"content-{i}.glb")
        glbs.append(glb)
        frames.append((tile.world, rtc))
    for (world, rtc), content_parts in zip(frames, read_glbs(glbs, work / "decoded"), strict=True):
        for part in content_parts:
            # glTF content is Y-up; 3D Tiles turns it Z-up before the tile transforms
            local = gltf_to_enu(part.positions) + rtc
            part.positions = local @ world[:3, :3].T + world[:3, 3]
            parts.append(part)
    georeferenced = _to_local_frame(parts)
    facts = {"tiles_used": len(chosen), "tile_depth_used": depth, "georeferenced": georeferenced}
    return parts, facts


def _read_tileset(path: Path, folder: Path, world: np.ndarray, depth: int, refine: str, count: list[int]) -> _Tile:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        root = doc["root"]
    except (ValueError, KeyError, TypeError, OSError) as exc:
        raise MediaRejected(f"{path.name} is not a readable 3D Tiles tileset") from exc
    return _read_tile(root, path.parent, folder, world, depth, refine, count)


def _read_tile(
    tile: dict[str, Any], base: Path, folder: Path, parent: np.ndarray, depth: int, refine: str, count: list[int]
) -> _Tile:
    count[0] += 1
    if count[0] > MAX_TILES:
        raise MediaRejected(f"the tileset has more than {MAX_TILES} tiles; upload a smaller scan")
    world = parent
    if "transform" in tile:
        m = np.asarray(tile["transform"], np.float64)
        if m.shape != (16,) or not np.all(np.isfinite(m)):
            raise MediaRejected("a tile transform is not 16 finite numbers")
        world = parent @ m.reshape(4, 4, order="F")  # 3D Tiles matrices are column-major
    node = _Tile(depth, world, tile.get("refine", refine), [])
    entries = tile.get("contents") or ([tile["content"]] if "content" in tile else [])
    for entry in entries:
        uri = unquote(str(entry.get("uri") or entry.get("url") or "").split("?")[0])
        target = (base / uri).resolve()
        if not target.is_relative_to(folder.resolve()) or not target.is_file():
            raise MediaRejected(f"the tileset refers to a missing content file: {uri[:100]}")
        if target.suffix.lower() == ".json":
            # an external tileset hangs its root below this tile
            node.children.append(_read_tileset(target, folder, world, depth + 1, node.refine, count))
        elif target.suffix.lower() in (".glb", ".b3dm"):
            node.contents.append(target)
        # .pnts, .i3dm, .cmpt: points and instances are not part of a surface model
    for child in tile.get("children", []):
        node.children.append(_read_tile(child, base, folder, world, depth + 1, node.refine, count))
    return node


def _cover(tile: _Tile, max_depth: int) -> list[tuple[_Tile, Path]]:
    """The contents a viewer shows when it refines down to ``max_depth``."""
    own = [(tile, p) for p in tile.contents]
    if tile.depth >= max_depth and own:
        return own
    below = [item for child in tile.children for item in _cover(child, max_depth)]
    if not below:
        return own
    return below if tile.refine == "REPLACE" and own else own + below


def _choose_depth(root: _Tile) -> int:
    deepest = _max_depth(root)
    for depth in range(deepest, -1, -1):
        if sum(p.stat().st_size for _, p in _cover(root, depth)) <= MAX_CONTENT_BYTES:
            return depth
    return 0  # even the root is large: take it, the caller still checks the result


def _max_depth(tile: _Tile) -> int:
    return max([tile.depth] + [_max_depth(c) for c in tile.children])


def _glb_of(path: Path, scratch: Path) -> tuple[Path, np.ndarray]:
    """The GLB of a content file and its RTC_CENTER (B3DM's offset; zero for plain GLB)."""
    if path.suffix.lower() == ".glb":
        return path, np.zeros(3)
    data = path.read_bytes()
    if len(data) < 28 or data[:4] != b"b3dm":
        raise MediaRejected(f"{path.name} is not a B3DM tile")
    _, _, ft_json, ft_bin, bt_json, bt_bin = struct.unpack_from("<6I", data, 4)
    rtc = np.zeros(3)
    if ft_json:
        try:
            table = json.loads(data[28 : 28 + ft_json])
        except ValueError as exc:
            raise MediaRejected(f"{path.name}: its feature table is not JSON") from exc
        if "RTC_CENTER" in table:
            rtc = np.asarray(table["RTC_CENTER"], np.float64).reshape(3)
    scratch.write_bytes(data[28 + ft_json + ft_bin + bt_json + bt_bin :])
    return scratch, rtc


def _to_local_frame(parts: list[Part]) -> bool:
    """Move ECEF parts into ENU at their centre (in place); True when they were geocentric."""
    lo = np.min([p.positions.min(axis=0) for p in parts], axis=0)
    hi = np.max([p.positions.max(axis=0) for p in parts], axis=0)
    centre = (lo + hi) / 2
    if np.linalg.norm(centre) < GEOCENTRIC_RADIUS:
        return False  # a tileset in a local frame is already Z-up metres
    lon, lat, h = (float(v) for v in ecef_to_geodetic(*centre))
    for p in parts:
        e, n, u = ecef_to_enu(p.positions[:, 0], p.positions[:, 1], p.positions[:, 2], lon, lat, h)
        p.positions = np.c_[e, n, u]
    return True
