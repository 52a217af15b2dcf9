"""The tantivy engine's schema and documents: the field table (:mod:`.fields`) laid out in
tantivy fields, and the analysers that make tantivy find whoosh's words (see
:mod:`.tantivy_engine` for the whole design).

Names (place, person, org) are not stemmed: whoosh's words are ``\\w+(\\.?\\w+)*`` (*U.S.* and *3.5*
are one word each); tantivy's regex tokenizer would find them but halves indexing speed, and its
fast ``simple`` tokenizer splits at every character that is not a letter or digit. So names are
prepared in Python (:func:`prepare`: a dot between two word characters and every underscore
become placeholder letters, and the few characters Rust calls alphanumeric but Python does not
become spaces) and then split by ``simple``. A name field keeps its values whole, as written
(stored, and counted for facets), and their prepared words in a field of its own
(``place_words``…) for searching: one field with a regex tokenizer did both, but tantivy clones
the regex for every value, which cost a quarter of all indexing time. Their words are
lower-cased and accent-folded by tantivy's filters; the folding tables differ from whoosh's on a
few letters (ß, æ, œ, þ and ligatures): names holding them may match differently on the two
engines.
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime
from typing import Any

import tantivy

from . import fields
from .analysis import norms
from .engines import EPOCH, MICROSECOND
from .fields import OWN_FACET_FIELD, OWN_INDEX_FIELD, FieldSpec
from .model import local_time

# tokenizer names recorded in the schema (tokenizers themselves are registered on each opening)
WORDS = "newsarchive_words"  # names' words: prepared text, split by ``simple``
ANALYSED = "newsarchive_analysed"  # title and text: words analysed in Python, joined by spaces
LOWER = "newsarchive_lower"  # lists of values: whole, any case; counted whole as written
DOT, UNDERSCORE = "\ua66e", "\u01c2"  # letters that stand for . and _ inside a word (no case)


def words_field(row: FieldSpec) -> str:
    """The index field searched for the words of ``row``: a tag's prepared words, or its own."""
    return f"{row.name}_words" if row.kind == "tag" else row.name


def lowered_by_tantivy(row: FieldSpec) -> bool:
    """A list of values counted as written: one field, lower-cased by its tokenizer for search
    and kept as written for counting; other values are lower-cased in Python."""
    return row.kind == "value" and row.many and row.case == "written" and not row.own


def facet_field(row: FieldSpec) -> str:
    """The index field a facet counts (as written, except values shown in another case)."""
    if row.own:
        return OWN_FACET_FIELD
    if row.kind == "date":
        return "month"
    if row.kind == "value" and not row.many and row.case == "written":
        return f"facet_{row.name}"  # a single value matched in lower case, counted as written
    return row.name


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
PLACEHOLDERS = str.maketrans({".": DOT, "_": UNDERSCORE})
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
    """The schema: the fields of the table (:mod:`.fields`), and those every hit needs."""
    sb = tantivy.SchemaBuilder()

    def raw(name: str, *, stored: bool = False, fast: bool = False) -> None:
        """A field of whole values (ids, keywords, facet values), not split into words."""
        sb.add_text_field(
            name, stored=stored, fast=fast, tokenizer_name="raw", index_option="basic"
        )

    raw("doc_id", stored=True)
    raw("part", stored=True)
    sb.add_integer_field("row", stored=True)
    sb.add_bytes_field("headline", stored=True)  # the title as written
    sb.add_integer_field("published_us", stored=True, indexed=True, fast=True)
    sb.add_integer_field("local_us", indexed=True)
    sb.add_integer_field("offset_min", stored=True)  # hits show the day as printed
    sb.add_bytes_field("url", stored=True)
    # the clean text, stored only (the block-compressed doc store): a page of hits reads its
    # snippets' text from the documents it loads anyway, not from the corpus's Parquet row groups
    sb.add_bytes_field("body", stored=True)
    raw("month", fast=True)
    for row in fields.BUILTIN:
        if row.kind == "words":  # analysed words: indexed, not stored
            sb.add_text_field(row.name, tokenizer_name=ANALYSED)
        elif row.kind == "tag":  # stored: proximity phrases are checked on them
            raw(row.name, stored=True, fast=True)
            sb.add_text_field(words_field(row), tokenizer_name=WORDS)  # prepared values
        elif lowered_by_tantivy(row):
            sb.add_text_field(row.name, fast=True, tokenizer_name=LOWER, index_option="basic")
        elif row.kind == "value" and facet_field(row) != row.name:
            raw(row.name)  # lower-cased, matched whole; counted (and stored) as written apart
            raw(facet_field(row), stored=row.stored, fast=True)
        elif row.kind == "value":  # lower-cased values, matched whole and counted
            raw(row.name, stored=row.stored, fast=row.facet)
    raw(OWN_INDEX_FIELD)  # fields.index_term values: name SEP value, lower case
    raw(OWN_FACET_FIELD, fast=True)  # name SEP value as written, counted by aggregation
    return sb.build()


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

    Values are cleaned as whoosh's analysers clean them: keyword values lower-cased (lists of
    values trimmed too), tag values trimmed, empty values left out. Indexing speed hangs on
    this function (articles carry dozens of tags): one Document call takes every list at once.
    """
    doc: dict[str, Any] = {"doc_id": row["doc_id"], "part": part, "row": row_number}
    if title := row["title"]:
        doc["headline"] = title.encode("utf-8")
    if url := row["url"]:
        doc["url"] = url.encode("utf-8")
    if text := row["text"]:
        doc["body"] = text.encode("utf-8")
    published: datetime | None = row["published_at"]
    if published is not None:
        doc["published_us"] = (published - EPOCH) // MICROSECOND  # the instant: for order
        # date: queries and months go by the day as printed (the wall clock, read as UTC)
        local = local_time(published, row["published_offset"])
        doc["local_us"] = (local.replace(tzinfo=UTC) - EPOCH) // MICROSECOND
        if offset := row["published_offset"]:
            doc["offset_min"] = offset
        doc["month"] = f"{local.year:04d}-{local.month:02d}"
    for spec in fields.BUILTIN:
        if spec.column is None or spec.kind == "date":
            continue
        value = row[spec.column]
        if spec.kind == "words":
            if value:
                doc[spec.name] = norms(value, row["language"])
        elif spec.kind == "tag":
            if values := _values(value):
                doc[spec.name] = values
                doc[words_field(spec)] = _prepared(values)
        elif lowered_by_tantivy(spec):
            if values := _values(value):
                doc[spec.name] = values
        elif spec.many:
            if values := _values(value):
                doc[spec.name] = list(dict.fromkeys(v.lower() for v in values))
        elif value:
            doc[spec.name] = value.lower()
            if facet_field(spec) != spec.name and value.strip():
                doc[facet_field(spec)] = value.strip()
    terms, shown = fields.index_values(row)
    if terms:
        doc[OWN_INDEX_FIELD] = terms
    if shown:
        doc[OWN_FACET_FIELD] = shown
    # Python types map onto the schema's (str: text, int: i64, bytes: bytes); Document(**doc)
    # is 5 µs an article quicker than Document.from_dict(doc, schema), a twentieth of indexing.
    return tantivy.Document(**doc)
