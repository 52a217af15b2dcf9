"""Snippets analyse only windows of a text around words that may match: the words they keep,
with their positions and offsets, are exactly those of analysing the whole text."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsarchive.index.analysis import tokens
from newsarchive.index.snippets import (
    HighlightSpec,
    TextToken,
    make_snippet,
    match_spans,
    text_tokens,
)

EXAMPLES = sorted((Path(__file__).parents[1] / "examples").rglob("*.txt"))
FRENCH = (
    "Les cheminots de la SNCF ont voté la grève reconductible. À Lyon, l'assemblée générale "
    "des agents s'est tenue mardi ; « Nous ne lâcherons rien », a déclaré une déléguée.\n\n"
    "Les négociations reprendront jeudi à Paris, selon le ministère des Transports."
)
GERMAN = "Die Straße nach Köln blieb gesperrt. Der Streik der Lokführer dauert an, hieß es."
DOTTED = (  # words joined across dots are one word: a window must not start inside one
    "The U.S.-led talks (e.g. on tariffs) stalled; U.N. staff and U.K. officials left at 5.30pm.\n"
    "Officials said the U.S. would return, i.e. soon."
)
ARABIC = "أعلن الاتحاد العام للشغل الإضراب. وقال المتحدث باسم الاتحاد إن المفاوضات ستستأنف."


def whole(text: str, language: str, spec: HighlightSpec) -> list[TextToken]:
    """What the snippet needs, from the whole text analysed."""
    firsts = spec.first_letters()
    return [t for t in tokens(text, language) if t.norm[:2] in firsts or t.norm[:1] in firsts]


def specs(text: str, language: str) -> list[HighlightSpec]:
    """Terms, prefixes and phrases (exact, with slop, with a word skipped) drawn from the text."""
    norms = [t.norm for t in tokens(text, language)]
    terms = frozenset(norms[::5])
    prefixes = tuple(n[:3] for n in norms[3::11])
    pairs = tuple(((norms[i], norms[i + 1]), 0) for i in range(0, len(norms) - 1, 7))
    skips = tuple(((norms[i], norms[i + 2]), 1) for i in range(2, len(norms) - 2, 9))
    long = tuple(((norms[i], norms[i + 3]), 4) for i in range(1, len(norms) - 3, 13))
    return [
        HighlightSpec(terms, (), ()),
        HighlightSpec(frozenset(), prefixes, ()),
        HighlightSpec(frozenset(), tuple(sorted({n[:1] for n in norms[::4]})), ()),  # dense
        HighlightSpec(frozenset(), (), pairs),
        HighlightSpec(frozenset(norms[:1]), (), skips + long),
        HighlightSpec(frozenset({"zzzz"}), (), ()),  # nothing matches
    ]


TEXTS = [(p.read_text(encoding="utf-8", errors="replace"), "en") for p in EXAMPLES] + [
    (FRENCH, "fr"),
    (DOTTED, "en"),
    (GERMAN, "de"),  # ß folds to two letters: analysed whole
    (ARABIC, "ar"),  # a stemmer that takes prefixes off: analysed whole
]


@pytest.mark.parametrize(("text", "language"), TEXTS, ids=[str(i) for i in range(len(TEXTS))])
def test_windows_keep_exactly_the_words_of_the_whole_text(text: str, language: str) -> None:
    assert len(EXAMPLES) >= 5
    for spec in specs(text, language):
        expected = whole(text, language, spec)
        assert text_tokens(text, language, spec) == expected
        assert make_snippet(text, text_tokens(text, language, spec), spec) == make_snippet(
            text, expected, spec
        )


def test_phrase_words_far_apart_keep_their_distance() -> None:
    # the phrase's two words are five words apart, the words between them never analysed:
    # slop 4 finds them, slop 3 does not
    text = "On Monday the strike by junior doctors in England began at eight in the morning."
    near = HighlightSpec(frozenset(), (), ((("strike", "england"), 4),))
    far = HighlightSpec(frozenset(), (), ((("strike", "england"), 3),))
    assert [(t.norm, t.pos) for t in text_tokens(text, "en", near)] == [
        ("strike", 3),
        ("england", 8),
    ]
    assert make_snippet(text, text_tokens(text, "en", near), near) == (
        "On Monday the **strike** by junior doctors in **England** began at eight in the morning."
    )
    assert "**" not in make_snippet(text, text_tokens(text, "en", far), far)


@pytest.mark.parametrize(("text", "language"), TEXTS, ids=[str(i) for i in range(len(TEXTS))])
def test_positions_counted_as_far_as_phrases_reach_give_the_same_snippets(
    text: str, language: str
) -> None:
    for spec in specs(text, language):
        exact = text_tokens(text, language, spec)
        near = text_tokens(text, language, spec, exact=False)
        assert [(t.norm, t.start, t.end) for t in near] == [(t.norm, t.start, t.end) for t in exact]
        for a, b, c, d in zip(exact, exact[1:], near, near[1:], strict=False):
            assert (
                d.pos - c.pos == b.pos - a.pos
                or d.pos - c.pos >= spec.reach() > 0
                or not (spec.phrases)
            )
        assert make_snippet(text, near, spec) == make_snippet(text, exact, spec)
        assert match_spans(near, spec) == match_spans(exact, spec)


def test_a_gap_beyond_reach_is_counted_only_to_reach() -> None:
    text = "strike " + "and then " * 50 + "england strike england"
    spec = HighlightSpec(frozenset(), (), ((("strike", "england"), 1),))
    assert spec.reach() == 3
    near = [(t.norm, t.pos) for t in text_tokens(text, "en", spec, exact=False)]
    assert near == [("strike", 0), ("england", 4), ("strike", 5), ("england", 6)]
    exact = [(t.norm, t.pos) for t in text_tokens(text, "en", spec)]
    assert exact == [("strike", 0), ("england", 101), ("strike", 102), ("england", 103)]
    assert make_snippet(text, text_tokens(text, "en", spec, exact=False), spec) == (
        "…then and then and then and then england **strike england**"
    )


def test_letters_folding_to_ascii_lie_in_the_ranges_searched() -> None:
    """The snippet finder looks for an ASCII letter as any character of these ranges, without
    loading the accent table: every character the table folds to an ASCII one is among them."""
    import re

    from newsarchive.index.analysis import FOLDING_TO_ASCII, _latin_fold

    ranges = re.compile(f"[{FOLDING_TO_ASCII}]")
    folded = [chr(k) for k, v in _latin_fold().items() if k > 127 and v.isascii()]
    assert len(folded) > 600
    assert [c for c in folded if not ranges.match(c)] == []


def test_plain_text_words_are_found_without_the_large_classes() -> None:
    """Text of Latin letters, punctuation and currency signs has no combining mark, Arabic or
    CJK letter: the small word pattern finds exactly the words of the full one."""
    import unicodedata

    from newsarchive.index import analysis as an

    plain = [
        chr(c) for a, b in ((0, 0x2FF), (0x2000, 0x206F), (0x20A0, 0x20CF)) for c in range(a, b + 1)
    ]
    assert an.is_plain("".join(plain))
    assert not [c for c in plain if unicodedata.category(c) in ("Mn", "Mc", "Me")]
    assert an.script_of("".join(plain)) == "other"
    assert not an.is_plain("café\u0301") and not an.is_plain("Ελλάδα") and not an.is_plain("中")
    text = "“U.S.-led” talks — e.g. in Zürich, 5.30pm — cost €3.5bn; l’État and the naïve ʼokina"
    assert an.is_plain(text)
    assert an._PLAIN_WORDS.findall(text) == an._word_patterns()[0].findall(text)
    assert an.count_words(text) == 15
    assert [t.norm for t in an.tokens(text, "fr")][:4] == ["u.s", "led", "talk", "e.g"]
