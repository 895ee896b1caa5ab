"""The vocabulary's shape and the CSV writer's formula neutralisation."""

from __future__ import annotations

import csv
import io

from mapserver.csvfile import csv_text, safe_cell
from mapserver.vocabulary import RANKS, VOCABULARIES, as_json, labels


def test_every_term_has_both_languages_and_unique_codes():
    for name, terms in VOCABULARIES.items():
        codes = [t.code for t in terms]
        assert len(codes) == len(set(codes)), name
        assert all(t.vi and t.en for t in terms), name
    assert RANKS == ("special_national", "national", "provincial", "inventoried")
    assert labels(VOCABULARIES["rank"])["national"] == ("Di tích quốc gia", "National relic")
    assert as_json()["category"][0] == {"code": "historical", "vi": "Lịch sử", "en": "Historical"}


def test_formulas_are_neutralised_numbers_are_not():
    assert safe_cell('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert safe_cell("+1+cmd|' /C calc'!A0").startswith("'+")
    assert safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert safe_cell("-2+3") == "'-2+3"
    assert safe_cell("-1.250") == "-1.250"  # a height below the datum stays a number
    assert safe_cell(-3.5) == -3.5
    assert safe_cell(None) == ""
    rows = list(csv.reader(io.StringIO(csv_text([["a,b", "=1+1", 2]]))))
    assert rows == [["a,b", "'=1+1", "2"]]
