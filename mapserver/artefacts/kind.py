"""What an artefact record holds (the museums' inventory books, the plan's artefact databases)."""

from __future__ import annotations

from ..records.kinds import Field, Kind, bilingual, text

ACQUISITION_METHODS = ("purchase", "donation", "excavation", "collection", "transfer", "other")
CONDITIONS = ("good", "fair", "average", "poor", "damaged")

ARTEFACT = Kind(
    name="artefact",
    path="artefacts",
    table="artefacts",
    public_view="public_artefacts",
    label_vi="Hiện vật",
    label_en="Artefact",
    id_type="int",
    page_path="/artefacts/{id}",
    fields=(
        text("museum_id", "Bảo tàng / nơi lưu giữ", "Museum", required=True, max_length=100, filter=True),
        text("number", "Số đăng ký", "Registration number", required=True, max_length=100, filter=True),
        text("name_vi", "Tên hiện vật", "Name (Vietnamese)", required=True, max_length=500),
        text("name_en", "Tên tiếng Anh", "Name (English)", max_length=500),
        text("object_type", "Loại hình", "Object type", max_length=200, filter=True),
        text("material", "Chất liệu", "Material", max_length=200, filter=True),
        text("technique", "Kỹ thuật", "Technique", max_length=300),
        text("dating_text", "Niên đại", "Dating (as written)", max_length=300),
        Field("year_from", "int", "Từ năm", "From year", minimum=-10000, maximum=2100),
        Field("year_to", "int", "Đến năm", "To year", minimum=-10000, maximum=2100),
        Field("dating_approximate", "bool", "Niên đại ước đoán", "Dating approximate"),
        text("dimensions_text", "Kích thước", "Dimensions (as written)", max_length=500),
        Field("dimensions", "json", "Kích thước (số đo)", "Dimensions (parsed, cm)"),
        text("weight_text", "Trọng lượng", "Weight (as written)", max_length=200),
        Field("weight_kg", "float", "Trọng lượng (kg)", "Weight (kg)", minimum=0, maximum=1_000_000),
        Field("quantity", "int", "Số lượng", "Quantity", minimum=1, maximum=1_000_000),
        text("acquisition_method", "Hình thức sưu tầm", "Acquisition", choices=ACQUISITION_METHODS),
        text("acquisition_text", "Nguồn gốc (như ghi)", "Acquisition (as written)", max_length=500),
        Field("acquisition_date", "date", "Ngày nhập", "Acquired on"),
        text("acquired_from", "Người hiến / nơi sưu tầm", "Acquired from", max_length=500),
        text("current_location", "Nơi bảo quản", "Current location", max_length=300),
        text("condition", "Tình trạng", "Condition", choices=CONDITIONS),
        text("conservation_history", "Lịch sử bảo quản", "Conservation history", max_length=5000),
        Field("national_treasure", "bool", "Bảo vật quốc gia", "National treasure", filter=True),
        text("treasure_decision", "Quyết định công nhận BVQG", "Treasure decision", max_length=200),
        text("site_id", "Di tích liên quan", "Related relic", max_length=100, filter=True),
        text("rights", "Quyền", "Rights", max_length=500),
        *bilingual("description", "Mô tả", "Description", max_length=10_000),
        text("notes", "Ghi chú", "Notes", max_length=5000, public=False),
    ),
)
