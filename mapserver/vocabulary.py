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
}


def codes(terms: tuple[Term, ...]) -> tuple[str, ...]:
    return tuple(t.code for t in terms)


RANKS = codes(RANK_TERMS)
CATEGORIES = codes(CATEGORY_TERMS)
LOCATION_STATUSES = codes(LOCATION_STATUS_TERMS)
PUBLICATION_STATUSES = codes(PUBLICATION_STATUS_TERMS)
ROLES = codes(ROLE_TERMS)  # ordered: each role includes the ones before it


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
