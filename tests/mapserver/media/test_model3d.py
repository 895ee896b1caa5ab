"""3D model normalisation with the real readers, gltf-pipeline (Draco) and the Khronos validator."""

from __future__ import annotations

import io
import json
import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from crs.ecef import enu_to_ecef_matrix
from mapserver.media import model3d, model_tiles
from mapserver.media.errors import MediaRejected
from mapserver.media.model_readers import decode_glbs
from tiling import gltf, nodetools
from tiling.gltf_read import Glb, read_glb


def grid_box(size: tuple[float, float, float], n: int = 6) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A closed box of ``size`` whose faces are n × n grids: vertices, triangles and box-map UVs."""
    verts, faces, uvs = [], [], []
    s = np.asarray(size, float) / 2
    t = np.linspace(-1, 1, n + 1)
    a, b = np.meshgrid(t, t, indexing="ij")
    for axis in range(3):
        for sign in (-1, 1):
            u_ax, v_ax = [k for k in range(3) if k != axis]
            p = np.zeros(((n + 1) ** 2, 3))
            p[:, axis] = sign
            p[:, u_ax], p[:, v_ax] = a.ravel(), b.ravel()
            base = sum(len(v) for v in verts)
            idx = np.arange((n + 1) ** 2).reshape(n + 1, n + 1) + base
            q = np.stack([idx[:-1, :-1], idx[1:, :-1], idx[1:, 1:], idx[:-1, 1:]], -1).reshape(-1, 4)
            tri = np.r_[q[:, [0, 1, 2]], q[:, [0, 2, 3]]]
            faces.append(tri if sign > 0 else tri[:, ::-1])
            verts.append(p * s)
            uvs.append(np.c_[(a.ravel() + 1) / 2, (b.ravel() + 1) / 2])
    return np.concatenate(verts), np.concatenate(faces), np.concatenate(uvs)


def decoded(glb: Path, tmp: Path) -> Glb:
    """The GLB with its Draco geometry decoded (Draco's own decoder, through tiling/js)."""
    plain = tmp / "decoded.glb"
    decode_glbs([(glb, plain)])
    g = read_glb(plain)
    assert not g.doc.get("nodes", [{}])[0].get("translation"), "geometry is centred, not moved by a node"
    return g


def attribute(g: Glb, name: str) -> np.ndarray:
    """One vertex attribute of every primitive, concatenated (POSITION as float64)."""
    values = np.concatenate([g.accessor(p["attributes"][name]) for m in g.doc["meshes"] for p in m["primitives"]])
    return values.astype(np.float64) if name == "POSITION" else values


def nearest_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Largest distance from a point of ``a`` to the nearest point of ``b`` (both ways)."""
    d = np.linalg.norm(a[:, None, :] - b[None, :, :], axis=2)
    return float(max(d.min(axis=1).max(), d.min(axis=0).max()))


def assert_valid(glb: Path) -> dict:
    report = nodetools.gltf_validate([glb])
    assert report["numErrors"] == 0, report["files"][0]["messages"]
    doc = read_glb(glb).doc
    assert "KHR_draco_mesh_compression" in doc["extensionsRequired"]
    return doc


def embedded_images(glb: Path) -> list[Image.Image]:
    g = read_glb(glb)
    out = []
    for image in g.doc.get("images", []):
        view = g.doc["bufferViews"][image["bufferView"]]
        start = view.get("byteOffset", 0)
        img = Image.open(io.BytesIO(g.bin[start : start + view["byteLength"]]))
        img.load()
        assert img.format == {"image/jpeg": "JPEG", "image/png": "PNG"}[image["mimeType"]]
        out.append(img)
    return out


def write_obj(folder: Path, verts: np.ndarray, faces: np.ndarray, uvs: np.ndarray, texture: str) -> None:
    lines = ["# textured test box", "mtllib box.mtl", "usemtl clay"]
    lines += [f"v {x:.6f} {y:.6f} {z:.6f}" for x, y, z in verts]
    lines += [f"vt {u:.6f} {v:.6f}" for u, v in uvs]
    lines += [f"f {a}/{a} {b}/{b} {c}/{c}" for a, b, c in faces + 1]
    (folder / "box.obj").write_text("\n".join(lines) + "\n")
    (folder / "box.mtl").write_text(f"newmtl clay\nKd 1 1 1\nmap_Kd textures/{texture}\n")


def test_textured_obj_zip_becomes_a_small_valid_centred_glb(tmp_path: Path) -> None:
    verts, faces, uvs = grid_box((1.0, 0.5, 0.25))
    verts = verts + [12.0, 3.0, -7.0]  # off-centre, as photogrammetry exports are
    src = tmp_path / "src"
    (src / "textures").mkdir(parents=True)
    ramp = np.linspace(0, 255, 4096, dtype=np.uint8)
    rgb = np.stack(np.broadcast_arrays(ramp[None, :], ramp[:, None], np.uint8(90)), -1)
    Image.fromarray(np.ascontiguousarray(rgb)).save(src / "textures" / "albedo.png", compress_level=1)
    write_obj(src, verts, faces, uvs, "albedo.png")
    upload = tmp_path / "model.zip"
    with zipfile.ZipFile(upload, "w") as zf:
        for f in src.rglob("*"):
            if f.is_file():
                zf.write(f, f"scan/{f.relative_to(src)}")
    seen: list[float] = []

    result = model3d.normalise_model(upload, tmp_path / "out", source_format="obj-zip", progress=seen.append)

    glb = tmp_path / "out" / "model.glb"
    assert result["files"] == ["model.glb", "poster.jpg"] and glb.is_file()
    assert result["compression"] == "draco" and result["validator"]["errors"] == 0
    assert result["faces"] == len(faces) and result["unit"] == "m" and result["up"] == "y"
    assert result["size_m"] == pytest.approx([1.0, 0.5, 0.25], abs=1e-4)
    assert result["bytes_after"] == glb.stat().st_size < result["bytes_before"]
    doc = assert_valid(glb)
    assert doc["materials"][0]["pbrMetallicRoughness"]["baseColorTexture"]["index"] == 0
    [texture] = embedded_images(glb)
    assert texture.format == "JPEG" and max(texture.size) <= 2048 and texture.size == (2048, 2048)
    assert result["textures"] == [
        {"source": [4096, 4096], "size": [2048, 2048], "mime": "image/jpeg", "bytes": result["textures"][0]["bytes"]}
    ]
    # same vertices as the source, centred, within the 16-bit quantisation (far below 1 mm)
    centre = (verts.min(axis=0) + verts.max(axis=0)) / 2
    plain = decoded(glb, tmp_path)
    assert nearest_distance(attribute(plain, "POSITION"), verts - centre) <= 0.001
    # the texture still maps: the decoded UVs span the image (V flipped to glTF's top-left origin)
    uv = attribute(plain, "TEXCOORD_0").astype(np.float64)
    assert uv.min() == pytest.approx(0.0, abs=1e-3) and uv.max() == pytest.approx(1.0, abs=1e-3)
    assert seen[-1] == 1.0 and seen == sorted(seen)
    # the poster shows the textured box: a ramp of colours on the background grey
    with Image.open(tmp_path / "out" / "poster.jpg") as poster:
        assert (poster.format, poster.size) == ("JPEG", (512, 512))
        pixels = np.asarray(poster.convert("RGB"), np.float64)
    assert tuple(pixels[5, 5].round()) == pytest.approx((238, 241, 244), abs=3)  # a corner: background
    box_pixels = pixels[np.abs(pixels - (238, 241, 244)).sum(axis=2) > 30]
    assert len(box_pixels) > 0.2 * 512 * 512 and box_pixels.std(axis=0).min() > 15


def write_ply(path: Path, verts: np.ndarray, faces: np.ndarray, colors: np.ndarray | None) -> None:
    props = "property float x\nproperty float y\nproperty float z\n"
    vdt = [("x", "<f4"), ("y", "<f4"), ("z", "<f4")]
    if colors is not None:
        props += "property uchar red\nproperty uchar green\nproperty uchar blue\n"
        vdt += [("red", "u1"), ("green", "u1"), ("blue", "u1")]
    header = f"ply\nformat binary_little_endian 1.0\nelement vertex {len(verts)}\n{props}"
    header += f"element face {len(faces)}\nproperty list uchar int vertex_indices\nend_header\n"
    v = np.zeros(len(verts), vdt)
    v["x"], v["y"], v["z"] = verts.T
    if colors is not None:
        v["red"], v["green"], v["blue"] = colors.T
    f = np.zeros(len(faces), [("n", "u1"), ("i", "<i4", 3)])
    f["n"], f["i"] = 3, faces
    path.write_bytes(header.encode() + v.tobytes() + f.tobytes())


def test_ply_in_millimetres_with_vertex_colours_is_turned_y_up(tmp_path: Path) -> None:
    verts, faces, _ = grid_box((300.0, 200.0, 100.0), n=4)  # mm, Z-up as scanners write
    colors = np.zeros((len(verts), 3), np.uint8)
    colors[verts[:, 2] > 0] = (200, 30, 30)  # red top, blue bottom
    colors[verts[:, 2] <= 0] = (20, 40, 220)
    write_ply(tmp_path / "pot.ply", verts, faces, colors)

    result = model3d.normalise_model(tmp_path / "pot.ply", tmp_path / "out", source_format="ply")

    glb = tmp_path / "out" / "model.glb"
    assert_valid(glb)
    assert (result["unit"], result["up"]) == ("mm", "z")
    assert result["size_m"] == pytest.approx([0.3, 0.1, 0.2], abs=1e-4)  # glTF x, y (up), z
    plain = decoded(glb, tmp_path)
    pos = attribute(plain, "POSITION")
    expected = np.c_[verts[:, 0], verts[:, 2], -verts[:, 1]] / 1000  # (e, n, u) → (x, y=u, z=-n)
    assert nearest_distance(pos, expected) <= 0.001
    col = attribute(plain, "COLOR_0")
    top = col[pos[:, 1] > 0.01][:, :3]
    bottom = col[pos[:, 1] < -0.01][:, :3]
    assert np.all(top == (200, 30, 30)) and np.all(bottom == (20, 40, 220))
    assert embedded_images(glb) == []


def test_binary_stl_is_welded_and_normalised(tmp_path: Path) -> None:
    verts, faces, _ = grid_box((40.0, 40.0, 120.0), n=2)  # a 12 cm figurine in mm
    tri = verts[faces].astype("<f4")
    rec = np.zeros(len(faces), [("n", "<f4", 3), ("v", "<f4", (3, 3)), ("attr", "<u2")])
    rec["v"] = tri
    (tmp_path / "fig.stl").write_bytes(b"\0" * 80 + struct.pack("<I", len(faces)) + rec.tobytes())

    result = model3d.normalise_model(tmp_path / "fig.stl", tmp_path / "out", source_format="stl")

    assert_valid(tmp_path / "out" / "model.glb")
    assert result["faces"] == len(faces)
    assert result["vertices"] == len(np.unique(verts.round(6), axis=0))  # corners shared again
    assert result["size_m"] == pytest.approx([0.04, 0.12, 0.04], abs=1e-4)


def test_a_mesh_over_the_web_budget_is_simplified_with_its_colours(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    verts, faces, _ = grid_box((0.4, 0.4, 0.4), n=12)  # 1,728 triangles
    colors = np.tile(np.array([[30, 160, 90]], np.uint8), (len(verts), 1))
    write_ply(tmp_path / "scan.ply", verts, faces, colors)
    monkeypatch.setattr(model3d, "MAX_WEB_FACES", 400)
    result = model3d.normalise_model(tmp_path / "scan.ply", tmp_path / "out", source_format="ply")
    assert result["simplified_from_faces"] == len(faces) == 1728
    assert result["simplified_by"] == ["qem"] and 0 < result["faces"] <= 600
    glb = tmp_path / "out" / "model.glb"
    assert_valid(glb)
    plain = decoded(glb, tmp_path)
    assert np.all(attribute(plain, "COLOR_0")[:, :3] == (30, 160, 90))
    assert result["size_m"] == pytest.approx([0.4, 0.4, 0.4], abs=0.01)  # the shape is kept


def test_draco_glb_input_is_decoded_and_recompressed(tmp_path: Path) -> None:
    verts, faces, _ = grid_box((2.0, 1.0, 1.0), n=3)
    prim = gltf.Primitive(positions=verts.astype(np.float32), indices=faces, material=gltf.Material())
    src = tmp_path / "in.glb"
    gltf.write_glb(src, [prim], translation=(100.0, 0.0, 50.0))  # a node moves it off the origin
    nodetools.draco_compress([src])

    result = model3d.normalise_model(src, tmp_path / "out", source_format="glb")

    glb = tmp_path / "out" / "model.glb"
    assert_valid(glb)
    assert result["size_m"] == pytest.approx([2.0, 1.0, 1.0], abs=1e-3)
    assert nearest_distance(attribute(decoded(glb, tmp_path), "POSITION"), verts) <= 0.001


def content_glb(enu: np.ndarray, faces: np.ndarray) -> bytes:
    return gltf.build_glb([gltf.Primitive(positions=gltf.enu_to_gltf(enu).astype(np.float32), indices=faces)])


def b3dm(glb: bytes, rtc: tuple[float, float, float]) -> bytes:
    table = json.dumps({"BATCH_LENGTH": 0, "RTC_CENTER": list(rtc)}).encode()
    table += b" " * ((-(28 + len(table))) % 8)
    return b"b3dm" + struct.pack("<6I", 1, 28 + len(table) + len(glb), len(table), 0, 0, 0) + table + glb


@pytest.fixture
def tileset_zip(tmp_path: Path) -> Path:
    """A georeferenced two-level set at Vũng Tàu: a coarse root replaced by two finer halves."""
    box, faces, _ = grid_box((1.0, 1.0, 0.5), n=2)
    coarse, coarse_faces, _ = grid_box((2.0, 1.0, 0.5), n=1)
    west = content_glb(box + [-0.5, 0.0, 0.25], faces)
    draco_dir = tmp_path / "draco"
    draco_dir.mkdir()
    (draco_dir / "west.glb").write_bytes(west)
    nodetools.draco_compress([draco_dir / "west.glb"])  # real tilesets are Draco-compressed
    east = b3dm(content_glb(box + [0.0, 0.0, 0.25], faces), (0.5, 0.0, 0.0))  # offset by RTC_CENTER
    root_transform = enu_to_ecef_matrix(107.0843, 10.3460, 12.0).flatten(order="F").tolist()
    tileset = {
        "asset": {"version": "1.1"},
        "geometricError": 10,
        "root": {
            "transform": root_transform,
            "refine": "REPLACE",
            "geometricError": 1,
            "boundingVolume": {"box": [0, 0, 0.25, 1, 0, 0, 0, 0.5, 0, 0, 0, 0.25]},
            "content": {"uri": "tiles/root.glb"},
            "children": [
                {"geometricError": 0, "boundingVolume": {"box": [0] * 12}, "content": {"uri": "tiles/west.glb"}},
                {"geometricError": 0, "boundingVolume": {"box": [0] * 12}, "content": {"uri": "tiles/east.b3dm"}},
            ],
        },
    }
    upload = tmp_path / "scan.zip"
    with zipfile.ZipFile(upload, "w") as zf:
        zf.writestr("scan/tileset.json", json.dumps(tileset))
        zf.writestr("scan/tiles/root.glb", content_glb(coarse + [0.0, 0.0, 0.25], coarse_faces))
        zf.writestr("scan/tiles/west.glb", (draco_dir / "west.glb").read_bytes())
        zf.writestr("scan/tiles/east.b3dm", east)
    return upload


def test_3d_tiles_zip_merges_the_finest_level_in_a_local_frame(tileset_zip: Path, tmp_path: Path) -> None:
    result = model3d.normalise_model(tileset_zip, tmp_path / "out", source_format="3dtiles-zip")

    glb = tmp_path / "out" / "model.glb"
    assert_valid(glb)
    assert (result["tiles_used"], result["tile_depth_used"], result["georeferenced"]) == (2, 1, True)
    assert result["faces"] == 2 * 6 * 2 * 2 * 2  # two boxes of 6 faces of 2 × 2 quads
    # 2 m east-west, 0.5 m up, 1 m north-south: ECEF → ENU kept the shape to the millimetre
    assert result["size_m"] == pytest.approx([2.0, 0.5, 1.0], abs=0.001)
    assert "lon" not in json.dumps(result) and "ecef" not in json.dumps(result).lower()


def test_3d_tiles_over_the_budget_fall_back_to_the_root(
    tileset_zip: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(model_tiles, "MAX_CONTENT_BYTES", 2000)  # fine tiles: 2.7 KB, root: 0.9 KB
    result = model3d.normalise_model(tileset_zip, tmp_path / "out", source_format="3dtiles-zip")
    assert (result["tiles_used"], result["tile_depth_used"]) == (1, 0)
    assert result["faces"] == 12


def test_textures_with_alpha_stay_png_and_the_material_is_masked() -> None:
    rgba = np.zeros((3000, 1000, 4), np.uint8)
    rgba[..., 0] = 180
    rgba[::2, :, 3] = 255  # cut-out stripes: alpha only 0 or 255
    texture, mode, info = model3d.encode_texture(Image.fromarray(rgba))
    assert (texture.mime, mode) == ("image/png", "MASK")
    assert info["size"] == [683, 2048]
    texture, mode, _ = model3d.encode_texture(Image.fromarray(np.full((64, 64, 4), 255, np.uint8)))
    assert (texture.mime, mode) == ("image/jpeg", "OPAQUE")  # an alpha channel that is all opaque


@pytest.mark.parametrize(
    ("name", "fmt", "data", "message"),
    [
        ("bad.ply", "ply", b"ply\nformat binary_little_endian 1.0\nelement vertex 99\n" + b"\x01" * 50, "cannot"),
        ("pts.ply", "ply", None, "no triangles"),
        ("bad.glb", "glb", b"glTF\x02\0\0\0\x20\0\0\0" + b"\0" * 20, "JSON"),
        ("bad.zip", "obj-zip", b"PK\x03\x04 not really", "damaged"),
    ],
)
def test_unreadable_models_are_refused_clearly(
    tmp_path: Path, name: str, fmt: str, data: bytes | None, message: str
) -> None:
    path = tmp_path / name
    if data is None:  # a point cloud: vertices only
        write_ply(path, np.random.default_rng(1).random((50, 3)), np.zeros((0, 3), int), None)
    else:
        path.write_bytes(data)
    with pytest.raises(MediaRejected, match=message):
        model3d.normalise_model(path, tmp_path / "out", source_format=fmt)
    assert not (tmp_path / "out" / "model.glb").exists()


def test_a_zip_that_climbs_out_of_its_folder_is_refused(tmp_path: Path) -> None:
    upload = tmp_path / "evil.zip"
    with zipfile.ZipFile(upload, "w") as zf:
        zf.writestr("../../outside.obj", "v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n")
    with pytest.raises(MediaRejected, match="unsafe path"):
        model3d.normalise_model(upload, tmp_path / "out", source_format="obj-zip")
    assert not (tmp_path.parent / "outside.obj").exists()
