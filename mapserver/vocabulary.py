"""The one vocabulary of the registry: codes stored in the database, with their Vietnamese and
English labels. Python, SQL checks (migrations), pages and the viewer (through /api/vocabulary and
the page's config) all read it from here; nothing else spells these lists out.

A new kind of record adds its own terms here (its statuses, types) in the same shape.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    code: str
    vi: str
    en: str
    # The heading of a group of such records (tables of the progress page), when it differs.
    group_vi: str | None = None
    group_en: str | None = None

    def as_dict(self) -> dict[str, str]:
        out = {"code": self.code, "vi": self.vi, "en": self.en}
        if self.group_vi:
            out["group_vi"] = self.group_vi
            out["group_en"] = self.group_en or self.en
        return out


RANK_TERMS = (
    Term(
        "special_national",
        "Di tích quốc gia đặc biệt",
        "Special national relic",
        "Di tích quốc gia đặc biệt",
        "Special national relics",
    ),
    Term("national", "Di tích quốc gia", "National relic", "Di tích quốc gia", "National relics"),
    Term("provincial", "Di tích cấp tỉnh", "Provincial relic", "Di tích cấp tỉnh", "Provincial relics"),
    Term(
        "inventoried",
        "Di tích kiểm kê (chưa xếp hạng)",
        "Inventoried relic (unranked)",
        "Di tích kiểm kê (chưa xếp hạng)",
        "Inventoried, unranked",
    ),
)
CATEGORY_TERMS = (
    Term("historical", "Lịch sử", "Historical"),
    Term("revolutionary_historical", "Lịch sử cách mạng", "Revolutionary history"),
    Term("architectural_artistic", "Kiến trúc nghệ thuật", "Architecture and art"),
    Term("archaeological", "Khảo cổ", "Archaeological"),
    Term("scenic", "Danh lam thắng cảnh", "Scenic landscape"),
    Term("other", "Khác", "Other"),
)
LOCATION_STATUS_TERMS = (
    Term("surveyed", "Đã khảo sát", "Surveyed"),
    Term("sourced", "Theo nguồn công bố", "From a published source"),
    Term("approximate", "Gần đúng", "Approximate"),
    Term("unknown", "Chưa khảo sát vị trí", "Location not yet surveyed"),
)
PUBLICATION_STATUS_TERMS = (
    Term("draft", "Bản nháp", "Draft"),
    Term("in_review", "Chờ duyệt", "In review"),
    Term("published", "Đã công bố", "Published"),
    Term("withdrawn", "Đã rút", "Withdrawn"),
)
SCAN_STATUS_TERMS = (
    Term("queued", "Đang chờ", "Queued"),
    Term("running", "Đang xử lý", "Running"),
    Term("done", "Hoàn tất", "Done"),
    Term("failed", "Lỗi", "Failed"),
)
# Licences of media items (issue 11): the code is stored; LICENCE_URLS gives the IIIF `rights` URI.
LICENCE_TERMS = (
    Term("CC-BY-4.0", "CC BY 4.0 (ghi công tác giả)", "CC BY 4.0 (attribution)"),
    Term("CC-BY-SA-4.0", "CC BY-SA 4.0 (ghi công, chia sẻ tương tự)", "CC BY-SA 4.0 (attribution, share alike)"),
    Term("CC0-1.0", "CC0 1.0 (dành cho công chúng)", "CC0 1.0 (public domain dedication)"),
    Term("all-rights-reserved", "Bảo lưu mọi quyền", "All rights reserved"),
)
LICENCE_URLS = {
    "CC-BY-4.0": "http://creativecommons.org/licenses/by/4.0/",
    "CC-BY-SA-4.0": "http://creativecommons.org/licenses/by-sa/4.0/",
    "CC0-1.0": "http://creativecommons.org/publicdomain/zero/1.0/",
    # IIIF `rights` takes Creative Commons or RightsStatements.org URIs: "In Copyright".
    "all-rights-reserved": "http://rightsstatements.org/vocab/InC/1.0/",
}
MEDIA_TYPE_TERMS = (
    Term("image", "Ảnh / bản quét", "Image / scan"),
    Term("video", "Video", "Video"),
    Term("audio", "Âm thanh", "Audio"),
    Term("model", "Mô hình 3D", "3D model"),
    Term("panorama", "Ảnh toàn cảnh 360°", "360° panorama"),
)
ROLE_TERMS = (
    Term("surveyor", "Khảo sát viên", "Surveyor"),
    Term("editor", "Biên tập viên", "Editor"),
    Term("admin", "Quản trị viên", "Administrator"),
)

VOCABULARIES: dict[str, tuple[Term, ...]] = {
    "rank": RANK_TERMS,
    "category": CATEGORY_TERMS,
    "location_status": LOCATION_STATUS_TERMS,
    "publication_status": PUBLICATION_STATUS_TERMS,
    "scan_status": SCAN_STATUS_TERMS,
    "role": ROLE_TERMS,
    "licence": LICENCE_TERMS,
    "media_type": MEDIA_TYPE_TERMS,
}


def codes(terms: tuple[Term, ...]) -> tuple[str, ...]:
    return tuple(t.code for t in terms)


RANKS = codes(RANK_TERMS)
CATEGORIES = codes(CATEGORY_TERMS)
LOCATION_STATUSES = codes(LOCATION_STATUS_TERMS)
PUBLICATION_STATUSES = codes(PUBLICATION_STATUS_TERMS)
ROLES = codes(ROLE_TERMS)  # ordered: each role includes the ones before it
LICENCES = codes(LICENCE_TERMS)
MEDIA_TYPES = codes(MEDIA_TYPE_TERMS)
MEDIA_STATES = codes(SCAN_STATUS_TERMS)  # a media item's processing runs like a scan's tiling


def labels(terms: tuple[Term, ...]) -> dict[str, tuple[str, str]]:
    """code → (Vietnamese, English), for templates."""
    return {t.code: (t.vi, t.en) for t in terms}


def group_labels(terms: tuple[Term, ...]) -> dict[str, tuple[str, str]]:
    return {t.code: (t.group_vi or t.vi, t.group_en or t.en) for t in terms}


def sql_list(values: tuple[str, ...]) -> str:
    """A SQL list literal of constant codes, for CHECK constraints in migrations."""
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")"


def as_json() -> dict[str, list[dict[str, str]]]:
    return {name: [t.as_dict() for t in terms] for name, terms in VOCABULARIES.items()}
