"""What a festival record holds: its lunar dates (the solar ones are computed per year)."""

from __future__ import annotations

from ..records.kinds import Field, Kind, bilingual, text

FESTIVAL = Kind(
    name="festival",
    path="festivals",
    table="festivals",
    public_view="public_festivals",
    label_vi="Lễ hội",
    label_en="Festival",
    page_path="/festivals/{id}",
    order="id",
    fields=(
        text("name_vi", "Tên lễ hội", "Name (Vietnamese)", required=True, max_length=500),
        text("name_en", "Tên tiếng Anh", "Name (English)", max_length=500),
        text("element_id", "Di sản phi vật thể", "Intangible element", max_length=100, filter=True),
        text("site_id", "Di tích", "Relic", max_length=100, filter=True),
        text("place_vi", "Nơi tổ chức", "Place", max_length=1000),
        Field("lunar_month", "int", "Tháng âm lịch", "Lunar month", minimum=1, maximum=12),
        Field("lunar_day_start", "int", "Từ ngày (âm lịch)", "From lunar day", minimum=1, maximum=30),
        Field("lunar_day_end", "int", "Đến ngày (âm lịch)", "To lunar day", minimum=1, maximum=30),
        Field("lunar_leap", "bool", "Tháng nhuận", "Leap month"),
        text("date_text", "Thời gian (như ghi)", "Dates (as written)", max_length=500),
        *bilingual("description", "Mô tả", "Description", max_length=10_000),
        text("sources", "Nguồn", "Sources", max_length=5000),
    ),
)
