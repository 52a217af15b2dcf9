"""The tantivy engine's leaves of the shared query compiler (:mod:`.compiler`): words, phrases,
prefixes, values and dates as tantivy queries with whoosh's meaning.

tantivy's phrase slop is a budget over the whole phrase and lets two words swap places (slop 2
finds *b a* for ``"a b"``); ours is per neighbouring pair, in order. Exact phrases compile
directly; a proximity phrase keeps what tantivy's slop 1 finds (surely right) and checks the other
matches of each neighbouring pair (a superset) word by word (:meth:`TantivyIndex.verify`).
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

import tantivy

from . import fields
from . import query as q
from .analysis import Form, QueryAnalyser, is_cjk
from .compiler import Mark, TreeCompiler
from .engines import EPOCH, MICROSECOND
from .fields import TAG_GAP, FieldSpec
from .tantivy_schema import PLACEHOLDERS, fold, lower, lowered_by_tantivy, words, words_field

if TYPE_CHECKING:
    from .tantivy_engine import TantivyIndex

MAX_CLAUSES = 64  # more word variants than this are matched as one unscored term set
MAX_PHRASES = 16  # more combinations of word variants than this make one regex phrase query


def _should(parts: list[tantivy.Query]) -> tantivy.Query:
    if len(parts) == 1:
        return parts[0]
    return tantivy.Query.boolean_query([(tantivy.Occur.Should, p) for p in parts])


def _must(parts: list[tantivy.Query], excluded: Iterable[tantivy.Query] = ()) -> tantivy.Query:
    clauses = [(tantivy.Occur.Must, p) for p in parts]
    clauses += [(tantivy.Occur.MustNot, p) for p in excluded]
    return clauses[0][1] if len(clauses) == 1 else tantivy.Query.boolean_query(clauses)


def _alternation(variants: list[str]) -> str:
    """A regex matching exactly these words (tantivy anchors term regexes at both ends)."""
    return "|".join(re.sub(r"([^\w])", r"\\\1", v) for v in variants)


def _day_micros(day: date) -> int:
    return (datetime(day.year, day.month, day.day, tzinfo=UTC) - EPOCH) // MICROSECOND


class Compiler(TreeCompiler[tantivy.Query]):
    """One query tree -> one tantivy query, reading the term dictionary of one searcher."""

    def __init__(
        self, index: TantivyIndex, searcher: tantivy.Searcher, analyser: QueryAnalyser
    ) -> None:
        super().__init__(analyser)
        self.index = index
        self.schema = index.schema
        self.searcher = searcher

    def all(self) -> tantivy.Query:
        return tantivy.Query.all_query()

    def none(self) -> tantivy.Query:
        return tantivy.Query.empty_query()

    def either(self, parts: list[tantivy.Query]) -> tantivy.Query:
        return _should(parts)

    def both(self, parts: list[tantivy.Query]) -> tantivy.Query:
        return _must(parts)

    def but_not(self, base: list[tantivy.Query], excluded: list[tantivy.Query]) -> tantivy.Query:
        return _must(base, excluded)

    def dates(self, start: date | None, end: date | None) -> tantivy.Query:
        if start is None and end is None:
            return tantivy.Query.exists_query("published_us")
        return tantivy.Query.range_query(
            self.schema,
            "local_us",
            tantivy.FieldType.Integer,
            None if start is None else _day_micros(start),
            None if end is None else _day_micros(end),
            include_lower=True,
            include_upper=end is None,  # the end day is exclusive; an open end is inclusive
        )

    # --- leaves

    def value(self, field: str, text: str, *, prefix: bool) -> tantivy.Query:
        # lists of values are lower-cased by tantivy (their field also counts them as written),
        # the other values by Python before indexing
        low = lower if lowered_by_tantivy(fields.spec(field)) else str.lower
        if prefix:
            return self.prefix_terms(field, low(text))
        return tantivy.Query.term_query(self.schema, field, low(text))

    def prefix(self, row: FieldSpec, text: str, boost: float) -> tantivy.Query:
        if row.kind == "words":
            return self.prefix_terms(row.name, self.analyser.prefix(text))
        return self.prefix_terms(words_field(row), fold(text).translate(PLACEHOLDERS))

    def match(self, row: FieldSpec, text: str, slop: int, boost: float) -> tantivy.Query | Mark:
        """``text`` (a word, or a phrase's words) in the ``words`` or ``tag`` field ``row``."""
        if row.kind == "words":
            found_all = [self.scoped(row, form, slop) for form in self.analyser.scoped(text)]
        else:
            analysed = words(text)
            found_all = [self.words(row, analysed, slop)] if analysed else []
        if not found_all:  # punctuation only: matches nothing, and AND ignores it
            return Mark.NONE
        found = found_all[0] if len(found_all) == 1 else _should(found_all)
        return found if boost == 1.0 else tantivy.Query.boost_query(found, boost)

    def scoped(self, row: FieldSpec, form: Form, slop: int) -> tantivy.Query:
        """One form of a word, looked for only in the articles of its language(s)."""
        query = self.words(row, list(form.words), slop)
        if form.only is not None:
            languages = _should(
                [tantivy.Query.term_query(self.schema, "language", v) for v in form.only]
            )
            return _must([query, tantivy.Query.const_score_query(languages, 0.0)])
        if form.unless:
            excluded = [tantivy.Query.term_query(self.schema, "language", v) for v in form.unless]
            return _must([query], excluded)
        return query

    def words(self, row: FieldSpec, analysed: list[str], slop: int) -> tantivy.Query:
        """One form of a query word or phrase in field ``row``."""
        indexed = words_field(row)
        if len(analysed) == 1 and row.kind == "words" and is_cjk(analysed[0]):
            return self.prefix_terms(indexed, analysed[0])  # one CJK character
        alternatives = [self.variants(indexed, a) for a in analysed]
        if not all(alternatives):
            return tantivy.Query.empty_query()
        if len(alternatives) == 1:
            return self.any_word(indexed, alternatives[0])
        if slop == 0:
            return self.phrase(indexed, alternatives, 0)
        return self.proximity(row, alternatives, slop)

    def variants(self, field: str, analysed: str) -> list[str]:
        """``analysed`` if ``field`` holds it (each word is indexed as analysed, on both engines)."""
        return [analysed] if self.searcher.doc_freq(field, analysed) else []

    def any_word(self, field: str, variants: list[str]) -> tantivy.Query:
        if len(variants) > MAX_CLAUSES:
            return tantivy.Query.term_set_query(self.schema, field, variants)
        return _should([tantivy.Query.term_query(self.schema, field, v) for v in variants])

    def phrase(self, field: str, alternatives: list[list[str]], slop: int) -> tantivy.Query:
        """Words in this order, each one of its alternatives: one phrase per combination while
        they are few (twice as fast as tantivy's regex phrase), else one regex phrase."""
        combinations = math.prod(len(a) for a in alternatives)
        if combinations <= MAX_PHRASES:
            return _should(
                [
                    tantivy.Query.phrase_query(self.schema, field, list(words), slop)
                    for words in itertools.product(*alternatives)
                ]
            )
        patterns: list[str | tuple[int, str]] = [_alternation(a) for a in alternatives]
        return tantivy.Query.regex_phrase_query(self.schema, field, patterns, slop)

    def prefix_terms(self, field: str, prefix: str) -> tantivy.Query:
        """Words whose indexed form starts with ``prefix``: their stem, in title and text."""
        matches = {t for t, _ in self.searcher.terms_with_prefix(field, prefix)}
        if not matches:
            return tantivy.Query.empty_query()
        return tantivy.Query.term_set_query(self.schema, field, sorted(matches))

    def proximity(self, row: FieldSpec, alternatives: list[list[str]], slop: int) -> tantivy.Query:
        """Neighbours in order with at most ``slop`` words between each pair, as whoosh.

        The exact phrase is surely right, and so is tantivy's slop 1 when no word repeats (a
        repeated word may stand on one position twice) in one value (names are several); the other
        candidates, those of each neighbouring pair within ``slop``, are checked word by word.
        """
        field = words_field(row)
        distinct = len(set().union(*alternatives)) == sum(len(a) for a in alternatives)
        sure_slop = min(slop, 1) if distinct and row.kind != "tag" else 0
        sure = self.phrase(field, alternatives, sure_slop)
        pairs = [
            self.phrase(field, alternatives[i : i + 2], slop) for i in range(len(alternatives) - 1)
        ]
        candidates = _must(pairs)
        wanted = [frozenset(a) for a in alternatives]
        doubtful = _must([candidates], [sure])
        ids = self.index.verify(self.searcher, doubtful, row.name, wanted, slop)
        if not ids:
            return sure
        only = tantivy.Query.term_set_query(self.schema, "doc_id", sorted(ids))
        return _should([sure, _must([candidates, tantivy.Query.const_score_query(only, 0.0)])])


def near(positions: list[list[int]], slop: int) -> bool:
    """Is there one position per word, each 1 to ``slop + 1`` after the previous one?

    >>> near([[0, 7], [2, 9], [3]], 1), near([[0], [2], [5]], 1)
    (True, False)
    """
    return bool(q.phrase_ends(positions, slop))


def _positions(tokens: list[tuple[str, int]], wanted: list[frozenset[str]]) -> list[list[int]]:
    # A word repeated in the phrase is looked up once: "strike strike strike" costs one pass.
    found: dict[frozenset[str], list[int]] = {}
    for choice in wanted:
        if choice not in found:
            found[choice] = [pos for word, pos in tokens if word in choice]
    return [found[choice] for choice in wanted]


def _tag_tokens(values: list[str]) -> list[tuple[str, int]]:
    """Words of tag values with whoosh's gap of ``TAG_GAP`` positions between two values."""
    found: list[tuple[str, int]] = []
    pos = 0
    for value in values:
        for word in words(value):
            found.append((word, pos))
            pos += 1
        pos += TAG_GAP
    return found
