"""Set-up runs again at every start of scripts/run.sh: what staff changed since the first run (a
relic's text, its surveyed position, an editor's withdrawal, a festival, a museum, an intangible
element) stays as they left it, and a shipped relic deleted meanwhile comes back."""

from __future__ import annotations

from decimal import Decimal

import psycopg

from mapserver.seed import load_reference_data
from mapserver.settings import PROJECT_ROOT


def test_a_second_setup_overwrites_nothing_staff_changed(fresh_dsn):
    with psycopg.connect(fresh_dsn) as conn:
        conn.execute(
            "UPDATE sites SET name_vi = 'Bạch Dinh (sửa)', history_vi = 'Viết lại.', publication_status = 'withdrawn',"
            " geom = ST_SetSRID(ST_MakePoint(107.0712, 10.3490), 4326), location_status = 'surveyed',"
            " location_source = 'survey', location_accuracy_m = 0.02 WHERE id = 'bach-dinh'"
        )
        conn.execute("UPDATE festivals SET date_text = 'đổi' WHERE id = (SELECT min(id) FROM festivals)")
        conn.execute("UPDATE museums SET name_en = 'Renamed' WHERE id = (SELECT min(id) FROM museums)")
        conn.execute(
            "UPDATE intangible_elements SET season = 'đổi' WHERE id = (SELECT min(id) FROM intangible_elements)"
        )
        total = conn.execute("SELECT count(*) FROM sites").fetchone()[0]
        victim = conn.execute(
            "SELECT id FROM sites WHERE id <> 'bach-dinh' AND NOT EXISTS "
            "(SELECT 1 FROM scans WHERE site_id = sites.id) ORDER BY id LIMIT 1"
        ).fetchone()[0]
        conn.execute("DELETE FROM record_links WHERE from_id = %s OR to_id = %s", (victim, victim))
        conn.execute("DELETE FROM site_location_history WHERE site_id = %s", (victim,))
        conn.execute("DELETE FROM sites WHERE id = %s", (victim,))
    result = load_reference_data(fresh_dsn, PROJECT_ROOT / "data", actor="test-setup")
    assert (result.inserted, result.updated, result.unchanged) == (1, 0, total - 1)
    with psycopg.connect(fresh_dsn) as conn:
        row = conn.execute(
            "SELECT name_vi, history_vi, publication_status, round(ST_X(geom)::numeric, 4) FROM sites"
            " WHERE id = 'bach-dinh'"
        ).fetchone()
        assert row == ("Bạch Dinh (sửa)", "Viết lại.", "withdrawn", Decimal("107.0712"))
        assert conn.execute("SELECT count(*) FROM festivals WHERE date_text = 'đổi'").fetchone()[0] == 1
        assert conn.execute("SELECT count(*) FROM museums WHERE name_en = 'Renamed'").fetchone()[0] == 1
        assert conn.execute("SELECT count(*) FROM intangible_elements WHERE season = 'đổi'").fetchone()[0] == 1
        assert conn.execute("SELECT count(*) FROM sites WHERE id = %s", (victim,)).fetchone()[0] == 1
