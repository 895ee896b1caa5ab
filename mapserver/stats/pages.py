"""The /progress page: the plan's figures (stats.figures) as tables, Vietnamese first, English with
``?lang=en``. Every word of the page is here or in the vocabulary; the template only lays it out.
Rows are plain dicts: a column a row does not have is shown as "not applicable"."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse

from ..vocabulary import RANK_TERMS, group_labels
from ..web.pages import REVALIDATE, html_page
from .figures import Figures, percent

RANK_NAMES = group_labels(RANK_TERMS)
LANGS = ("vi", "en")
VN = ZoneInfo("Asia/Ho_Chi_Minh")  # the figures' calendar

# (key, Vietnamese header, English header, what it means in Vietnamese, in English)
COLUMNS = (
    (
        "target",
        "Chỉ tiêu Kế hoạch",
        "Plan target",
        "số lượng theo Kế hoạch 233/KH-UBND (cơ sở năm 2023); tỷ lệ phần trăm ở các cột khác là so với số này; "
        "— là Kế hoạch không giao chỉ tiêu.",
        "the number in plan 233/KH-UBND (2023 basis); the percentages in the other columns are of it; "
        "— where the plan sets none.",
    ),
    (
        "recorded",
        "Đã lập hồ sơ",
        "Recorded",
        "hồ sơ có trong cơ sở dữ liệu vào cuối năm, kể cả bản nháp chưa công bố.",
        "records in the database at the end of the year, drafts included.",
    ),
    (
        "located",
        "Có vị trí",
        "Located",
        "có tọa độ vào cuối năm, từ bất kỳ nguồn nào (đo đạc, tài liệu, ước tính).",
        "had a position at the end of the year, from any source (survey, documents, estimate).",
    ),
    (
        "surveyed",
        "Đo đạc khảo sát",
        "Located by survey",
        "vị trí do đo GNSS tại thực địa (VN-2000), tính từ khi đợt đo được duyệt.",
        "position measured by a GNSS field survey (VN-2000), from the day its batch was approved.",
    ),
    (
        "scanned",
        "Quét 3D",
        "3D scanned",
        "di tích: có mô hình quét laser tải lên trước cuối năm và đã xử lý xong (không tính mô hình mẫu); "
        "hiện vật và hồ sơ khác: có tư liệu số là mô hình 3D.",
        "relics: a laser scan uploaded before the end of the year and processed (the sample model does not "
        "count); artefacts and other records: a 3D model among their media.",
    ),
    (
        "with_media",
        "Có tư liệu số",
        "With media",
        "có ảnh, bản quét, video, âm thanh, mô hình 3D hoặc ảnh 360° đã xử lý, thêm trước cuối năm.",
        "a processed photo, scan, clip, sound, 3D model or 360° panorama added before the end of the year.",
    ),
    (
        "published",
        "Đã công bố",
        "Published",
        "công khai trên cổng thông tin vào cuối năm, theo lịch sử duyệt của từng hồ sơ.",
        "public on the portal at the end of the year, from each record's review history.",
    ),
    (
        "added_in_year",
        "Lập trong năm",
        "Added in the year",
        "hồ sơ được tạo trong năm (theo giờ Việt Nam).",
        "records created during the year (Vietnam time).",
    ),
)
MUSEUM_COLUMNS = ("recorded", "with_media", "scanned", "published", "added_in_year")
TEXT = {
    "vi": {
        "title": "Tiến độ số hóa di sản năm {year}",
        "lead": "Kết quả thực hiện Kế hoạch 233/KH-UBND ngày 06/11/2023 về số hóa di sản văn hóa tỉnh "
        "Bà Rịa–Vũng Tàu giai đoạn 2021–2030.",
        "as_at": "Số liệu tính đến hết ngày 31/12/{year}.",
        "in_progress": "Năm {year} chưa kết thúc: số liệu tính đến {made} (giờ Việt Nam).",
        "years": "Chọn năm",
        "other_lang": ("en", "English"),
        "plan": "Theo chỉ tiêu của Kế hoạch",
        "group": "Nhóm",
        "all_relics": "Tổng số di tích kiểm kê (kể cả đã xếp hạng)",
        "museums": "Hiện vật theo bảo tàng",
        "museum": "Bảo tàng",
        "kinds": "Các loại hồ sơ khác",
        "kind": "Loại hồ sơ",
        "districts": "Di tích theo địa bàn (trước 01/07/2025)",
        "district": "Địa bàn",
        "activity": "Hoạt động trong năm {year}",
        "survey_batches": "Đợt đo GNSS được tải lên",
        "survey_points": "Điểm đo GNSS",
        "scans_done": "Mô hình quét 3D tải lên và xử lý xong",
        "records_created": "Hồ sơ được tạo",
        "records_published": "Lượt duyệt công bố hồ sơ",
        "protection_zones": "Khu vực bảo vệ đã số hóa (cuối năm)",
        "media_items": "Tư liệu số (cuối năm)",
        "columns": "Cách đọc các cột",
        "notes": "Cấp xếp hạng là cấp hiện nay. 219 di tích kiểm kê theo Quyết định 1563/QĐ-UBND gồm cả 48 di tích "
        "đã xếp hạng (1 + 28 + 19), nên chỉ tiêu của di tích chưa xếp hạng là 219 − 48 = 171. Số liệu là số liệu "
        "nghiệp vụ (tính cả bản nháp); danh mục công khai hiện nay ở /api/stats.",
        "json": "Dữ liệu mở (JSON)",
        "na": "không áp dụng",
        "of_target": "so với chỉ tiêu",
    },
    "en": {
        "title": "Heritage digitization progress, {year}",
        "lead": "Results of plan 233/KH-UBND of 6 November 2023 on digitizing the cultural heritage of "
        "Bà Rịa–Vũng Tàu province, 2021–2030.",
        "as_at": "Figures as at the end of 31 December {year}.",
        "in_progress": "{year} is not over: figures as at {made} (Vietnam time).",
        "years": "Choose a year",
        "other_lang": ("vi", "Tiếng Việt"),
        "plan": "Against the plan's targets",
        "group": "Group",
        "all_relics": "All inventoried relics (ranked ones included)",
        "museums": "Artefacts per museum",
        "museum": "Museum",
        "kinds": "Other kinds of record",
        "kind": "Kind of record",
        "districts": "Relics per district (before 1 July 2025)",
        "district": "District",
        "activity": "Work during {year}",
        "survey_batches": "GNSS survey batches uploaded",
        "survey_points": "GNSS survey points",
        "scans_done": "3D scans uploaded and processed",
        "records_created": "Records created",
        "records_published": "Record approvals for publication",
        "protection_zones": "Protection zones digitized (end of year)",
        "media_items": "Media items (end of year)",
        "columns": "What the columns mean",
        "notes": "Ranks are today's. The 219 inventoried relics of decision 1563/QĐ-UBND include the 48 ranked ones "
        "(1 + 28 + 19), so the unranked relics' target is 219 − 48 = 171. These are staff figures (drafts "
        "included); the public registry as published today is at /api/stats.",
        "json": "Open data (JSON)",
        "na": "not applicable",
        "of_target": "of the target",
    },
}


def _row(row_id: str, label: str, values: dict[str, Any]) -> dict[str, Any]:
    target = values.get("target")
    return {
        "id": row_id,
        "label": label,
        "values": values,
        "shares": {
            k: percent(v, target)
            for k, v in values.items()
            if isinstance(v, int) and k not in ("target", "added_in_year")
        },
    }


def plan_rows(f: Figures, en: bool) -> list[dict[str, Any]]:
    rows = [_row(r.rank, RANK_NAMES[r.rank][en], asdict(r)) for r in f.ranks]
    rows.append(_row("all", TEXT["en" if en else "vi"]["all_relics"], asdict(f.inventoried)))
    intangible = next(k for k in f.kinds if k["kind"] == "intangible")
    rows.append(_row("intangible", intangible["label_en" if en else "label_vi"], _as_site_columns(intangible)))
    return rows


def _as_site_columns(record: dict[str, Any]) -> dict[str, Any]:
    """A record that is not a relic in the relic columns: its 3D models are its "scanned"."""
    keys = ("target", "recorded", "with_media", "published", "added_in_year")
    return {k: record[k] for k in keys if k in record} | {"scanned": record["with_model"]}


def year_links(years: list[int], year: int, lang: str) -> list[dict[str, Any]]:
    return [{"year": y, "href": url(y, lang), "current": y == year} for y in reversed(years)]


def url(year: int, lang: str, path: str = "/progress") -> str:
    return f"{path}?{urlencode({'year': year} | ({'lang': lang} if lang != 'vi' else {}))}"


def progress_page(request: Request, f: Figures, years: list[int], lang: str) -> HTMLResponse:
    en = lang == "en"
    t = TEXT[lang]
    other_lang, other_name = t["other_lang"]
    columns = [(key, en_h if en else vi_h, en_m if en else vi_m) for key, vi_h, en_h, vi_m, en_m in COLUMNS]
    return html_page(
        request,
        "progress.html",
        cache=REVALIDATE,
        f=f,
        lang=lang,
        t=t,
        columns=columns,
        column_headers={key: header for key, header, _ in columns},
        museum_columns=MUSEUM_COLUMNS,
        rows=plan_rows(f, en),
        museums=[
            _row(m["id"], m["name_en" if en else "name_vi"] or m["name_vi"], _as_site_columns(m)) for m in f.museums
        ],
        kinds=[
            _row(k["kind"], k["label_en" if en else "label_vi"], _as_site_columns(k))
            for k in f.kinds
            if k["kind"] != "intangible"
        ],
        districts=[_row(d["id"], d["name_en" if en else "name_vi"] or d["name_vi"], d) for d in f.districts],
        years=year_links(years, f.year, lang),
        other_lang={"lang": other_lang, "name": other_name, "href": url(f.year, other_lang)},
        json_href=url(f.year, "vi", "/api/progress"),
        made=f.made_at.astimezone(VN).strftime("%H:%M %d/%m/%Y"),
    )
