"""IIIF level-0 trees made from real generated images: info.json, tiles that match the source,
the pre-rendered sizes that viewers ask for, orientation applied and GPS gone, panoramas."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from PIL import ExifTags, Image

from mapserver.media.errors import MediaRejected
from mapserver.media.iiif_image import build_iiif, inspect
from mapserver.media.panorama import build_panorama

pyvips = pytest.importorskip("pyvips")

WIDTH, HEIGHT = 6000, 8000


def write_scan16(path: Path, width: int = WIDTH, height: int = HEIGHT) -> Path:
    """A 16-bit RGB scan: smooth gradients in red and green, big checks in blue (JPEG-friendly),
    written uncompressed (the quickest to make; compression costs more than the conversion)."""
    xy = pyvips.Image.xyz(width, height)
    cell = pyvips.Image.black(97, 131)
    check = cell.join(cell + 1, "horizontal").join((cell + 1).join(cell, "horizontal"), "vertical")
    blue = check.replicate(width // 194 + 1, height // 262 + 1).crop(0, 0, width, height) * 50000 + 4000
    red, green = xy[0] * (65000 // width), xy[1] * (65000 // height)
    rgb = red.bandjoin([green, blue]).cast("ushort").copy(interpretation="rgb16")
    rgb.tiffsave(str(path), tile=True, tile_width=256, tile_height=256, bigtiff=True)
    return path


def source8(path: Path, left: int, top: int, width: int, height: int) -> np.ndarray:
    """A crop of the scan as 8-bit values, scaled the way 16 bits map to 8 (v / 257)."""
    crop = pyvips.Image.new_from_file(str(path)).crop(left, top, width, height)
    return np.ndarray(buffer=crop.write_to_memory(), dtype=np.uint16, shape=(height, width, 3)) / 257.0


def pixels(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"), dtype=np.float64)


@pytest.fixture(scope="module")
def scan_tree(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scan")
    src = write_scan16(folder / "scan16.tif")
    facts = build_iiif(src, folder / "out" / "iiif")
    return src, folder / "out" / "iiif", facts


def test_info_json_describes_the_tree(scan_tree):
    _, tree, facts = scan_tree
    info = json.loads((tree / "info.json").read_text())
    assert info["@context"] == "http://iiif.io/api/image/3/context.json"
    assert info["type"] == "ImageService3" and info["profile"] == "level0"
    assert info["protocol"] == "http://iiif.io/api/image"
    assert (info["width"], info["height"]) == (WIDTH, HEIGHT)
    assert info["tiles"] == [{"width": 512, "height": 512, "scaleFactors": [1, 2, 4, 8, 16]}]
    # sizes: exactly the scale factors whose image is at most 1600 px wide, as IIIF rounds them
    expected = [
        {"width": math.ceil(WIDTH / sf), "height": math.ceil(HEIGHT / sf)}
        for sf in (16, 8, 4)
        if math.ceil(WIDTH / sf) <= 1600
    ]
    assert info["sizes"] == expected == [{"width": 375, "height": 500}, {"width": 750, "height": 1000},
                                         {"width": 1500, "height": 2000}]  # fmt: skip
    for size in info["sizes"]:
        with Image.open(tree / f"full/{size['width']},{size['height']}/0/default.jpg") as im:
            assert im.size == (size["width"], size["height"])
    with Image.open(tree / "full/90,/0/default.jpg") as thumb:
        assert thumb.size == (90, 120)
    assert facts["tiles"] > 200 and not list(tree.parent.glob("*.xml"))  # no vips metadata file beside it


def test_tiles_match_the_source_crop(scan_tree):
    src, tree, _ = scan_tree
    # A full-resolution tile in the middle, and the right/bottom edge tile (cut short).
    tile = pixels(tree / "2048,3072,512,512/512,512/0/default.jpg")
    assert np.abs(tile - source8(src, 2048, 3072, 512, 512)).mean() < 2.0
    edge = pixels(tree / "5632,7680,368,320/368,320/0/default.jpg")
    assert edge.shape == (320, 368, 3)
    assert np.abs(edge - source8(src, 5632, 7680, 368, 320)).mean() < 2.0
    # A tile at scale factor 4 covers 2048 × 2048 source pixels shrunk to 512 × 512: the smooth
    # bands agree closely; the blue checks' hard edges ring in JPEG (and its halved chroma) at each level.
    coarse = pixels(tree / "2048,2048,2048,2048/512,512/0/default.jpg")
    block = source8(src, 2048, 2048, 2048, 2048).reshape(512, 4, 512, 4, 3).mean(axis=(1, 3))
    error = np.abs(coarse - block).mean(axis=(0, 1))
    assert error[0] < 3.0 and error[1] < 3.0 and error[2] < 10.0, error
    # The largest pre-rendered size is the whole image at scale factor 4: its bottom-right corner
    # (where the level's short edge tiles meet) matches the source there too.
    largest = pixels(tree / "full/1500,2000/0/default.jpg")
    corner = source8(src, 5200, 7200, 800, 800).reshape(200, 4, 200, 4, 3).mean(axis=(1, 3))
    error = np.abs(largest[1800:2000, 1300:1500] - corner).mean(axis=(0, 1))
    # (a second JPEG generation: the size is made from the level's tiles; a stretched or shifted
    # image would be off by tens)
    assert error[0] < 3.5 and error[1] < 3.5 and error[2] < 15.0, error
    # The 16-bit range is scaled, not clipped: the red gradient spans nearly 0–255.
    assert largest[:, :, 0].min() < 5 and largest[:, :, 0].max() > 245


def write_photo_with_exif(path: Path) -> Path:
    """A 400 × 300 photo stored sideways (EXIF orientation 6) with a camera's GPS position; its
    top-left corner is red, so once turned upright the red corner is at the top right."""
    data = np.zeros((300, 400, 3), dtype=np.uint8)
    data[:, :] = (30, 90, 200)
    data[:60, :80] = (250, 10, 10)
    image = Image.fromarray(data)
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "TestCam"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (10.0, 20.0, 30.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (107.0, 5.0, 0.0),
    }
    image.save(path, "JPEG", quality=95, exif=exif)
    return path


def test_orientation_is_applied_and_gps_is_gone(tmp_path):
    src = write_photo_with_exif(tmp_path / "phone.jpg")
    original = pyvips.Image.new_from_file(str(src))
    assert "exif-ifd3-GPSLatitude" in original.get_fields()  # the test photo does carry a position
    assert inspect(src) == {"width": 300, "height": 400}
    build_iiif(src, tmp_path / "iiif")
    info = json.loads((tmp_path / "iiif/info.json").read_text())
    assert (info["width"], info["height"]) == (300, 400)
    # one tile covers it all: viewers (OpenSeadragon) ask for region "full" then
    tile = pixels(tmp_path / "iiif/full/300,400/0/default.jpg")
    assert tile.shape == (400, 300, 3)
    assert tile[10:50, 250:290].mean(axis=(0, 1))[0] > 200  # red now at the top right
    assert tile[10:50, 10:50].mean(axis=(0, 1))[2] > 150  # blue at the top left
    for jpeg in (tmp_path / "iiif").rglob("*.jpg"):
        written = pyvips.Image.new_from_file(str(jpeg))
        fields = written.get_fields()
        assert not [f for f in fields if f.startswith(("exif-", "xmp", "iptc"))], jpeg
        assert b"GPS" not in jpeg.read_bytes()[:4096] and b"TestCam" not in jpeg.read_bytes()


def test_damaged_images_are_rejected(tmp_path):
    truncated = tmp_path / "cut.jpg"
    good = write_photo_with_exif(tmp_path / "good.jpg").read_bytes()
    truncated.write_bytes(good[: len(good) // 2])
    with pytest.raises(MediaRejected, match="damaged"):
        inspect(truncated)
    garbage = tmp_path / "garbage.png"
    garbage.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    with pytest.raises(MediaRejected):
        inspect(garbage)


def test_panorama_is_checked_and_reencoded(tmp_path):
    pano = pyvips.Image.xyz(2048, 1024)[0].cast("uchar").bandjoin([128, 64]).copy(interpretation="srgb")
    pano.jpegsave(str(tmp_path / "pano.jpg"))
    facts = build_panorama(tmp_path / "pano.jpg", tmp_path / "out")
    assert facts == {"files": ["panorama.jpg", "thumb.jpg"], "width": 2048, "height": 1024}
    with Image.open(tmp_path / "out/thumb.jpg") as thumb:
        assert thumb.size == (512, 256)
    square = pyvips.Image.black(1500, 1500, bands=3).copy(interpretation="srgb")
    square.jpegsave(str(tmp_path / "square.jpg"))
    with pytest.raises(MediaRejected, match="twice as wide"):
        build_panorama(tmp_path / "square.jpg", tmp_path / "out2")
