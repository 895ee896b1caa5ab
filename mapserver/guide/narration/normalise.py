"""Vietnamese text as a speech engine should read it.

First our own table of the administrative abbreviations of the records (decision numbers like
"548/QĐ-TTg", "BR-VT", "UBND", "TP."), which general normalisers read letter by letter; then
``g2p-hamster`` (offline, pure Python) for numbers, dates, units and Roman-numeral centuries
("thế kỷ XIX" → "thế kỷ mười chín", "6/11/2023" → "ngày sáu tháng mười một năm …").
"""

from __future__ import annotations

import re

# Parts of document codes, longest first where one contains another ("BVHTTDL" before "VH").
CODE_PARTS = {
    "BVHTTDL": "Bộ Văn hóa, Thể thao và Du lịch",
    "BTNMT": "Bộ Tài nguyên và Môi trường",
    "UBND": "Ủy ban nhân dân",
    "TTg": "Thủ tướng Chính phủ",
    "QĐ": "quyết định",
    "NĐ": "nghị định",
    "KH": "kế hoạch",
    "QH": "Quốc hội",
    "CP": "Chính phủ",
    "BT": "Bộ trưởng",
    "VH": "văn hóa",
    "TT": "thông tư",
}
ABBREVIATIONS = (
    (r"\bBR-VT\b|\bBR–VT\b", "Bà Rịa – Vũng Tàu"),
    (r"\bTP\.\s*HCM\b|\bTPHCM\b", "Thành phố Hồ Chí Minh"),
    (r"\bTP\.\s*", "thành phố "),
    (r"\bTp\.\s*", "thành phố "),
    (r"\bTX\.\s*", "thị xã "),
    (r"\bTT\.\s*", "thị trấn "),
    (r"\bUBND\b", "Ủy ban nhân dân"),
    (r"\bHĐND\b", "Hội đồng nhân dân"),
    (r"\bBVHTTDL\b", "Bộ Văn hóa, Thể thao và Du lịch"),
    (r"\bQL\s?(\d+)", r"quốc lộ \1"),
    (r"\bĐT\s?(\d+)", r"đường tỉnh \1"),
    (r"\bVND\b", "đồng"),
    (r"m²", " mét vuông"),
    (r"\bha\b", "héc ta"),
)
# "548/QĐ-TTg", "109/2017/NĐ-CP", "983VH/QĐ", "65QĐ/BT", "2754-QĐ/BT": a number and a code.
DOCUMENT = re.compile(r"\b(\d+)(?:/(\d{4}))?[/-]?((?:[A-ZĐ][A-Za-zĐđ]*)(?:[/-][A-ZĐ][A-Za-zĐđ]*)*)\b")
ROMAN = re.compile(r"\b(thế kỷ|thế kỉ|Thế kỷ|Thế kỉ|thứ)\s+([IVXLC]+)\b")
ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}


def roman_value(numeral: str) -> int:
    total = 0
    for char, following in zip(numeral, numeral[1:] + " "):
        value = ROMAN_VALUES[char]
        total += -value if following != " " and ROMAN_VALUES[following] > value else value
    return total


def _code_words(code: str) -> str | None:
    parts = re.split(r"[/-]", code)
    read = []
    for part in parts:
        for key in sorted(CODE_PARTS, key=len, reverse=True):
            if part == key:
                read.append(CODE_PARTS[key])
                break
        else:
            match = re.fullmatch(r"([A-ZĐ]+)(VH|QĐ)?", part)
            if match and match.group(1) in CODE_PARTS:
                read.append(CODE_PARTS[match.group(1)])
            else:
                return None  # not a document code we know: leave it as written
    return " ".join(read)


def _document(match: re.Match) -> str:
    number, year, code = match.groups()
    words = _code_words(code)
    if words is None:
        return match.group(0)
    return f"số {number}" + (f" năm {year}" if year else "") + f" {words}"


def expand_abbreviations(text: str) -> str:
    """The project's own table, applied before the general normaliser."""
    text = DOCUMENT.sub(_document, text)
    text = ROMAN.sub(lambda m: f"{m.group(1)} {roman_value(m.group(2))}", text)
    for pattern, spoken in ABBREVIATIONS:
        text = re.sub(pattern, spoken, text)
    return re.sub(r"[ \t]+", " ", text).strip()


def normalise(text: str) -> str:
    """Text ready for a Vietnamese voice: abbreviations, then numbers, dates and units in words."""
    from g2p_hamster.t0.pipeline import normalize  # offline rules; imported on first use

    expanded = expand_abbreviations(text)
    spoken = []
    for paragraph in expanded.splitlines():
        if paragraph.strip():
            spoken.append(normalize(paragraph)["read_string"])
    return "\n".join(spoken)
