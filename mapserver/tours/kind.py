"""What a tour record holds. Its rooms (``graph``) are checked by tours.graph and tours.service,
not by the generic record validation (which only sees that it is a JSON object)."""

from __future__ import annotations

from ..records.kinds import Field, Kind, bilingual, text

TOUR = Kind(
    name="tour",
    path="tours",
    table="tours",
    public_view="public_tours",
    label_vi="Tham quan ảo 360°",
    label_en="360° virtual tour",
    title="title_vi",
    title_en="title_en",
    page_path="/tours/{id}",
    fields=(
        text("title_vi", "Tên chuyến tham quan", "Title (Vietnamese)", required=True, max_length=500),
        text("title_en", "Tên tiếng Anh", "Title (English)", max_length=500),
        *bilingual("description", "Mô tả", "Description", max_length=10_000),
        text("museum_id", "Bảo tàng", "Museum", max_length=100, filter=True),
        text("site_id", "Di tích", "Relic", max_length=100, filter=True),
        Field("is_sample", "bool", "Tham quan mẫu", "Sample tour", filter=True),
        # Staff-only as stored (media ids of drafts, hotspots of unpublished records): the public reads
        # the rooms through tours.service, which keeps only what is published.
        Field("graph", "json", "Các phòng (nút, liên kết, điểm nóng)", "Rooms (nodes, links, hotspots)", public=False),
    ),
)
