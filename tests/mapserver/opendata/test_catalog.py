"""The DCAT catalogue and the bulk files over HTTP, against the seeded registry: the catalogue parses
as RDF (JSON-LD and Turtle) and names every file; files hold exactly the published rows; a
withdrawal gives a new version whose files no longer hold the record."""

from __future__ import annotations

import csv
import io

import psycopg
import pyogrio
import pytest
import rdflib
from rdflib.namespace import DCAT, DCTERMS, RDF

from mapserver.accounts.service import create_user


@pytest.fixture(scope="module")
def editor(module_dsn):
    with psycopg.connect(module_dsn) as conn:
        return {"Authorization": f"Bearer {create_user(conn, 'od-editor', 'editor')[1]}"}


def _count(dsn: str, statement: str) -> int:
    with psycopg.connect(dsn) as conn:
        return conn.execute(statement).fetchone()[0]


def _graph(text: str, fmt: str) -> rdflib.Graph:
    graph = rdflib.Graph()
    graph.parse(data=text, format=fmt)
    return graph


def test_catalogue_parses_as_json_ld_and_turtle_with_the_same_triples(live_server):
    c = live_server.client
    ld = c.get("/catalog")
    assert ld.status_code == 200 and ld.headers["content-type"].startswith("application/ld+json")
    ttl = c.get("/catalog", headers={"Accept": "text/turtle"})
    assert ttl.status_code == 200 and ttl.headers["content-type"].startswith("text/turtle")
    from_ld, from_ttl = _graph(ld.text, "json-ld"), _graph(ttl.text, "turtle")
    assert len(from_ld) == len(from_ttl) > 100
    datasets = set(from_ttl.subjects(RDF.type, DCAT.Dataset))
    identifiers = {str(from_ttl.value(d, DCTERMS.identifier)) for d in datasets}
    assert identifiers == {
        "relics",
        "protection-zones",
        "intangible-heritage",
        "festivals",
        "craft-villages",
        "artefacts",
    }
    for d in datasets:
        assert from_ttl.value(d, DCTERMS.license) == rdflib.URIRef("https://creativecommons.org/licenses/by/4.0/")
        assert from_ttl.value(d, DCTERMS.publisher) is not None
        titles = {t.language for t in from_ttl.objects(d, DCTERMS.title)}
        assert titles == {"vi", "en"}
        distributions = list(from_ttl.objects(d, DCAT.distribution))
        assert distributions
        for dist in distributions:
            url = str(from_ttl.value(dist, DCAT.downloadURL))
            assert url.startswith(live_server.url + "/opendata/")
    relics = next(d for d in datasets if str(from_ttl.value(d, DCTERMS.identifier)) == "relics")
    assert from_ttl.value(relics, DCTERMS.modified) is not None
    services = list(from_ttl.subjects(RDF.type, DCAT.DataService))
    assert len(services) == 1 and str(from_ttl.value(services[0], DCAT.endpointURL)).endswith("/ogc")


def test_catalogue_page_for_browsers_lists_every_file(live_server):
    page = live_server.client.get("/catalog", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "Content-Security-Policy" in page.headers
    assert page.text.count('href="http') >= 15 and "/opendata/relics/epsg5899-data.gpkg" in page.text
    assert live_server.client.get("/catalog", params={"f": "xml"}).status_code == 400


def test_relics_files_hold_exactly_the_published_relics(live_server, module_dsn):
    c = live_server.client
    published = _count(module_dsn, "SELECT count(*) FROM public_sites")
    geojson = c.get("/opendata/relics/data.geojson")
    assert geojson.status_code == 200 and geojson.headers["content-type"] == "application/geo+json"
    assert len(geojson.json()["features"]) == published > 20
    text = c.get("/opendata/relics/data.csv").content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == published
    gpkg = c.get("/opendata/relics/epsg5899-data.gpkg")
    assert gpkg.headers["content-type"] == "application/geopackage+sqlite3"
    info = pyogrio.read_info(io.BytesIO(gpkg.content))
    assert info["features"] == published and "5899" in info["crs"]
    with_position = [f for f in geojson.json()["features"] if f["geometry"]]
    assert len(with_position) == _count(module_dsn, "SELECT count(*) FROM public_sites WHERE geom IS NOT NULL")


def test_artefacts_and_unknown_files(live_server, module_dsn):
    c = live_server.client
    records = c.get("/opendata/artefacts/data.json").json()
    assert len(records) == _count(module_dsn, "SELECT count(*) FROM public_artefacts")
    assert c.get("/opendata/artefacts/data.gpkg").status_code == 404
    assert c.get("/opendata/nothing/data.csv").status_code == 404


def test_a_withdrawal_gives_a_new_version_without_the_relic(live_server, editor):
    c = live_server.client
    first = c.get("/opendata/relics/data.geojson")
    ids = {f["id"] for f in first.json()["features"]}
    assert "bach-dinh" in ids
    etag = first.headers["etag"]
    assert c.get("/opendata/relics/data.geojson", headers={"If-None-Match": etag}).status_code == 304
    r = c.post("/api/sites/bach-dinh/review", json={"action": "withdraw"}, headers=editor)
    assert r.status_code == 200, r.text
    second = c.get("/opendata/relics/data.geojson", headers={"If-None-Match": etag})
    assert second.status_code == 200 and second.headers["etag"] != etag
    assert "bach-dinh" not in {f["id"] for f in second.json()["features"]}
    assert len(second.json()["features"]) == len(ids) - 1
