"""The yearly report as a list of blocks (headings, paragraphs, tables), written once from the
figures and rendered by docx.py and pdf.py, so the two files always say the same thing.

The shape follows a Vietnamese administrative report (báo cáo): the issuing body and the national
motto, number and date lines, title, I. results per task of the plan, II. figures, III. difficulties
and IV. proposals (left for staff to write), recipients."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from ..stats.figures import Figures
from ..vocabulary import RANK_TERMS, group_labels

RANK_NAMES = group_labels(RANK_TERMS)
STAFF_TO_FILL = "[Cán bộ phụ trách điền nội dung · to be written by the staff in charge]"
ISSUER = ("ỦY BAN NHÂN DÂN TỈNH BÀ RỊA – VŨNG TÀU", "SỞ VĂN HÓA, THỂ THAO VÀ DU LỊCH")
MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập – Tự do – Hạnh phúc")


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1


@dataclass(frozen=True)
class Paragraph:
    text: str
    bold: bool = False
    centred: bool = False
    italic: bool = False


@dataclass(frozen=True)
class Table:
    title: str
    header: tuple[str, ...]
    rows: tuple[tuple, ...]


Block = Heading | Paragraph | Table


def plan_tasks(data_dir: Path) -> list[dict[str, str]]:
    with open(data_dir / "plan_tasks.csv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _share(done: int, target: int | None) -> str:
    return f"{100 * done / target:.0f} %" if target else "—"


def rank_table(f: Figures) -> Table:
    rows = []
    for r in [*f.ranks, f.inventoried]:
        label = "Tổng số di tích (kiểm kê)" if r.rank == "all" else RANK_NAMES.get(r.rank, (r.rank,))[0]
        if r.rank == "inventoried":
            label = "Di tích kiểm kê chưa xếp hạng"
        rows.append(
            (
                label,
                r.target if r.target is not None else "—",
                r.recorded,
                _share(r.recorded, r.target),
                r.published,
                r.located,
                r.surveyed,
                r.scanned,
                r.with_media,
            )
        )
    return Table(
        "Bảng 1. Di tích so với chỉ tiêu của Kế hoạch",
        ("Loại", "Chỉ tiêu", "Đã lập hồ sơ", "Tỷ lệ", "Đã công bố", "Có vị trí", "Đo GNSS", "Quét 3D", "Có tư liệu số"),
        tuple(rows),
    )


def kinds_table(f: Figures) -> Table:
    rows = tuple(
        (
            k["label_vi"],
            k["target"] if k["target"] is not None else "—",
            k["recorded"],
            k["published"],
            k["added_in_year"],
        )
        for k in f.kinds
    )
    return Table(
        "Bảng 2. Các loại hồ sơ di sản khác",
        ("Loại hồ sơ", "Chỉ tiêu", "Đã lập hồ sơ", "Đã công bố", f"Mới trong năm {f.year}"),
        rows,
    )


def museums_table(f: Figures) -> Table:
    rows = tuple((m["name_vi"], m["recorded"], m["published"], m["added_in_year"]) for m in f.museums)
    return Table(
        "Bảng 3. Hiện vật theo bảo tàng",
        ("Bảo tàng", "Hiện vật đã lập hồ sơ", "Đã công bố", f"Mới trong năm {f.year}"),
        rows,
    )


def activity_table(f: Figures) -> Table:
    a = f.activity
    rows = [
        ("Đợt đo GNSS được tải lên", a["survey_batches"]),
        ("Điểm đo GNSS", a["survey_points"]),
        ("Mô hình quét 3D hoàn thành", a["scans_done"]),
        ("Hồ sơ được tạo", a["records_created"]),
        ("Hồ sơ được duyệt công bố", a["records_published"]),
    ]
    if f.media is not None:
        rows.append(("Tư liệu số (ảnh, bản quét, video, mô hình 3D, 360°) được thêm", f.media["added_in_year"]))
    return Table(f"Bảng 4. Hoạt động trong năm {f.year}", ("Nội dung", "Số lượng"), tuple(rows))


def _task_result(measure: str, f: Figures) -> str:
    total, kinds = f.inventoried, {k["kind"]: k for k in f.kinds}
    if measure == "records":
        others = sum(k["recorded"] for k in f.kinds) + sum(m["recorded"] for m in f.museums)
        return f"Đã lập hồ sơ {total.recorded} di tích và {others} hồ sơ di sản khác (hiện vật, tài liệu, lễ hội…)."
    if measure == "relics_3d":
        return (
            f"{total.located} di tích có vị trí, trong đó {total.surveyed} di tích đo GNSS (VN-2000); "
            f"{total.scanned} di tích có mô hình quét 3D."
        )
    if measure == "artefacts":
        parts = [f"{m['name_vi']}: {m['recorded']} hiện vật" for m in f.museums]
        return "; ".join(parts) + "." if parts else "Chưa có hiện vật được lập hồ sơ."
    if measure == "intangible":
        k = kinds["intangible"]
        return f"{k['recorded']}/{k['target']} di sản phi vật thể quốc gia đã có hồ sơ số; {k['published']} đã công bố."
    if measure == "published":
        published = total.published + sum(k["published"] for k in f.kinds) + sum(m["published"] for m in f.museums)
        return f"{published} hồ sơ đã được duyệt và công bố trên cổng thông tin."
    return STAFF_TO_FILL


def build(f: Figures, data_dir: Path, *, issuer: tuple[str, str] = ISSUER) -> list[Block]:
    made = f.made_at.astimezone()
    blocks: list[Block] = [
        Paragraph(issuer[0], bold=True),
        Paragraph(issuer[1], bold=True),
        Paragraph(MOTTO[0], bold=True, centred=True),
        Paragraph(MOTTO[1], bold=True, centred=True),
        Paragraph("Số: ……/BC-SVHTTDL"),
        Paragraph(f"Bà Rịa – Vũng Tàu, ngày {made.day} tháng {made.month} năm {made.year}", italic=True),
        Heading("BÁO CÁO", 0),
        Paragraph(
            f"Kết quả thực hiện Kế hoạch số 233/KH-UBND ngày 06/11/2023 về số hóa di sản văn hóa năm {f.year}",
            bold=True,
            centred=True,
        ),
        Heading("I. KẾT QUẢ THỰC HIỆN CÁC NHIỆM VỤ CỦA KẾ HOẠCH"),
    ]
    for i, task in enumerate(plan_tasks(data_dir), start=1):
        number = f" (nhiệm vụ {task['task']})" if task["task"] else ""
        blocks.append(Heading(f"{i}. {task['title_vi']}{number}", 2))
        blocks.append(Paragraph(_task_result(task["measure"], f)))
    blocks += [
        Heading("II. SỐ LIỆU"),
        Paragraph(
            f"Số liệu tính {'đến thời điểm lập báo cáo' if f.in_progress else f'đến hết ngày 31/12/{f.year}'}, "
            f"lấy từ cơ sở dữ liệu di sản lúc {made:%H:%M} ngày {made:%d/%m/%Y}; "
            "chỉ tiêu theo Kế hoạch (cơ sở năm 2023: 1 di tích quốc gia đặc biệt, 28 di tích quốc gia, "
            "19 di tích cấp tỉnh, 219 di tích kiểm kê, 3 di sản phi vật thể quốc gia)."
        ),
        rank_table(f),
        kinds_table(f),
        museums_table(f),
        activity_table(f),
        Heading("III. KHÓ KHĂN, VƯỚNG MẮC"),
        Paragraph(STAFF_TO_FILL, italic=True),
        Heading("IV. PHƯƠNG HƯỚNG, KIẾN NGHỊ"),
        Paragraph(STAFF_TO_FILL, italic=True),
        Paragraph("Nơi nhận:", bold=True),
        Paragraph("- Bộ Văn hóa, Thể thao và Du lịch;"),
        Paragraph("- Ủy ban nhân dân tỉnh;"),
        Paragraph("- Lưu: VT."),
    ]
    return blocks
