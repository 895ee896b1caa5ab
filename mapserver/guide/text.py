"""Text of the guide: Vietnamese-aware folding, syllable and syllable-pair tokens, and a sentence
splitter (our own, small: a whole NLP toolkit for this would weigh more than the guide itself).

Folding is mapserver.text.fold (NFD, no diacritics, đ→d, lower case), so "Bạch Dinh", "bach dinh"
and "BẠCH DINH" give the same tokens. Pairs of neighbouring syllables carry most of the meaning of
Vietnamese words ("nha tu", "chuong cop"), which single syllables alone do not.
"""

from __future__ import annotations

import re
import unicodedata

from ..text import fold

WORD = re.compile(r"[0-9]+(?:[.,][0-9]+)*|[^\W\d_]+", re.UNICODE)
# Sentence ends: . ! ? ; followed by space and a capital letter, digit or an opening quote. Not after
# an abbreviation ("TP. Vũng Tàu") or a single letter ("Hồ Chí Minh, H. Côn Đảo").
_END = re.compile(r"(?<=[.!?;])\s+(?=[\"“(]?[A-ZÀ-ỸĐ0-9])")
_ABBREVIATIONS = ("TP.", "Tp.", "tp.", "St.", "Dr.", "Mr.", "Mrs.", "no.", "No.", "ca.", "TX.", "Q.", "P.", "H.")

# Words that say what kind of question it is rather than what it is about: they do not count when
# deciding whether the records speak of the question's subject (see answer.py). Matched with their
# diacritics ("của" is a particle, "cửa" a door); a question typed without diacritics is matched on
# the folded forms, where such pairs cannot be told apart.
_QUESTION_WORDS = """
là gì ở đâu khi nào bao nhiêu mấy ai có không những các của được nào thế sao vì tại và với cho
này đó kia thì mà nhé ạ hả vậy đã đang sẽ bị trong ngoài trên dưới về từ đến như nơi người
hãy xin biết tôi mình bạn em anh chị muốn hỏi nói kể giới thiệu hôm nay năm làm gồm
what which who whom whose when where why how many much is are was were be been the a an of in on at
to for from by with and or does do did has have had it its this that there their about tell me
please can could would you i my we our as into than
"""
STOPWORDS = frozenset(_QUESTION_WORDS.split())
# Without diacritics only the forms no content word shares: "cua" may be "cửa", "tu" "tù", "ma" "má".
FOLDED_STOPWORDS = frozenset(
    "gi o khi nao nhieu ai duoc cac nhung va vay nhe kia xin muon duoi ngoai gom the".split()
    + [w for w in STOPWORDS if w.isascii() and len(w) > 2]
)


def words(text: str) -> list[str]:
    """Folded syllables (and numbers, kept whole: "1.700", "110,69")."""
    return WORD.findall(fold(text))


def tokens(text: str) -> list[str]:
    """Syllables and the pairs of neighbouring syllables, folded: the terms BM25 counts."""
    syllables = words(text)
    return syllables + [f"{a}_{b}" for a, b in zip(syllables, syllables[1:])]


def has_diacritics(text: str) -> bool:
    return not text.isascii()


def exact_words(text: str) -> list[str]:
    """Lower-case syllables with their diacritics (NFC): "huế" and "huê" stay two words."""
    return WORD.findall(unicodedata.normalize("NFC", text).lower())


def exact_tokens(text: str) -> list[str]:
    syllables = exact_words(text)
    return syllables + [f"{a}_{b}" for a, b in zip(syllables, syllables[1:])]


def _subject_flags(text: str) -> list[tuple[str, bool]]:
    """(word, names the subject) for each word of a question, in order: with diacritics when the
    question has them (exact_words), folded when it has none."""
    plain = not has_diacritics(text)
    out = []
    for word in exact_words(text):
        if plain:
            out.append((word, word not in FOLDED_STOPWORDS))
        else:
            out.append((word, word not in STOPWORDS))
    return out


def content_words(text: str) -> list[str]:
    """The syllables of a question that name its subject (question words and particles removed),
    in the form the question has (with or without diacritics)."""
    return [w for w, subject in _subject_flags(text) if subject]


def content_pairs(text: str) -> list[str]:
    """Neighbouring subject syllables of a question, as pair tokens ("chùa_một", "một_cột")."""
    flags = _subject_flags(text)
    return [f"{a}_{b}" for (a, x), (b, y) in zip(flags, flags[1:]) if x and y]


def sentences(text: str) -> list[str]:
    """The sentences of a text, each exactly as written (so an answer quotes the record verbatim)."""
    text = (text or "").strip()
    if not text:
        return []
    pieces: list[str] = []
    start = 0
    for match in _END.finditer(text):
        head = text[start : match.start()]
        if head.endswith(_ABBREVIATIONS) or re.search(r"(?:^|\s)[A-ZĐ]\.$", head):
            continue
        pieces.append(head.strip())
        start = match.end()
    pieces.append(text[start:].strip())
    return [p for p in pieces if p]
