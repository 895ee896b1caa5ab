"""What a document record holds (documentary heritage)."""

from __future__ import annotations

from ..records.kinds import Field, Kind, bilingual, text

DOC_TYPES = ("record", "dossier", "stele", "map", "photo", "letter", "book", "newspaper", "other")
LANGUAGES = ("vi", "han_nom", "fr", "en", "other")

DOCUMENT = Kind(
    name="document",
    path="documents",
    table="documents",
    public_view="public_documents",
    label_vi="Tài liệu",
    label_en="Document",
    id_type="int",
    title="title_vi",
    title_en="title_en",
    page_path="/documents/{id}",
    fields=(
        text("title_vi", "Tiêu đề", "Title (Vietnamese)", required=True, max_length=1000),
        text("title_en", "Tiêu đề tiếng Anh", "Title (English)", max_length=1000),
        text("doc_type", "Loại tài liệu", "Type", choices=DOC_TYPES, filter=True),
        text("date_text", "Thời gian (như ghi)", "Date (as written)", max_length=300),
        Field("year_from", "int", "Từ năm", "From year", minimum=-3000, maximum=2100),
        Field("year_to", "int", "Đến năm", "To year", minimum=-3000, maximum=2100),
        text("creator", "Tác giả / cơ quan tạo lập", "Creator", max_length=500),
        text("language", "Ngôn ngữ / văn tự", "Language / script", choices=LANGUAGES, filter=True),
        text("physical_description", "Mô tả vật lý", "Physical description", max_length=2000),
        text("holding_institution", "Nơi lưu giữ", "Holding institution", max_length=500, filter=True),
        text("call_number", "Ký hiệu lưu trữ", "Call number", max_length=200),
        text("rights", "Quyền", "Rights", max_length=500),
        *bilingual("description", "Mô tả", "Description", max_length=10_000),
    ),
)
