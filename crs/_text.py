"""Text folding shared by province lookup and angle parsing.

Vietnamese names are compared without diacritics, case, spaces or punctuation, so that
"Bà Rịa - Vũng Tàu", "Ba Ria–Vung Tau" and "BA RIA VUNG TAU" are the same key.
"""

from __future__ import annotations

import re
import unicodedata

# đ/Đ are letters of their own, not d + combining mark, so NFD does not strip them.
_SPECIAL = str.maketrans({"đ": "d", "Đ": "D"})
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def strip_diacritics(text: str) -> str:
    """Remove Vietnamese (and any other Latin) diacritics, keeping case."""
    decomposed = unicodedata.normalize("NFD", text.translate(_SPECIAL))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold(text: str) -> str:
    """Diacritic-, case-, space- and punctuation-insensitive key: "Bà Rịa - Vũng Tàu" -> "bariavungtau"."""
    return _NON_ALNUM.sub("", strip_diacritics(text).lower())
