"""Which articles a query matches, and which words of the text it matches.

:func:`hit_ids` is the one place the analysis tools ask the search engine for a query's hits;
:func:`query_matcher` finds the query's positive words, phrases and prefixes in the clean text,
analysed as the index analysed it.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import UsageError
from ..storage import CorpusPath

if TYPE_CHECKING:
    from ..index.query import Node
    from ..index.snippets import HighlightSpec


class IndexBehindWarning(UserWarning):
    """The corpus has articles the search index has not seen yet: none of them can be a hit.

    A warning, not an error: the answer is right for the articles indexed. The commands print it
    as a note; a notebook shows it; ``newsarchive index`` (or ``Corpus.update_index()``) cures it.
    """


def hit_ids(
    query: str, *, corpus: str | CorpusPath, index_dir: str | Path, ranked: bool = False
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


class QueryMatcher:
    """Where a query's words stand in an article's text: every word the search would match it
    by, analysed as the index analysed it (:mod:`newsarchive.index.analysis`, in the article's
    language), so that the concordance shows what the search found: ``strike`` also shows
    *strikes* (one stem), ``老龄化`` shows the three characters wherever they stand together,
    ``ملك`` also shows *الملك*.

    Excluded words (``NOT``) and filters (``source:``, ``topic:``, ``date:``…) do not count; a
    phrase is one match from its first word to its last; ``strik*`` matches words whose stem
    starts with ``strik``. A phrase wins over its own words.
    """

    def __init__(self, tree: Node) -> None:
        self.tree = tree
        self._specs: dict[str | None, HighlightSpec] = {}

    def spec(self, language: str | None) -> HighlightSpec:
        from ..index.analysis import QueryAnalyser
        from ..index.snippets import highlight_spec

        if language not in self._specs:
            analyser = QueryAnalyser([language] if language else [], self.tree)
            self._specs[language] = highlight_spec(self.tree, analyser, language)
        return self._specs[language]

    def spans(self, text: str, language: str | None = None) -> list[tuple[int, int]]:
        """``(start, end)`` of each match in ``text``, left to right, not overlapping."""
        from ..index.snippets import match_spans, text_tokens

        spec = self.spec(language)
        return match_spans(text_tokens(text, language, spec, exact=False), spec)

    def findall(self, text: str, language: str | None = None) -> list[str]:
        """The matched text of each match."""
        return [text[a:b] for a, b in self.spans(text, language)]


def query_matcher(query: str) -> QueryMatcher:
    """The matcher of the words ``query`` looks for in the text.

    >>> query_matcher('"junior doctors" OR strik* NOT topic:sport').findall("Junior doctors striking, a strike", "en")
    ['Junior doctors', 'striking', 'strike']
    """
    from ..index.query import parse

    tree = parse(query)
    if not _alternatives(tree):
        raise UsageError(
            f"the query {query!r} names no words to find in the text; "
            "give a word, a phrase or a prefix (filters alone have no context to show)"
        )
    return QueryMatcher(tree)


def _alternatives(node: Node) -> list[str]:
    """The positive words, phrases and prefixes of ``node`` that search the text."""
    from ..index.compiler import text_leaves
    from ..index.query import Phrase

    return [
        " ".join(leaf.words) if isinstance(leaf, Phrase) else leaf.text
        for leaf in text_leaves(node)
    ]
