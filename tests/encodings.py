"""Write text the way Vietnamese Windows software does (tests only)."""

from __future__ import annotations

import unicodedata

TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def encode_like_excel(text: str, encoding: str) -> bytes:
    """Windows-1258 has no precomposed toned vowels: Excel writes base letter + combining tone."""
    if encoding != "cp1258":
        return text.encode(encoding)
    out = []
    for char in unicodedata.normalize("NFC", text):
        try:
            out.append(char.encode("cp1258"))
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", char)
            base = unicodedata.normalize("NFC", "".join(p for p in parts if p not in TONE_MARKS))
            tones = "".join(p for p in parts if p in TONE_MARKS)
            out.append((base + tones).encode("cp1258"))
    return b"".join(out)
