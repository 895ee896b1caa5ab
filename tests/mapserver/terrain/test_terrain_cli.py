"""`heritage terrain add|status|list` and `heritage imagery add` on a real database."""

from __future__ import annotations

import psycopg
import pytest
from typer.testing import CliRunner

from mapserver.terrain.cli import imagery_app, terrain_app
from tests.tiling.terrain.rasters import write_checkerboard, write_cone_vn2000


@pytest.fixture
def env(fresh_dsn, tmp_path, monkeypatch):
    monkeypatch.setenv("HERITAGE_DATABASE_URL", fresh_dsn)
    monkeypatch.setenv("HERITAGE_VAR_DIR", str(tmp_path / "var"))
    return fresh_dsn


def test_terrain_add_now_builds_and_imagery_add_queues(env, tmp_path):
    runner = CliRunner()
    dem = write_cone_vn2000(tmp_path / "cone.tif")
    result = runner.invoke(terrain_app, ["add", str(dem), "--crs", "EPSG:5899", "--heights", "normal", "--now"])
    assert result.exit_code == 0, result.output
    layer_id = int(result.stdout.strip().splitlines()[-1])
    with psycopg.connect(env) as conn:
        status, version = conn.execute(
            "SELECT status, tiles_version FROM raster_layers WHERE id = %s", (layer_id,)
        ).fetchone()
    assert (status, version) == ("done", layer_id)
    assert (tmp_path / "var" / "store" / f"terrain/v{layer_id}/layer.json").is_file()

    ortho = write_checkerboard(tmp_path / "ortho.tif")
    queued = runner.invoke(imagery_app, ["add", str(ortho), "--label", "Ảnh thử"])
    assert queued.exit_code == 0, queued.output
    ortho_id = int(queued.stdout.strip().splitlines()[-1])
    listing = runner.invoke(terrain_app, ["list"])
    assert listing.exit_code == 0
    assert f"{ortho_id}  imagery  queued" in listing.output and "Ảnh thử" in listing.output
    status = runner.invoke(terrain_app, ["status", str(layer_id)])
    assert f"/terrain/v{layer_id}/layer.json" in status.output

    bad = runner.invoke(terrain_app, ["add", str(dem), "--heights", "orthometric"])
    assert bad.exit_code == 1 and "heights must be normal" in bad.output
