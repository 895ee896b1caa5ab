"""Province -> VN-2000 TM-3 central meridian (Circular 973/2001/TT-TCĐC, appendix table).

Surveyors pick a province's VN-2000 TM-3 zone (k0 = 0.9999, E0 = 500 000 m) from this table. The
values below are those of the Circular as carried by the EPSG registry's area-of-use texts of the
"VN-2000 / TM-3 …" CRSs (e.g. EPSG:5899 "Quang Ninh; Da Nang and Quang Nam; Ba Ria-Vung Tau, Dong
Nai and Lam Dong"), which makes the table checkable against pyproj (tests do that).

The names are the 63 provinces (plus Hà Tây) that existed before the 2025 merger (Resolution
202/2025/QH15). The Circular is defined on those old boundaries: e.g. the pre-2025 Bà Rịa - Vũng
Tàu keeps 107°45′ even though it is now part of Hồ Chí Minh City (whose old territory is 105°45′).
"""

from __future__ import annotations

from ._text import fold

# Central meridian (decimal degrees) -> provinces, Vietnamese spelling.
_MERIDIANS: dict[float, tuple[str, ...]] = {
    103.00: ("Điện Biên", "Lai Châu"),
    104.00: ("Sơn La",),
    104.50: ("Cà Mau", "Kiên Giang"),
    104.75: ("An Giang", "Lào Cai", "Nghệ An", "Phú Thọ", "Yên Bái"),
    105.00: (
        "Hà Nội",
        "Hà Nam",
        "Hà Tây",
        "Ninh Bình",
        "Thanh Hóa",
        "Vĩnh Phúc",
        "Cần Thơ",
        "Bạc Liêu",
        "Đồng Tháp",
        "Hậu Giang",
    ),
    105.50: (
        "Bắc Ninh",
        "Hà Giang",
        "Hà Tĩnh",
        "Hải Dương",
        "Hưng Yên",
        "Nam Định",
        "Sóc Trăng",
        "Tây Ninh",
        "Thái Bình",
        "Trà Vinh",
        "Vĩnh Long",
    ),
    105.75: ("Hải Phòng", "Hồ Chí Minh", "Bến Tre", "Bình Dương", "Cao Bằng", "Long An", "Tiền Giang"),
    106.00: ("Hòa Bình", "Quảng Bình", "Tuyên Quang"),
    106.25: ("Bình Phước", "Quảng Trị"),
    106.50: ("Bắc Kạn", "Thái Nguyên"),
    107.00: ("Bắc Giang", "Thừa Thiên Huế"),
    107.25: ("Lạng Sơn",),
    107.50: ("Kon Tum",),
    107.75: ("Quảng Ninh", "Đà Nẵng", "Quảng Nam", "Bà Rịa - Vũng Tàu", "Đồng Nai", "Lâm Đồng"),
    108.00: ("Quảng Ngãi",),
    108.25: ("Bình Định", "Khánh Hòa", "Ninh Thuận"),
    108.50: ("Bình Thuận", "Đắk Lắk", "Đắk Nông", "Gia Lai", "Phú Yên"),
}

# Other spellings/abbreviations in common use -> canonical name above.
_ALIASES: dict[str, str] = {
    "BRVT": "Bà Rịa - Vũng Tàu",
    "BR-VT": "Bà Rịa - Vũng Tàu",
    "HCM": "Hồ Chí Minh",
    "HCMC": "Hồ Chí Minh",
    "Sài Gòn": "Hồ Chí Minh",
    "Huế": "Thừa Thiên Huế",
    "Bắc Cạn": "Bắc Kạn",
    "Đắc Lắc": "Đắk Lắk",
    "Đăk Nông": "Đắk Nông",
}

# Administrative words that may precede or follow a name ("Tỉnh …", "Thành phố …", "… Province").
_PREFIXES = ("thanhpho", "tinh", "tp")
_SUFFIXES = ("province", "municipality", "city")

PROVINCE_MERIDIANS: dict[str, float] = {p: cm for cm, names in _MERIDIANS.items() for p in names}

_BY_KEY: dict[str, str] = {fold(p): p for p in PROVINCE_MERIDIANS}
_BY_KEY.update({fold(alias): canonical for alias, canonical in _ALIASES.items()})


def _key(name: str) -> str:
    key = fold(name)
    for prefix in _PREFIXES:
        if key.startswith(prefix) and key[len(prefix) :] in _BY_KEY:
            key = key[len(prefix) :]
            break
    for suffix in _SUFFIXES:
        if key.endswith(suffix) and key[: -len(suffix)] in _BY_KEY:
            key = key[: -len(suffix)]
            break
    return key


def canonical_province(name: str) -> str | None:
    """Canonical Vietnamese spelling of a province name, or None if unknown."""
    return _BY_KEY.get(_key(name))


def province_central_meridian(name: str) -> float | None:
    """Central meridian (degrees) of the province's VN-2000 TM-3 zone, or None if unknown."""
    canonical = canonical_province(name)
    return None if canonical is None else PROVINCE_MERIDIANS[canonical]


def provinces_for_meridian(central_meridian: float) -> tuple[str, ...]:
    """Provinces whose TM-3 zone has this central meridian (empty tuple if none)."""
    return _MERIDIANS.get(round(central_meridian, 6), ())
