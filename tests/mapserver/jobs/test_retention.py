"""Failed uploads' originals expire: a real worker runs the periodic job; the originals of scans
failed longer than the retention are deleted, marked and audited; everything else stays; a retry
of an expired scan fails saying the original is gone."""

from __future__ import annotations

import time

import psycopg

from mapserver.jobs.defer import defer_tile_scan_sync
from mapserver.jobs.queue import NAMESPACE, make_app
from mapserver.jobs.retention import ACTOR, expire_failed_originals
from mapserver.jobs.worker import run_worker
from mapserver.scans.tiling_job import ORIGINAL_EXPIRED
from mapserver.settings import Settings
from tests.live_server import run_async_in_thread

from .conftest import add_scan, scan_row, settings_for, write_las


def _set(dsn: str, scan_id: int, assignments: str) -> None:
    with psycopg.connect(dsn) as conn:
        conn.execute(f"UPDATE scans SET {assignments} WHERE id = %s", (scan_id,))


def _originals(var_dir, scan_id: int) -> list[str]:
    folder = var_dir / "store" / "scans" / str(scan_id) / "original"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_retention_setting_is_read_from_the_environment(monkeypatch):
    monkeypatch.delenv("HERITAGE_FAILED_UPLOAD_RETENTION_DAYS", raising=False)
    assert Settings().failed_upload_retention_days == 7
    monkeypatch.setenv("HERITAGE_FAILED_UPLOAD_RETENTION_DAYS", "2.5")
    assert Settings().failed_upload_retention_days == 2.5


def test_failed_originals_expire_and_nothing_else(jobs_dsn, var_dir, tmp_path):
    settings = settings_for(jobs_dsn, var_dir)
    las = write_las(tmp_path / "scan.las", n=500)
    old_failed, new_failed, done, failed_retile = (add_scan(settings, las, queue=False) for _ in range(4))
    _set(jobs_dsn, old_failed, "status = 'failed', error = 'Bad header.', updated_at = now() - interval '8 days'")
    _set(jobs_dsn, new_failed, "status = 'failed', error = 'Bad header.', updated_at = now() - interval '6 days'")
    _set(jobs_dsn, done, "status = 'done', tileset_version = 1, updated_at = now() - interval '30 days'")
    # A re-tile that failed: its original is still the source of the published version.
    _set(jobs_dsn, failed_retile, "status = 'failed', tileset_version = 1, updated_at = now() - interval '30 days'")
    for scan_id in (done, failed_retile):
        tiles = var_dir / "store" / "tiles" / str(scan_id) / "v1"
        tiles.mkdir(parents=True)
        (tiles / "tileset.json").write_text("{}")

    app = make_app(jobs_dsn)
    with app.open():
        app.configure_task(f"{NAMESPACE}:expire_failed_originals").defer(timestamp=int(time.time()))
    run_async_in_thread(lambda: run_worker(settings, jobs_dsn, burst=True))  # the real worker runs the periodic job

    assert _originals(var_dir, old_failed) == []
    for scan_id in (new_failed, done, failed_retile):
        assert _originals(var_dir, scan_id) == ["scan.las"], scan_id
    for scan_id in (done, failed_retile):
        assert (var_dir / "store" / "tiles" / str(scan_id) / "v1" / "tileset.json").exists()
    expired = scan_row(jobs_dsn, old_failed)
    assert expired["status"] == "failed" and "original_expired_at" in expired["stats"]
    assert expired["error"].startswith("Bad header. [The original upload was deleted 7 days after this failure")
    assert scan_row(jobs_dsn, new_failed)["stats"] is None and scan_row(jobs_dsn, new_failed)["error"] == "Bad header."
    with psycopg.connect(jobs_dsn) as conn:
        audit = conn.execute(
            "SELECT action, entity, entity_id, detail FROM audit_log WHERE actor = %s", (ACTOR,)
        ).fetchall()
    assert [(a, e, i) for a, e, i, _ in audit] == [("expire_original", "scan", str(old_failed))]
    assert audit[0][3]["prefix"] == f"scans/{old_failed}/original" and audit[0][3]["retention_days"] == 7
    assert audit[0][3]["bytes"] == las.stat().st_size

    assert expire_failed_originals(settings) == []  # done once; a second run finds nothing

    # A retry of the expired scan says why it cannot be tiled instead of crashing three times.
    defer_tile_scan_sync(jobs_dsn, old_failed)
    run_async_in_thread(lambda: run_worker(settings, jobs_dsn, burst=True))
    retried = scan_row(jobs_dsn, old_failed)
    assert retried["status"] == "failed" and retried["error"] == ORIGINAL_EXPIRED and retried["attempts"] == 0


def test_a_shorter_retention_expires_sooner(jobs_dsn, var_dir, tmp_path):
    settings = settings_for(jobs_dsn, var_dir).model_copy(update={"failed_upload_retention_days": 0.5})
    scan_id = add_scan(settings, write_las(tmp_path / "s.las", n=200), queue=False)
    _set(jobs_dsn, scan_id, "status = 'failed', updated_at = now() - interval '13 hours'")
    assert expire_failed_originals(settings) == [scan_id]
    assert _originals(var_dir, scan_id) == []
    assert "0.5 days" in scan_row(jobs_dsn, scan_id)["error"]
