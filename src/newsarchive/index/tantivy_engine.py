"""The tantivy engine: the query tree compiled to tantivy queries, giving whoosh's answers fast.

tantivy (tantivy-py) indexes tens of times faster than whoosh and answers in a fraction of a
millisecond. whoosh stays the default, so this engine copies whoosh's meaning rather than
tantivy's, and never hands the user's string to tantivy's own query parser. The schema and
documents are in :mod:`.tantivy_schema`, the compiled queries in :mod:`.tantivy_compiler`; the
index, searching and counting here.

- **Words.** Title and text are analysed in Python (:mod:`.analysis`, per language, as whoosh
  gets them) and indexed as their analysed words joined by spaces, split by tantivy's
  ``whitespace`` tokenizer: the same words at the same positions on both engines. Names (place,
  person, org) are prepared in Python and split by tantivy's ``simple`` tokenizer
  (:mod:`.tantivy_schema`).
- **Proximity.** tantivy's phrase slop is a budget over the whole phrase and lets two words swap
  places (slop 2 finds *b a* for ``"a b"``); ours is per neighbouring pair, in order. Exact phrases
  compile directly; a proximity phrase keeps what tantivy's slop 1 finds (surely right) and checks
  the other matches of each neighbouring pair (a superset) word by word, on the stored title and
  names or on the text the corpus gives (:class:`.engines.CorpusTexts`): slow only when such near
  misses are many.
- **Dates** sort and filter on microseconds in an integer fast field: tantivy's date fields keep
  whole seconds, whoosh sorts by microseconds. Undated articles hold no value, which tantivy puts
  last both ways, as whoosh does. Date sorts break ties by relevance, as whoosh does.
- ``Searcher.search`` panics on ``limit=0``; counts ask for one hit.
- **Writing.** One writer per index: tantivy's ``LockBusy`` becomes :class:`IndexLocked`. Each
  add is one commit; then merges are waited for (tantivy's log merge policy keeps the segment count
  logarithmic) and the files of merged-away segments are deleted (``garbage_collect_files``):
  otherwise they pile up. Writer memory is bounded by ``heap_size``.
- **Text.** The clean text is stored (``body``, not indexed) beside the analysed words, which are
  indexed and not stored: a page of hits takes its snippets' text from the documents it loads
  anyway (a 16 KB block of the doc store each), where reading it from the corpus cost a Parquet
  row group per hit (about 1 ms each). The corpus stays the source: the index is rebuilt from it.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import tantivy

from . import fields
from . import query as q
from .analysis import QueryAnalyser, tokens
from .engines import EPOCH, CorpusTexts, IndexRow
from .fields import facet_counts
from .model import EngineHit, IndexLocked, SearchIndexError, in_zone
from .tantivy_compiler import Compiler, _must, _positions, _tag_tokens, near
from .tantivy_schema import ANALYSED, LOWER, WORDS, _analyzers, document, facet_field, schema

SCHEMA_VERSION = 5  # bump when the schema or analysis changes: indexes are then rebuilt
ENGINE = "tantivy"
MIN_THREAD_HEAP = 15_000_000  # tantivy refuses less per indexing thread
FACET_SIZE = 1_000_000  # distinct values a facet can report


# --- the index -------------------------------------------------------------------------------------


@dataclass(slots=True)
class Found:
    """A hit on its way to the page: where it is, its date key, its score once known (a
    sharded index merges these from its shards, and loads only its page's)."""

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

    def hit(self, searcher: tantivy.Searcher) -> EngineHit:
        return _hit(self.load(searcher), self.score or 0.0)


class _Adder:
    """Adds rows to one open writer, counting them."""

    __slots__ = ("added", "writer")

    def __init__(self, writer: tantivy.IndexWriter) -> None:
        self.writer = writer
        self.added = 0

    def __call__(self, row: IndexRow) -> None:
        self.writer.add_document(document(*row))
        self.added += 1


class TantivyIndex:
    """One tantivy index folder. Open with :meth:`open` or :meth:`create`.

    ``corpus`` gives the article text that proximity phrases are checked on.
    """

    engine = ENGINE
    schema_version = SCHEMA_VERSION

    def __init__(self, ix: tantivy.Index, path: Path, corpus: CorpusTexts) -> None:
        analyzers = _analyzers()
        for name in (WORDS, ANALYSED, LOWER):
            ix.register_tokenizer(name, analyzers[name])
            ix.register_fast_field_tokenizer(name, analyzers["raw"])
        self.ix = ix
        self.path = path
        self.schema = ix.schema
        self.corpus = corpus

    @classmethod
    def create(cls, path: Path, corpus: CorpusTexts) -> TantivyIndex:
        path.mkdir(parents=True, exist_ok=True)
        return cls(tantivy.Index(schema(), path=str(path), reuse=False), path, corpus)

    @classmethod
    def open(cls, path: Path, corpus: CorpusTexts) -> TantivyIndex:
        """Raises :class:`SearchIndexError` if there is no readable index at ``path``."""
        try:
            return cls(tantivy.Index.open(str(path)), path, corpus)
        except (ValueError, OSError) as exc:
            raise SearchIndexError(f"cannot read the tantivy index at {path}: {exc}") from exc

    def searcher(self) -> tantivy.Searcher:
        return self.ix.searcher()

    def compiler(
        self, searcher: tantivy.Searcher, tree: q.Node, analyser: QueryAnalyser | None = None
    ) -> Compiler:
        """``analyser``: one for several shards, each analysing the query's words once."""
        return Compiler(self, searcher, analyser or self.analyser(searcher, tree))

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

    def add(self, rows: Iterable[IndexRow], *, procs: int = 1, limitmb: int = 256) -> int:
        """Index ``rows`` in one commit: all or nothing. Returns how many were added.

        ``procs`` indexing threads share ``limitmb`` MB of writer memory.
        """
        with self.adding(procs=procs, limitmb=limitmb) as add:
            for row in rows:
                add(row)
        return add.added

    @contextmanager
    def adding(self, *, procs: int = 1, limitmb: int = 256) -> Iterator[_Adder]:
        """One commit: the rows given to the adder are committed when the block ends, none of
        them if it raises (a sharded index holds one open per shard it adds to)."""
        threads = max(1, procs)
        heap = max(limitmb * 1_000_000, MIN_THREAD_HEAP * threads)
        before = self.doc_count()
        writer = self._writer(heap, threads)
        adder = _Adder(writer)
        # Rows becoming documents make no reference cycles, but their lists and dicts set off
        # cyclic collections that cost ~3 % of indexing time: paused, then back as they were.
        collecting = gc.isenabled()
        gc.disable()
        try:
            yield adder
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
        if after != before + adder.added:
            raise SearchIndexError(
                f"the tantivy index holds {after} articles after adding {adder.added} to "
                f"{before}; run 'newsarchive index --rebuild'"
            )

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
        self,
        tree: q.Node,
        *,
        limit: int | None,
        offset: int,
        sort: str,
        analyser: QueryAnalyser | None = None,
    ) -> tuple[int, list[EngineHit]]:
        """``(total, hits[offset:offset+limit])``; sort is relevance, newest or oldest."""
        upto = None if limit is None else offset + limit
        if upto is not None and upto <= offset:
            return self.count(tree, analyser), []
        total, ranked, searcher = self.ranked(tree, upto, sort, analyser)
        return total, [f.hit(searcher) for f in ranked[offset:upto]]

    def ranked(
        self, tree: q.Node, upto: int | None, sort: str, analyser: QueryAnalyser | None = None
    ) -> tuple[int, list[Found], tantivy.Searcher]:
        """The total, and the first ``upto`` hits (all if None) in order, not yet loaded."""
        searcher = self.searcher()
        query = self.compiler(searcher, tree, analyser).compile(tree)
        upto = searcher.num_docs if upto is None else upto
        if upto <= 0:
            return self._count(searcher, query), [], searcher  # tantivy panics on limit=0
        if sort == "relevance":
            result = searcher.search(query, limit=upto)
            return _total(result), [Found(a, score=s) for s, a in result.hits], searcher
        total, found = self._by_date(searcher, query, upto, descending=sort == "newest")
        return total, found, searcher

    def matching_ids(self, tree: q.Node, analyser: QueryAnalyser | None = None) -> list[str]:
        """The doc_id of every hit, in no useful order: read from the doc_id term dictionary,
        restricted to the hits (under a microsecond per indexed article, where loading each hit's
        stored document would cost about 10 µs a hit)."""
        searcher = self.searcher()
        query = self.compiler(searcher, tree, analyser).compile(tree)
        return [
            doc_id for doc_id, _ in searcher.terms_with_prefix("doc_id", "", filter_query=query)
        ]

    def count(self, tree: q.Node, analyser: QueryAnalyser | None = None) -> int:
        searcher = self.searcher()
        return self._count(searcher, self.compiler(searcher, tree, analyser).compile(tree))

    @staticmethod
    def _count(searcher: tantivy.Searcher, query: tantivy.Query) -> int:
        return _total(searcher.search(query, limit=1))

    def _by_date(
        self, searcher: tantivy.Searcher, query: tantivy.Query, upto: int, descending: bool
    ) -> tuple[int, list[Found]]:
        """The first ``upto`` hits by date, undated last, equal dates by relevance (as whoosh).

        tantivy may cut the articles sharing the last hit's date anywhere: that group is fetched
        again by relevance, so that every page of a paged search sees one order.
        """
        order = tantivy.Order.Desc if descending else tantivy.Order.Asc
        result = searcher.search(query, limit=upto, order_by_field="published_us", order=order)
        total = _total(result)
        window = [Found(a, None if v is None else int(v)) for v, a in result.hits]
        if len(window) == upto and total > upto:
            last = window[-1].key
            window = [f for f in window if f.key != last]
            tied = _must([query, tantivy.Query.const_score_query(self._dated(last), 0.0)])
            more = searcher.search(tied, limit=upto - len(window)).hits
            window += [Found(a, last, s) for s, a in more]
        self._score(searcher, query, [f for f in window if f.score is None])
        sign = -1 if descending else 1

        def rank(f: Found) -> tuple[bool, int, float, tuple[int, int]]:
            return f.key is None, sign * (f.key or 0), -(f.score or 0.0), f.order

        return total, sorted(window, key=rank)

    def _dated(self, key: int | None) -> tantivy.Query:
        """Articles published at ``key`` (microseconds), or undated ones for None."""
        if key is None:
            return _must([tantivy.Query.all_query()], [tantivy.Query.exists_query("published_us")])
        return tantivy.Query.range_query(
            self.schema, "published_us", tantivy.FieldType.Integer, key, key
        )

    def _score(self, searcher: tantivy.Searcher, query: tantivy.Query, found: list[Found]) -> None:
        """Fill in the relevance scores of date-sorted hits (tantivy gives their dates)."""
        if not found:
            return
        ids = sorted({_doc_id(f.load(searcher)) for f in found})
        only = tantivy.Query.term_set_query(self.schema, "doc_id", ids)
        scored = _must([query, tantivy.Query.const_score_query(only, 0.0)])
        by_order = {(a.segment_ord, a.doc): s for s, a in searcher.search(scored, len(found)).hits}
        for f in found:
            f.score = by_order.get(f.order, 0.0)

    def facet(
        self, tree: q.Node, name: str, analyser: QueryAnalyser | None = None
    ) -> list[tuple[str, int]]:
        """Counts per value of facet ``name`` over every hit of ``tree``."""
        searcher = self.searcher()
        if searcher.num_docs == 0:
            return []
        query = self.compiler(searcher, tree, analyser).compile(tree)
        row = fields.spec(name)
        agg = {"f": {"terms": {"field": facet_field(row), "size": FACET_SIZE}}}
        counts: dict[str, int] = {}
        for bucket in searcher.aggregate(query, agg)["f"]["buckets"]:
            value: str | None = str(bucket["key"])
            if row.own and value is not None:
                value = fields.facet_value(name, value)
            if value is not None:
                counts[value] = int(bucket["doc_count"])
        return facet_counts(name, counts)

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
            hits = [_hit(doc, 0.0) for doc in docs]
            texts = self.corpus.texts(hits)
            for h in hits:
                yield h.doc_id, _analysed(texts.get(h.doc_id, ""), h.language)
        elif field == "title":
            for doc in docs:
                yield _doc_id(doc), _analysed(_headline(doc) or "", _language(doc))
        else:
            for doc in docs:
                yield _doc_id(doc), _tag_tokens([str(v) for v in doc.get_all(field)])

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
    body = doc.get_first("body")
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
        # no body: an empty text, or an index built before texts were stored (until its
        # rebuild, such hits read their text from the corpus)
        text=None if body is None else bytes(body).decode("utf-8"),
    )
