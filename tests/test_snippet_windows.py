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
