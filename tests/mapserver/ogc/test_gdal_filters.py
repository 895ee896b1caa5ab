"""What GDAL, as installed, does with the server: its own debug output (CPL_DEBUG) shows the
request URLs, so these tests prove that a -where is sent to the server as a filter (GDAL 3.6 of
Debian's gdal-bin, and GDAL 3.12 inside pyogrio), that the features are the filtered ones, and
that an empty collection is typed from the schema."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from urllib.parse import unquote_plus

import pytest

ENV = {
    **os.environ,
    "NO_PROXY": "127.0.0.1,localhost",
    "no_proxy": "127.0.0.1,localhost",
    "GDAL_HTTP_TIMEOUT": "30",
    "CPL_DEBUG": "ON",
}


def gdal(*args: str) -> tuple[str, str]:
    done = subprocess.run(args, capture_output=True, text=True, timeout=120, env=ENV, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "ERROR" not in done.stderr, done.stderr[-2000:]
    return done.stdout, done.stderr


def item_requests(debug: str) -> list[str]:
    """The …/items URLs GDAL fetched, decoded, as its HTTP debug lines name them."""
    return [unquote_plus(u) for u in re.findall(r"HTTP: Fetch\((\S+/items\S*)\)", debug)]


def all_relics(client) -> dict[str, dict]:
    return {f["id"]: f["properties"] for f in client.get("/ogc/collections/relics/items?limit=1000").json()["features"]}


WHERES = [
    ("rank = 'national'", lambda p: p["rank"] == "national"),
    ("name_vi LIKE '%Thắng%'", lambda p: "Thắng" in (p["name_vi"] or "")),
    ("location_accuracy_m > 1", lambda p: (p["location_accuracy_m"] or 0) > 1),
    ("decision_date >= '2005-01-01'", lambda p: (p["decision_date"] or "") >= "2005-01-01"),
    (
        "rank = 'national' AND location_accuracy_m < 1",
        lambda p: p["rank"] == "national" and (p["location_accuracy_m"] or 9) < 1,
    ),
    ("rank = 'provincial' OR rank = 'inventoried'", lambda p: p["rank"] in ("provincial", "inventoried")),
]


@pytest.mark.parametrize("where, keep", WHERES, ids=[w for w, _ in WHERES])
def test_gdal_36_sends_the_where_to_the_server(live_server, surveyor_token, where, keep):
    out, debug = gdal("ogrinfo", "-ro", "-al", "-q", f"OAPIF:{live_server.url}/ogc/collections/relics", "-where", where)
    assert "OAPIF: CQL text detected" in debug
    assert "evaluated on client side" not in debug
    filtered = [u for u in item_requests(debug) if "filter=" in u]
    assert filtered and all("filter-lang=cql-text" in u for u in filtered)
    # The server got the condition itself (GDAL writes a date as '2005-01-01T', read as that day).
    first_word = where.split()[0]
    assert all(first_word in u.split("filter=")[1] for u in filtered)
    got = sorted(re.findall(r"^  id \(String\) = (\S+)$", out, re.MULTILINE))
    expected = sorted(i for i, p in all_relics(live_server.client).items() if keep(p))
    assert got == expected and got


def test_gdal_36_keeps_in_on_the_client_with_the_right_answer(live_server, surveyor_token):
    # GDAL's CQL text writer (3.6 and 3.12) has no IN: it says so and filters the pages itself;
    # written as OR, the same question goes to the server (test above).
    out, debug = gdal(
        "ogrinfo",
        "-ro",
        "-al",
        "-q",
        f"OAPIF:{live_server.url}/ogc/collections/relics",
        "-where",
        "rank IN ('provincial', 'inventoried')",
    )
    assert "Full filter will be evaluated on client side" in debug
    got = sorted(re.findall(r"^  id \(String\) = (\S+)$", out, re.MULTILINE))
    expected = sorted(
        i for i, p in all_relics(live_server.client).items() if p["rank"] in ("provincial", "inventoried")
    )
    assert got == expected


def test_gdal_36_types_an_empty_collection_from_the_schema(live_server, surveyor_token):
    out, debug = gdal(
        "ogrinfo", "-ro", "-so", f"OAPIF:{live_server.url}/ogc/collections/craft_villages", "craft_villages"
    )
    assert "Feature Count: 0" in out and "OAPIF: Using XML schema" in debug
    assert "Geometry: Point" in out
    fields = dict(re.findall(r"^(\w+): (\w+) \(", out, re.MULTILINE))
    assert fields == {
        "name_vi": "String",
        "name_en": "String",
        "craft_vi": "String",
        "recognition_decision": "String",
        "recognition_date": "Date",
        "commune_vi": "String",
        "location_source": "String",
    }
    zones, _ = gdal(
        "ogrinfo", "-ro", "-so", f"OAPIF:{live_server.url}/ogc/collections/protection_zones", "protection_zones"
    )
    assert "Geometry: Multi Polygon" in zones and "area_m2: Real" in zones


PYOGRIO = """
import sys, pyogrio, pyogrio.raw
pyogrio.set_gdal_config_options({"CPL_DEBUG": "ON"})
info = pyogrio.read_info(sys.argv[1] + "/craft_villages")
print("EMPTY", info["geometry_type"], ",".join(info["fields"]))
meta, fids, geometry, fields = pyogrio.raw.read(sys.argv[1] + "/relics", where="name_vi LIKE '%Thắng%'", return_fids=True)
print("LIKE", len(geometry))
"""


def test_gdal_312_of_pyogrio_too(live_server, surveyor_token):
    import pyogrio

    assert pyogrio.__gdal_version__ >= (3, 12, 0)
    out, debug = gdal(sys.executable, "-c", PYOGRIO, f"OAPIF:{live_server.url}/ogc/collections")
    assert "EMPTY Point name_vi,name_en,craft_vi" in out
    filtered = [u for u in item_requests(debug) if "filter=" in u]
    assert filtered and "name_vi LIKE '%Thắng%'" in filtered[0] and "filter-lang=cql-text" in filtered[0]
    expected = [i for i, p in all_relics(live_server.client).items() if "Thắng" in (p["name_vi"] or "")]
    assert f"LIKE {len(expected)}" in out


def _page_commands(client) -> dict[str, str]:
    page = client.get("/ogc?f=html").text
    assert "GDAL 3.6 và QGIS 3.22" in page and "EPSG:6960" in page and "GDAL 3.7" in page
    commands = [html.unescape(c) for c in re.findall(r"<code>(ogr2ogr [^<]+)</code>", page)]
    return {c.split()[1]: c for c in commands}


def _points(path) -> dict[str, tuple[float, float]]:
    import pyogrio.raw
    import shapely

    meta, _, wkb, fields = pyogrio.raw.read(path)
    ids = fields[list(meta["fields"]).index("id")]
    return {i: tuple(shapely.get_coordinates(shapely.from_wkb(g))[0]) for i, g in zip(ids, wkb) if g is not None}


def test_the_ogc_page_ways_to_vn2000_give_the_servers_millimetres(live_server, surveyor_token, tmp_path):
    commands = _page_commands(live_server.client)
    assert set(commands) == {"-oo", "-a_srs", "-s_srs"}
    served = {
        f["id"]: tuple(f["geometry"]["coordinates"])
        for f in live_server.client.get(
            "/ogc/collections/relics/items", params={"crs": "http://www.opengis.net/def/crs/EPSG/0/5899", "limit": 100}
        ).json()["features"]
        if f["geometry"]
    }
    assert served["t-vt1"] == (426902.367, 1144200.498)
    for option, command in commands.items():
        if option == "-oo":
            continue  # GDAL >= 3.7: checked with pyogrio's GDAL below
        out = tmp_path / f"{option.strip('-')}.gpkg"
        # The page's command, as a surveyor would paste it (shell quotes around the URL / pipeline).
        words = re.findall(r'"[^"]*"|\S+', command)
        words = [w.strip('"') for w in words]
        words[words.index("relics.gpkg")] = str(out)
        gdal(*words)
        got = _points(out)
        for site, (e, n) in served.items():
            assert abs(got[site][0] - e) < 0.001 and abs(got[site][1] - n) < 0.001, (option, site)
    # Left to PROJ's default, a client reprojection west of 107.11°E is 0.8 m away (why the page says so).
    plain = tmp_path / "default.gpkg"
    gdal(
        "ogr2ogr",
        "-s_srs",
        "OGC:CRS84",
        "-t_srs",
        "EPSG:5899",
        str(plain),
        f"OAPIF:{live_server.url}/ogc/collections/relics",
    )
    e, n = _points(plain)["t-vt1"]
    assert 0.5 < ((e - 426902.367) ** 2 + (n - 1144200.498) ** 2) ** 0.5 < 1.0


GDAL_312_CRS = """
import sys, pyogrio, pyogrio.raw, shapely
pyogrio.set_gdal_config_options({"CPL_DEBUG": "ON"})
meta, fids, wkb, fields = pyogrio.raw.read(sys.argv[1], CRS="EPSG:5899")
ids = fields[list(meta["fields"]).index("id")]
for i, g in zip(ids, wkb):
    if i == "t-vt1":
        print("T-VT1 %.3f %.3f" % tuple(shapely.get_coordinates(shapely.from_wkb(g))[0]))
"""


def test_gdal_312_sends_crs_with_the_open_option(live_server, surveyor_token):
    out, debug = gdal(sys.executable, "-c", GDAL_312_CRS, f"OAPIF:{live_server.url}/ogc/collections/relics")
    assert any("crs=http://www.opengis.net/def/crs/EPSG/0/5899" in u for u in item_requests(debug))
    assert "T-VT1 426902.367 1144200.498" in out
