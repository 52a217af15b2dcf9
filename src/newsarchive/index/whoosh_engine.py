"""The whoosh engine: schema and analysers, writing the index, and compiling query trees to whoosh.

whoosh 2.7.4 is pure Python and unmaintained; these are the traps this module steps around:

- One writer indexes ≈ 90 articles/s, so large batches go through its multiprocessing writer on
  every core. ``procs > 1`` without ``multisegment=True`` dies with an IndexError (mchaput/whoosh#35),
  and ``multisegment`` leaves ``procs`` new segments per run that its own merge policy (which only
  merges tiny segments) never joins: :meth:`WhooshIndex.bound_segments` merges the smallest.
- Its multiprocessing writer drops a crashed worker's segment silently (a one-second queue
  timeout), so every commit is checked against the expected document count.
- Its workers inherit Ctrl-C and die with tracebacks, and ``cancel()`` never reaches them, so
  they would hang the parent at exit: workers here ignore SIGINT and are terminated on cancel.
- Compound segment files are opened through ``BytesIO(memoryview)``, which copies the whole
  segment into memory on every search (0.3 s per search at 100,000 articles): segments here are
  written as separate files, which whoosh reads lazily.
- ``limitmb`` is per process. A sort key missing from a document sorts as 0, so undated
  articles get explicit sort keys that put them last both ways.
- The text is not stored: snippets are cut from the corpus text (``fetch.fetch_texts``).
- Title and text are analysed in Python (:mod:`.analysis`: per language, as tantivy gets them)
  and indexed as their analysed words joined by spaces; the title as written is stored apart.
- Its ``AndNotMatcher`` checks its first document against the excluded ones only when both start
  on the same document, so ``merger NOT leeds`` returned an article with both words when another
  article with *leeds* came first in its segment: :class:`_AndNot` fixes that.
"""

from __future__ import annotations

import signal
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from whoosh import columns, formats, index, sorting
from whoosh import fields as whoosh_fields
from whoosh import query as wq
from whoosh.analysis import (
    CharsetFilter,
    IDAnalyzer,
    LowercaseFilter,
    RegexTokenizer,
    SpaceSeparatedTokenizer,
    Token,
    Tokenizer,
)
from whoosh.matching import AndNotMatcher
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.support.charset import accent_map

from . import fields
from . import query as q
from .analysis import Form, QueryAnalyser, is_cjk, norms
from .compiler import Mark, TreeCompiler
from .engines import EPOCH, MICROSECOND, CorpusTexts, IndexRow
from .fields import OWN_FACET_FIELD, OWN_INDEX_FIELD, TAG_GAP, FieldSpec, facet_counts
from .model import EngineHit, IndexLocked, SearchIndexError, in_zone, local_time

SCHEMA_VERSION = 3  # bump when the schema or analysers change: indexes are then rebuilt
ENGINE = "whoosh"
MAX_SEGMENTS = 8  # more segments than this and the smallest are merged ...
KEEP_SEGMENTS = 3  # ... into one, keeping this many of the largest as they are
SEP = "\x1f"  # joins list values (topics, places, ...) into one field value
UNDATED = 2**62  # sort key that puts undated articles after every dated one


def facet_field(row: FieldSpec) -> str:
    """The index field a facet counts: its values as written, or as matched (lower case)."""
    if row.own:
        return OWN_FACET_FIELD
    if row.kind == "date":
        return "month"
    return f"facet_{row.name}" if row.case == "written" else row.name


# --- analysis --------------------------------------------------------------------------------------

_WORD = RegexTokenizer().expression  # whoosh's word pattern, shared by every analyser here


class TagWordsTokenizer(Tokenizer):  # type: ignore[misc]
    """Words of ``SEP``-joined values, with a gap of ``TAG_GAP`` positions between values.

    ``person:hunt`` matches "Jeremy Hunt"; ``person:"hunt theresa"`` does not match the two
    people "Jeremy Hunt" and "Theresa May".
    """

    expression = _WORD

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterable[Token]:
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:  # whoosh asks for the value whole (e.g. for a prefix)
            t.original = t.text = value
            t.boost, t.pos, t.startchar, t.endchar = 1.0, start_pos, start_char, len(value)
            yield t
            return
        pos, offset = start_pos, start_char
        for part in value.split(SEP):
            for match in self.expression.finditer(part):
                t.text = match.group(0)
                t.boost, t.stopped = 1.0, False
                if keeporiginal:
                    t.original = t.text
                if positions:
                    t.pos = pos
                if chars:
                    t.startchar, t.endchar = offset + match.start(), offset + match.end()
                pos += 1
                yield t
            pos += TAG_GAP
            offset += len(part) + 1


def text_analyzer() -> Any:
    """Words already analysed by :mod:`.analysis` (per language), joined by spaces; no stop
    list so that phrases match exactly."""
    return SpaceSeparatedTokenizer()


def _values(lowercase: bool) -> whoosh_fields.FieldType:
    """A list of whole values (``SEP``-joined), e.g. topics; matched whole, not by word."""
    analyzer = RegexTokenizer(rf"[^{SEP}\s](?:[^{SEP}]*[^{SEP}\s])?")
    if lowercase:
        analyzer = analyzer | LowercaseFilter()
    return whoosh_fields.FieldType(formats.Existence(), analyzer, scorable=False)


def schema() -> whoosh_fields.Schema:
    """The schema: the fields of the table (:mod:`.fields`), and those every hit needs."""
    tag_words = TagWordsTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)
    built: dict[str, whoosh_fields.FieldType] = {
        "doc_id": whoosh_fields.ID(stored=True, unique=True),
        "part": whoosh_fields.ID(stored=True),
        "row": whoosh_fields.STORED(),
        "headline": whoosh_fields.STORED(),  # the title as written
        "published_at": whoosh_fields.DATETIME(),
        "published": whoosh_fields.STORED(),
        "url": whoosh_fields.STORED(),
        "newest": whoosh_fields.COLUMN(columns.NumericColumn("q")),
        "oldest": whoosh_fields.COLUMN(columns.NumericColumn("q")),
        "month": whoosh_fields.ID(),
        OWN_INDEX_FIELD: _values(lowercase=False),  # fields.index_term of each own value
        OWN_FACET_FIELD: _values(lowercase=False),
    }
    for row in fields.BUILTIN:
        if row.kind == "words":
            built[row.name] = whoosh_fields.TEXT(analyzer=text_analyzer())
        elif row.kind == "tag":
            built[row.name] = whoosh_fields.TEXT(analyzer=tag_words)
        elif row.kind == "value" and row.many:
            built[row.name] = _values(lowercase=True)
        elif row.kind == "value":
            built[row.name] = whoosh_fields.ID(
                stored=row.stored, analyzer=IDAnalyzer(lowercase=True)
            )
        if row.facet and facet_field(row) not in built:
            built[facet_field(row)] = _values(lowercase=False)
    return whoosh_fields.Schema(**built)


def document(row: dict[str, Any], part: str, row_number: int) -> dict[str, Any]:
    """The whoosh document for one corpus row (columns of ``fetch.INDEX_COLUMNS``)."""
    doc: dict[str, Any] = {
        "doc_id": row["doc_id"],
        "part": part,
        "row": row_number,
        "url": row["url"],
        "newest": UNDATED,
        "oldest": UNDATED,
    }
    if row["title"]:
        doc["headline"] = row["title"]
    published: datetime | None = row["published_at"]
    if published is not None:
        # date: queries and months go by the day as printed; the order by the instant (UTC).
        local = local_time(published, row["published_offset"])  # whoosh dates are naive
        micros = (published - EPOCH) // MICROSECOND
        doc.update(
            published_at=local,
            published=in_zone(published, row["published_offset"]).isoformat(),  # day as printed
            newest=-micros,
            oldest=micros,
            month=f"{local:%Y-%m}",
        )
    for spec in fields.BUILTIN:
        value = row[spec.column] if spec.column is not None else None
        if spec.kind == "words":
            doc[spec.name] = norms(value or "", row["language"])
        elif spec.kind in ("value", "tag"):
            joined = SEP.join(value or ()) if spec.many else value or ""
            doc[spec.name] = joined
            if spec.facet and spec.case == "written":
                doc[facet_field(spec)] = joined
    terms, shown = fields.index_values(row)
    doc[OWN_INDEX_FIELD], doc[OWN_FACET_FIELD] = SEP.join(terms), SEP.join(shown)
    return {k: v for k, v in doc.items() if v != ""}  # whoosh indexes "" as a term


# --- compiling query trees -------------------------------------------------------------------------


class Compiler(TreeCompiler[wq.Query]):
    """Turns a :mod:`query` tree into a whoosh query, analysing words as the index did."""

    def __init__(self, schema: whoosh_fields.Schema, analyser: QueryAnalyser) -> None:
        super().__init__(analyser)
        self.schema = schema

    def finish(self, query: wq.Query) -> wq.Query:
        return query.normalize()

    def all(self) -> wq.Query:
        return wq.Every()

    def none(self) -> wq.Query:
        return wq.NullQuery

    def either(self, parts: list[wq.Query]) -> wq.Query:
        return wq.Or(parts)

    def both(self, parts: list[wq.Query]) -> wq.Query:
        return wq.And(parts)

    def but_not(self, base: list[wq.Query], excluded: list[wq.Query]) -> wq.Query:
        kept = base[0] if len(base) == 1 else wq.And(base)
        return _AndNot(kept, excluded[0] if len(excluded) == 1 else wq.Or(excluded))

    def dates(self, start: date | None, end: date | None) -> wq.Query:
        return wq.DateRange("published_at", _naive(start), _naive(end), endexcl=True)

    def value(self, field: str, text: str, *, prefix: bool) -> wq.Query:
        return (wq.Prefix if prefix else wq.Term)(field, text.lower())

    def prefix(self, row: FieldSpec, text: str, boost: float) -> wq.Query:
        folded = self.analyser.prefix(text) if row.kind == "words" else fold(text)
        return wq.Prefix(row.name, folded, boost=boost)

    def match(self, row: FieldSpec, text: str, slop: int, boost: float) -> wq.Query | Mark:
        name = row.name
        if row.kind == "words":
            found = [self.scoped(name, form, slop, boost) for form in self.analyser.scoped(text)]
        else:
            analysed = tuple(t.text for t in self.schema[name].analyzer(text, mode="query"))
            found = [self.words(name, analysed, slop, boost)] if analysed else []
        if not found:  # punctuation only: matches nothing, and AND ignores it
            return Mark.NONE
        return found[0] if len(found) == 1 else wq.Or(found)

    def scoped(self, name: str, form: Form, slop: int, boost: float) -> wq.Query:
        """One form of a word, looked for only in the articles of its language(s)."""
        query = self.words(name, form.words, slop, boost)
        if form.only is not None:
            languages = wq.Or([wq.Term("language", v) for v in form.only])
            return wq.And([query, wq.ConstantScoreQuery(languages, 0.0)])
        if form.unless:
            return _AndNot(query, wq.Or([wq.Term("language", v) for v in form.unless]))
        return query

    @staticmethod
    def words(name: str, words: tuple[str, ...], slop: int, boost: float) -> wq.Query:
        if len(words) == 1:
            if fields.spec(name).kind == "words" and is_cjk(words[0]):  # one CJK character
                return wq.Prefix(name, words[0], boost=boost)  # starts a token
            return wq.Term(name, words[0], boost=boost)
        return _Phrase(name, words, slop=slop + 1, boost=boost)  # whoosh: slop 1 = adjacent


class _AndNotMatcher(AndNotMatcher):  # type: ignore[misc]
    def _find_first(self) -> None:
        # whoosh skips past excluded documents only if both matchers start on the same one
        if self.a.is_active() and self.b.is_active():
            self._find_next()


class _AndNot(wq.AndNot):  # type: ignore[misc]
    """``a AND NOT b`` whose first hit is checked against ``b`` too (see the module notes)."""

    def matcher(self, searcher: Any, context: Any = None) -> _AndNotMatcher:
        kept = self.a.matcher(searcher, context)
        excluded = self.b.matcher(searcher, searcher.boolean_context())
        return _AndNotMatcher(kept, excluded)


class _Near(wq.SpanNear2):  # type: ignore[misc]
    """whoosh's ordered span query, checked in O(words × positions × log positions).

    whoosh keeps every (start, end) span reachable so far, and for each one scans the positions
    inside it: a phrase of one word repeated, with a slop, grows that set with every word (ten
    repetitions of "strike" with ~10 over one article ran for minutes). Which ends are reachable
    is all a match needs (``query.phrase_ends``).
    """

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        ms = [child.matcher(searcher, context) for child in self.qs]
        return self._Matcher(ms, slop=self.slop, ordered=True, mindist=1)

    class _Matcher(wq.SpanNear2.SpanNear2Matcher):  # type: ignore[misc]
        def _get_spans(self) -> list[Any]:
            from whoosh.query.spans import Span

            positions = [[span.start for span in m.spans()] for m in self.ms]
            return [Span(p) for p in q.phrase_ends(positions, self.slop - 1)]


class _Phrase(wq.Phrase):  # type: ignore[misc]
    """whoosh's phrase query, matched by :class:`_Near`."""

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        from whoosh import matching

        if self.fieldname not in searcher.schema:
            return matching.NullMatcher()
        field, reader = searcher.schema[self.fieldname], searcher.reader()
        terms = []
        for word in self.words:
            term = field.to_bytes(word)
            if (self.fieldname, term) not in reader:  # a missing word: nothing matches
                return matching.NullMatcher()
            terms.append(wq.Term(self.fieldname, term))
        m = _Near(terms, slop=self.slop, ordered=True, mindist=1).matcher(searcher, context)
        return matching.WrappingMatcher(m, boost=self.boost) if self.boost != 1.0 else m


def fold(text: str) -> str:
    """A prefix of a name as the index holds its words: ``Smi*`` -> ``smi``."""
    return text.lower().translate(accent_map)


def _naive(day: date | None) -> datetime | None:
    return None if day is None else datetime(day.year, day.month, day.day)


# --- the index -------------------------------------------------------------------------------------


class _QuietTask(SubWriterTask):  # type: ignore[misc]
    """A worker that leaves Ctrl-C to its parent (which cancels the whole write)."""

    def run(self) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(
            signal.SIGTERM, signal.SIG_DFL
        )  # cancel() terminates us, whatever we inherited
        super().run()


class _MpWriter(MpWriter):  # type: ignore[misc]
    def _new_task(self) -> _QuietTask:
        task = _QuietTask(
            self.storage,
            self.indexname,
            self.jobqueue,
            self.resultqueue,
            self.subargs,
            self.multisegment,
        )
        self.tasks.append(task)
        task.start()
        return task

    def cancel(self) -> None:
        # whoosh's cancel() only flips a flag in the parent's copy of each task
        for task in self.tasks:
            task.terminate()
            task.join()
        self.tasks.clear()
        MpWriter.cancel(self)


def _merge_smallest(writer: Any, segments: list[Any]) -> list[Any]:
    """Merge policy: keep the ``KEEP_SEGMENTS`` largest segments, merge all the others."""
    from whoosh.reading import SegmentReader

    ordered = sorted(segments, key=lambda s: s.doc_count_all(), reverse=True)
    for segment in ordered[KEEP_SEGMENTS:]:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    return ordered[:KEEP_SEGMENTS]


class WhooshIndex:
    """One whoosh index folder. Open with :meth:`open` or :meth:`create`."""

    engine = ENGINE
    schema_version = SCHEMA_VERSION

    def __init__(self, ix: Any) -> None:
        self.ix = ix

    def compiler(self, tree: q.Node | None = None) -> Compiler:
        """A compiler analysing query words in the languages this index holds."""
        return Compiler(self.ix.schema, QueryAnalyser(self.terms("language"), tree))

    @classmethod
    def create(cls, path: Path, corpus: CorpusTexts) -> WhooshIndex:
        path.mkdir(parents=True, exist_ok=True)
        return cls(index.create_in(str(path), schema()))

    @classmethod
    def open(cls, path: Path, corpus: CorpusTexts) -> WhooshIndex:
        """Raises :class:`SearchIndexError` if there is no readable index at ``path``."""
        try:
            return cls(index.open_dir(str(path)))
        except Exception as exc:  # whoosh raises bare Exceptions, pickle errors, OSError...
            raise SearchIndexError(f"cannot read the whoosh index at {path}: {exc}") from exc

    # --- state

    def doc_count(self) -> int:
        return int(self.ix.doc_count())

    def segment_count(self) -> int:
        return len(self.ix._segments())

    def terms(self, field: str) -> set[str]:
        """Every value indexed in ``field`` (e.g. all doc_ids, all part names)."""
        with self.ix.reader() as reader:
            return {t.decode("utf-8") for t in reader.lexicon(field)}

    def indexed_ids(self) -> list[str]:
        """Every doc_id once per document holding it (a repeat would mean a corrupt index)."""
        with self.ix.reader() as reader:
            return [
                term.decode("utf-8")
                for term, info in reader.iter_field("doc_id")
                for _ in range(info.doc_frequency())
            ]

    # --- writing

    def add(self, rows: Iterable[IndexRow], *, procs: int = 1, limitmb: int = 256) -> int:
        """Index ``rows`` in one commit: all or nothing. Returns how many were added."""
        from whoosh.index import LockError

        before = self.ix.doc_count_all()
        try:
            if procs > 1:
                writer = _MpWriter(
                    self.ix, procs=procs, multisegment=True, limitmb=limitmb, compound=False
                )
            else:
                writer = self.ix.writer(limitmb=limitmb, compound=False)
        except LockError:
            raise IndexLocked(
                f"the whoosh index in {self.ix.storage.folder} is being written by another process"
            ) from None
        added = 0
        try:
            for row in rows:
                writer.add_document(**document(*row))
                added += 1
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        after = self.ix.doc_count_all()
        if after != before + added:
            raise SearchIndexError(
                f"an index worker failed: {before + added - after} of {added} articles were not "
                "indexed; run 'newsarchive index' again to add them"
            )
        self.bound_segments()
        return added

    def bound_segments(self) -> None:
        if self.segment_count() > MAX_SEGMENTS:
            self.ix.writer(compound=False).commit(mergetype=_merge_smallest)

    # --- reading

    def search(
        self, tree: q.Node, *, limit: int | None, offset: int, sort: str
    ) -> tuple[int, list[EngineHit]]:
        """``(total, hits[offset:offset+limit])``; sort is relevance, newest or oldest."""
        query = self.compiler(tree).compile(tree)
        upto = None if limit is None else offset + limit
        with self.ix.searcher() as searcher:
            if upto == 0:
                return self._count(searcher, query), []
            if sort == "relevance":
                results = searcher.search(query, limit=upto)
            else:
                keys = [sorting.FieldFacet(sort), sorting.ScoreFacet()]
                results = searcher.search(query, limit=upto, sortedby=keys)
            hits = [_hit(h, sort) for h in results[offset:upto]]
            return len(results), hits

    def matching_ids(self, tree: q.Node) -> list[str]:
        """The doc_id of every hit, in index order: hits are matched without being scored or
        ranked, and only their stored fields are read."""
        query = self.compiler(tree).compile(tree)
        with self.ix.searcher() as searcher:
            return [searcher.stored_fields(d)["doc_id"] for d in searcher.docs_for_query(query)]

    @staticmethod
    def _count(searcher: Any, query: wq.Query) -> int:
        return sum(1 for _ in searcher.docs_for_query(query))

    def facet(self, tree: q.Node, name: str) -> list[tuple[str, int]]:
        """Counts per value of facet ``name`` over every hit of ``tree``."""
        row = fields.spec(name)
        field = facet_field(row)
        with self.ix.searcher() as searcher:
            docs = set(searcher.docs_for_query(self.compiler(tree).compile(tree)))
            reader = searcher.reader()
            counts: dict[str, int] = {}
            for term in reader.lexicon(field):
                value: str | None = term.decode("utf-8")
                if row.own and value is not None:
                    value = fields.facet_value(name, value)
                if value is None:
                    continue
                n = sum(1 for d in reader.postings(field, term).all_ids() if d in docs)
                if n:
                    counts[value] = n
        return facet_counts(name, counts)

    # --- snippets

    def query_analyser(self, tree: q.Node) -> QueryAnalyser:
        return self.compiler(tree).analyser


def _hit(hit: Any, sort: str) -> EngineHit:
    stored = hit.fields()
    # a sorted search reports its sort key; the relevance score is the ScoreFacet's, negated
    score = hit.score if sort == "relevance" else -hit.score[1]
    published = stored.get("published")
    return EngineHit(
        doc_id=stored["doc_id"],
        score=float(score),
        title=stored.get("headline"),
        source=stored.get("source", ""),
        url=stored.get("url"),
        published_at=datetime.fromisoformat(published) if published else None,
        part=stored["part"],
        row=stored["row"],
        language=stored.get("language"),
    )
