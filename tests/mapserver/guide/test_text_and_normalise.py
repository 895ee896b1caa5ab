"""Folding, tokens, sentences, the narration normaliser, audio sniffing and the question bucket:
no database needed."""

from __future__ import annotations

import pytest

from mapserver.guide.narration.audio import sniff_audio
from mapserver.guide.narration.normalise import expand_abbreviations, normalise, roman_value
from mapserver.guide.text import content_pairs, content_words, sentences, tokens
from mapserver.guide.throttle import BURST, take


def test_tokens_ignore_diacritics_and_keep_syllable_pairs():
    assert tokens("Bạch Dinh") == tokens("bach dinh") == tokens("BẠCH DINH") == ["bach", "dinh", "bach_dinh"]
    assert tokens("Đảo 110,69 ha") == ["dao", "110,69", "ha", "dao_110,69", "110,69_ha"]


def test_question_words_are_not_the_subject():
    assert content_words("Chùa Một Cột ở đâu?") == ["chùa", "một", "cột"]
    assert content_pairs("Chùa Một Cột ở đâu?") == ["chùa_một", "một_cột"]
    # with diacritics "cửa" is a door, not the particle "của"; without them only safe words go
    assert content_words("giờ mở cửa của Bạch Dinh") == ["giờ", "mở", "cửa", "bạch", "dinh"]
    assert content_words("bach dinh o dau") == ["bach", "dinh", "dau"]  # "dau" may be "đầu"
    assert content_words("When was the White Palace built?") == ["white", "palace", "built"]


def test_sentences_are_verbatim_and_respect_abbreviations():
    text = "Dinh ở TP. Vũng Tàu. Xây năm 1898; hoàn thành năm 1902! “Villa Blanche” là tên Pháp."
    assert sentences(text) == [
        "Dinh ở TP. Vũng Tàu.",
        "Xây năm 1898; hoàn thành năm 1902!",
        "“Villa Blanche” là tên Pháp.",
    ]
    assert sentences("") == [] and sentences("một câu") == ["một câu"]


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("thế kỷ XIX", "thế kỷ mười chín"),
        ("cuối thế kỷ XVIII", "cuối thế kỷ mười tám"),
        ("ngày 6/11/2023", "ngày sáu tháng mười một năm hai nghìn không trăm hai mươi ba"),
        ("năm 1898", "năm một nghìn tám trăm chín mươi tám"),
        ("UBND tỉnh", "Ủy ban nhân dân tỉnh"),
        ("TP. Vũng Tàu", "thành phố Vũng Tàu"),
        ("tỉnh BR-VT", "tỉnh Bà Rịa - Vũng Tàu"),
        ("cao 26 m", "cao hai mươi sáu mét"),
    ],
)
def test_normaliser_reads_numbers_dates_centuries_and_abbreviations(text, spoken):
    assert normalise(text) == spoken


def test_document_codes_are_read_as_words_not_letters():
    assert expand_abbreviations("Quyết định 548/QĐ-TTg") == "Quyết định số 548 quyết định Thủ tướng Chính phủ"
    assert expand_abbreviations("Nghị định 109/2017/NĐ-CP") == "Nghị định số 109 năm 2017 nghị định Chính phủ"
    assert expand_abbreviations("Quyết định 4248/QĐ-BVHTTDL") == (
        "Quyết định số 4248 quyết định Bộ Văn hóa, Thể thao và Du lịch"
    )
    spoken = normalise("Quyết định 548/QĐ-TTg")
    assert "Q Đ" not in spoken and "TTg" not in spoken and "năm trăm bốn mươi tám" in spoken
    assert expand_abbreviations("mã ABC/XYZ-1") == "mã ABC/XYZ-1"  # unknown codes stay as written
    assert [roman_value(r) for r in ("IV", "IX", "XIX", "XX", "XVIII")] == [4, 9, 19, 20, 18]


def test_audio_is_recognised_by_its_bytes():
    assert sniff_audio(b"ID3\x04\x00" + b"\x00" * 11) == ("audio/mpeg", "mp3")
    assert sniff_audio(b"\xff\xfb\x90\x00" + b"\x00" * 12) == ("audio/mpeg", "mp3")
    assert sniff_audio(b"OggS\x00\x02" + b"\x00" * 10) == ("audio/ogg", "ogg")
    assert sniff_audio(b"RIFF\x24\x00\x00\x00WAVEfmt ") == ("audio/wav", "wav")
    assert sniff_audio(b"\x00\x00\x00\x20ftypM4A \x00\x00") == ("audio/mp4", "m4a")
    assert sniff_audio(b"<html><script>alert(1)") is None
    assert sniff_audio(b"%PDF-1.7 ...........") is None


def test_question_bucket_allows_a_burst_then_waits():
    buckets: dict = {}
    allowed = [take(buckets, "a", now=100.0) for _ in range(int(BURST) + 3)]
    assert allowed[: int(BURST)] == [None] * int(BURST)
    assert all(isinstance(w, int) and w >= 1 for w in allowed[int(BURST) :])
    assert take(buckets, "b", now=100.0) is None  # another client has its own bucket
    assert take(buckets, "a", now=100.0 + 60) is None  # tokens come back with time
