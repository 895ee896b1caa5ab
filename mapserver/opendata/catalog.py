"""The DCAT catalogue of the open datasets (W3C DCAT 3), as JSON-LD with its context inline (no
remote context: clients and our own Turtle conversion work offline), and as Turtle."""

from __future__ import annotations

from typing import Any

from .bulk import Version
from .datasets import LICENCE, PUBLISHER_EN, PUBLISHER_VI, Dataset

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "gsp": "http://www.opengis.net/ont/geosparql#",
}
IANA = "https://www.iana.org/assignments/media-types/"
OGC_API_FEATURES = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
# The former province on land and sea (Côn Đảo included), WGS 84 lon/lat.
PROVINCE_BBOX = "POLYGON((106.9 8.5, 107.9 8.5, 107.9 10.9, 106.9 10.9, 106.9 8.5))"
LANGUAGES = ("http://id.loc.gov/vocabulary/iso639-1/vi", "http://id.loc.gov/vocabulary/iso639-1/en")


def _text(vi: str, en: str) -> list[dict[str, str]]:
    return [{"@value": vi, "@language": "vi"}, {"@value": en, "@language": "en"}]


def _publisher(base: str) -> dict[str, Any]:
    return {
        "@id": f"{base}/catalog#publisher",
        "@type": "foaf:Organization",
        "foaf:name": _text(PUBLISHER_VI, PUBLISHER_EN),
    }


def download_url(base: str, dataset: Dataset, file_name: str) -> str:
    return f"{base}/opendata/{dataset.id}/{file_name}"


def _dataset(base: str, dataset: Dataset, v: Version) -> dict[str, Any]:
    node: dict[str, Any] = {
        "@id": f"{base}/catalog#{dataset.id}",
        "@type": "dcat:Dataset",
        "dct:identifier": dataset.id,
        "dct:title": _text(dataset.title_vi, dataset.title_en),
        "dct:description": _text(dataset.description_vi, dataset.description_en),
        "dcat:keyword": list(dataset.keywords),
        "dct:publisher": {"@id": f"{base}/catalog#publisher"},
        "dct:license": {"@id": LICENCE},
        "dct:language": [{"@id": lang} for lang in LANGUAGES],
        "dct:spatial": {"@type": "dct:Location", "dcat:bbox": {"@value": PROVINCE_BBOX, "@type": "gsp:wktLiteral"}},
        "dcat:version": v.tag,
        "dcat:distribution": [
            {
                "@id": download_url(base, dataset, d.file_name),
                "@type": "dcat:Distribution",
                "dct:title": f"{dataset.title_en} ({d.format.upper()}"
                + (f", EPSG:{d.epsg} VN-2000 / TM-3 107-45" if d.epsg else ", WGS 84")
                + ")",
                "dcat:downloadURL": {"@id": download_url(base, dataset, d.file_name)},
                "dcat:accessURL": {"@id": download_url(base, dataset, d.file_name)},
                "dcat:mediaType": {"@id": IANA + d.media_type},
                "dct:format": d.format.upper(),
                "dct:license": {"@id": LICENCE},
            }
            for d in dataset.distributions
        ],
    }
    if v.modified is not None:
        node["dct:modified"] = {"@value": v.modified.isoformat(), "@type": "xsd:dateTime"}
    if dataset.collection:
        node["dcat:landingPage"] = {"@id": f"{base}/ogc/collections/{dataset.collection}"}
    return node


def catalog_document(base: str, datasets: list[tuple[Dataset, Version]]) -> dict[str, Any]:
    """The catalogue, its datasets (with the current version and modification date of each) and
    the OGC API Features service that also serves the spatial ones."""
    spatial = [d for d, _ in datasets if d.collection]
    return {
        "@context": CONTEXT,
        "@id": f"{base}/catalog",
        "@type": "dcat:Catalog",
        "dct:title": _text("Dữ liệu mở di sản văn hóa Bà Rịa–Vũng Tàu", "Open data on the heritage of Bà Rịa–Vũng Tàu"),
        "dct:description": _text(
            "Dữ liệu đã được duyệt công bố của cơ sở dữ liệu di sản: chỉ dữ liệu công khai.",
            "Approved, published data of the heritage database: public data only.",
        ),
        "dct:publisher": _publisher(base),
        "dct:license": {"@id": LICENCE},
        "dct:language": [{"@id": lang} for lang in LANGUAGES],
        "foaf:homepage": {"@id": f"{base}/"},
        "dcat:dataset": [_dataset(base, d, v) for d, v in datasets],
        "dcat:service": [
            {
                "@id": f"{base}/ogc",
                "@type": "dcat:DataService",
                "dct:title": _text("OGC API Features của bản đồ di sản", "OGC API Features of the heritage map"),
                "dcat:endpointURL": {"@id": f"{base}/ogc"},
                "dcat:endpointDescription": {"@id": f"{base}/ogc/api"},
                "dct:conformsTo": {"@id": OGC_API_FEATURES},
                "dcat:servesDataset": [{"@id": f"{base}/catalog#{d.id}"} for d in spatial],
            }
        ],
    }


def to_turtle(document: dict[str, Any]) -> str:
    import orjson
    import rdflib  # imported on use: only Turtle answers need it

    graph = rdflib.Graph()
    graph.parse(data=orjson.dumps(document).decode(), format="json-ld")
    for prefix, iri in CONTEXT.items():
        graph.bind(prefix, iri)
    return graph.serialize(format="turtle")
