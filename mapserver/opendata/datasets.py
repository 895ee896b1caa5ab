"""The open datasets of the catalogue: what each holds, where its rows come from (always a public
source: an OGC collection over the public views, or a kind's public view), and its files.

A dataset's version is a fingerprint of its public rows (how many, and the latest change), so any
publication, withdrawal or edit gives the next download a new version and the catalogue a new
modification date, without a job to remember."""

from __future__ import annotations

from dataclasses import dataclass

from ..artefacts.kind import ARTEFACT
from ..records.kinds import Kind
from ..records.publication import PUBLIC_SITES, PUBLIC_ZONES

# The office publishes its records under CC BY 4.0; the province outline keeps its own licence.
LICENCE = "https://creativecommons.org/licenses/by/4.0/"
PUBLISHER_VI = "Sở Văn hóa, Thể thao và Du lịch tỉnh Bà Rịa–Vũng Tàu"
PUBLISHER_EN = "Department of Culture, Sports and Tourism of Bà Rịa–Vũng Tàu"


@dataclass(frozen=True)
class Distribution:
    format: str  # file suffix: geojson, csv, gpkg, json
    media_type: str
    epsg: int | None = None  # None: WGS 84 longitude/latitude (CRS84)

    @property
    def file_name(self) -> str:
        return f"{'' if self.epsg is None else f'epsg{self.epsg}-'}data.{self.format}"


@dataclass(frozen=True)
class Dataset:
    id: str
    title_vi: str
    title_en: str
    description_vi: str
    description_en: str
    keywords: tuple[str, ...]
    distributions: tuple[Distribution, ...]
    fingerprint_sql: str  # one row: (row count, latest change)
    collection: str | None = None  # an OGC collection id: spatial rows
    kind: Kind | None = None  # else: a kind of record, rows of its public view

    def distribution(self, file_name: str) -> Distribution | None:
        return next((d for d in self.distributions if d.file_name == file_name), None)


GEOJSON = Distribution("geojson", "application/geo+json")
CSV = Distribution("csv", "text/csv")
GPKG = Distribution("gpkg", "application/geopackage+sqlite3")
GPKG_VN2000 = Distribution("gpkg", "application/geopackage+sqlite3", epsg=5899)
CSV_VN2000 = Distribution("csv", "text/csv", epsg=5899)
JSON = Distribution("json", "application/json")

DATASETS: tuple[Dataset, ...] = (
    Dataset(
        id="relics",
        title_vi="Di tích lịch sử – văn hóa tỉnh Bà Rịa–Vũng Tàu",
        title_en="Historical and cultural relics of Bà Rịa–Vũng Tàu",
        description_vi="Di tích đã công bố: tên, hạng, quyết định xếp hạng, địa bàn (huyện cũ), vị trí nếu đã "
        "đo đạc (di tích cần bảo vệ chỉ có vị trí khái quát).",
        description_en="Published relics: name, rank, ranking decision, (historical) district and position "
        "where surveyed (sensitive relics only at a generalised position).",
        keywords=("di tích", "relic", "heritage", "Bà Rịa–Vũng Tàu"),
        distributions=(GEOJSON, CSV, GPKG, CSV_VN2000, GPKG_VN2000),
        fingerprint_sql=f"SELECT count(*), max(s.updated_at) FROM {PUBLIC_SITES} s",
        collection="relics",
    ),
    Dataset(
        id="protection-zones",
        title_vi="Khu vực bảo vệ di tích",
        title_en="Relic protection zones",
        description_vi="Khu vực bảo vệ I và II của các di tích đã công bố (không gồm di tích cần bảo vệ vị trí).",
        description_en="Protection zones I and II of published relics (sensitive relics excluded).",
        keywords=("khu vực bảo vệ", "protection zone", "quy hoạch", "planning"),
        distributions=(GEOJSON, GPKG, GPKG_VN2000),
        fingerprint_sql=f"SELECT count(*), max(greatest(z.created_at, s.updated_at)) FROM {PUBLIC_ZONES}",
        collection="protection_zones",
    ),
    Dataset(
        id="intangible-heritage",
        title_vi="Nơi thực hành di sản văn hóa phi vật thể",
        title_en="Places of intangible cultural heritage",
        description_vi="Các di sản văn hóa phi vật thể quốc gia và nơi thực hành.",
        description_en="National intangible cultural heritage elements and the places where they are practised.",
        keywords=("di sản phi vật thể", "intangible heritage"),
        distributions=(GEOJSON, CSV),
        fingerprint_sql="SELECT count(*), max(e.updated_at) FROM intangible_places p "
        "JOIN intangible_elements e ON e.id = p.element_id WHERE e.publication_status = 'published'",
        collection="intangible_places",
    ),
    Dataset(
        id="festivals",
        title_vi="Lễ hội truyền thống",
        title_en="Traditional festivals",
        description_vi="Lễ hội đã công bố với ngày âm lịch và nơi tổ chức.",
        description_en="Published festivals with their lunar dates and places.",
        keywords=("lễ hội", "festival"),
        distributions=(GEOJSON, CSV),
        fingerprint_sql="SELECT count(*), max(f.updated_at) FROM public_festivals f",
        collection="festival_places",
    ),
    Dataset(
        id="craft-villages",
        title_vi="Làng nghề truyền thống",
        title_en="Traditional craft villages",
        description_vi="Làng nghề đã công bố và vị trí.",
        description_en="Published craft villages and their positions.",
        keywords=("làng nghề", "craft village"),
        distributions=(GEOJSON, CSV),
        fingerprint_sql="SELECT count(*), max(v.updated_at) FROM public_craft_villages v",
        collection="craft_villages",
    ),
    Dataset(
        id="artefacts",
        title_vi="Hiện vật bảo tàng",
        title_en="Museum artefacts",
        description_vi="Hiện vật đã công bố của Bảo tàng tỉnh và Bảo tàng Côn Đảo.",
        description_en="Published artefacts of the provincial museum and the Côn Đảo museum.",
        keywords=("hiện vật", "artefact", "bảo tàng", "museum"),
        distributions=(JSON, CSV),
        fingerprint_sql="SELECT count(*), max(a.updated_at) FROM public_artefacts a",
        kind=ARTEFACT,
    ),
)


def find(dataset_id: str) -> Dataset | None:
    return next((d for d in DATASETS if d.id == dataset_id), None)
