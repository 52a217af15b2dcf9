"""Decoding bytes into text (and recording how), and normalising that text."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsarchive.errors import Skip
from newsarchive.pipeline.decode import Decoded, decode, normalise, repair, unwrap


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"Plain ASCII news.\n", Decoded("Plain ASCII news.\n", "utf-8")),
        ("Café society £5\n".encode(), Decoded("Café society £5\n", "utf-8")),
        (b"\xef\xbb\xbfWith a BOM\n", Decoded("With a BOM\n", "utf-8-sig")),
        (
            "“Fair” price: £5 – they’re happy".encode("cp1252"),
            Decoded("“Fair” price: £5 – they’re happy", "cp1252"),
        ),
        # A bare 0xA3 (as in BBC sport/199.txt): the same text in cp1252 and Latin-1.
        (
            b"A \xa315.8m signing from Chelsea.\n",
            Decoded("A £15.8m signing from Chelsea.\n", "latin-1"),
        ),
        (b"caf\xe9 \xa35", Decoded("café £5", "latin-1")),
        ("Wörld news".encode("utf-16"), Decoded("Wörld news", "utf-16")),
        ("Wörld news".encode("utf-16-le"), Decoded("Wörld news", "utf-16-le")),
        ("Wörld news".encode("utf-16-be"), Decoded("Wörld news", "utf-16-be")),
        ("Wörld news".encode("utf-32"), Decoded("Wörld news", "utf-32")),
    ],
)
def test_decode_picks_the_right_encoding(data: bytes, expected: Decoded) -> None:
    assert decode(data) == expected


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("Городской совет утвердил строительство трёх новых велосипедных дорожек.", "cp1251"),
        ("Rada miasta zatwierdziła budowę trzech nowych ścieżek rowerowych w centrum.", "cp1250"),
        ("市议会周二投票决定在市中心修建三条新的自行车道。工程将于六月开始。", "gb18030"),
        ("وافق مجلس المدينة يوم الثلاثاء على إنشاء ثلاثة مسارات جديدة للدراجات.", "cp1256"),
        (
            "Der Stadtrat hat den Bau von drei neuen Radwegen beschlossen – für Größe.",
            "cp1252",
        ),
    ],
)
def test_decode_detects_other_legacy_encodings(text: str, encoding: str) -> None:
    assert decode(text.encode(encoding)) == Decoded(text, encoding)


def test_a_declared_charset_is_trusted_after_utf8() -> None:
    data = "Новости".encode("cp1251")
    assert decode(data, declared="windows-1251") == Decoded("Новости", "cp1251")
    assert decode(b"caf\xe9", declared="iso-8859-1") == Decoded("café", "latin-1")
    assert decode("café".encode(), declared="iso-8859-1") == Decoded("café", "utf-8")
    assert decode(b"caf\xe9", declared="no-such-charset") == Decoded("café", "latin-1")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("donâ€™t".encode(), Decoded("don’t", "utf-8+ftfy")),
        ("Ã©tÃ© 2017".encode(), Decoded("été 2017", "utf-8+ftfy")),
        (
            "Â£5 and don’t".encode() + b" \x93q\x94",
            Decoded("£5 and don’t “q”", "utf-8+cp1252+ftfy"),
        ),
    ],
)
def test_mojibake_is_repaired_and_recorded(data: bytes, expected: Decoded) -> None:
    assert decode(data) == expected


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            "Les cafés".encode() + b" \x93rouvrent\x94",
            Decoded("Les cafés “rouvrent”", "utf-8+cp1252"),
        ),
        (
            b"Prices \x93rose\x94 and " + "don’t".encode(),
            Decoded("Prices “rose” and don’t", "utf-8+cp1252"),
        ),
        ("مجلس المدينة".encode() + b" \x93q\x94", Decoded("مجلس المدينة “q”", "utf-8+cp1252")),
        # cp1251 byte pairs that happen to be valid UTF-8 ("С»") do not make it mixed.
        ("«ТАСС» Городской совет".encode("cp1251"), Decoded("«ТАСС» Городской совет", "cp1251")),
    ],
)
def test_utf8_with_stray_cp1252_bytes(data: bytes, expected: Decoded) -> None:
    assert decode(data) == expected


@pytest.mark.parametrize(
    "text",
    [
        "“Typographic quotes”, ‘single’ and an apostrophe’s place",
        "£1.2m for the café in Zürich, naïve façade, «guillemets»",
        "وافق مجلس المدينة على إنشاء مسارات جديدة",
        "市议会周二投票决定在市中心修建三条新的自行车道。",
        "Em—dash, en–dash, ellipsis… and € 5",
        "Ã is a letter too: SÃO PAULO in capitals",
    ],
)
def test_correct_text_passes_through_unchanged(text: str) -> None:
    assert decode(text.encode()) == Decoded(text, "utf-8")
    assert repair(text) is None


def test_lossy_mojibake_is_left_alone_rather_than_replaced() -> None:
    # "â??" lost its bytes to "?" before it reached us: nothing safe to repair.
    assert decode(b"Bihar\xe2??s progress") == Decoded("Biharâ??s progress", "latin-1")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b" \n\t\r\n ", "empty"),
        ("  \n".encode("utf-16"), "empty"),
        (b"\x89PNG\r\n\x1a\n" + bytes(100), "binary"),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "binary"),
        (random.Random(7).randbytes(4096), "binary"),
        (b"text\x00with\x00many\x00nul\x00bytes\x00" * 20, "binary"),
        (b"\xff\xfe\x00\xd8", "undecodable"),  # UTF-16 BOM, then a lone surrogate
    ],
)
def test_what_is_not_text_is_skipped_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(Skip) as info:
        decode(data)
    assert info.value.reason == reason


def test_a_stray_nul_in_text_is_not_binary() -> None:
    assert decode(b"One stray\x00 NUL in a long enough line of text." * 3).encoding == "utf-8"


def test_normalise_exact() -> None:
    raw = "Cafe\u0301\xa0\u200bnews  \r\nline\x00 two\r\u3000indent\tkeep\x85next\ufeff\u00ad"
    assert normalise(raw) == "Café news\nline two\n indent\tkeep\nnext"


def test_normalise_keeps_joiners_and_bidi_marks() -> None:
    text = "می\u200cخواهم \u200f(RTL)\u200e 👩\u200d💻"
    assert normalise(text) == text


def test_normalise_breaks_long_lines_without_losing_text() -> None:
    assert normalise("alpha beta gamma delta", max_line_chars=11) == "alpha beta\ngamma delta"
    assert normalise("x" * 25, max_line_chars=10) == "xxxxxxxxxx\nxxxxxxxxxx\nxxxxx"
    assert normalise("short\nlines", max_line_chars=10) == "short\nlines"


@given(st.text(), st.integers(min_value=2, max_value=40))
def test_normalise_is_idempotent(text: str, width: int) -> None:
    once = normalise(text, max_line_chars=width)
    assert normalise(once, max_line_chars=width) == once
    assert all(len(line) <= width for line in once.split("\n"))


WRAPPED = (
    "GRAIN SHIPS WAIT AT PORT\n\n"
    "Grain ships were waiting to load at the port of Hull on\n"
    "Tuesday after a strike by dock workers closed all of the\n"
    "terminals for a third day running, shipping agents said.\n"
    "    The union said that the stoppage would go on until the\n"
    "employers agreed to talks on pay and on working hours.\n"
    "    Wheat prices rose.\n"
    "    Agents said that eleven vessels were at anchor off the port."
)


NOTE = "unwrapped: 3 line breaks joined (lines wrapped at 64 characters)"


def test_hard_wrapped_lines_are_joined_into_paragraphs() -> None:
    text, note = unwrap(WRAPPED)
    assert text.split("\n") == [
        "GRAIN SHIPS WAIT AT PORT",
        "",
        "Grain ships were waiting to load at the port of Hull on Tuesday after a strike by dock "
        "workers closed all of the terminals for a third day running, shipping agents said.",
        "    The union said that the stoppage would go on until the employers agreed to talks on "
        "pay and on working hours.",
        "    Wheat prices rose.",
        "    Agents said that eleven vessels were at anchor off the port.",
    ]
    assert note == NOTE


@pytest.mark.parametrize(
    "text",
    [
        "Strike called off\n\nThe strike was called off.\n\nTalks resume on Monday.",
        # one paragraph a line, however long: not wrapped
        "Union leaders met on Monday. " * 4 + "\n" + "They agreed to talks. " * 6 + "\n" * 3,
        # a list of short lines
        "Results:\nLeeds 2 Hull 1\nYork 0 Bury 0\nWigan 3 Bolton 3\nLuton 1 Derby 2",
        # verse: lines of about 40 columns, no wrapping
        "The pickets stood along the gate at dawn\nAnd sang of bread and roses in the rain\n"
        "The trucks came down the hill and turned back\nAnd none of them would cross the line again",
    ],
)
def test_text_that_is_not_hard_wrapped_stays(text: str) -> None:
    assert unwrap(text) == (text, None)


def test_ingest_records_the_unwrapping(tmp_path: Path) -> None:
    from newsarchive import read_corpus
    from newsarchive.pipeline.run import ingest

    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "grain.txt").write_text(WRAPPED, encoding="utf-8")
    ingest([tmp_path / "in"], corpus=tmp_path / "corpus", index=False)
    row = read_corpus(tmp_path / "corpus", columns=["text", "raw_text", "structure_note", "kind"])
    [article] = row.to_pylist()
    assert article["raw_text"] == WRAPPED
    assert article["structure_note"] == NOTE
    assert article["kind"] == "article"
    assert article["text"].count("\n\n") == 4  # title and four paragraphs
