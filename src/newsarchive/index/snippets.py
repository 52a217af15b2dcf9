"""Snippets: the passage of an article's text that best shows why it matched, words marked.

Engine-neutral: the text's words are analysed as the index analysed them (:mod:`.analysis`, in
the article's language, so a stemmed ``strikes`` matches the query word ``strike`` exactly as the
index does), and the words to mark come from the query tree, not from the index. Phrases are marked only where the phrase occurs, not wherever one of its words does::

    >>> tokens = [TextToken(w, i, s, s + len(w)) for i, (w, s) in enumerate([("the", 0), ("picket", 4), ("line", 11)])]
    >>> spec = HighlightSpec(frozenset(), (), ((("picket", "line"), 0),))
    >>> make_snippet("The picket line", tokens, spec)
    'The **picket line**'
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from .analysis import (
    FOLDING_TO_ASCII,
    QueryAnalyser,
    Token,
    count_words,
    folds_to,
    is_cjk,
    script_of,
    stem_keeps_start,
    tokens,
)
from .compiler import text_leaves
from .query import Node, Phrase, Prefix, Term

TextToken = Token  # the name snippets have always used for an analysed word

MARK = ("**", "**")  # Markdown bold: readable as plain text, in CSV and in a notebook
SNIPPET_CHARS = 200
CONTEXT_CHARS = 40  # text shown before the first marked word of a snippet
ELLIPSIS = "…"


@dataclass(frozen=True, slots=True)
class HighlightSpec:
    """What to mark: single word forms, prefixes, and phrases as ``(words, slop)``."""

    terms: frozenset[str]
    prefixes: tuple[str, ...]
    phrases: tuple[tuple[tuple[str, ...], int], ...]

    def reach(self) -> int:
        """How many words apart two words may be and still make one of the phrases: no
        distance beyond it needs counting exactly (0 without phrases)."""
        return max((slop + 2 for _, slop in self.phrases), default=0)

    def first_letters(self) -> frozenset[str]:
        """The first two letters of every word to mark: other words need no analysis."""
        words = [*self.terms, *self.prefixes, *(w for ws, _ in self.phrases for w in ws)]
        return frozenset(w[:2] for w in words)  # a one-letter word or prefix is its own


def highlight_spec(
    tree: Node, analyser: QueryAnalyser, language: str | None = None
) -> HighlightSpec:
    """The words of ``tree`` that search the article text (excluded words are not marked), as
    an article in ``language`` holds them (None: in every candidate language)."""

    def normalize(text: str) -> list[tuple[str, ...]]:
        return analyser.forms(text, language)

    fold: Callable[[str], str] = analyser.prefix
    terms: set[str] = set()
    prefixes: list[str] = []
    phrases: list[tuple[tuple[str, ...], int]] = []

    def add_words(forms: list[tuple[str, ...]], slop: int) -> None:
        for words in forms:
            if len(words) == 1 and is_cjk(words[0]):
                prefixes.append(words[0])  # one CJK character starts a token, as in the index
            elif len(words) == 1:
                terms.add(words[0])
            elif words:
                phrases.append((words, slop))

    for leaf in text_leaves(tree):
        match leaf:
            case Term(text):
                add_words(normalize(text), 0)
            case Phrase(words, slop):
                add_words(normalize(" ".join(words)), slop)
            case Prefix(text):
                prefixes.append(fold(text))
    return HighlightSpec(frozenset(terms), tuple(prefixes), tuple(phrases))


def marked_spans(tokens: Sequence[TextToken], spec: HighlightSpec) -> list[tuple[int, int]]:
    """Character spans of the matching words, in order.

    ``tokens`` may leave out words that cannot match (positions keep phrases exact).
    """
    hits: dict[int, int] = {}  # token -> where its mark ends
    for i, token in enumerate(tokens):
        if token.norm in spec.terms:
            hits[i] = token.end
        else:
            for p in spec.prefixes:
                if token.norm.startswith(p):
                    # a CJK bigram holds the next character too: mark only the prefix's
                    cjk = is_cjk(p) and len(token.norm) == token.end - token.start
                    hits[i] = max(hits.get(i, 0), token.start + len(p) if cjk else token.end)
    for words, slop in spec.phrases:
        for i in _phrase_hits(tokens, words, slop):
            hits[i] = tokens[i].end
    return [(tokens[i].start, hits[i]) for i in sorted(hits)]


def match_spans(tokens: Sequence[TextToken], spec: HighlightSpec) -> list[tuple[int, int]]:
    """Each match as one span: a phrase from its first word to its last, a word, a prefix's
    part of a word; left to right, not overlapping (a longer match wins where two overlap)."""
    found: list[tuple[int, int]] = []
    for token in tokens:
        if token.norm in spec.terms:
            found.append((token.start, token.end))
        for p in spec.prefixes:
            if token.norm.startswith(p):
                cjk = is_cjk(p) and len(token.norm) == token.end - token.start
                found.append((token.start, token.start + len(p) if cjk else token.end))
    for words, slop in spec.phrases:
        for first, last in _phrase_runs(tokens, words, slop):
            found.append((tokens[first].start, tokens[last].end))
    found.sort(key=lambda span: (span[0], -span[1]))
    kept: list[tuple[int, int]] = []
    for start, end in found:
        if kept and start < kept[-1][1]:
            continue
        kept.append((start, end))
    return kept


def _phrase_runs(
    tokens: Sequence[TextToken], words: tuple[str, ...], slop: int
) -> Iterable[tuple[int, int]]:
    """``(first, last)`` token of each occurrence of the phrase."""
    for first, token in enumerate(tokens):
        if token.norm != words[0]:
            continue
        at = first
        for word in words[1:]:
            found_next = _next_word(tokens, at, word, slop)
            if found_next is None:
                break
            at = found_next
        else:
            yield first, at


def text_tokens(
    text: str, language: str | None, spec: HighlightSpec, *, exact: bool = True
) -> list[TextToken]:
    """The words of ``text`` (analysed in ``language``) that may match ``spec``: the others
    are left out, keeping their positions, so that phrases stay exact.

    Only the words that may match are analysed (a regex finds them by their first letters in
    the lower-cased text) and the words between them are only counted, so most of a long
    article is never stemmed. Text whose words may be stemmed from the front (Arabic, CJK, a
    language whose stemmer takes prefixes off) is analysed whole.

    ``exact=False`` counts the words between two candidates only as far as the spec's phrases
    reach (:meth:`HighlightSpec.reach`): positions further apart may be too close, but never
    within reach, so snippets and matches are those of exact positions, for less work.
    """
    firsts = spec.first_letters()
    if not firsts:
        return []
    windows = _windows(text, language, firsts)
    if windows is None:
        return [t for t in tokens(text, language) if t.norm[:2] in firsts or t.norm[:1] in firsts]
    reach = None if exact else spec.reach()
    found: list[TextToken] = []
    base = at = 0  # words before ``at``
    for lo, hi in windows:
        if reach is None:
            base += count_words(text[at:lo])
        elif reach:
            base += count_words(text, at, lo, most=reach)
        words = _window_tokens(text[lo:hi], language)
        for t in words:
            if t.norm[:2] in firsts or t.norm[:1] in firsts:
                found.append(TextToken(t.norm, base + t.pos, lo + t.start, lo + t.end))
        base, at = base + len(words), hi
    return found


@functools.lru_cache(maxsize=65_536)
def _window_tokens(window: str, language: str | None) -> list[TextToken]:
    """:func:`tokens` of a window, kept: the same runs of letters (*for*, *the*) come back in
    most articles. The list is shared: never change it."""
    return tokens(window, language)


_WHITE = re.compile(r"\s")


def _windows(
    text: str, language: str | None, firsts: frozenset[str]
) -> list[tuple[int, int]] | None:
    """Character ranges of ``text`` (from white space to white space) that hold every word
    that may match; None where the text must be analysed whole."""
    if not stem_keeps_start(language) or script_of(text) != "other":
        return None
    low = text.lower()
    if len(low) != len(text):  # a letter lower-cased to two (İ): offsets would not line up
        return None
    windows: list[tuple[int, int]] = []
    for m in _finder(firsts, text.isascii()).finditer(low):
        if windows and m.start() < windows[-1][1]:
            continue  # a second candidate in the same run of letters
        lo = _last_space(text, m.start()) + 1
        space = _WHITE.search(text, m.start())
        hi = len(text) if space is None else space.start()
        if windows and lo <= windows[-1][1]:
            windows[-1] = (windows[-1][0], hi)
        else:
            windows.append((lo, hi))
    return windows


def _last_space(text: str, before: int) -> int:
    """The last white space before ``before`` (-1: none)."""
    i = before - 1
    while i >= 0 and not text[i].isspace():
        i -= 1
    return i


@functools.lru_cache(maxsize=256)
def _finder(firsts: frozenset[str], ascii_text: bool) -> re.Pattern[str]:
    """Where a word starting with one of ``firsts`` may start, in lower-cased text: each letter
    as any letter that folds to it (folding the whole text first cost more than the rest); in
    text with letters beyond ASCII, an ASCII letter as any letter that may fold to an ASCII one
    (a few more candidates, and no accent table to load).

    The pattern starts with the class of every first letter, which lets ``re`` skip the other
    characters without trying the pattern at each; the rest is checked behind that letter.
    """

    def letters(chars: Iterable[str]) -> str:
        found = set(chars)
        accented = "" if ascii_text or not any(c.isascii() for c in found) else FOLDING_TO_ASCII
        plain = [re.escape(c) for c in found if c.isascii()]
        others = [re.escape(f) for c in found if not c.isascii() for f in folds_to(c)]
        return f"[{''.join(sorted(plain))}{''.join(sorted(others))}{accented}]"

    rest = [
        f"(?<={letters(f[0])}){letters(f[1])}" if len(f) > 1 else f"(?<={letters(f)})"
        for f in sorted(firsts, key=lambda f: (-len(f), f))
    ]
    first = letters(f[0] for f in firsts)
    return re.compile(rf"{first}(?<!\w[\s\S])(?:{'|'.join(rest)})")


def _phrase_hits(tokens: Sequence[TextToken], words: tuple[str, ...], slop: int) -> Iterable[int]:
    for first, token in enumerate(tokens):
        if token.norm != words[0]:
            continue
        found = [first]
        for word in words[1:]:
            found_next = _next_word(tokens, found[-1], word, slop)
            if found_next is None:
                break
            found.append(found_next)
        else:
            yield from found


def _next_word(tokens: Sequence[TextToken], after: int, word: str, slop: int) -> int | None:
    pos = tokens[after].pos
    for j in range(after + 1, len(tokens)):
        if tokens[j].pos - pos > slop + 1:
            return None
        if tokens[j].norm == word:
            return j
    return None


def make_snippet(
    text: str,
    tokens: Sequence[TextToken],
    spec: HighlightSpec,
    width: int = SNIPPET_CHARS,
    mark: tuple[str, str] = MARK,
) -> str:
    """About ``width`` characters around the densest cluster of matches, matches marked.

    With no match in the text (a title-only or tag-only match), the article's opening.
    """
    spans = _merge(text, marked_spans(tokens, spec))
    if not spans:
        return _lead(text, width)
    start, end = _best_window(text, spans, width)
    return _render(text, start, end, [s for s in spans if s[0] >= start and s[1] <= end], mark)


def _merge(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and not text[merged[-1][1] : start].strip():
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _best_window(text: str, spans: list[tuple[int, int]], width: int) -> tuple[int, int]:
    best: tuple[int, int] = (0, 0)
    best_score: tuple[int, int] = (-1, -1)
    for anchor_start, anchor_end in spans:
        start = min(_context_start(text, anchor_start), _tail_start(text, anchor_start, width))
        end = _word_end(text, max(start + width, anchor_end), anchor_end)
        inside = [text[a:b].lower() for a, b in spans if a >= start and b <= end]
        score = (len(set(inside)), len(inside))  # distinct words first: "strike" AND "doctors"
        if score > best_score:
            best, best_score = (start, end), score
    return best


def _context_start(text: str, anchor: int) -> int:
    """Where a snippet around ``anchor`` starts: the start of its sentence if that is near,
    else a word start about ``CONTEXT_CHARS`` before it."""
    earliest = max(0, anchor - CONTEXT_CHARS)
    boundary = max(text.rfind("\n", earliest, anchor), text.rfind(". ", earliest, anchor))
    if boundary >= 0:
        return _word_start(text, boundary + 1, anchor)
    return _word_start(text, earliest, anchor)


def _tail_start(text: str, anchor: int, width: int) -> int:
    """Near the end of the text, the room left lets the snippet start earlier: at the first
    sentence that still fits (or the start of the text)."""
    earliest = max(0, len(text) - width)
    if earliest == 0:
        return 0
    boundary = text.find(". ", earliest, anchor)
    return boundary + 2 if boundary >= 0 else anchor


def _word_start(text: str, i: int, limit: int) -> int:
    """Move ``i`` forward to the start of a word (never past ``limit``)."""
    if i == 0:
        return 0
    while i < limit and not text[i - 1].isspace():
        i += 1
    return i


def _word_end(text: str, i: int, limit: int) -> int:
    """Move ``i`` back to the end of a word (never before ``limit``)."""
    if i >= len(text):
        return len(text)
    while i > limit and not text[i].isspace():
        i -= 1
    return i


_SPACE = re.compile(r"\s+")


def _render(
    text: str, start: int, end: int, spans: list[tuple[int, int]], mark: tuple[str, str]
) -> str:
    out = [ELLIPSIS] if start > 0 else []
    at = start
    for a, b in spans:
        out.append(text[at:a])
        out.append(f"{mark[0]}{text[a:b]}{mark[1]}")
        at = b
    out.append(text[at:end])
    if end < len(text.rstrip()):
        out.append(ELLIPSIS)
    return _SPACE.sub(" ", "".join(out)).strip()


def _lead(text: str, width: int) -> str:
    text = text.strip()
    if len(text) <= width:
        return _SPACE.sub(" ", text)
    end = _word_end(text, width, 0) or width
    return _SPACE.sub(" ", text[:end]).rstrip() + ELLIPSIS
