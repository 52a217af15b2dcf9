"""Top words: the words and two-word phrases most over-represented in a query's hits.

Keyness is Dunning's log-likelihood (G²) of a term's frequency in the hits against its frequency
in the rest of the corpus (Rayson & Garside 2000, as AntConc and Sketch Engine compute it), so a
word counts as "key" for being unusually common *here*, not for being common. Only
over-represented terms are listed. Stopwords of the article's language
(:func:`newsarchive.index.analysis.stopwords`: ``data/stopwords-en.txt`` for English and articles
of no known language, stopwords-iso for the others) never count, and a phrase is two neighbouring
non-stopwords with no punctuation, number or stopword between them. Words are those of the
search's analysis, unstemmed: Chinese, Japanese and Korean text counts its character bigrams
(never joined into phrases), Arabic letters are normalised (alef and hamza forms, ta marbuta,
diacritics).

The corpus-wide frequency table is counted once per corpus state and cached in
``corpus/_state/wordfreq-<state>.arrow``; later calls only count the hits.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

from .. import store
from ..errors import UsageError
from ..storage import CorpusPath, corpus_path
from .common import Scope, snapshot, tables_by_part
from .hits import hit_ids

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.dataset as pads

Kind = Literal["all", "word", "phrase"]
KINDS: tuple[str, ...] = get_args(Kind)
DEFAULT_LIMIT = 25
MIN_COUNT = 3  # a term must occur this often in the hits: rarer ones are noise
CACHE_MIN = 2  # the cache keeps terms seen at least twice; exact for every MIN_COUNT >= 2
TOKENIZER_VERSION = 3  # bump when tokenising changes: old caches are then ignored
CACHE_GLOB = "wordfreq-*.arrow"
READ_CHUNK = 2000  # corpus texts read at a time: memory stays flat however large the corpus
_MERGE_EVERY = 16  # batch tables summed into one this often: memory stays at one table


@dataclass(frozen=True, slots=True)
class Keyword:
    """A key term: ``hits`` and ``rest`` are its frequencies in the hits and the rest of the corpus."""

    term: str
    kind: str  # word or phrase
    hits: int
    rest: int
    g2: float


@dataclass(frozen=True, slots=True)
class Frequencies:
    """Term frequencies (``term``, ``n`` columns) and the number of words they were counted in."""

    table: pa.Table
    words: int


def stopwords(language: str | None = "en") -> frozenset[str]:
    """The stopwords of ``language`` (English for none or ``und``)."""
    from ..index.analysis import stopwords as listed

    return listed(language)


def terms(text: str, language: str | None = "en") -> tuple[list[str], list[str]]:
    """The content words of ``text`` and its two-word phrases, lower case.

    >>> terms("Oil prices rose 3% as the oil-rich states met.")
    (['oil', 'prices', 'rose', 'oil', 'rich', 'states', 'met'], ['oil prices', 'prices rose', 'rich states', 'states met'])
    >>> terms("人口老龄化加剧", "zh")[0], terms("قال الأمير", "ar")[0]
    (['人口', '口老', '老龄', '龄化', '化加', '加剧'], ['الامير'])
    """
    import pyarrow as pa

    words, phrases = _terms(pa.array([text], pa.string()), pa.array([language], pa.string()))
    return [str(w) for w in words.to_pylist()], [str(p) for p in phrases.to_pylist()]


def _prepared(texts: pa.Array[Any]) -> pa.Array[Any]:
    """Texts with CJK runs as their bigrams, each standing alone (no phrase joins two), and
    Arabic letters normalised; other texts as they are (most need nothing: checked in C)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from ..index.analysis import cjk_bigrams_spaced, normalise_arabic_text

    special = pc.match_substring_regex(texts, _SPECIAL_SCRIPTS)
    if not pc.any(special).as_py():
        return texts
    values: list[str | None] = texts.to_pylist()
    for i in pc.indices_nonzero(special).to_pylist():
        text = values[int(i or 0)]
        if text is not None:
            values[int(i or 0)] = cjk_bigrams_spaced(normalise_arabic_text(text))
    return pa.array(values, pa.string())


_SPECIAL_SCRIPTS = (
    "[\u0600-\u06ff\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf"
    "\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]"
)


def _terms(
    texts: pa.Array[Any] | pa.ChunkedArray[Any],
    languages: pa.Array[Any] | pa.ChunkedArray[Any] | None = None,
) -> tuple[pa.Array[Any], pa.Array[Any]]:
    """Every content word of ``texts`` and every two-word phrase, by Arrow's compute kernels.

    A token is a run of letters and apostrophes (apostrophes trimmed from its ends); a run of
    digits, punctuation or symbols becomes a break. A word counts unless it is a stopword of its
    text's language (``languages``, English if None) or one letter long; a phrase is two counted
    words next to each other in the same text.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    if isinstance(languages, pa.ChunkedArray):
        languages = languages.combine_chunks()
    texts = _prepared(texts)
    lower = pc.replace_substring(pc.utf8_lower(texts), "’", "'")
    marked = pc.replace_substring_regex(lower, _BREAK, " . ")
    # Not utf8_split_whitespace: it gave a varying number of empty tokens for the same text
    # (pyarrow 26, with the system allocator), so counts moved from run to run.
    lists = pc.split_pattern_regex(pc.utf8_trim_whitespace(marked), _SPACES)
    # Any: the stubs give list_flatten the type of its input; it returns the flat strings.
    tokens: Any = pc.utf8_trim(pc.list_flatten(lists), "'")
    counted: Any = pc.and_(
        pc.and_(
            pc.greater(pc.utf8_length(tokens), pa.scalar(1)), pc.not_equal(tokens, pa.scalar("."))
        ),
        pc.invert(_stopped(tokens, lists, languages)),
    )
    words = tokens.filter(counted)
    if len(tokens) < 2:
        return words, pa.array([], pa.string())
    doc = pc.list_parent_indices(lists)
    pair = pc.and_(
        pc.and_(counted[:-1], counted[1:]), pc.equal(doc[:-1], doc[1:])
    )  # neighbours, both counted, in the same text
    phrases = pc.binary_join_element_wise(tokens[:-1].filter(pair), tokens[1:].filter(pair), " ")
    return words, phrases


# What str.split() splits at: white space, Unicode separators, the ASCII separators 1C–1F, NEL.
_SPACES = r"[\s\x{0b}\p{Z}\x{1c}-\x{1f}\x{85}]+"
# Digits (with any letters stuck to them: "3rd", "mp3") and punctuation or symbols break phrases.
_BREAK = r"[\pL\pM']*\pN[\pL\pM\pN']*|[^\pL\pM\s']+"


def _stopped(tokens: Any, lists: Any, languages: pa.Array[Any] | None) -> Any:
    """Which tokens are stopwords of their text's language."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from ..index.analysis import base_language

    present = (
        {"en"}
        if languages is None
        else {base_language(v) or "en" for v in languages.unique().to_pylist()}
    )
    if present == {"en"}:
        return pc.is_in(tokens, value_set=_stopword_array("en"))
    assert languages is not None
    codes = pa.array([base_language(v) or "en" for v in languages.to_pylist()], pa.string())
    keyed = pc.binary_join_element_wise(
        pc.take(codes, pc.list_parent_indices(lists)), tokens, "\x1f"
    )
    keys = pa.array(
        [f"{lang}\x1f{word}" for lang in sorted(present) for word in stopwords(lang)], pa.string()
    )
    return pc.is_in(keyed, value_set=keys)


@cache
def _stopword_array(language: str) -> pa.Array[Any]:
    import pyarrow as pa

    return pa.array(sorted(stopwords(language)), pa.string())


def count_terms(
    texts: Iterable[
        pa.Array[Any]
        | pa.ChunkedArray[Any]
        | tuple[pa.Array[Any] | pa.ChunkedArray[Any], pa.Array[Any] | pa.ChunkedArray[Any]]
    ],
    min_count: int = 1,
) -> Frequencies:
    """Frequencies of the words and phrases in batches of ``texts`` (or of ``(texts,
    languages)``, for stopwords by language), keeping those seen
    ``min_count`` times; counted and merged in Arrow, so memory holds one table of terms."""
    import pyarrow as pa
    import pyarrow.compute as pc

    parts: list[pa.Table] = []
    words = 0
    for batch in texts:
        if isinstance(batch, tuple):  # (texts, their languages)
            unigrams, bigrams = _terms(*batch)
        else:
            unigrams, bigrams = _terms(batch)  # a null text has no tokens
        words += len(unigrams)
        parts.append(_counted(pa.concat_arrays([unigrams, bigrams])))
        if len(parts) >= _MERGE_EVERY:
            parts = [_merge(parts)]
    table = (
        _merge(parts)
        if parts
        else pa.table({"term": pa.array([], pa.string()), "n": pa.array([], pa.int64())})
    )
    if min_count > 1:
        table = table.filter(pc.field("n") >= min_count)
    return Frequencies(table, words)


def _counted(terms_: pa.Array[Any]) -> pa.Table:
    import pyarrow as pa
    import pyarrow.compute as pc

    counts = pc.value_counts(terms_)
    return pa.table({"term": counts.field("values"), "n": counts.field("counts")})


def _merge(parts: list[pa.Table]) -> pa.Table:
    import pyarrow as pa

    if len(parts) == 1:
        return parts[0]
    summed = pa.concat_tables(parts).group_by("term").aggregate([("n", "sum")])
    return summed.rename_columns(["term", "n"])


def top_words(
    query: str,
    *,
    corpus: str | CorpusPath = "corpus",
    index_dir: str | Path = "indexes",
    limit: int = DEFAULT_LIMIT,
    kind: Kind = "all",
    min_count: int = MIN_COUNT,
    against: str | None = None,
    scope: Scope | None = None,
) -> list[Keyword]:
    """The ``limit`` terms most over-represented in the hits of ``query``, highest G² first.

    The reference is the rest of the corpus, or with ``against`` the hits of that query (an
    article matching both counts on both sides); ``scope`` narrows both sides (with
    ``no_duplicates``, each story counts once). ``rest`` is then the term's count in the
    reference.
    """
    if min_count < CACHE_MIN:
        raise UsageError(f"--min-count must be at least {CACHE_MIN}")
    if kind not in ("all", "word", "phrase"):
        raise UsageError(f"unknown kind {kind!r}; use all, word or phrase")
    ids = hit_ids(query, corpus=corpus, index_dir=index_dir)
    dataset = snapshot(corpus)
    hits = count_terms(_texts(dataset, ids, scope), min_count=min_count)
    if against is not None:
        other = hit_ids(against, corpus=corpus, index_dir=index_dir)
        # keywords() compares with a table that includes the hits: add them to the other side
        rest = count_terms(_texts(dataset, other, scope), min_count=1)
        both = _merge([hits.table, rest.table])
        reference = Frequencies(both, hits.words + rest.words)
    elif scope is not None and scope.expression() is not None:
        reference = count_terms(_scoped_texts(dataset, scope), min_count=CACHE_MIN)
    else:
        reference = corpus_frequencies(corpus, dataset)
    return keywords(hits, reference, limit=limit, kind=kind)


def keywords(
    hits: Frequencies, corpus: Frequencies, *, limit: int = DEFAULT_LIMIT, kind: Kind = "all"
) -> list[Keyword]:
    """G² of each term of ``hits`` against the rest of ``corpus`` (which includes the hits).

    Computed over whole columns with numpy: a large hit set has a hundred thousand terms.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    c, d = hits.words, corpus.words - hits.words
    if c == 0 or d <= 0:
        return []  # no hits, or the hits are the whole corpus: nothing to compare with
    table = hits.table.join(corpus.table, "term", join_type="left outer", right_suffix="_all")
    if kind != "all":
        is_phrase = pc.match_substring(table.column("term"), " ")
        table = table.filter(is_phrase if kind == "phrase" else pc.invert(is_phrase))
    a = table.column("n").to_numpy().astype(np.float64)
    total = table.column("n_all").to_numpy(zero_copy_only=False)  # null (not cached): NaN
    total = np.nan_to_num(total.astype(np.float64), nan=0.0)
    b = np.maximum(total - a, 0)  # a term missing from the cache was seen only in the hits
    over = a * d > b * c  # more frequent in the hits than in the rest
    a, b = a[over], b[over]
    e1, e2 = c * (a + b) / (c + d), d * (a + b) / (c + d)
    with np.errstate(divide="ignore", invalid="ignore"):
        score = 2 * (a * np.log(a / e1) + np.where(b > 0, b * np.log(b / e2), 0.0))
    terms_ = table.filter(pa.array(over)).column("term").combine_chunks()
    ranked = pa.table(
        {"term": terms_, "a": pa.array(a), "b": pa.array(b), "g2": pa.array(score)}
    ).sort_by([("g2", "descending"), ("term", "ascending")])
    return [
        Keyword(r["term"], "phrase" if " " in r["term"] else "word", int(r["a"]), int(r["b"]),
                round(r["g2"], 2))
        for r in ranked.slice(0, limit).to_pylist()
    ]  # fmt: skip


def g2(a: int, b: int, c: int, d: int) -> float:
    """Log-likelihood of frequency ``a`` in ``c`` words against ``b`` in ``d`` words.

    >>> round(g2(30, 10, 1000, 9000), 2)
    95.28
    """
    e1 = c * (a + b) / (c + d)
    e2 = d * (a + b) / (c + d)
    value = a * math.log(a / e1) if a else 0.0
    value += b * math.log(b / e2) if b else 0.0
    return 2 * value


def corpus_frequencies(
    corpus: str | CorpusPath, dataset: pads.Dataset | None = None
) -> Frequencies:
    """The corpus-wide frequency table, from the cache when it matches the corpus state."""
    state = store.corpus_state(corpus)
    root = corpus_path(corpus)
    name = f"wordfreq-{state}-v{TOKENIZER_VERSION}.arrow"
    # A reader never writes into a bucket (the lease is the writer's): remote corpora go uncached.
    path = root / store.STATE_DIR / name if isinstance(root, Path) else None
    if path is not None and path.is_file():
        return _read_cache(path)
    dataset = dataset if dataset is not None else snapshot(corpus)
    freqs = count_terms(_all_texts(dataset), min_count=CACHE_MIN)
    if path is not None:
        _write_cache(path, freqs)
    return freqs


def _all_texts(dataset: pads.Dataset) -> Iterator[tuple[pa.Array[Any], pa.Array[Any]]]:
    for batch in dataset.to_batches(columns=["text", "language"], batch_size=READ_CHUNK):
        yield batch.column(0), batch.column(1)


def _texts(
    dataset: pads.Dataset, ids: Sequence[str], scope: Scope | None = None
) -> Iterator[tuple[pa.ChunkedArray[Any], pa.ChunkedArray[Any]]]:
    return (
        (table.column("text"), table.column("language"))
        for table in tables_by_part(dataset, ids, ["text", "language"], scope)
    )


def _scoped_texts(
    dataset: pads.Dataset, scope: Scope
) -> Iterator[tuple[pa.Array[Any], pa.Array[Any]]]:
    for batch in dataset.to_batches(
        columns=["text", "language"], filter=scope.expression(), batch_size=READ_CHUNK
    ):
        yield batch.column(0), batch.column(1)


def _read_cache(path: Path) -> Frequencies:
    import pyarrow.feather as feather

    table = feather.read_table(str(path))
    meta = table.schema.metadata or {}
    return Frequencies(table.replace_schema_metadata(None), int(meta[b"words"]))


def _write_cache(path: Path, freqs: Frequencies) -> None:
    """Save the table for the next call; a corpus we may not write to just goes uncached."""
    import pyarrow.feather as feather

    table = freqs.table.replace_schema_metadata({"words": str(freqs.words)})
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        feather.write_feather(table, str(tmp), compression="zstd")
        os.replace(tmp, path)  # readers see the whole table or none
        for old in path.parent.glob(CACHE_GLOB):
            if old != path:
                old.unlink(missing_ok=True)  # an earlier state's table: never read again
    except OSError:
        tmp.unlink(missing_ok=True)
