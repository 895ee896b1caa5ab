"""What a craft village record holds (its place is a point or area, WGS 84, set by staff)."""

from __future__ import annotations

from ..records.kinds import Field, Kind, bilingual, text

CRAFT_VILLAGE = Kind(
    name="craft_village",
    path="craft-villages",
    table="craft_villages",
    public_view="public_craft_villages",
    label_vi="Làng nghề",
    label_en="Craft village",
    page_path="/craft-villages/{id}",
    fields=(
        text("name_vi", "Tên làng nghề", "Name (Vietnamese)", required=True, max_length=500),
        text("name_en", "Tên tiếng Anh", "Name (English)", max_length=500),
        text("craft_vi", "Nghề", "Craft", max_length=300, filter=True),
        text("recognition_decision", "Quyết định công nhận", "Recognition decision", max_length=200),
        Field("recognition_date", "date", "Ngày công nhận", "Recognised on"),
        text("commune_vi", "Xã / phường", "Commune", max_length=300),
        Field("admin_unit_ids", "text[]", "Đơn vị hành chính", "Administrative units"),
        text("location_source", "Nguồn vị trí", "Position source", max_length=500),
        *bilingual("description", "Mô tả", "Description", max_length=10_000),
        text("sources", "Nguồn", "Sources", max_length=5000),
    ),
)
