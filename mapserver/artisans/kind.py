"""What an artisan record holds. Personal data: the public view shows an artisan only with recorded
consent, and never their contact, birth year or consent notes."""

from __future__ import annotations

from ..records.kinds import Field, Kind, bilingual, text

TITLES = ("nghe_nhan_nhan_dan", "nghe_nhan_uu_tu", "nghe_nhan", "other")

ARTISAN = Kind(
    name="artisan",
    path="artisans",
    table="artisans",
    public_view="public_artisans",
    label_vi="Nghệ nhân",
    label_en="Artisan",
    id_type="int",
    title_en=None,
    page_path="/artisans/{id}",
    fields=(
        text("name_vi", "Họ và tên", "Name", required=True, max_length=300),
        text("title", "Danh hiệu", "Title", choices=TITLES, filter=True),
        text("title_decision", "Quyết định phong tặng", "Title decision", max_length=200),
        text("craft_vi", "Nghề / loại hình", "Craft", max_length=300, filter=True),
        text("commune_vi", "Xã / phường", "Commune", max_length=300),
        text("element_id", "Di sản phi vật thể", "Intangible element", max_length=100, filter=True),
        text("village_id", "Làng nghề", "Craft village", max_length=100, filter=True),
        Field("birth_year", "int", "Năm sinh", "Birth year", minimum=1850, maximum=2100, public=False),
        text("contact", "Liên hệ", "Contact", max_length=500, public=False),
        Field("consent", "bool", "Đồng ý công bố", "Consent to publish", public=False),
        Field("consent_recorded_on", "date", "Ngày ghi nhận đồng ý", "Consent recorded on", public=False),
        text("consent_note", "Ghi chú về sự đồng ý", "Consent note", max_length=2000, public=False),
        *bilingual("description", "Giới thiệu", "About", max_length=10_000),
    ),
)
