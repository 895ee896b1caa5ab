"""/progress as the plan's dashboard, against the real PostGIS with the shipped registry plus records
whose history is dated here: the page's figures equal counts taken straight from the tables for a
chosen year, a year ends at midnight in Vietnam, a record approved in 2027 is not published in 2026,
the unranked row holds unranked relics only, the JSON twin and the annual report say the same, and
the page has an English twin."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import psycopg
import pytest

from mapserver.settings import Settings
from mapserver.stats import figures

# Made at 23:50 on 31/12/2025 and 00:05 on 1/1/2026, Vietnam time: one year apart, ten minutes apart.
RELICS = """
INSERT INTO sites (id, name_vi, rank, publication_status, created_at) VALUES
  ('t-unranked-2025', 'Miếu thử (kiểm kê)', 'inventoried', 'published', '2025-12-31 23:50+07'),
  ('t-national-2026', 'Đình thử', 'national', 'published', '2026-01-01 00:05+07'),
  ('t-approved-2027', 'Chùa thử', 'national', 'published', '2026-05-01 09:00+07')
"""
# The 2027 approval of a record drafted in 2026 (the clock of this test is the end of 2026).
VERSIONS = """
INSERT INTO record_versions (kind, record_id, version, action, actor, at, data) VALUES
  ('site', 't-approved-2027', 1, 'create', 'test', '2026-05-01 09:00+07', '{"publication_status": "draft"}'),
  ('site', 't-approved-2027', 2, 'approve', 'test', '2027-01-10 09:00+07', '{"publication_status": "published"}')
"""
# Surveyed in March 2026: before that it had no position (the move archived it).
SURVEYED = """
UPDATE sites SET geom = ST_SetSRID(ST_MakePoint(107.2, 10.5), 4326), location_status = 'surveyed'
WHERE id = 't-unranked-2025';
INSERT INTO site_location_history (site_id, geom, location_status, replaced_at, replaced_by)
VALUES ('t-unranked-2025', NULL, 'unknown', '2026-03-01 10:00+07', 'test');
"""
SCANS = """
INSERT INTO scans (site_id, sample, file_name, file_key, file_sha256, file_size, height_system, status, progress,
                   tileset_version, created_by, created_at)
VALUES ('t-unranked-2025', false, 'x', 'x', '', 0, 'normal', 'done', 1, 1, 'test', '2026-02-01 10:00+07'),
       ('con-dao-prison', true, 'x', 'x', '', 0, 'normal', 'done', 1, 1, 'test', '2025-06-01 10:00+07')
"""
MEDIA = """
INSERT INTO media_items (record_type, record_id, media_type, caption_vi, rights_holder, licence, state, version,
                         facts, publication_status, created_at)
VALUES ('site', 't-unranked-2025', 'image', 'Ảnh thử', 'Bảo tàng', 'CC-BY-4.0', 'done', 1, '{}', 'published',
        '2026-04-01 10:00+07')
"""
ARTEFACTS = """
INSERT INTO artefacts (museum_id, number, name_vi, publication_status, created_at) VALUES
  ('bao-tang-con-dao', 'CĐ-1', 'Hiện vật thử 1', 'published', '2026-06-01 10:00+07'),
  ('bao-tang-con-dao', 'CĐ-2', 'Hiện vật thử 2', 'draft', '2026-06-02 10:00+07'),
  ('bao-tang-brvt', 'BT-1', 'Hiện vật thử 3', 'published', '2025-11-02 10:00+07')
"""
BATCH = """
INSERT INTO survey_batches (site_id, uploaded_by, crs_epsg, file_name, file_sha256, file_size, file_key, point_count,
                            created_at)
VALUES ('t-unranked-2025', 'test', 5899, 'a.csv', '', 0, 'k', 12, '2026-03-01 09:00+07')
"""
CUTOFF = "make_timestamptz(%(year)s + 1, 1, 1, 0, 0, 0, 'Asia/Ho_Chi_Minh')"
# Straight from the tables, for the records of this database (only t-approved-2027 has versions; only
# t-unranked-2025 has an archived position, and it had none before).
DIRECT = {
    "recorded": "count(*)",
    "published": f"""count(*) FILTER (WHERE CASE WHEN s.id = 't-approved-2027'
        THEN EXISTS (SELECT 1 FROM record_versions v WHERE v.record_id = s.id AND v.action = 'approve'
                     AND v.at < {CUTOFF})
        ELSE s.publication_status = 'published' END)""",
    "located": f"""count(*) FILTER (WHERE s.location_status <> 'unknown' AND NOT EXISTS
        (SELECT 1 FROM site_location_history h WHERE h.site_id = s.id AND h.replaced_at >= {CUTOFF}))""",
    "surveyed": f"""count(*) FILTER (WHERE s.location_status = 'surveyed' AND NOT EXISTS
        (SELECT 1 FROM site_location_history h WHERE h.site_id = s.id AND h.replaced_at >= {CUTOFF}))""",
    "scanned": f"""count(*) FILTER (WHERE EXISTS (SELECT 1 FROM scans c WHERE c.site_id = s.id AND NOT c.sample
        AND c.status = 'done' AND c.created_at < {CUTOFF}))""",
    "with_media": f"""count(*) FILTER (WHERE EXISTS (SELECT 1 FROM media_items m WHERE m.record_id = s.id
        AND m.record_type = 'site' AND m.created_at < {CUTOFF}))""",
}


@pytest.fixture(scope="module")
def server(live_server, module_dsn):
    with psycopg.connect(module_dsn) as conn:
        for statement in (RELICS, VERSIONS, SURVEYED, SCANS, MEDIA, ARTEFACTS, BATCH):
            conn.execute(statement)
    return live_server


class Cells(HTMLParser):
    """The numbers of every table row with an id: {row id: {column: int, or None for "—"}}."""

    def __init__(self):
        super().__init__()
        self.rows: dict[str, dict[str, int | None]] = {}
        self.row = self.col = None
        self.text, self.number_done = "", False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr" and attrs.get("id"):
            self.row = self.rows.setdefault(attrs["id"], {})
        elif tag == "td" and self.row is not None:
            self.col, self.text, self.number_done = attrs.get("data-col"), "", False
        elif self.col:
            self.number_done = True  # the cell's number comes first; its share of the target follows

    def handle_data(self, data):
        if self.col and not self.number_done:
            self.text += data

    def handle_endtag(self, tag):
        if tag == "td" and self.col:
            number = re.match(r"\s*(\d+)", self.text)
            self.row[self.col] = int(number.group(1)) if number else None
            self.col = None
        elif tag == "tr":
            self.row = None


def page_cells(client, query: str) -> dict[str, dict[str, int | None]]:
    response = client.get("/progress" + query, headers={"accept": "text/html"})
    assert response.status_code == 200, response.text
    parser = Cells()
    parser.feed(response.text)
    return parser.rows


def direct(dsn: str, year: int, where: str = "TRUE") -> dict[str, int]:
    statement = f"SELECT {', '.join(DIRECT.values())} FROM sites s WHERE s.created_at < {CUTOFF} AND {where}"
    with psycopg.connect(dsn) as conn:
        return dict(zip(DIRECT, conn.execute(statement, {"year": year}).fetchone()))


@pytest.mark.parametrize("year", [2025, 2026])
def test_the_page_equals_the_tables(server, module_dsn, year):
    cells = page_cells(server.client, f"?year={year}")
    for rank in ("special_national", "national", "provincial", "inventoried"):
        expected = direct(module_dsn, year, f"s.rank = '{rank}'")
        assert {k: cells[f"plan-{rank}"][k] for k in DIRECT} == expected, rank
    assert {k: cells["plan-all"][k] for k in DIRECT} == direct(module_dsn, year)
    with psycopg.connect(module_dsn) as conn:
        per_museum = dict(
            conn.execute(
                f"SELECT museum_id, count(*) FROM artefacts WHERE created_at < {CUTOFF} GROUP BY 1", {"year": year}
            ).fetchall()
        )
    assert cells["museums-bao-tang-con-dao"]["recorded"] == per_museum.get("bao-tang-con-dao", 0)
    assert cells["museums-bao-tang-brvt"]["recorded"] == per_museum.get("bao-tang-brvt", 0) == 1


def test_a_year_ends_at_midnight_in_vietnam_and_later_work_does_not_count(server):
    cells = page_cells(server.client, "?year=2025")
    # Only the relic made at 23:50 on 31/12/2025 existed then, with no position, scan or media yet.
    assert cells["plan-all"] == {
        "target": 219,
        "recorded": 1,
        "located": 0,
        "surveyed": 0,
        "scanned": 0,
        "with_media": 0,
        "published": 1,
        "added_in_year": 1,
    }
    now = page_cells(server.client, "?year=2026")["plan-inventoried"]
    assert (now["recorded"], now["located"], now["surveyed"], now["scanned"], now["with_media"]) == (1, 1, 1, 1, 1)
    assert now["added_in_year"] == 0  # made in 2025


def test_a_record_approved_in_2027_is_not_published_in_2026(server, module_dsn):
    national = page_cells(server.client, "?year=2026")["plan-national"]
    with psycopg.connect(module_dsn) as conn:
        published_today = conn.execute(
            "SELECT count(*) FROM sites WHERE rank = 'national' AND publication_status = 'published'"
        ).fetchone()[0]
    assert national["published"] == published_today - 1
    assert national["recorded"] == published_today  # recorded in 2026 all the same
    doc = server.client.get("/api/progress?year=2026").json()
    assert next(r for r in doc["ranks"] if r["rank"] == "national")["published"] == published_today - 1


def test_the_unranked_row_is_unranked_relics_and_219_is_every_relic(server, module_dsn):
    cells = page_cells(server.client, "?year=2026")
    with psycopg.connect(module_dsn) as conn:
        unranked, every = conn.execute(
            "SELECT count(*) FILTER (WHERE rank = 'inventoried'), count(*) FROM sites"
        ).fetchone()
    assert (cells["plan-inventoried"]["target"], cells["plan-inventoried"]["recorded"]) == (171, unranked) == (171, 1)
    assert (cells["plan-all"]["target"], cells["plan-all"]["recorded"]) == (219, every)
    assert every > unranked
    assert [cells[f"plan-{r}"]["target"] for r in ("special_national", "national", "provincial")] == [1, 28, 19]
    assert cells["plan-intangible"]["target"] == 3 and cells["plan-intangible"]["located"] is None  # not applicable


def test_the_json_twin_and_the_annual_report_say_the_same(server, module_dsn):
    by_path = server.client.get("/api/progress?year=2026").json()
    by_accept = server.client.get("/progress?year=2026", headers={"accept": "application/json"}).json()
    by_f = server.client.get("/progress?year=2026&f=json").json()
    with psycopg.connect(module_dsn) as conn:
        report = figures.collect(conn, 2026, Settings().data_dir).as_json()
    for doc in (by_path, by_accept, by_f):
        assert doc["years"] == [2025, 2026]
        assert {k: v for k, v in doc.items() if k not in ("made_at", "years")} == {
            k: v for k, v in report.items() if k != "made_at"
        }
    con_dao = next(m for m in by_path["museums"] if m["id"] == "bao-tang-con-dao")
    assert (con_dao["recorded"], con_dao["published"]) == (2, 1)
    assert by_path["activity"]["survey_batches"] == 1 and by_path["activity"]["survey_points"] == 12
    assert by_path["in_progress"] is True and by_path["cutoff"].startswith("2026-12-31T17:00:00")


def test_years_are_links_and_out_of_range_years_are_refused(server):
    page = server.client.get("/progress", headers={"accept": "text/html"}).text
    assert '<a href="/progress?year=2026" aria-current="page">2026</a>' in page  # the current year by default
    assert '<a href="/progress?year=2025">2025</a>' in page
    assert '<a href="/progress?year=2026&amp;lang=en" hreflang="en" lang="en">English</a>' in page
    for bad in ("2024", "2027", "abc"):
        response = server.client.get(f"/progress?year={bad}")
        assert response.status_code == 400 and response.json()["parameter"] == "year"
    assert server.client.get("/progress?lang=fr").status_code == 400


def test_english_toggle(server):
    vi = server.client.get("/progress?year=2025", headers={"accept": "text/html"}).text
    en = server.client.get("/progress?year=2025&lang=en", headers={"accept": "text/html"}).text
    assert "Tiến độ số hóa di sản năm 2025" in vi and "Chỉ tiêu Kế hoạch" in vi and "Cách đọc các cột" in vi
    assert "Số liệu tính đến hết ngày 31/12/2025." in vi
    assert '<div class="progress-page" lang="en">' in en
    assert "Heritage digitization progress, 2025" in en and "Plan target" in en and "What the columns mean" in en
    assert "Figures as at the end of 31 December 2025." in en and "Côn Đảo Museum" in en
    assert '<a href="/progress?year=2025" hreflang="vi" lang="vi">Tiếng Việt</a>' in en
    assert '<a href="/progress?year=2025&amp;lang=en" aria-current="page">2025</a>' in en  # years keep the language
    # the same numbers in both languages
    parse_vi, parse_en = Cells(), Cells()
    parse_vi.feed(vi)
    parse_en.feed(en)
    assert parse_vi.rows == parse_en.rows
