"""Values of a museum artefact inventory (sổ đăng ký hiện vật): measurements, dating and codes.

Free-text parsers (dimensions, weight, dating) never fail: what they cannot read gives {} or None and
the importer keeps the text as written. Coded values (quantity, dates, acquisition, condition, yes/no)
raise ValueError with a reason a person can act on; the importer turns it into a RowError.

Numbers follow Vietnamese writing: ',' is the decimal mark and '.' groups thousands ("1.200,5");
a '.' followed by anything but exactly three digits is read as a decimal point ("2.5 kg").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from ..text import fold

NUMBER = r"\d+(?:[.,]\d+)*"
_LETTER = r"[^\W\d_]"


def to_number(text: str) -> float | None:
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?", text):
        return float(text.replace(".", "").replace(",", "."))
    if re.fullmatch(r"\d+(?:[.,]\d+)?", text):
        return float(text.replace(",", "."))
    return None


def _lower(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text).lower()).strip()


def _words(text: str) -> str:
    """Folded words only: 'Tốt, sứt nhẹ' -> 'tot sut nhe'."""
    return " ".join(re.findall(r"[^\W_]+", fold(text)))


# -- dimensions ------------------------------------------------------------------------------------

_TO_CM = {"mm": 0.1, "li": 0.1, "cm": 1.0, "phân": 1.0, "phan": 1.0, "dm": 10.0, "m": 100.0, "mét": 100.0}
_LENGTH_UNIT = rf"(?:mm|cm|dm|mét|m|phân|phan|li)(?!{_LETTER})"
# Labels as written (lower case, with diacritics). Without diacritics "day" could be dày (thickness)
# or đáy (base); the folded fallback reads it as thickness, the first family that claims it.
DIMENSION_LABELS: dict[str, tuple[str, ...]] = {
    "height_cm": ("cao", "chiều cao", "cao tổng thể", "c", "h", "height"),
    "length_cm": ("dài", "chiều dài", "d", "l", "length"),
    "width_cm": ("rộng", "chiều rộng", "ngang", "bề ngang", "r", "w", "width"),
    "thickness_cm": ("dày", "độ dày", "bề dày", "thickness"),
    "depth_cm": ("sâu", "độ sâu", "lòng sâu", "depth"),
    "diameter_cm": ("đk", "đường kính", "ø", "diameter"),
    "mouth_diameter_cm": ("đk miệng", "đường kính miệng", "miệng", "đk vành", "đk vành miệng"),
    "base_diameter_cm": ("đk đáy", "đường kính đáy", "đáy", "đk đế", "đk chân đế", "chân đế"),
    "body_diameter_cm": ("đk thân", "đường kính thân", "đk bụng", "đường kính bụng"),
}
_LABEL_EXACT = {_lower(a): key for key, names in DIMENSION_LABELS.items() for a in names}
_LABEL_FOLDED = {_words(a): k for k, names in reversed(DIMENSION_LABELS.items()) for a in reversed(names)}

_NUM_UNIT = rf"{NUMBER}\s*(?:{_LENGTH_UNIT})?"
_CHAIN = re.compile(rf"{_NUM_UNIT}(?:\s*[x×*]\s*{_NUM_UNIT})+")
_ONE = re.compile(rf"(?P<num>{NUMBER})\s*(?P<unit>{_LENGTH_UNIT})?")
_PAIR = re.compile(
    rf"(?P<label>{_LETTER}+(?:[ .]+{_LETTER}+)*)\.?\s*[:=]?\s*(?P<num>{NUMBER})\s*(?P<unit>{_LENGTH_UNIT})?"
)
_POSITIONS = {2: ("length_cm", "width_cm"), 3: ("length_cm", "width_cm", "height_cm")}


def dimension_key(label: str, *, whole: bool = False) -> str | None:
    """The measurement a label names ('ĐK miệng' -> 'mouth_diameter_cm'): its longest known part, or
    with `whole` only the whole label (a column header 'Cao' but not 'Mô tả miệng')."""
    words = _lower(re.sub(r"[^\w\sø]+", " ", label)).split()
    spans = sorted(((i, j) for i in range(len(words)) for j in range(i + 1, len(words) + 1)), key=lambda s: s[0] - s[1])
    spans = spans[:1] if whole else spans
    for i, j in spans:
        part = " ".join(words[i:j])
        key = _LABEL_EXACT.get(part) or _LABEL_FOLDED.get(_words(part))
        if key:
            return key
    return None


def parse_dimensions(text: str, unit_hint: str | None = None) -> dict[str, float]:
    """'Cao 32cm, ĐK miệng 18cm' -> {'height_cm': 32.0, 'mouth_diameter_cm': 18.0}; unreadable -> {}.

    A number without a unit takes the next unit written after it, else the header's unit, else cm
    (the unit of the registration book). 'A x B x C' without labels is length x width x height.
    """
    found: list[tuple[str, str, str | None]] = []
    for segment in re.split(r"[;\n]|(?<!\d),|,(?!\d)", _lower(text)):
        chain = _CHAIN.search(segment)
        if chain:
            numbers = [(m["num"], m["unit"]) for m in _ONE.finditer(chain.group())]
            labels = [dimension_key(p) for p in re.split(r"[x×*/]", segment[: chain.start()].strip(" :="))]
            keys = labels if len(labels) == len(numbers) and all(labels) else _POSITIONS.get(len(numbers))
            found += [(k, n, u) for k, (n, u) in zip(keys or (), numbers)]
            continue
        for pair in _PAIR.finditer(segment):
            key = dimension_key(pair["label"])
            if key:
                found.append((key, pair["num"], pair["unit"]))
    hint = unit_hint.lower() if unit_hint and unit_hint.lower() in _TO_CM else "cm"
    out: dict[str, float] = {}
    unit = None
    for key, number, written in reversed(found):  # a unit applies to the numbers before it
        unit = written or unit
        value = to_number(number)
        if value is not None:
            out[key] = round(value * _TO_CM[unit or hint], 3)  # the first mention of a key wins
    return dict(reversed(out.items()))


# -- weight ----------------------------------------------------------------------------------------

_TO_KG = {"kg": 1.0, "kilogam": 1.0, "kilôgam": 1.0, "kilogram": 1.0, "ký": 1.0, "kí": 1.0, "g": 0.001}
_TO_KG |= {"gr": 0.001, "gam": 0.001, "gram": 0.001, "mg": 1e-6, "tấn": 1000.0, "lạng": 0.1}
_WEIGHT = re.compile(rf"(?P<num>{NUMBER})\s*(?P<unit>{'|'.join(sorted(_TO_KG, key=len, reverse=True))})(?!{_LETTER})")


def parse_weight(text: str, unit_hint: str | None = None) -> float | None:
    """'2,5 kg' -> 2.5, '350g' -> 0.35; a bare number only with the header's unit ('Trọng lượng (kg)')."""
    text = _lower(text)
    match = _WEIGHT.search(text)
    if match:
        number, unit = match["num"], match["unit"]
    elif unit_hint and unit_hint.lower() in _TO_KG and re.fullmatch(NUMBER, text):
        number, unit = text, unit_hint.lower()
    else:
        return None
    value = to_number(number)
    return None if value is None else round(value * _TO_KG[unit], 6)


# -- dating ----------------------------------------------------------------------------------------
# Years are historical: negative = BC (TCN), no year 0. Dynasties and periods, folded as written after
# "thời / nhà / triều / đời" (names marked * must follow such a word: "lê", "ngô", "đinh", "trần"... are
# also everyday words). Sources, all English Wikipedia unless stated:
#   navbox "History of Vietnam" (as in the article "Southern and Northern Dynasties of Vietnam"):
#     Bắc thuộc 111 BC–938, Ngô 939–967, Đinh 968–980, Tiền Lê 980–1009, Lý 1009–1225, Trần 1225–1400,
#     Hồ 1400–1407, Hậu Trần 1407–1413, Lê sơ 1428–1527, Mạc 1527–1592, Trịnh lords 1545–1787,
#     Nguyễn lords 1558–1777, Tây Sơn 1778–1802, Nguyễn 1802–1945;
#   "Later Lê dynasty" (infobox: Lê Lợi crowned 1428, last emperor Lê Chiêu Thống 1786–1789):
#     thời Lê / Hậu Lê 1428–1789, Lê trung hưng 1533–1789;
#   "Nguyễn dynasty" emperors (also E. Bolt, Univ. of Richmond, "Nguyen Dynasty" list): Gia Long
#     1802–1820, Minh Mạng 1820–1841, Thiệu Trị 1841–1847, Tự Đức 1847–1883, Đồng Khánh 1885–1889,
#     Thành Thái 1889–1907, Duy Tân 1907–1916, Khải Định 1916–1925, Bảo Đại 1926–1945;
#   vi.wikipedia "Chiến tranh Việt–Pháp": Pháp thuộc from the attack on Đà Nẵng (1858) to 1945 (the
#     widest reading; "Pháp thuộc" is also dated from 1867 or 1884); "Chiến tranh Đông Dương":
#     kháng chiến chống Pháp 1945–1954; "Chiến tranh Việt Nam": kháng chiến chống Mỹ 1954–1975;
#   navbox "Prehistoric and ancient cultures of Vietnam" (article "Óc Eo"): Óc Eo culture AD 1–630,
#     Đông Sơn culture 1000 BC–AD 100, Sa Huỳnh culture 1000 BC–AD 200; "Funan" infobox: Phù Nam 68–550.
_PERIOD_TABLE = """
bac thuoc -111 938; ngo* 939 967; dinh* 968 980; tien le* 980 1009; ly* 1009 1225; tran* 1225 1400
ho* 1400 1407; hau tran 1407 1413; le so 1428 1527; le* 1428 1789; hau le 1428 1789; mac* 1527 1592
le trung hung 1533 1789; chua trinh 1545 1787; chua nguyen 1558 1777; tay son 1778 1802; nguyen* 1802 1945
gia long 1802 1820; minh mang 1820 1841; minh menh 1820 1841; thieu tri 1841 1847; tu duc 1847 1883
dong khanh 1885 1889; thanh thai 1889 1907; duy tan 1907 1916; khai dinh 1916 1925; bao dai 1926 1945
phap thuoc 1858 1945; phap* 1858 1945; khang chien chong phap 1945 1954; chong phap 1945 1954
khang chien chong my 1954 1975; chong my 1954 1975; oc eo 1 630; phu nam 68 550
dong son -1000 100; sa huynh -1000 200
"""
PERIODS: dict[str, tuple[int, int]] = {
    name.rstrip("*"): (int(lo), int(hi))
    for entry in re.split(r"[;\n]", _PERIOD_TABLE)
    if entry.strip()
    for name, lo, hi in [entry.strip().rsplit(" ", 2)]
}
_NEEDS_PREFIX = {e.split("*")[0].strip() for e in re.split(r"[;\n]", _PERIOD_TABLE) if "*" in e}
_NAMES = "|".join(sorted(map(re.escape, PERIODS), key=len, reverse=True))
_ONES, _TENS = ("", "i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix"), ("", "x", "xx", "xxx", "xl", "l")
_NUMERALS = {_TENS[n // 10] + _ONES[n % 10]: n for n in range(1, 51)} | {str(n): n for n in range(1, 100)}

_QUAL = r"nua dau|nua sau|nua cuoi|dau|giua|cuoi"
_ERA = r"truoc cong nguyen|sau cong nguyen|tcn|scn|bce|bc|cn|ad|ce"
_BC = {"truoc cong nguyen", "tcn", "bc", "bce"}
_CENT = r"thien nien ky|the ky|the ki|tk"
_CNUM = r"[ivxl]+|\d{1,2}"
_TO, _TH = r"\s*(?:-|den|toi)\s*", r"\s*(?:thu\s+)?"
_PREFIX = r"thoi ky|thoi dai|thoi|nha|trieu dai|trieu|doi vua|doi|nien hieu|van hoa"
_ATOMS = re.compile(
    rf"(?:(?P<q1>{_QUAL})\s+)?\b(?P<k>{_CENT}){_TH}(?P<n1>{_CNUM})\b(?:\s*(?P<e1>{_ERA})\b)?"
    rf"(?:{_TO}(?:(?P<q2>{_QUAL})\s+)?(?:(?:{_CENT}){_TH})?(?P<n2>{_CNUM})\b(?:\s*(?P<e2>{_ERA})\b)?)?"
    rf"|\b(?:thap nien|thap ky|nhung nam)\s+(?P<d>\d{{2,4}})\b(?:\s+(?:cua\s+)?(?:{_CENT}){_TH}(?P<dc>{_CNUM})\b)?"
    rf"|(?:(?P<pq>{_QUAL})\s+)?\b(?:(?P<pp>{_PREFIX})\s+)?(?:cac\s+)?(?P<p1>{_NAMES})\b"
    rf"(?:\s*(?:-|den)\s*(?:thoi\s+|nha\s+)?(?P<p2>{_NAMES})\b)?"
    rf"|\b(?:(?P<pre>truoc|sau|tu)\s+)?(?P<nam>nam\s+)?(?P<y1>\d{{1,4}})\b(?:\s*(?P<ye1>{_ERA})\b)?"
    rf"(?:{_TO}(?:nam\s+)?(?P<y2>\d{{1,4}})\b(?:\s*(?P<ye2>{_ERA})\b)?)?"
)
_APPROX = re.compile(r"[~?]|\b(?:khoang|uoc chung|uoc tinh|uoc doan|uoc|co le|co the|xap xi|circa)\b|\bca?\.\s*\d")


@dataclass(frozen=True)
class Dating:
    year_from: int | None = None
    year_to: int | None = None
    approximate: bool = False
    conflict: str | None = None  # the parts of the text name years that do not overlap


def _qualified(span: tuple[int, int], qualifier: str | None) -> tuple[int, int]:
    """Early / mid / late are thirds (a century: years 1–33, 34–66, 67–100); halves are halves."""
    lo, hi = span
    size = hi - lo + 1
    third, half = size // 3, size // 2
    return {
        "dau": (lo, lo + third - 1),
        "giua": (lo + third, lo + 2 * third - 1),
        "cuoi": (lo + 2 * third, hi),
        "nua dau": (lo, lo + half - 1),
        "nua sau": (lo + half, hi),
        "nua cuoi": (lo + half, hi),
    }.get(qualifier or "", span)


def _century(n: int | None, bc: bool, qualifier: str | None, size: int) -> tuple[int, int] | None:
    if n is None or n < 1 or n > (50 if bc else 21 if size == 100 else 3):
        return None
    span = (-size * n, -size * (n - 1) - 1) if bc else (size * (n - 1) + 1, size * n)
    return _qualified(span, qualifier)


def _year(digits: str, era: str | None) -> int:
    return -int(digits) if era in _BC else int(digits)


def _atom(m: re.Match) -> tuple[int | None, int | None] | None:
    if m["k"]:
        size = 1000 if m["k"] == "thien nien ky" else 100
        n1, n2 = _NUMERALS.get(m["n1"]), _NUMERALS.get(m["n2"] or "")
        bc1, bc2 = m["e1"] in _BC, m["e2"] in _BC
        bc1 = bc1 or (bc2 and not m["e1"])
        bc2 = bc2 or (bc1 and not m["e2"] and n2 is not None and n1 is not None and n2 < n1)
        first = _century(n1, bc1, m["q1"], size)
        second = _century(n2, bc2, m["q2"], size) if m["n2"] else first
        return None if first is None or second is None else (min(first[0], second[0]), max(first[1], second[1]))
    if m["d"]:
        d = int(m["d"])
        if len(m["d"]) == 4 and d % 10 == 0:
            return d, d + 9
        century = _NUMERALS.get(m["dc"] or "")
        return ((century - 1) * 100 + d, (century - 1) * 100 + d + 9) if century and d % 10 == 0 else None
    if m["p1"]:
        if m["p1"] in _NEEDS_PREFIX and not m["pp"]:
            return None
        lo, hi = _qualified(PERIODS[m["p1"]], m["pq"])
        if m["p2"]:
            lo, hi = min(lo, PERIODS[m["p2"]][0]), max(hi, PERIODS[m["p2"]][1])
        return lo, hi
    if not (len(m["y1"]) >= 3 or m["nam"] or m["ye1"] or m["pre"]):
        return None
    era = m["ye1"] or m["ye2"]
    y1 = _year(m["y1"], era)
    if m["y2"]:
        digits = m["y2"]
        if len(digits) < len(m["y1"]):  # "1945-54"
            digits = m["y1"][: len(m["y1"]) - len(digits)] + digits
            if int(digits) < int(m["y1"]):
                digits = str(int(digits) + 10 ** len(m["y2"]))
        y2 = _year(digits, m["ye2"] or era)
        return min(y1, y2), max(y1, y2)
    return {"truoc": (None, y1 - 1), "sau": (y1 + 1, None), "tu": (y1, None)}.get(m["pre"] or "", (y1, y1))


def _show(year: int | None) -> str:
    return "?" if year is None else f"{-year} TCN" if year < 0 else str(year)


def parse_dating(text: str) -> Dating:
    """'thời Nguyễn, thế kỷ XIX' -> 1802–1900: parts joined by '-'/'đến' form a range, other parts
    narrow each other (intersection). Unreadable text gives Dating() (no years), never an error."""
    folded = fold(text).replace("–", "-").replace("—", "-").replace("−", "-")
    approximate = bool(_APPROX.search(folded))
    folded = re.sub(r"\s+", " ", re.sub(r"(?<=[a-z])\.|\.(?=\s|$)", " ", folded))
    groups: list[list] = []
    end = 0
    for match in _ATOMS.finditer(folded):
        span = _atom(match)
        if span is None:
            continue
        gap = folded[end : match.start()]
        if groups and re.fullmatch(r"\s*(?:-|den|toi)\s*", gap):
            (lo, hi), (lo2, hi2) = groups[-1][0], span
            groups[-1][0] = (None if None in (lo, lo2) else min(lo, lo2), None if None in (hi, hi2) else max(hi, hi2))
        else:
            groups.append([span, match.group().strip()])
        end = match.end()
    if not groups:
        return Dating()
    lows = [g[0][0] for g in groups if g[0][0] is not None]
    highs = [g[0][1] for g in groups if g[0][1] is not None]
    lo, hi = (max(lows) if lows else None), (min(highs) if highs else None)
    if lo is not None and hi is not None and lo > hi:
        parts = "; ".join(f"'{g[1]}' = {_show(g[0][0])}–{_show(g[0][1])}" for g in groups)
        return Dating(approximate=approximate, conflict=f"its parts do not overlap ({parts})")
    return Dating(lo, hi, approximate)


# -- coded values ----------------------------------------------------------------------------------

ACQUISITION_METHODS: dict[str, tuple[str, ...]] = {
    "purchase": ("mua", "mua lại", "purchase", "purchased", "bought"),
    "donation": ("hiến tặng", "hiến", "tặng", "biếu", "biếu tặng", "donation", "donated", "gift"),
    "excavation": ("khai quật", "excavation", "excavated"),
    "collection": ("sưu tầm", "điền dã", "collection", "collected", "field collection"),
    "transfer": ("điều chuyển", "chuyển giao", "bàn giao", "transfer", "transferred"),
}
CONDITIONS: dict[str, tuple[str, ...]] = {
    "good": ("tốt", "rất tốt", "còn tốt", "nguyên vẹn", "còn nguyên", "còn nguyên vẹn", "good"),
    "fair": ("khá", "khá tốt", "tương đối tốt", "fair"),
    "average": ("trung bình", "bình thường", "tb", "average"),
    "poor": ("kém", "xấu", "yếu", "poor"),
    "damaged": ("hư hỏng", "hỏng", "hư", "hư hại", "vỡ", "bể", "damaged", "broken"),
}
_YES = {"co", "x", "v", "yes", "true", "1", "bvqg", "la bvqg", "bao vat quoc gia", "da cong nhan"}
_NO = {"khong", "k", "no", "false", "0", "chua", "chua cong nhan"}


def _terms(table: dict[str, tuple[str, ...]], folded: bool) -> list[tuple[str, str]]:
    pairs = [(_words(t) if folded else _lower(t), code) for code, terms in table.items() for t in terms]
    return sorted(pairs, key=lambda p: -len(p[0]))


def _find(text: str, table: dict[str, tuple[str, ...]], *, leading: bool) -> str | None:
    """With diacritics first (hiến ≠ hiện, mua ≠ mùa), then without them for text typed bare."""
    for candidate, folded in ((_lower(text), False), (_words(text), True)):
        hits = []
        for term, code in _terms(table, folded):
            found = re.search(rf"(?<![^\W_]){re.escape(term)}(?![^\W_])", candidate)
            if found and (not leading or found.start() == 0):
                hits.append((found.start(), code))
        if hits:
            return min(hits)[1]
    return None


def acquisition_method(text: str) -> str:
    """The code of the way the object came in ('Hiến tặng của ông …' -> 'donation'); when several
    are named the first wins; unknown text -> 'other' (the importer keeps the text)."""
    return _find(text, ACQUISITION_METHODS, leading=False) or "other"


def condition(text: str) -> str:
    """'Tốt, sứt nhẹ ở miệng' -> 'good': the grade must open the text; a remark may follow."""
    code = _find(text, CONDITIONS, leading=True)
    if code is None:
        raise ValueError(f"'{text[:40]}' does not start with tốt, khá, trung bình, kém or hư hỏng")
    return code


def yes_no(text: str) -> bool:
    key = _words(text)
    if key in _YES or text.strip() in ("✓", "✔"):
        return True
    if key in _NO or text.strip() == "-":
        return False
    raise ValueError(f"'{text[:40]}' is not có/không (or x for yes)")


def quantity(text: str) -> int:
    """'2', '02 chiếc', '1 bộ (3 chiếc)' -> the leading whole number, at least 1; empty -> 1."""
    text = text.strip()
    if not text:
        return 1
    match = re.fullmatch(rf"(\d+)(?:\s*{_LETTER}.*)?", text, flags=re.DOTALL)
    if not match or int(match[1]) < 1:
        raise ValueError(f"'{text[:40]}' is not a whole number of objects (at least 1)")
    return int(match[1])


def acquisition_date(text: str, today: date | None = None) -> tuple[date, str] | None:
    """(date, precision) from DD/MM/YYYY, 'ngày 12 tháng 5 năm 1995', MM/YYYY, YYYY or ISO; precision
    is 'day', 'month' or 'year' (the date is then the first day). Empty -> None."""
    text = text.strip()
    if not text:
        return None
    key = re.sub(r"^(?:ngay|thang|nam)\s+", "", fold(text))
    key = re.sub(r"\s*\b(?:thang|nam)\b\s*", "/", key)
    try:
        if m := re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", key):
            found, precision = date(int(m[3]), int(m[2]), int(m[1])), "day"
        elif m := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})(?:[ t][\d:.]+)?", key):
            found, precision = date(int(m[1]), int(m[2]), int(m[3])), "day"
        elif m := re.fullmatch(r"(\d{1,2})[/.-](\d{4})", key):
            found, precision = date(int(m[2]), int(m[1]), 1), "month"
        elif m := re.fullmatch(r"\d{4}", key):
            found, precision = date(int(key), 1, 1), "year"
        elif re.fullmatch(r"\d{5}", text):  # an Excel day number left in a cell formatted as General
            found, precision = date(1899, 12, 30) + timedelta(days=int(text)), "day"
        else:
            raise ValueError
    except ValueError:
        raise ValueError(f"'{text[:40]}' is not a date (DD/MM/YYYY, MM/YYYY, YYYY or YYYY-MM-DD)") from None
    today = today or date.today()
    if found > today:
        raise ValueError(f"{found.isoformat()} is in the future")
    if found.year < 1800:
        raise ValueError(f"{found.year} is before 1800: is the year complete?")
    return found, precision
