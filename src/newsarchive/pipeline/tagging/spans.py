"""Runs of capitalised words ("spans"): the raw material of place, person and organisation tags.

One compiled regex finds every span in one pass. A span is capitalised words joined by single
spaces, with the small lower-case words that sit inside names between them ("Bank *of*
England", "Rio *de* Janeiro", "Trinidad *and* Tobago")::

    >>> list(iter_spans("Mr Hunt met the British Medical Association. It went well."))
    [(0, 7, 'Mr Hunt'), (16, 43, 'British Medical Association'), (45, 47, 'It')]

The regex starts with a character class so that the engine can skip straight to capitals (a
pattern opening with a look-behind or an alternation of abbreviations was four times slower);
what it cannot say cheaply (a sentence's full stop is no abbreviation's, a capital inside
"iPod" starts nothing) is settled afterwards, for the few spans that need it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_UP = "A-ZÀ-ÖØ-Þ"
_CONNECT = (
    r"(?:of the|of|for the|for|de la|de|del|der|den|van|von|da|di|du|la|le|al|bin|upon|and|&)"
)
_WORD = rf"[{_UP}][\w'’&.-]*"
SPAN_RE = re.compile(
    rf"{_WORD}(?: {_CONNECT}(?= [{_UP}]))?(?: {_WORD}(?: {_CONNECT}(?= [{_UP}]))?)*"
)
"""A span; a connector is only taken when another capitalised word follows it."""

CONNECTORS = frozenset(
    [
        "of",
        "the",
        "for",
        "de",
        "la",
        "del",
        "der",
        "den",
        "van",
        "von",
        "da",
        "di",
        "du",
        "le",
        "al",
        "bin",
        "upon",
        "and",
        "&",
    ]
)
ABBREVIATIONS = frozenset(
    [
        "Mr.",
        "Mrs.",
        "Ms.",
        "Dr.",
        "St.",
        "Mt.",
        "Ft.",
        "Sen.",
        "Rep.",
        "Gov.",
        "Gen.",
        "Col.",
        "Lt.",
        "Sgt.",
        "Capt.",
        "Prof.",
        "Rev.",
        "Jr.",
        "Sr.",
        "Inc.",
        "Corp.",
        "Co.",
        "Ltd.",
        "Bros.",
        "No.",
    ]
)
_INITIALS = re.compile(rf"(?:[{_UP}]\.)+")  # U.S. N.J. W.
_SENTENCE_END = frozenset(".!?:;\"“”‘’'()[]-–—•*|\n")


def iter_spans(text: str, start: int = 0) -> Iterator[tuple[int, int, str]]:
    """``(start, end, words)`` of every span in ``text`` from ``start`` on, in order."""
    for m in SPAN_RE.finditer(text, start):
        at, span = m.start(), m.group()
        if at and (text[at - 1].isalnum() or text[at - 1] in "'’"):
            continue  # "iPod", "McDonald's" seen from inside
        dot = span.find(".")
        if dot < 0:
            yield at, m.end(), span
        elif dot == len(span) - 1 and not _keeps_full_stop(span[span.rfind(" ") + 1 :]):
            yield at, m.end() - 1, span[:-1]  # "... in London."
        else:
            yield from _split_at_full_stops(at, span)


def _keeps_full_stop(word: str) -> bool:
    return word in ABBREVIATIONS or _INITIALS.fullmatch(word) is not None


def _split_at_full_stops(at: int, span: str) -> Iterator[tuple[int, int, str]]:
    """ "Iran. He" is two sentences; "U.S. Navy" and "Mr. Hunt" are one name each."""
    words: list[str] = []
    first = pos = at
    for word in span.split(" "):
        if word.endswith(".") and not _keeps_full_stop(word):
            words.append(word.rstrip("."))
            yield first, pos + len(words[-1]), " ".join(words)
            words = []
            first = pos + len(word) + 1
        else:
            words.append(word)
        pos += len(word) + 1
    if words:
        yield first, pos - 1, " ".join(words)


def word_offsets(start: int, words: list[str]) -> list[int]:
    """Where each word of a span starts (words are one space apart)."""
    offsets = []
    for w in words:
        offsets.append(start)
        start += len(w) + 1
    return offsets


def sentence_initial(text: str, pos: int) -> bool:
    """Whether the word at ``pos`` opens a sentence, a line, a quote or a bracket."""
    i = pos - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    return i < 0 or text[i] in _SENTENCE_END


def words_before(text: str, pos: int) -> tuple[str, str]:
    """The one and two lower-cased words just before ``pos`` (``""`` when punctuation intervenes).

    >>> words_before("talks with chief executive Ann Lee", 27)
    ('executive', 'chief executive')
    >>> words_before('he said: "Ann Lee', 10)
    ('', '')
    """
    window = text[max(0, pos - 40) : pos]
    if not window.endswith((" ", "\t")):
        return "", ""
    parts = window.split()
    if not parts or not _is_word(parts[-1]):
        return "", ""
    last = parts[-1].lower()
    if len(parts) < 2 or not _is_word(parts[-2]):
        return last, ""
    return last, f"{parts[-2].lower()} {last}"


def _is_word(token: str) -> bool:
    return token.replace("'", "").replace("-", "").isalnum()


def strip_possessive(word: str) -> str:
    """``Britain's`` -> ``Britain``; ``Jones'`` -> ``Jones``."""
    if word.endswith(("'s", "’s")):
        return word[:-2]
    if word.endswith(("'", "’")):
        return word[:-1]
    return word
