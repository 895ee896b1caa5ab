"""Make the small example files the surveyor, planner, museum and administrator guides use.

Run from the checkout: `.venv/bin/python docs/guides/files/make_files.py`. The files are written next
to this script and are deterministic, so running it again gives the same bytes (the XLSX books
and pictures aside, whose containers carry a timestamp).

Every coordinate here is an EXAMPLE, labelled as such in the guides: points laid out a few metres
apart around the grounds of Bạch Dinh in Vũng Tàu, in VN-2000 / TM-3 107°45′ (EPSG:5899) with
normal heights, and the same points in WGS 84 (converted with `heritage crs convert`, EPSG:6960).
They are not a survey of the relic and must never be loaded as its position in production.
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent

# (point id, easting, northing, normal height, code, accuracy in metres) in EPSG:5899.
POINTS = [
    ("BD01", 425544.985, 1144501.995, 28.00, "moc", 0.02),
    ("BD02", 425572.388, 1144512.997, 27.60, "goc nha", 0.03),
    ("BD03", 425588.757, 1144485.311, 27.10, "goc nha", 0.03),
    ("BD04", 425561.342, 1144468.778, 27.40, "goc nha", 0.03),
    ("BD05", 425533.991, 1144482.109, 28.30, "cong", 0.04),
]
# The same points in WGS 84: lon, lat, ellipsoidal height (heritage crs convert --out-heights ellipsoidal).
WGS84 = [
    (107.0719000, 10.3487000),
    (107.0721500, 10.3488000),
    (107.0723000, 10.3485500),
    (107.0720500, 10.3484000),
    (107.0718000, 10.3485200),
]


def write(name: str, text: str, encoding: str = "utf-8") -> None:
    (HERE / name).write_text(text, encoding=encoding, newline="")


def survey_files(ellipsoidal: list[float]) -> None:
    # A table with named columns E/N, as survey software exports it.
    lines = ["Điểm,E,N,H,Mã,Độ chính xác"]
    lines += [f"{p},{e:.3f},{n:.3f},{h:.2f},{c},{a}" for p, e, n, h, c, a in POINTS]
    write("diem-do-vn2000.csv", "\r\n".join(lines) + "\r\n")
    # A Vietnamese survey table: X is the northing, Y the easting, separated by semicolons.
    lines = ["STT;X;Y;Cao độ"]
    lines += [f"{p};{n:.3f};{e:.3f};{h:.2f}" for p, e, n, h, _c, _a in POINTS]
    write("diem-do-xy.csv", "\r\n".join(lines) + "\r\n")
    # The receiver layout without a header: point, northing, easting, height, code.
    lines = [f"{p},{n:.3f},{e:.3f},{h:.2f},{c}" for p, e, n, h, c, _a in POINTS]
    write("diem-do-may-thu.txt", "\n".join(lines) + "\n")
    # WGS 84 with ellipsoidal heights, as a GNSS receiver measures them.
    lines = ["point,lon,lat,h"]
    lines += [f"{p[0]},{lon:.7f},{lat:.7f},{h:.3f}" for p, (lon, lat), h in zip(POINTS, WGS84, ellipsoidal)]
    write("diem-do-wgs84.csv", "\n".join(lines) + "\n")
    # The same points with three typing slips: a text in a number, E and N exchanged, an id twice.
    rows = [list(map(str, (p, f"{e:.3f}", f"{n:.3f}", f"{h:.2f}"))) for p, e, n, h, _c, _a in POINTS]
    rows[1][1] = "425572.38O"  # letter O instead of a zero
    rows[2][1], rows[2][2] = rows[2][2], rows[2][1]
    rows[4][0] = "BD01"
    write("diem-do-loi.csv", "\n".join(["Điểm,E,N,H"] + [",".join(r) for r in rows]) + "\n")
    # x,y,z lines for `heritage crs convert`: lon, lat, ellipsoidal height.
    lines = ["lon,lat,h"] + [f"{lon:.7f},{lat:.7f},{h:.3f}" for (lon, lat), h in zip(WGS84, ellipsoidal)]
    write("toa-do-wgs84.csv", "\n".join(lines) + "\n")
    # x,y,z lines in VN-2000: easting, northing, normal height (no header).
    write("toa-do-vn2000.csv", "".join(f"{e:.3f},{n:.3f},{h:.2f}\n" for _p, e, n, h, _c, _a in POINTS))


def scan_file(name: str, e0: float, n0: float, h0: float) -> None:
    """A tiny point cloud (XYZ text): the walls of a 6 m × 4 m hut, from (e0, n0, h0) — in EPSG:5899
    with normal heights, or in a scanner's local frame (metres from its origin) when all are 0."""
    lines = []
    for k in range(0, 16):  # 20 cm layers up to 3 m, points every 20 cm
        z = h0 + k * 0.2
        for i in range(31):
            lines.append(f"{e0 + i * 0.2:.3f} {n0:.3f} {z:.3f}")
            lines.append(f"{e0 + i * 0.2:.3f} {n0 + 4:.3f} {z:.3f}")
        for j in range(1, 20):
            lines.append(f"{e0:.3f} {n0 + j * 0.2:.3f} {z:.3f}")
            lines.append(f"{e0 + 6:.3f} {n0 + j * 0.2:.3f} {z:.3f}")
    write(name, "\n".join(lines) + "\n")


def footprint() -> None:
    """A planned project's footprint (WGS 84) for the impact report: a lot near Bạch Dinh."""
    ring = [[107.0712, 10.3478], [107.0732, 10.3478], [107.0732, 10.3495], [107.0712, 10.3495], [107.0712, 10.3478]]
    feature = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {"ten": "Khu đất dự án (ví dụ)"},
                      "geometry": {"type": "Polygon", "coordinates": [ring]}}],
    }  # fmt: skip
    write("vung-du-an.geojson", json.dumps(feature, ensure_ascii=False, indent=1) + "\n")


BOOK_HEADER = ["STT", "Số ĐKHV", "Tên hiện vật", "Chất liệu", "Niên đại", "Kích thước", "Trọng lượng",
               "Số lượng", "Nguồn gốc", "Ngày nhập", "Tình trạng", "Bảo vật quốc gia", "Ghi chú"]  # fmt: skip
BOOK_ROWS = [
    [1, "BT.2041", "Bình gốm men lam", "Gốm", "thời Nguyễn, thế kỷ XIX", "Cao 32cm, ĐK miệng 18cm", "1,2 kg", 1,
     "Hiến tặng của gia đình ông Trần Văn A", "12/03/2019", "Tốt, sứt nhẹ ở miệng", "không", ""],
    [2, "BT.2042", "Mỏ neo sắt", "Sắt", "khoảng thế kỷ XVIII", "Dài 120 x rộng 60 cm", "35 kg", 1,
     "Khai quật", "2018", "Trung bình", "không", "Tìm thấy ngoài khơi Côn Đảo"],
    [3, "BT.2043", "Tiền đồng Gia Long thông bảo", "Đồng", "1802-1820", "ĐK 2,4 cm", "3,5 g", 12,
     "Sưu tầm", "05/2020", "Khá", "không", ""],
]  # fmt: skip


def books() -> None:
    from openpyxl import Workbook

    def sheet(rows: list[list]) -> Workbook:
        wb = Workbook()
        ws = wb.active
        ws.title = "Sổ đăng ký"
        ws.append(["BẢO TÀNG TỈNH BÀ RỊA – VŨNG TÀU"])
        ws.append(["SỔ ĐĂNG KÝ HIỆN VẬT (ví dụ cho hướng dẫn)"])
        ws.merge_cells("A1:M1")
        ws.merge_cells("A2:M2")
        ws.append([])
        ws.append(BOOK_HEADER)
        for row in rows:
            ws.append(row)
        ws.append([])
        ws.append(["Người lập sổ"])
        return wb

    sheet(BOOK_ROWS).save(HERE / "so-dang-ky.xlsx")
    bad = [list(r) for r in BOOK_ROWS]
    bad[0][4] = "thế kỷ XIX, năm 1650"  # two datings that do not overlap
    bad[1][7] = "hai"  # a quantity in words
    bad[2][1] = "BT.2041"  # a number already used on an earlier row
    bad[2][10] = "Còn dùng được"  # a condition that does not start with a grade
    sheet(bad).save(HERE / "so-dang-ky-loi.xlsx")
    lines = [";".join(BOOK_HEADER)] + [";".join(str(c) for c in row) for row in BOOK_ROWS]
    write("so-dang-ky.csv", "\r\n".join(lines) + "\r\n")


def pictures() -> None:
    """A photo-like JPEG and a small DEM GeoTIFF (EPSG:5899, normal heights) made of numbers."""
    import numpy as np
    import pyvips
    import rasterio
    from rasterio.transform import from_origin

    y, x = np.mgrid[0:480, 0:640]
    rgb = np.dstack([(x * 255 // 639), (y * 255 // 479), np.full_like(x, 140)]).astype(np.uint8)
    pyvips.Image.new_from_array(rgb, interpretation="srgb").jpegsave(str(HERE / "anh-mau.jpg"), Q=85)
    # A 360° picture must be equirectangular: twice as wide as high.
    y, x = np.mgrid[0:512, 0:1024]
    sky = np.dstack([(x * 255 // 1023), np.where(y < 256, 200, 90), (y * 255 // 511)]).astype(np.uint8)
    pyvips.Image.new_from_array(sky, interpretation="srgb").jpegsave(str(HERE / "anh-360-mau.jpg"), Q=80)
    yy, xx = np.mgrid[0:64, 0:64]
    dem = (20 + 8 * np.exp(-((xx - 32) ** 2 + (yy - 32) ** 2) / 300.0)).astype(np.float32)
    profile = {"driver": "GTiff", "width": 64, "height": 64, "count": 1, "dtype": "float32", "crs": "EPSG:5899",
               "transform": from_origin(425400.0, 1144650.0, 5.0, 5.0)}  # fmt: skip
    with rasterio.open(HERE / "dia-hinh-mau.tif", "w", **profile) as out:
        out.write(dem, 1)
    # An 8-bit RGB orthophoto of the same square (0.5 m pixels).
    photo = {**profile, "width": 128, "height": 128, "count": 3, "dtype": "uint8",
             "transform": from_origin(425400.0, 1144650.0, 2.5, 2.5)}  # fmt: skip
    yy, xx = np.mgrid[0:128, 0:128]
    with rasterio.open(HERE / "anh-truc-giao-mau.tif", "w", **photo) as out:
        out.write(np.stack([xx * 2, yy * 2, np.full_like(xx, 120)]).astype(np.uint8))


if __name__ == "__main__":
    # Ellipsoidal heights of POINTS (heritage crs convert --from EPSG:5899 --to EPSG:4326 --out-heights ellipsoidal)
    survey_files(ellipsoidal=[26.131, 25.732, 25.233, 25.532, 26.431])
    scan_file("quet-mau.xyz", 425560.0, 1144490.0, 27.5)
    scan_file("quet-cuc-bo.xyz", 0.0, 0.0, 0.0)
    footprint()
    books()
    pictures()
