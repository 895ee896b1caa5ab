"""What an intangible heritage element holds."""

from __future__ import annotations

from ..records.kinds import Field, Kind, bilingual, text

ELEMENT = Kind(
    name="intangible",
    path="intangible",
    table="intangible_elements",
    public_view="public_intangible_elements",
    label_vi="Di sản văn hóa phi vật thể",
    label_en="Intangible heritage element",
    page_path="/intangible/{id}",
    contributor_role="editor",
    fields=(
        text("name_vi", "Tên di sản", "Name (Vietnamese)", required=True, max_length=500),
        text("name_en", "Tên tiếng Anh", "Name (English)", max_length=500),
        text("decision_no", "Quyết định ghi danh", "Listing decision", max_length=100),
        Field("decision_date", "date", "Ngày quyết định", "Decision date"),
        Field("admin_unit_ids", "text[]", "Đơn vị hành chính", "Administrative units"),
        text("season", "Thời gian thực hành", "When it is practised", max_length=500),
        text("community_vi", "Cộng đồng chủ thể", "Community", max_length=2000),
        *bilingual("description", "Mô tả", "Description", max_length=10_000),
        text("sources", "Nguồn", "Sources", max_length=5000),
        text("notes", "Ghi chú", "Notes", max_length=5000, public=False),
    ),
)
