"""Located test relics for the browser tests (the shipped data has one located relic,
con-dao-prison), including one whose name and fields look like HTML."""

from __future__ import annotations

import csv
import io

XSS = "<img src=x onerror=alert(1)>"
XSS_EN = '"><script>alert(2)</script>'
# Test relics with positions (the shipped data has one located relic: con-dao-prison).
COLUMNS = [
    "id",
    "name_vi",
    "name_en",
    "rank",
    "category",
    "district_2023",
    "address_vi",
    "lon",
    "lat",
    "coord_source",
    "coord_accuracy_m",
]
ROWS = [
    [
        "t-vt1",
        "Đình thần Thắng Nhì (thử)",
        "Thang Nhi communal house (test)",
        "national",
        "historical",
        "Vũng Tàu",
        "Phường Thắng Nhì",
        "107.0843",
        "10.3460",
        "test",
        "0.5",
    ],
    [
        "t-vt2",
        "Hải đăng Vũng Tàu (thử)",
        "",
        "provincial",
        "scenic",
        "Vũng Tàu",
        "",
        "107.0700",
        "10.3300",
        "test",
        "2",
    ],
    [
        "t-br",
        "Nhà Đỏ Bà Rịa (thử)",
        "",
        "national",
        "revolutionary_historical",
        "Bà Rịa",
        "",
        "107.1700",
        "10.5000",
        "test",
        "5",
    ],
    [
        "t-xm",
        "Di chỉ Bưng Bạc (thử)",
        "",
        "inventoried",
        "archaeological",
        "Xuyên Mộc",
        "",
        "107.4000",
        "10.5500",
        "test",
        "10",
    ],
    ["t-xss", XSS, XSS_EN, "provincial", "other", "Long Điền", "<b>địa chỉ</b>", "107.2500", "10.4200", "test", "3"],
]


def sites_csv() -> str:
    out = io.StringIO()
    csv.writer(out).writerows([COLUMNS, *ROWS])
    return out.getvalue()
