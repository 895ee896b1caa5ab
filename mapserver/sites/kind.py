"""Relics as a kind of record for the shared machinery (review, versions, links, search). Their own
API (sites.routes) stays as it is; these are the fields a version keeps and a restore puts back."""

from __future__ import annotations

from ..records.kinds import Field, Kind, bilingual, text
from ..vocabulary import CATEGORIES, RANKS

SITE = Kind(
    name="site",
    path="sites",
    table="sites",
    public_view="public_sites",
    label_vi="Di tích",
    label_en="Relic",
    page_path="/sites/{id}",
    contributor_role="surveyor",
    fields=(
        text("name_vi", "Tên di tích", "Name (Vietnamese)", required=True, max_length=500),
        text("name_en", "Tên tiếng Anh", "Name (English)", max_length=500),
        text("rank", "Xếp hạng", "Rank", required=True, choices=RANKS, filter=True),
        text("category", "Loại hình", "Category", choices=CATEGORIES, filter=True),
        text("decision_no", "Số quyết định", "Decision", max_length=100),
        Field("decision_date", "date", "Ngày quyết định", "Decision date"),
        text("decision_issuer", "Cơ quan quyết định", "Issuer", max_length=300),
        text("address_vi", "Địa chỉ", "Address", max_length=500),
        *bilingual("description", "Giới thiệu", "Description", max_length=10_000),
        *bilingual("history", "Lịch sử", "History", max_length=20_000),
        *bilingual("significance", "Giá trị", "Significance", max_length=10_000),
        *bilingual("visiting", "Thông tin tham quan", "Visiting", max_length=5000),
        text("narration_vi", "Lời thuyết minh", "Narration (Vietnamese)", max_length=20_000),
        text("story_sources", "Nguồn của phần giới thiệu", "Sources of the texts", max_length=5000),
        text("sources", "Nguồn", "Sources", max_length=5000),
        text("notes", "Ghi chú", "Notes", max_length=5000),
    ),
)
