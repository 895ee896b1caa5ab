"""Text folding for matching Vietnamese names and headers regardless of case and diacritics.

Mirrors the SQL function heritage_fold(): NFD, drop combining marks, đ→d, lower case. The SQL side
is what search uses; this side is for matching column headers and enumerated values in files.
"""

from __future__ import annotations

import re
import unicodedata


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", bare).strip().lower()


def fold_key(text: str) -> str:
    """A header/enum key: folded, with punctuation and underscores treated as spaces."""
    return re.sub(r"[\s_\-./()]+", " ", fold(text)).strip()
