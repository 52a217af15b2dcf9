"""Which articles a query matches, and which words of the text it matches.

:func:`hit_ids` is the one place the analysis tools ask the search engine for a query's hits;
:func:`surface_pattern` turns the query's positive words, phrases and prefixes into a pattern over
the clean text.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import UsageError

if TYPE_CHECKING:
    from ..index.query import Node


class IndexBehindWarning(UserWarning):
    """The corpus has articles the search index has not seen yet: none of them can be a hit.

    A warning, not an error: the answer is right for the articles indexed. The commands print it
    as a note; a notebook shows it; ``newsarchive index`` (or ``Corpus.update_index()``) cures it.
    """


def hit_ids(
    query: str, *, corpus: str | Path, index_dir: str | Path, ranked: bool = False
) -> list[str]:
    """The ``doc_id`` of every article matching ``query``: best match first if ``ranked``, else
    in no particular order (much cheaper: counting and filtering need no relevance).

    Scope filters (source, dates) are applied by the callers on the corpus, so this asks the
    engine for the bare query, every hit, without snippets. Warns with
    :class:`IndexBehindWarning` when the index lags the corpus.
    """
    from ..index import matching_ids, search

    if ranked:
        results = search(query, corpus=corpus, index_dir=index_dir, limit=None, snippets=False)
        ids, behind = [hit.doc_id for hit in results.hits], results.index_behind
    else:
        matches = matching_ids(query, corpus=corpus, index_dir=index_dir)
        ids, behind = matches.ids, matches.index_behind
    if behind:
        warnings.warn(
            IndexBehindWarning(
                "the corpus has changed since it was indexed; run 'newsarchive index' "
                "for hits among the new articles"
            ),
            stacklevel=3,
        )
    return ids


@dataclass(frozen=True, slots=True)
class SurfacePattern:
    """The words a query looks for, as two equivalent regular expressions.

    ``exact`` is the plain definition: case-insensitive, word boundaries on both sides. Python's
    ``re`` cannot use its fast literal search on a case-insensitive pattern or one that starts
    with a look-behind, so :meth:`spans` runs ``fast`` (lower-case literals first) on the
    lower-cased text and checks the left boundary itself: the same matches, several times faster.
    """

    exact: re.Pattern[str]
    fast: re.Pattern[str]

    def spans(self, text: str) -> Iterator[tuple[int, int]]:
        """``(start, end)`` of each match in ``text``, left to right, not overlapping."""
        low = text.lower()
        if len(low) != len(text):  # a few characters lower-case to two: offsets would shift
            yield from (m.span() for m in self.exact.finditer(text))
            return
        pos = 0
        while (m := self.fast.search(low, pos)) is not None:
            start = m.start()
            if start and _WORD_CHAR.match(low, start - 1):
                pos = start + 1  # inside a word: as the look-behind would, try the next position
                continue
            yield start, m.end()
            pos = m.end() if m.end() > start else start + 1

    def findall(self, text: str) -> list[str]:
        """The matched text of each match (as ``re.findall`` gives it)."""
        return [text[a:b] for a, b in self.spans(text)]


def surface_pattern(query: str) -> SurfacePattern:
    """The pattern of the words ``query`` looks for in the text, ignoring case, on word boundaries.

    Excluded words (``NOT``) and filters (``source:``, ``topic:``, ``date:``…) do not count; a
    phrase's words may be separated by any run of white space or punctuation; ``strik*`` matches
    words starting with ``strik``; ``"a b"~2`` allows up to two words between neighbours.
    Longer alternatives come first, so a phrase wins over one of its own words.

    >>> surface_pattern('"junior doctors" OR strik* NOT topic:sport').findall("Junior-doctors striking, a strike")
    ['Junior-doctors', 'striking', 'strike']
    """
    from ..index.query import parse

    alternatives = sorted(set(_alternatives(parse(query))), key=lambda a: (-len(a), a))
    if not alternatives:
        raise UsageError(
            f"the query {query!r} names no words to find in the text; "
            "give a word, a phrase or a prefix (filters alone have no context to show)"
        )
    exact = "|".join(rf"(?<!\w){a}" for a in alternatives)
    return SurfacePattern(re.compile(exact, re.IGNORECASE), re.compile("|".join(alternatives)))


_TEXT_FIELDS = ("text", "title")  # the title is the first paragraph of the clean text
_WORD = re.compile(r"\w+")
_WORD_CHAR = re.compile(r"\w")


def _alternatives(node: Node) -> list[str]:
    """One regex per positive word, phrase or prefix of ``node``: lower case, no left boundary."""
    from ..index.query import And, Field, Or, Phrase, Prefix, Term

    match node:
        case Term(text):
            return _words_regex(text, 0)
        case Phrase(words, slop):
            return _words_regex(" ".join(words), slop)
        case Prefix(text):
            return _words_regex(text, 0, prefix=True)
        case And(children) | Or(children):
            return [alt for child in children for alt in _alternatives(child)]
        case Field(name, child) if name in _TEXT_FIELDS:
            return _alternatives(child)
        case _:  # NOT, other fields, dates, *: nothing to show in context
            return []


def _words_regex(text: str, slop: int, prefix: bool = False) -> list[str]:
    """The words of ``text`` (runs of letters and digits, as the engine splits them) in order."""
    words = _WORD.findall(text.lower())
    if not words:
        return []
    between = r"\W+" if slop == 0 else rf"\W+(?:\w+\W+){{0,{slop}}}"
    end = r"\w*" if prefix else r"(?!\w)"
    return [between.join(re.escape(w) for w in words) + end]
