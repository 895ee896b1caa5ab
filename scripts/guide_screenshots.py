#!/usr/bin/env python3
"""Take the screens of the user guides from the running product with the sample data.

    .venv/bin/python scripts/guide_screenshots.py                 # every shot of screenshots.toml
    .venv/bin/python scripts/guide_screenshots.py --only khach-portal,bien-tap-queue
    .venv/bin/python scripts/guide_screenshots.py --out /tmp/shots   # elsewhere than docs/guides/img

It starts what the tests start (tests/live_server.py): a throw-away PostGIS cluster in /tmp, migrated
and loaded with the shipped data (data/), sample accounts and one artefact waiting for review made
here, and the real app on a free loopback port; then Debian's chromium (never `playwright install`)
opens each page of docs/guides/screenshots.toml, signed in as the shot's role when it says so, and
writes docs/guides/img/<name>.png, reduced to a palette so the repository stays small.
Run it again whenever a page the guides show changes; tests/docs/ fails when a picture drifts.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SHOTS_FILE = ROOT / "docs" / "guides" / "screenshots.toml"
IMG_DIR = ROOT / "docs" / "guides" / "img"
MAX_BYTES = 150_000
# The sample accounts of the throw-away database (and of tests/docs/): one per signed-in role.
ACCOUNTS = {"surveyor": "khaosat-mau", "editor": "bientap-mau", "admin": "quantri-mau"}
PASSWORD = "mat khau mau cua huong dan"
SAMPLE_ARTEFACT = {"museum_id": "bao-tang-brvt", "number": "HD.001", "name_vi": "Bình gốm men lam (mẫu hướng dẫn)"}
DEFAULTS = {"login": "none", "wait_for": "body", "width": 1280, "height": 800, "full_page": False, "lang": "vi"}


def load_shots(path: Path = SHOTS_FILE) -> dict[str, dict]:
    """Every shot of the file with its defaults filled in, by name."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {name: {**DEFAULTS, **fields} for name, fields in data.items() if isinstance(fields, dict)}


def prepare(dsn: str, base_url: str, settings=None) -> dict[str, str]:
    """The sample accounts and an artefact a surveyor submitted, so the editors' queue is not empty;
    with ``settings``, also the generated sample tour of `heritage setup` (its panoramas take a
    while, so the tests, which show no tour, leave it out). Returns {role: API token}."""
    import httpx
    import psycopg

    from mapserver.accounts.service import create_user

    with psycopg.connect(dsn) as conn:
        tokens = {role: create_user(conn, name, role, PASSWORD)[1] for role, name in ACCOUNTS.items()}
    with httpx.Client(base_url=base_url, timeout=60) as client:
        auth = {"Authorization": f"Bearer {tokens['surveyor']}"}
        made = client.post("/api/artefacts", json=SAMPLE_ARTEFACT, headers=auth)
        made.raise_for_status()
        artefact = made.json()["id"]
        client.post(f"/api/artefacts/{artefact}/review", json={"action": "submit"}, headers=auth).raise_for_status()
    if settings is not None:
        from mapserver.tours.sample import ensure_sample_tour

        ensure_sample_tour(dsn, settings)
    return tokens


def optimise(png: bytes) -> bytes:
    """A 128-colour palette without dithering: screens of text and flat colours keep their look at a
    fraction of the size (deterministic, so a re-run gives the same bytes)."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    small = image.quantize(colors=128, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    out = io.BytesIO()
    small.save(out, "PNG", optimize=True)
    return out.getvalue()


def _sign_in(page, base_url: str, role: str) -> None:
    page.goto(f"{base_url}/login", wait_until="load")
    page.fill('input[name="name"]', ACCOUNTS[role])
    page.fill('input[name="password"]', PASSWORD)
    page.click('form button[type="submit"]')
    page.wait_for_load_state("load")


def shoot(browser, base_url: str, shots: dict[str, dict], out_dir: Path) -> dict[str, Path]:
    """Take ``shots`` with ``browser`` (a Playwright Browser) from the app at ``base_url``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    contexts: dict[tuple, object] = {}
    written = {}
    try:
        for name, shot in shots.items():
            key = (shot["login"], shot["lang"], shot["width"], shot["height"])
            if key not in contexts:
                context = browser.new_context(
                    viewport={"width": shot["width"], "height": shot["height"]},
                    locale="vi-VN" if shot["lang"] == "vi" else "en-GB",
                    device_scale_factor=1,
                )
                context.set_default_timeout(60_000)
                if shot["login"] != "none":
                    _sign_in(context.new_page(), base_url, shot["login"])
                contexts[key] = context
            page = contexts[key].new_page()
            response = page.goto(base_url + shot["path"], wait_until="load")
            if response is None or response.status >= 400:
                raise SystemExit(f"{name}: {shot['path']} answered {response and response.status}")
            page.wait_for_selector(shot["wait_for"], state="visible", timeout=30_000)
            if shot.get("settle_ms"):
                page.wait_for_timeout(shot["settle_ms"])
            png = optimise(page.screenshot(full_page=shot["full_page"], animations="disabled", caret="hide"))
            if len(png) > MAX_BYTES:
                raise SystemExit(f"{name}: {len(png)} bytes, more than {MAX_BYTES}: use a smaller viewport")
            path = out_dir / f"{name}.png"
            path.write_bytes(png)
            written[name] = path
            page.close()
    finally:
        for context in contexts.values():
            context.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated shot names (default: all)")
    parser.add_argument("--out", type=Path, default=IMG_DIR, help="folder of the pictures")
    args = parser.parse_args(argv)
    shots = load_shots()
    if args.only:
        wanted = args.only.split(",")
        unknown = sorted(set(wanted) - set(shots))
        if unknown:
            raise SystemExit(f"not in screenshots.toml: {', '.join(unknown)}")
        shots = {name: shots[name] for name in wanted}

    from playwright.sync_api import sync_playwright

    from mapserver.app import create_app
    from mapserver.migrate import ensure_database, upgrade
    from mapserver.seed import load_reference_data
    from mapserver.settings import Settings
    from tests.e2e.conftest import ARGS, CHROMIUM
    from tests.live_server import LiveServer, running_cluster

    started = time.monotonic()
    with running_cluster("hrtg-shots-") as cluster, tempfile.TemporaryDirectory(prefix="hrtg-shots-var-") as var:
        dsn = cluster.dsn("heritage")
        ensure_database(dsn)
        upgrade(dsn)
        load_reference_data(dsn, ROOT / "data", actor="guide-screenshots")
        settings = Settings(database_url=dsn, var_dir=Path(var), pool_min_size=1, pool_max_size=4)
        server = LiveServer(create_app(settings))
        server.start()
        try:
            prepare(dsn, server.url, settings)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
                try:
                    written = shoot(browser, server.url, shots, args.out)
                finally:
                    browser.close()
        finally:
            server.stop()
    for path in written.values():
        print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}  {path.stat().st_size // 1024} KiB")
    print(f"{len(written)} screens in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
