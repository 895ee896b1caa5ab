"""(f) The pictures never drift from the product: a few screens that need no WebGL and show no
date are taken again here, by the same code as scripts/guide_screenshots.py on the same sample
data, and compared with the committed PNGs (mean absolute difference per channel)."""

from __future__ import annotations

import pytest
from PIL import Image, ImageChops, ImageStat

from tests.docs.conftest import screenshot_script

CHECKED = ("khach-browse", "khach-relic", "giao-vien-lessons", "bien-tap-edit")
THRESHOLD = 3.0  # of 255: anti-aliasing noise stays far below, a changed heading or form goes above


def mean_difference(a: Image.Image, b: Image.Image) -> float:
    if a.size != b.size:
        return 255.0
    diff = ImageChops.difference(a.convert("RGB"), b.convert("RGB"))
    return sum(ImageStat.Stat(diff).mean) / 3


def test_screens_match_the_product(browser, guide_server, tmp_path):
    script = screenshot_script()
    shots = script.load_shots()
    wanted = {name: shots[name] for name in CHECKED if name in shots}
    if not wanted:
        pytest.skip("none of the checked screens is in screenshots.toml")
    taken = script.shoot(browser, guide_server.url, wanted, tmp_path)
    drifted = {}
    for name, path in taken.items():
        committed = script.IMG_DIR / f"{name}.png"
        assert committed.is_file(), f"{committed} is missing: run scripts/guide_screenshots.py"
        difference = mean_difference(Image.open(path), Image.open(committed))
        if difference > THRESHOLD:
            drifted[name] = round(difference, 2)
    assert not drifted, f"screens differ from the product {drifted}: run scripts/guide_screenshots.py"
