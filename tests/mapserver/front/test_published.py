"""The published directory against the real database: one link per public tileset version, stray
entries removed, a withdrawal announced in its transaction unlinked at once by the linker, and a
configuration that nginx itself accepts."""

from __future__ import annotations

import os
import shutil
import subprocess

import psycopg
import pytest

from mapserver.front.linker import Linker
from mapserver.front.nginx import FrontConfig, FrontLayout, find_nginx, nginx_command, write_config
from mapserver.front.published import PREFIXES, PublishedTree
from mapserver.scans import queries as scan_queries
from tests.mapserver.front.served import add_scan, eventually


@pytest.fixture
def tree(fresh_dsn, tmp_path):
    store = tmp_path / "store"
    with psycopg.connect(fresh_dsn, autocommit=True) as conn:
        scans = [add_scan(conn, store, "bach-dinh", versions=(1, 2)) for _ in range(3)]
        conn.execute("UPDATE scans SET tileset_version = 2 WHERE id = %s", (scans[1],))
    return PublishedTree(tmp_path / "published", store), scans, store


def links(tree: PublishedTree) -> dict[str, str]:
    found = {}
    for folder, folders, files in os.walk(tree.root / "tiles"):
        for name in folders + files:  # a link to a folder is listed with the folders
            path = os.path.join(folder, name)
            if os.path.islink(path):
                found[os.path.relpath(path, tree.root / "tiles")] = os.readlink(path)
    return found


def test_reconcile_links_exactly_the_public_versions(fresh_dsn, tree):
    published, (plain, retiled, missing), store = tree
    shutil.rmtree(store / "tiles" / str(missing))  # listed as public, but its files are gone
    (published.root / "tiles" / "77").mkdir(parents=True)
    (published.root / "tiles" / "77" / "stray.json").write_text("{}")  # nothing but links may live here
    with psycopg.connect(fresh_dsn, autocommit=True) as conn:
        first = published.reconcile(conn)
        assert links(published) == {
            f"{plain}/v1": str(store / "tiles" / str(plain) / "v1"),
            f"{retiled}/v1": str(store / "tiles" / str(retiled) / "v1"),  # the previous version stays
            f"{retiled}/v2": str(store / "tiles" / str(retiled) / "v2"),
        }
        assert (first.linked, first.unlinked) == (3, 0) and not (published.root / "tiles" / "77").exists()
        assert (published.root / "tiles" / f"{plain}" / "v1" / "tileset.json").is_file()
        assert published.reconcile(conn).linked == 0

        conn.execute("UPDATE scans SET review_status = 'rejected' WHERE id = %s", (plain,))
        second = published.reconcile(conn)
    assert (second.linked, second.unlinked) == (0, 1)
    assert set(links(published)) == {f"{retiled}/v1", f"{retiled}/v2"}
    assert not (published.root / "tiles" / str(plain)).exists()  # its emptied folder is pruned


def test_the_linker_unlinks_an_announced_withdrawal_at_once(fresh_dsn, tree):
    published, (plain, *_), _ = tree
    # A resync far away: only the announcement can explain an unlink within the test's seconds.
    linker = Linker(fresh_dsn, published, resync_seconds=600)
    linker.start()
    try:
        assert eventually(lambda: f"{plain}/v1" in links(published), seconds=30)
        with psycopg.connect(fresh_dsn) as conn, conn.transaction():
            conn.execute("UPDATE scans SET review_status = 'rejected' WHERE id = %s", (plain,))
            conn.execute(*scan_queries.tiles_changed())
        assert eventually(lambda: f"{plain}/v1" not in links(published), seconds=30)
    finally:
        linker.stop()


@pytest.mark.skipif(find_nginx() is None, reason="nginx is not installed")
def test_the_rendered_configuration_passes_nginx_t(tmp_path):
    layout = FrontLayout(tmp_path / "front")
    layout.make()
    config = FrontConfig("127.0.0.1", 8000, f"unix:{layout.run}/app.sock", PREFIXES, 4 * 1024**3)
    write_config(find_nginx(), layout, config)  # raises unless `nginx -t` accepts it
    text = layout.conf.read_text()
    assert "location /tiles/ {" in text and f"alias {layout.published}/tiles/;" in text
    assert ("user root;" in text) == (os.geteuid() == 0)
    layout.conf.write_text(text.replace("location /tiles/ {", "location /tiles/ {{"))
    assert subprocess.run(nginx_command(find_nginx(), layout, "-t", "-q"), capture_output=True).returncode != 0


def test_with_an_s3_store_every_url_stays_on_the_app(tmp_path):
    from mapserver.front.process import ProductionFront
    from mapserver.front.settings import FrontSettings
    from mapserver.settings import Settings

    settings = Settings(var_dir=tmp_path, store_url="s3://bucket/heritage", s3_endpoint_url="http://127.0.0.1:9")
    front = ProductionFront(settings, FrontSettings(), "127.0.0.1", 8000, 2, nginx="/usr/sbin/nginx", dsn="")
    assert front.tree is None and front.linker is None and front.config.prefixes == ()
    assert "s3" in front.describe().lower()
