"""The tantivy engine: the query tree compiled to tantivy queries, giving whoosh's answers fast.

tantivy (tantivy-py) indexes tens of times faster than whoosh and answers in a fraction of a
millisecond. whoosh stays the default, so this engine copies whoosh's meaning rather than
tantivy's, and never hands the user's string to tantivy's own query parser:

- **Words.** Title and text are analysed in Python (:mod:`.analysis`, per language, as whoosh
  gets them) and indexed as their analysed words joined by spaces, split by tantivy's
  ``whitespace`` tokenizer: the same words at the same positions on both engines. Names (place,
  person, org) are not stemmed: whoosh's words are ``\\w+(\\.?\\w+)*`` (*U.S.* and *3.5* are one
  word each); tantivy's regex tokenizer would find them but halves indexing speed, and its fast
  ``simple`` tokenizer splits at every character that is not a letter or digit. So names are
  prepared in Python (:func:`prepare`: a dot between two word characters and every underscore
  become placeholder letters, and the few characters Rust calls alphanumeric but Python does not
  become spaces) and then split by ``simple``. Names have two fields: their values whole, as
  written (stored, and counted for facets), and their prepared words (``place_words``…) for
  searching, lower-cased and accent-folded by tantivy's filters. The folding tables differ on a
  few letters (ß, æ, œ, þ and ligatures): names holding them may match differently on the two
  engines.
- **Proximity.** tantivy's phrase slop is a budget over the whole phrase and lets two words swap
  places (slop 2 finds *b a* for ``"a b"``); ours is per neighbouring pair, in order. Exact phrases
  compile directly; a proximity phrase keeps what tantivy's slop 1 finds (surely right) and checks
  the other matches of each neighbouring pair (a superset) word by word, on the stored title and
  names or on the text read back from the corpus: slow only when such near misses are many.
- **Dates** sort and filter on microseconds in an integer fast field: tantivy's date fields keep
  whole seconds, whoosh sorts by microseconds. Undated articles hold no value, which tantivy puts
  last both ways, as whoosh does. Date sorts break ties by relevance, as whoosh does.
- ``Searcher.search`` panics on ``limit=0``; counts ask for one hit.
- **Writing.** One writer per index: tantivy's ``LockBusy`` becomes :class:`IndexLocked`. Each
  add is one commit; then merges are waited for (tantivy's log merge policy keeps the segment count
  logarithmic) and the files of merged-away segments are deleted (``garbage_collect_files``):
  otherwise they pile up. Writer memory is bounded by ``heap_size``.
- tantivy's snippet generator returns nothing for fields that are not stored; the text is not
  stored (the corpus holds it), so snippets are cut from the corpus text as for whoosh.
"""

from __future__ import annotations

import functools
import gc
import itertools
import json
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import tantivy

from ..storage import CorpusPath, corpus_path
from . import fields as user_fields
from . import query as q
from .analysis import Form, QueryAnalyser, is_cjk, norms, tokens
from .model import (
    VALUE_FIELDS,
    EngineHit,
    IndexLocked,
    SearchIndexError,
    facet_counts,
    in_zone,
    local_time,
)

SCHEMA_VERSION = 4  # bump when the schema or analysis changes: indexes are then rebuilt
ENGINE = "tantivy"
# tokenizer names recorded in the schema (tokenizers themselves are registered on each opening)
WORDS = "newsarchive_words"  # names' words: prepared text, split by ``simple``
ANALYSED = "newsarchive_analysed"  # title and text: words analysed in Python, joined by spaces
LOWER = "newsarchive_lower"  # topics: whole values, any case; counted whole as written
DOT, UNDERSCORE = "\ua66e", "\u01c2"  # letters that stand for . and _ inside a word (no case)
TAG_GAP = 100  # as whoosh: positions between two tag values, so proximity never spans two names
TITLE_BOOST = 2.0
DEFAULT_FIELDS = (("title", TITLE_BOOST), ("text", 1.0))
MIN_THREAD_HEAP = 15_000_000  # tantivy refuses less per indexing thread
FACET_SIZE = 1_000_000  # distinct values a facet can report
MAX_CLAUSES = 64  # more word variants than this are matched as one unscored term set
MAX_PHRASES = 16  # more combinations of word variants than this make one regex phrase query
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

STEMMED = frozenset({"title", "text"})
TAG_FIELDS = frozenset({"place", "person", "org"})
# A name field keeps its values whole (stored, counted, checked by proximity); their words are
# searched in a field of their own. One field with a regex tokenizer did both, but tantivy clones
# the regex for every value, which cost a quarter of all indexing time.
WORD_FIELDS = {name: f"{name}_words" for name in TAG_FIELDS}
# corpus column -> index field of values kept as written (and counted so)
TAG_COLUMNS = (
    ("topics", "topic"),
    ("places", "place"),
    ("people", "person"),
    ("organisations", "org"),
)
# facet name -> index field that counts the values (as written, except country/kind/language)
FACET_FIELDS: dict[str, str] = {
    "source": "facet_source",
    "topic": "topic",
    "country": "country",
    "place": "place",
    "person": "person",
    "org": "org",
    "kind": "kind",
    "language": "language",
    "month": "month",
    "year": "month",
}


# --- analysis --------------------------------------------------------------------------------------


# Characters that Rust's ``char::is_alphanumeric`` (tantivy's ``simple`` tokenizer) counts as
# word characters but Python's ``\w`` (whoosh) does not: combining marks of Indic, Arabic and
# Hebrew scripts, circled letters, letters newer than Python's Unicode tables. Hex code points and
# ranges, from tantivy-py 0.27 and Python 3.11; tests/test_engines.py checks them.
RUST_ONLY_WORD_CHARS = (
    "345 363-36F 5B0-5BD 5BF 5C1-5C2 5C4-5C5 5C7 610-61A 64B-657 659-65F 670 6D6-6DC 6E1-6E4 "
    "6E7-6E8 6ED 711 730-73F 7A6-7B0 816-817 81B-823 825-827 829-82C 88F 897 8D4-8DF 8E3-8E9 "
    "8F0-903 93A-93B 93E-94C 94E-94F 955-957 962-963 981-983 9BE-9C4 9C7-9C8 9CB-9CC 9D7 "
    "9E2-9E3 A01-A03 A3E-A42 A47-A48 A4B-A4C A51 A70-A71 A75 A81-A83 ABE-AC5 AC7-AC9 ACB-ACC "
    "AE2-AE3 AFA-AFC B01-B03 B3E-B44 B47-B48 B4B-B4C B56-B57 B62-B63 B82 BBE-BC2 BC6-BC8 "
    "BCA-BCC BD7 C00-C04 C3E-C44 C46-C48 C4A-C4C C55-C56 C5C C62-C63 C81-C83 CBE-CC4 CC6-CC8 "
    "CCA-CCC CD5-CD6 CDC CE2-CE3 CF3 D00-D03 D3E-D44 D46-D48 D4A-D4C D57 D62-D63 D81-D83 "
    "DCF-DD4 DD6 DD8-DDF DF2-DF3 E31 E34-E3A E4D EB1 EB4-EB9 EBB-EBC ECD F71-F83 F8D-F97 "
    "F99-FBC 102B-1036 1038 103B-103E 1056-1059 105E-1060 1062-1064 1067-106D 1071-1074 "
    "1082-108D 108F 109A-109D 1712-1713 1732-1733 1752-1753 1772-1773 17B6-17C8 1885-1886 18A9 "
    "1920-192B 1930-1938 1A17-1A1B 1A55-1A5E 1A61-1A74 1ABF-1AC0 1ACC-1ACE 1B00-1B04 1B35-1B43 "
    "1B80-1B82 1BA1-1BA9 1BAC-1BAD 1BE7-1BF1 1C24-1C36 1C89-1C8A 1DD3-1DF4 24B6-24E9 2DE0-2DFF "
    "A674-A67B A69E-A69F A7CB-A7CF A7D2 A7D4 A7DA-A7DC A7F1 A802 A80B A823-A827 A880-A881 "
    "A8B4-A8C3 A8C5 A8FF A926-A92A A947-A952 A980-A983 A9B4-A9BF A9E5 AA29-AA36 AA43 AA4C-AA4D "
    "AA7B-AA7D AAB0 AAB2-AAB4 AAB7-AAB8 AABE AAEB-AAEF AAF5 ABE3-ABEA FB1E 10376-1037A "
    "105C0-105F3 10940-10959 10A01-10A03 10A05-10A06 10A0C-10A0F 10D24-10D27 10D40-10D65 10D69 "
    "10D6F-10D85 10EAB-10EAC 10EC2-10EC7 10EFA-10EFC 11000-11002 11038-11045 11073-11074 "
    "11080-11082 110B0-110B8 110C2 11100-11102 11127-11132 11145-11146 11180-11182 111B3-111BF "
    "111CE-111CF 1122C-11234 11237 1123E-11241 112DF-112E8 11300-11303 1133E-11344 11347-11348 "
    "1134B-1134C 11357 11362-11363 11380-11389 1138B 1138E 11390-113B5 113B7-113C0 113C2 113C5 "
    "113C7-113CA 113CC-113CD 113D1 113D3 11435-11441 11443-11445 114B0-114C1 115AF-115B5 "
    "115B8-115BE 115DC-115DD 11630-1163E 11640 116AB-116B5 116D0-116E3 1171D-1172A 1182C-11838 "
    "11930-11935 11937-11938 1193B-1193C 11940 11942 119D1-119D7 119DA-119DF 119E4 11A01-11A0A "
    "11A35-11A39 11A3B-11A3E 11A51-11A5B 11A8A-11A97 11B60-11B67 11BC0-11BE0 11BF0-11BF9 "
    "11C2F-11C36 11C38-11C3E 11C92-11CA7 11CA9-11CB6 11D31-11D36 11D3A 11D3C-11D3D 11D3F-11D41 "
    "11D43 11D47 11D8A-11D8E 11D90-11D91 11D93-11D96 11DB0-11DDB 11DE0-11DE9 11EF3-11EF6 "
    "11F00-11F10 11F12-11F3A 11F3E-11F40 11F50-11F59 1342F 13441-13446 13460-143FA 16100-1612E "
    "16130-16139 16D40-16D6C 16D70-16D79 16EA0-16EB8 16EBB-16ED3 16F4F 16F51-16F87 16F8F-16F92 "
    "16FF0-16FF6 187F8-187FF 18CFF 18D09-18D1E 18D80-18DF2 1B132 1B155 1BC9E 1CCF0-1CCF9 "
    "1D2C0-1D2D3 1DF25-1DF2A 1E000-1E006 1E008-1E018 1E01B-1E021 1E023-1E024 1E026-1E02A "
    "1E030-1E06D 1E08F 1E4D0-1E4EB 1E4F0-1E4F9 1E5D0-1E5ED 1E5F0-1E5FA 1E6C0-1E6DE 1E6E0-1E6F5 "
    "1E6FE-1E6FF 1E947 1F130-1F149 1F150-1F169 1F170-1F189 2B739-2B73F 2CEA2-2CEAD 2EBF0-2EE5D "
    "31350-33479"
)


@functools.cache
def _separators() -> tuple[re.Pattern[str], frozenset[str]]:
    """A pattern for the Rust-only word characters, with all astral characters as candidates
    (a long astral class makes ``re`` slow), and the astral ones to check candidates against."""
    bmp: list[str] = []
    astral: set[str] = set()
    for item in RUST_ONLY_WORD_CHARS.split():
        first, _, last = item.partition("-")
        chars = [chr(c) for c in range(int(first, 16), int(last or first, 16) + 1)]
        chars = [c for c in chars if not c.isalnum()]  # a newer Python may know more letters
        bmp.extend(re.escape(c) for c in chars if c <= "\uffff")
        astral.update(c for c in chars if c > "\uffff")
    return re.compile(f"[{''.join(bmp)}\U00010000-\U0010ffff]"), frozenset(astral)


_JOINING_DOT = re.compile(r"\.(?<=\w\.)(?=\w)")  # starts with the dot: re searches for it fast
_PLACE = str.maketrans({".": DOT, "_": UNDERSCORE})
_ASCII = bytes(range(128))


def _separate(match: re.Match[str]) -> str:
    char = match.group()
    return " " if char <= "\uffff" or char in _separators()[1] else char


def prepare(text: str) -> str:
    """``text`` made ready for tantivy's ``simple`` tokenizer to find whoosh's words in it.

    >>> prepare("U.S. sales_tax rose 3.5%.") == f"U{DOT}S. sales{UNDERSCORE}tax rose 3{DOT}5%."
    True
    """
    if "." in text:
        text = _JOINING_DOT.sub(DOT, text)
    if "_" in text:
        text = text.replace("_", UNDERSCORE)
    if not text.isascii():
        # re scans 3 ns a character; its non-ASCII characters alone are found 5 times faster
        others = text.encode("utf-8", "surrogatepass").translate(None, _ASCII)
        pattern = _separators()[0]
        if pattern.search(others.decode("utf-8", "surrogatepass")):
            text = pattern.sub(_separate, text)
    return text


def _analyzer(tokenizer: tantivy.Tokenizer, *filters: tantivy.Filter) -> tantivy.TextAnalyzer:
    builder = tantivy.TextAnalyzerBuilder(tokenizer)
    for f in filters:
        builder = builder.filter(f)
    return builder.build()


@functools.cache
def _analyzers() -> dict[str, tantivy.TextAnalyzer]:
    """The analysers by name: the schema's tokenizers, ``fold`` for prefixes, ``raw`` for counts."""
    lower, ascii_fold = tantivy.Filter.lowercase(), tantivy.Filter.ascii_fold()
    return {
        WORDS: _analyzer(tantivy.Tokenizer.simple(), lower, ascii_fold),
        ANALYSED: _analyzer(tantivy.Tokenizer.whitespace()),
        LOWER: _analyzer(tantivy.Tokenizer.raw(), lower),
        "fold": _analyzer(tantivy.Tokenizer.raw(), lower, ascii_fold),
        "raw": _analyzer(tantivy.Tokenizer.raw()),
    }


def words(text: str) -> list[str]:
    """The words of ``text`` as the index holds them: lower-cased, accents folded, not stemmed
    (with placeholders for the dots and underscores inside words).

    >>> [w.replace(DOT, ".") for w in words("Café-owners' U.S. strikes")]
    ['cafe', 'owners', 'u.s', 'strikes']
    """
    return _analyzers()[WORDS].analyze(prepare(text))


def fold(text: str) -> str:
    """``text`` lower-cased and accent-folded as a whole, not split into words (for prefixes)."""
    folded = _analyzers()["fold"].analyze(text)
    return folded[0] if folded else ""


def lower(text: str) -> str:
    """A keyword value as the index holds it: lower-cased as a whole."""
    lowered = _analyzers()[LOWER].analyze(text)
    return lowered[0] if lowered else ""


def analyse(field: str, text: str) -> list[str]:
    """Query words of a name field as whoosh's analyser for it gives them."""
    return words(text)


# --- schema and documents --------------------------------------------------------------------------


def schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()

    def raw(name: str, *, stored: bool = False, fast: bool = False) -> None:
        """A field of whole values (ids, keywords, facet values), not split into words."""
        sb.add_text_field(
            name, stored=stored, fast=fast, tokenizer_name="raw", index_option="basic"
        )

    raw("doc_id", stored=True)
    raw("part", stored=True)
    sb.add_integer_field("row", stored=True)
    sb.add_text_field("title", tokenizer_name=ANALYSED)  # analysed words: indexed, not stored
    sb.add_text_field("text", tokenizer_name=ANALYSED)
    sb.add_bytes_field("headline", stored=True)  # the title as written
    sb.add_integer_field("published_us", stored=True, indexed=True, fast=True)
    sb.add_integer_field("local_us", indexed=True)
    sb.add_integer_field("offset_min", stored=True)  # hits show the day as printed
    sb.add_bytes_field("url", stored=True)
    raw("month", fast=True)
    raw("source")  # lower-cased, matched whole
    for name in ("country", "kind"):  # lower-cased values, matched whole and counted
        raw(name, fast=True)
    raw("language", stored=True, fast=True)  # stored: the hit's text is analysed in it
    raw("facet_source", stored=True, fast=True)  # as written: for hits and counts
    sb.add_text_field("topic", fast=True, tokenizer_name=LOWER, index_option="basic")
    for name in sorted(TAG_FIELDS):  # stored: proximity phrases are checked on them
        raw(name, stored=True, fast=True)
        sb.add_text_field(WORD_FIELDS[name], tokenizer_name=WORDS)  # prepared values
    _user_schema(raw)
    return sb.build()


# --- the researcher's own fields (index/fields.py): one term field, one as-written field --------


def _user_schema(raw: Any) -> None:
    raw("user")  # index_term values: name SEP value, lower case
    raw("user_facet", fast=True)  # name SEP value as written, counted by aggregation


def _user_document(row: dict[str, Any], fields: dict[str, Any]) -> None:
    terms, shown = user_fields.index_values(row)
    if terms:
        fields["user"] = terms
    if shown:
        fields["user_facet"] = shown


def _user_query(schema: tantivy.Schema, node: q.Term | q.Phrase | q.Prefix, name: str) -> Any:
    if isinstance(node, q.Prefix):
        prefix = re.escape(user_fields.index_term(name, node.text))
        return tantivy.Query.regex_query(schema, "user", prefix + ".*")
    text = node.text if isinstance(node, q.Term) else " ".join(node.words)
    return tantivy.Query.term_query(schema, "user", user_fields.index_term(name, text))


def _user_facet(buckets: list[dict[str, Any]], name: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for b in buckets:
        value = user_fields.facet_value(name, str(b["key"]))
        if value is not None:
            counts[value] = int(b["doc_count"])
    return counts


_MICROSECOND = timedelta(microseconds=1)


def _day_micros(day: date) -> int:
    return (datetime(day.year, day.month, day.day, tzinfo=UTC) - EPOCH) // _MICROSECOND


def _prepared(values: list[str]) -> list[str]:
    """``prepare`` for each value, in one call for all of them (most need no change)."""
    joined = "\n".join(values)
    prepared = prepare(joined)
    if prepared is joined:
        return values
    parts = prepared.split("\n")
    return parts if len(parts) == len(values) else [prepare(v) for v in values]


def _values(values: list[str] | None) -> list[str]:
    """Tag values trimmed, without blanks. Repeats may stay: tantivy counts each article once.

    Stripping every value is several times quicker than first checking, with a regex over the
    joined values, whether any needs it.
    """
    stripped = [v.strip() for v in values or ()]
    return stripped if all(stripped) else [s for s in stripped if s]


def document(row: dict[str, Any], part: str, row_number: int) -> tantivy.Document:
    """The tantivy document for one corpus row (columns of ``fetch.INDEX_COLUMNS``).

    Values are cleaned as whoosh's analysers clean them: keyword values lower-cased (topics and
    countries trimmed too), tag values trimmed, empty values left out. Indexing speed hangs on
    this function (articles carry dozens of tags): one Document call takes every list at once.
    """
    fields: dict[str, Any] = {
        "doc_id": row["doc_id"],
        "part": part,
        "row": row_number,
        "text": norms(row["text"] or "", row["language"]),
    }
    if title := row["title"]:
        fields["title"] = norms(title, row["language"])
        fields["headline"] = title.encode("utf-8")
    if url := row["url"]:
        fields["url"] = url.encode("utf-8")
    if source := row["source"]:
        fields["source"] = source.lower()
        if source.strip():
            fields["facet_source"] = source.strip()
    for name in ("kind", "language"):
        if value := row[name]:
            fields[name] = value.lower()
    published: datetime | None = row["published_at"]
    if published is not None:
        fields["published_us"] = (published - EPOCH) // _MICROSECOND  # the instant: for order
        # date: queries and months go by the day as printed (the wall clock, read as UTC)
        local = local_time(published, row["published_offset"])
        fields["local_us"] = (local.replace(tzinfo=UTC) - EPOCH) // _MICROSECOND
        if offset := row["published_offset"]:
            fields["offset_min"] = offset
        fields["month"] = f"{local.year:04d}-{local.month:02d}"
    if countries := _values(row["countries"]):
        fields["country"] = list(dict.fromkeys(v.lower() for v in countries))
    for column, name in TAG_COLUMNS:
        if values := _values(row[column]):
            fields[name] = values
            if name in WORD_FIELDS:
                fields[WORD_FIELDS[name]] = _prepared(values)
    _user_document(row, fields)
    # Python types map onto the schema's (str: text, int: i64, bytes: bytes); Document(**fields)
    # is 5 µs an article quicker than Document.from_dict(fields, schema), a twentieth of indexing.
    return tantivy.Document(**fields)


# --- compiling query trees -------------------------------------------------------------------------


class _Marker:
    """A compiled query that whoosh's normalisation treats specially."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


NULL = _Marker("NULL")  # words that analyse to nothing: ignored inside AND, match nothing alone
EVERY = _Marker("EVERY")  # every article
Compiled = tantivy.Query | _Marker


def _should(parts: list[tantivy.Query]) -> tantivy.Query:
    if len(parts) == 1:
        return parts[0]
    return tantivy.Query.boolean_query([(tantivy.Occur.Should, p) for p in parts])


def _must(parts: list[tantivy.Query], excluded: Iterable[tantivy.Query] = ()) -> tantivy.Query:
    clauses = [(tantivy.Occur.Must, p) for p in parts]
    clauses += [(tantivy.Occur.MustNot, p) for p in excluded]
    return clauses[0][1] if len(clauses) == 1 else tantivy.Query.boolean_query(clauses)


def _materialise(compiled: Compiled) -> tantivy.Query:
    if compiled is EVERY:
        return tantivy.Query.all_query()
    if compiled is NULL:
        return tantivy.Query.empty_query()
    assert isinstance(compiled, tantivy.Query)
    return compiled


def _alternation(variants: list[str]) -> str:
    """A regex matching exactly these words (tantivy anchors term regexes at both ends)."""
    return "|".join(re.sub(r"([^\w])", r"\\\1", v) for v in variants)


class _Compiler:
    """One query tree -> one tantivy query, reading the term dictionary of one searcher."""

    def __init__(
        self, index: TantivyIndex, searcher: tantivy.Searcher, tree: q.Node | None = None
    ) -> None:
        self.index = index
        self.schema = index.schema
        self.searcher = searcher
        self.analyser = index.analyser(searcher, tree)

    def compile(self, node: q.Node) -> tantivy.Query:
        return _materialise(self.node(node, None))

    def node(self, node: q.Node, field: str | None) -> Compiled:
        match node:
            case q.And(children):
                return self.conjunction(children, field)
            case q.Or(children):
                return self.disjunction([self.node(c, field) for c in children])
            case q.Not(child):
                return self.conjunction((node,), field)
            case q.Field(name, child):
                return self.node(child, name)
            case q.DateRange(start, end):
                return self.dates(start, end)
            case q.MatchAll():
                return EVERY
        leaf: q.Term | q.Phrase | q.Prefix = node
        if field is None:
            return self.disjunction(
                [self.leaf(leaf, name, boost) for name, boost in DEFAULT_FIELDS]
            )
        return self.leaf(leaf, field, 1.0)

    @staticmethod
    def disjunction(parts: list[Compiled]) -> Compiled:
        if any(p is EVERY for p in parts):
            return EVERY
        real = [p for p in parts if isinstance(p, tantivy.Query)]
        return _should(real) if real else NULL

    def conjunction(self, children: tuple[q.Node, ...], field: str | None) -> Compiled:
        """As whoosh: ``NOT`` subtracts from the rest; an AND of only ignored words is NULL."""
        keep = [self.node(c, field) for c in children if not isinstance(c, q.Not)]
        drop = [self.node(c.child, field) for c in children if isinstance(c, q.Not)]
        keep = [k for k in keep if k is not EVERY]
        if keep and all(k is NULL for k in keep):
            return NULL
        base = [k for k in keep if isinstance(k, tantivy.Query)]
        excluded = [_materialise(d) for d in drop if d is not NULL]
        if not excluded:
            return _must(base) if base else EVERY
        return _must(base or [tantivy.Query.all_query()], excluded)

    def dates(self, start: date | None, end: date | None) -> Compiled:
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

    def leaf(self, node: q.Term | q.Phrase | q.Prefix, name: str, boost: float) -> Compiled:
        """``node`` in query field ``name`` (the index field of the same name, or of its words)."""
        if name in VALUE_FIELDS:
            return self.value(node, name)
        if user_fields.is_user(name):
            own: tantivy.Query = _user_query(self.schema, node, name)
            return own
        if isinstance(node, q.Prefix):
            if name in STEMMED:
                return self.prefix(name, self.analyser.prefix(node.text))
            return self.prefix(WORD_FIELDS.get(name, name), fold(node.text).translate(_PLACE))
        text = node.text if isinstance(node, q.Term) else " ".join(node.words)
        slop = 0 if isinstance(node, q.Term) else node.slop
        if name in STEMMED:
            found_all = [self.scoped(name, form, slop) for form in self.analyser.scoped(text)]
        else:
            words = analyse(name, text)
            found_all = [self.words(name, words, slop)] if words else []
        if not found_all:  # punctuation only: matches nothing, and AND ignores it
            return NULL
        found = found_all[0] if len(found_all) == 1 else _should(found_all)
        return found if boost == 1.0 else tantivy.Query.boost_query(found, boost)

    def scoped(self, name: str, form: Form, slop: int) -> tantivy.Query:
        """One form of a word, looked for only in the articles of its language(s)."""
        query = self.words(name, list(form.words), slop)
        if form.only is not None:
            languages = _should(
                [tantivy.Query.term_query(self.schema, "language", v) for v in form.only]
            )
            return _must([query, tantivy.Query.const_score_query(languages, 0.0)])
        if form.unless:
            excluded = [tantivy.Query.term_query(self.schema, "language", v) for v in form.unless]
            return _must([query], excluded)
        return query

    def words(self, name: str, analysed: list[str], slop: int) -> tantivy.Query:
        """One form of a query word or phrase in query field ``name``."""
        indexed = WORD_FIELDS.get(name, name)
        if len(analysed) == 1 and name in STEMMED and is_cjk(analysed[0]):
            return _materialise(self.prefix(indexed, analysed[0]))  # one CJK character
        alternatives = [self.variants(indexed, a) for a in analysed]
        if not all(alternatives):
            return tantivy.Query.empty_query()
        if len(alternatives) == 1:
            return self.any_word(indexed, alternatives[0])
        if slop == 0:
            return self.phrase(indexed, alternatives, 0)
        return self.proximity(name, alternatives, slop)

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

    def prefix(self, field: str, prefix: str) -> Compiled:
        """Words whose indexed form starts with ``prefix``: their stem, in title and text."""
        matches = {t for t, _ in self.searcher.terms_with_prefix(field, prefix)}
        if not matches:
            return tantivy.Query.empty_query()
        return tantivy.Query.term_set_query(self.schema, field, sorted(matches))

    def value(self, node: q.Term | q.Phrase | q.Prefix, name: str) -> Compiled:
        # topics are lower-cased by tantivy (their field also counts them as written), the
        # other keywords by Python before indexing
        low = lower if name == "topic" else str.lower
        if isinstance(node, q.Prefix):
            return self.prefix(name, low(node.text))
        text = node.text if isinstance(node, q.Term) else " ".join(node.words)
        return tantivy.Query.term_query(self.schema, name, low(text.strip()))

    def proximity(self, name: str, alternatives: list[list[str]], slop: int) -> tantivy.Query:
        """Neighbours in order with at most ``slop`` words between each pair, as whoosh.

        The exact phrase is surely right, and so is tantivy's slop 1 when no word repeats (a
        repeated word may stand on one position twice) in one value (names are several); the other
        candidates, those of each neighbouring pair within ``slop``, are checked word by word.
        """
        field = WORD_FIELDS.get(name, name)
        distinct = len(set().union(*alternatives)) == sum(len(a) for a in alternatives)
        sure_slop = min(slop, 1) if distinct and name not in TAG_FIELDS else 0
        sure = self.phrase(field, alternatives, sure_slop)
        pairs = [
            self.phrase(field, alternatives[i : i + 2], slop) for i in range(len(alternatives) - 1)
        ]
        candidates = _must(pairs)
        wanted = [frozenset(a) for a in alternatives]
        doubtful = _must([candidates], [sure])
        ids = self.index.verify(self.searcher, doubtful, name, wanted, slop)
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


# --- the index -------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Found:
    """A hit on its way to the page: where it is, its date key, its score once known."""

    address: tantivy.DocAddress
    key: int | None = None  # published_us; None when undated
    score: float | None = None
    doc: tantivy.Document | None = None

    @property
    def order(self) -> tuple[int, int]:
        return self.address.segment_ord, self.address.doc

    def load(self, searcher: tantivy.Searcher) -> tantivy.Document:
        if self.doc is None:
            self.doc = searcher.doc(self.address)
        return self.doc


class TantivyIndex:
    """One tantivy index folder. Open with :meth:`open` or :meth:`create`.

    ``corpus`` is where proximity phrases read article text from; by default the corpus recorded
    in the index folder's ``state.json``.
    """

    engine = ENGINE
    document = staticmethod(document)

    def __init__(self, ix: tantivy.Index, path: Path, corpus: CorpusPath | None = None) -> None:
        analyzers = _analyzers()
        for name in (WORDS, ANALYSED, LOWER):
            ix.register_tokenizer(name, analyzers[name])
            ix.register_fast_field_tokenizer(name, analyzers["raw"])
        self.ix = ix
        self.path = path
        self.schema = ix.schema
        self.corpus = corpus

    @classmethod
    def create(cls, path: Path) -> TantivyIndex:
        path.mkdir(parents=True, exist_ok=True)
        return cls(tantivy.Index(schema(), path=str(path), reuse=False), path)

    @classmethod
    def open(cls, path: Path, corpus: CorpusPath | None = None) -> TantivyIndex:
        """Raises :class:`SearchIndexError` if there is no readable index at ``path``."""
        try:
            return cls(tantivy.Index.open(str(path)), path, corpus)
        except (ValueError, OSError) as exc:
            raise SearchIndexError(f"cannot read the tantivy index at {path}: {exc}") from exc

    def searcher(self) -> tantivy.Searcher:
        return self.ix.searcher()

    # --- state

    def doc_count(self) -> int:
        return self.searcher().num_docs

    def segment_count(self) -> int:
        return self.searcher().num_segments

    def terms(self, field: str) -> set[str]:
        """Every value indexed in ``field`` (e.g. all doc_ids, all part names)."""
        return {term for term, _ in self.searcher().terms_with_prefix(field, "")}

    def indexed_ids(self) -> list[str]:
        """Every doc_id once per document holding it (a repeat would mean a corrupt index)."""
        return [t for t, n in self.searcher().terms_with_prefix("doc_id", "") for _ in range(n)]

    # --- writing

    def add(self, docs: Iterable[tantivy.Document], *, procs: int = 1, limitmb: int = 256) -> int:
        """Add ``docs`` in one commit: all or nothing. Returns how many were added.

        ``procs`` indexing threads share ``limitmb`` MB of writer memory.
        """
        threads = max(1, procs)
        heap = max(limitmb * 1_000_000, MIN_THREAD_HEAP * threads)
        before = self.doc_count()
        writer = self._writer(heap, threads)
        added = 0
        # Rows becoming documents make no reference cycles, but their lists and dicts set off
        # cyclic collections that cost ~3 % of indexing time: paused, then back as they were.
        collecting = gc.isenabled()
        gc.disable()
        try:
            for doc in docs:
                writer.add_document(doc)
                added += 1
            writer.commit()
        except BaseException:
            writer.rollback()
            raise
        finally:
            if collecting:
                gc.enable()
            # Waits for merges and drops the writer, lock and all: a traceback kept after
            # Ctrl-C (as a notebook keeps it) would otherwise keep the index locked.
            writer.wait_merging_threads()
        self._collect_garbage()
        self.ix.reload()
        after = self.doc_count()
        if after != before + added:
            raise SearchIndexError(
                f"the tantivy index holds {after} articles after adding {added} to {before}; "
                "run 'newsarchive index --rebuild'"
            )
        return added

    def _writer(self, heap: int, threads: int) -> tantivy.IndexWriter:
        try:
            return self.ix.writer(heap_size=heap, num_threads=threads)
        except ValueError as exc:
            if "LockBusy" in str(exc):
                raise IndexLocked(
                    f"the tantivy index in {self.path} is being written by another process"
                ) from None
            raise SearchIndexError(f"cannot write the tantivy index at {self.path}: {exc}") from exc

    def _collect_garbage(self) -> None:
        """Delete the files of segments that merges replaced (tantivy keeps them otherwise)."""
        try:
            writer = self._writer(MIN_THREAD_HEAP, 1)
        except IndexLocked:  # someone else is writing; their update collects it
            return
        writer.garbage_collect_files()
        writer.wait_merging_threads()

    # --- reading

    def search(
        self, tree: q.Node, *, limit: int | None, offset: int, sort: str
    ) -> tuple[int, list[EngineHit]]:
        """``(total, hits[offset:offset+limit])``; sort is relevance, newest or oldest."""
        searcher = self.searcher()
        query = _Compiler(self, searcher, tree).compile(tree)
        upto = searcher.num_docs if limit is None else offset + limit
        if upto <= offset:
            return self._count(searcher, query), []  # tantivy panics on limit=0
        if sort == "relevance":
            result = searcher.search(query, limit=upto - offset, offset=offset)
            return _total(result), [_hit(searcher.doc(a), s) for s, a in result.hits]
        total, ranked = self._by_date(searcher, query, upto, descending=sort == "newest")
        return total, [_hit(f.load(searcher), f.score or 0.0) for f in ranked[offset:upto]]

    def matching_ids(self, tree: q.Node) -> list[str]:
        """The doc_id of every hit, in no useful order: read from the doc_id term dictionary,
        restricted to the hits (under a microsecond per indexed article, where loading each hit's
        stored document would cost about 10 µs a hit)."""
        searcher = self.searcher()
        query = _Compiler(self, searcher, tree).compile(tree)
        return [
            doc_id for doc_id, _ in searcher.terms_with_prefix("doc_id", "", filter_query=query)
        ]

    def count(self, tree: q.Node) -> int:
        searcher = self.searcher()
        return self._count(searcher, _Compiler(self, searcher, tree).compile(tree))

    @staticmethod
    def _count(searcher: tantivy.Searcher, query: tantivy.Query) -> int:
        return _total(searcher.search(query, limit=1))

    def _by_date(
        self, searcher: tantivy.Searcher, query: tantivy.Query, upto: int, descending: bool
    ) -> tuple[int, list[_Found]]:
        """The first ``upto`` hits by date, undated last, equal dates by relevance (as whoosh).

        tantivy may cut the articles sharing the last hit's date anywhere: that group is fetched
        again by relevance, so that every page of a paged search sees one order.
        """
        order = tantivy.Order.Desc if descending else tantivy.Order.Asc
        result = searcher.search(query, limit=upto, order_by_field="published_us", order=order)
        total = _total(result)
        window = [_Found(a, None if v is None else int(v)) for v, a in result.hits]
        if len(window) == upto and total > upto:
            last = window[-1].key
            window = [f for f in window if f.key != last]
            tied = _must([query, tantivy.Query.const_score_query(self._dated(last), 0.0)])
            more = searcher.search(tied, limit=upto - len(window)).hits
            window += [_Found(a, last, s) for s, a in more]
        self._score(searcher, query, [f for f in window if f.score is None])
        sign = -1 if descending else 1

        def rank(f: _Found) -> tuple[bool, int, float, tuple[int, int]]:
            return f.key is None, sign * (f.key or 0), -(f.score or 0.0), f.order

        return total, sorted(window, key=rank)

    def _dated(self, key: int | None) -> tantivy.Query:
        """Articles published at ``key`` (microseconds), or undated ones for None."""
        if key is None:
            return _must([tantivy.Query.all_query()], [tantivy.Query.exists_query("published_us")])
        return tantivy.Query.range_query(
            self.schema, "published_us", tantivy.FieldType.Integer, key, key
        )

    def _score(self, searcher: tantivy.Searcher, query: tantivy.Query, found: list[_Found]) -> None:
        """Fill in the relevance scores of date-sorted hits (tantivy gives their dates)."""
        if not found:
            return
        ids = sorted({_doc_id(f.load(searcher)) for f in found})
        only = tantivy.Query.term_set_query(self.schema, "doc_id", ids)
        scored = _must([query, tantivy.Query.const_score_query(only, 0.0)])
        by_order = {(a.segment_ord, a.doc): s for s, a in searcher.search(scored, len(found)).hits}
        for f in found:
            f.score = by_order.get(f.order, 0.0)

    def facet(self, tree: q.Node, name: str) -> list[tuple[str, int]]:
        """Counts per value of facet ``name`` over every hit of ``tree``."""
        searcher = self.searcher()
        if searcher.num_docs == 0:
            return []
        query = _Compiler(self, searcher, tree).compile(tree)
        user = name not in FACET_FIELDS
        field = "user_facet" if user else FACET_FIELDS[name]
        agg = {"f": {"terms": {"field": field, "size": FACET_SIZE}}}
        buckets = searcher.aggregate(query, agg)["f"]["buckets"]
        if user:
            return facet_counts(name, _user_facet(buckets, name))
        return facet_counts(name, {str(b["key"]): int(b["doc_count"]) for b in buckets})

    # --- proximity

    def verify(
        self,
        searcher: tantivy.Searcher,
        candidates: tantivy.Query,
        field: str,
        wanted: list[frozenset[str]],
        slop: int,
    ) -> set[str]:
        """The doc_ids among ``candidates`` where one of each ``wanted`` word set stands in order
        in ``field``, at most ``slop`` words apart pairwise."""
        total = self._count(searcher, candidates)
        if not total:
            return set()
        docs = [searcher.doc(a) for _, a in searcher.search(candidates, total).hits]
        return {
            doc_id
            for doc_id, tokens in self._field_tokens(docs, field)
            if near(_positions(tokens, wanted), slop)
        }

    def _field_tokens(
        self, docs: list[tantivy.Document], field: str
    ) -> Iterator[tuple[str, list[tuple[str, int]]]]:
        """``(doc_id, [(word, position)])`` of ``field`` in each document."""
        if field == "text":
            from .fetch import fetch_texts

            hits = [_hit(doc, 0.0) for doc in docs]
            texts = fetch_texts(self._corpus(), hits)
            for h in hits:
                yield h.doc_id, _analysed(texts.get(h.doc_id, ""), h.language)
        elif field == "title":
            for doc in docs:
                yield _doc_id(doc), _analysed(_headline(doc) or "", _language(doc))
        else:
            for doc in docs:
                yield _doc_id(doc), _tag_tokens([str(v) for v in doc.get_all(field)])

    def _corpus(self) -> CorpusPath:
        if self.corpus is not None:
            return self.corpus
        try:
            state = json.loads((self.path.parent / "state.json").read_text(encoding="utf-8"))
            return corpus_path(state["corpus"])
        except (OSError, ValueError, KeyError):
            raise SearchIndexError(
                f"a proximity search reads article text, but the corpus of {self.path} is unknown"
            ) from None

    # --- analysis

    def analyser(self, searcher: tantivy.Searcher, tree: q.Node | None = None) -> QueryAnalyser:
        """Query words analysed in the languages this index holds (or those ``tree`` pins)."""
        languages = [t for t, _ in searcher.terms_with_prefix("language", "")]
        return QueryAnalyser(languages, tree)

    def query_analyser(self, tree: q.Node) -> QueryAnalyser:
        return self.analyser(self.searcher(), tree)


def _analysed(text: str, language: str | None) -> list[tuple[str, int]]:
    return [(t.norm, t.pos) for t in tokens(text, language)]


def _language(doc: tantivy.Document) -> str | None:
    value = doc.get_first("language")
    return None if value is None else str(value)


def _total(result: tantivy.SearchResult) -> int:
    count: int | None = getattr(result, "count")  # noqa: B009 (the stub leaves ``count`` out)
    return count or 0


def _doc_id(doc: tantivy.Document) -> str:
    return str(doc["doc_id"][0])


def _headline(doc: tantivy.Document) -> str | None:
    title = doc.get_first("headline")
    return None if title is None else bytes(title).decode("utf-8")


def _hit(doc: tantivy.Document, score: float) -> EngineHit:
    published = doc.get_first("published_us")
    url = doc.get_first("url")
    return EngineHit(
        doc_id=_doc_id(doc),
        score=score,
        title=_headline(doc),
        source=str(doc.get_first("facet_source") or ""),
        url=None if url is None else bytes(url).decode("utf-8"),
        published_at=None
        if published is None
        else in_zone(EPOCH + timedelta(microseconds=published), doc.get_first("offset_min")),
        part=str(doc["part"][0]),
        row=int(doc["row"][0]),
        language=_language(doc),
    )
