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
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from whoosh import columns, fields, formats, index, sorting
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

from . import fields as user_fields
from . import query as q
from .analysis import Form, QueryAnalyser, is_cjk, norms
from .model import (
    VALUE_FIELDS,
    EngineHit,
    IndexLocked,
    SearchIndexError,
    facet_counts,
    in_zone,
    local_time,
)

SCHEMA_VERSION = 3  # bump when the schema or analysers change: indexes are then rebuilt
ENGINE = "whoosh"
MAX_SEGMENTS = 8  # more segments than this and the smallest are merged ...
KEEP_SEGMENTS = 3  # ... into one, keeping this many of the largest as they are
SEP = "\x1f"  # joins list values (topics, places, ...) into one field value
TAG_GAP = 100  # positions between list values, so a phrase never spans two people
UNDATED = 2**62  # sort key that puts undated articles after every dated one
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
TITLE_BOOST = 2.0
DEFAULT_FIELDS = (("title", TITLE_BOOST), ("text", 1.0))

# facet name -> index field that keeps the values as written
FACET_FIELDS: dict[str, str] = {
    "source": "facet_source",
    "topic": "facet_topic",
    "country": "country",
    "place": "facet_place",
    "person": "facet_person",
    "org": "facet_org",
    "kind": "kind",
    "language": "language",
    "month": "month",
    "year": "month",
}

TEXT_FIELDS = frozenset({"title", "text"})  # analysed per language by .analysis
_KEEP_CASE = {"topic", "place", "person", "org"}  # list fields with a facet_ copy as written


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


def _values(lowercase: bool) -> fields.FieldType:
    """A list of whole values (``SEP``-joined), e.g. topics; matched whole, not by word."""
    analyzer = RegexTokenizer(rf"[^{SEP}\s](?:[^{SEP}]*[^{SEP}\s])?")
    if lowercase:
        analyzer = analyzer | LowercaseFilter()
    return fields.FieldType(formats.Existence(), analyzer, scorable=False)


def schema() -> fields.Schema:
    tag_words = TagWordsTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)
    return fields.Schema(
        doc_id=fields.ID(stored=True, unique=True),
        part=fields.ID(stored=True),
        row=fields.STORED(),
        title=fields.TEXT(analyzer=text_analyzer()),
        headline=fields.STORED(),  # the title as written
        text=fields.TEXT(analyzer=text_analyzer()),
        published_at=fields.DATETIME(),
        published=fields.STORED(),
        url=fields.STORED(),
        newest=fields.COLUMN(columns.NumericColumn("q")),
        oldest=fields.COLUMN(columns.NumericColumn("q")),
        month=fields.ID(),
        source=fields.ID(stored=True, analyzer=IDAnalyzer(lowercase=True)),
        kind=fields.ID(analyzer=IDAnalyzer(lowercase=True)),
        language=fields.ID(analyzer=IDAnalyzer(lowercase=True), stored=True),
        topic=_values(lowercase=True),
        country=_values(lowercase=True),
        place=fields.TEXT(analyzer=tag_words),
        person=fields.TEXT(analyzer=tag_words),
        org=fields.TEXT(analyzer=tag_words),
        facet_source=_values(lowercase=False),
        facet_topic=_values(lowercase=False),
        facet_place=_values(lowercase=False),
        facet_person=_values(lowercase=False),
        facet_org=_values(lowercase=False),
        **_user_schema(),
    )


# --- the researcher's own fields (index/fields.py): one term field, one as-written field --------


def _user_schema() -> dict[str, fields.FieldType]:
    return {"user": _values(lowercase=False), "user_facet": _values(lowercase=False)}


def _user_document(row: dict[str, Any]) -> dict[str, str]:
    terms, shown = user_fields.index_values(row)
    return {"user": SEP.join(terms), "user_facet": SEP.join(shown)}


def _user_query(node: q.Term | q.Phrase | q.Prefix, name: str) -> wq.Query:
    if isinstance(node, q.Prefix):
        return wq.Prefix("user", user_fields.index_term(name, node.text))
    text = node.text if isinstance(node, q.Term) else " ".join(node.words)
    return wq.Term("user", user_fields.index_term(name, text))


def document(row: dict[str, Any], part: str, row_number: int) -> dict[str, Any]:
    """The whoosh document for one corpus row (columns of ``fetch.INDEX_COLUMNS``)."""
    doc: dict[str, Any] = {
        "doc_id": row["doc_id"],
        "part": part,
        "row": row_number,
        "text": norms(row["text"] or "", row["language"]),
        "url": row["url"],
        "source": row["source"] or "",
        "facet_source": row["source"] or "",
        "kind": row["kind"] or "",
        "language": row["language"] or "",
        "newest": UNDATED,
        "oldest": UNDATED,
    }
    if row["title"]:
        doc["title"] = norms(row["title"], row["language"])
        doc["headline"] = row["title"]
    published: datetime | None = row["published_at"]
    if published is not None:
        # date: queries and months go by the day as printed; the order by the instant (UTC).
        local = local_time(published, row["published_offset"])  # whoosh dates are naive
        micros = (published - EPOCH) // timedelta(microseconds=1)
        doc.update(
            published_at=local,
            published=in_zone(published, row["published_offset"]).isoformat(),  # day as printed
            newest=-micros,
            oldest=micros,
            month=f"{local:%Y-%m}",
        )
    for column, name in (
        ("topics", "topic"),
        ("countries", "country"),
        ("places", "place"),
        ("people", "person"),
        ("organisations", "org"),
    ):
        if row[column]:
            joined = SEP.join(row[column])
            doc[name] = joined
            if name in _KEEP_CASE:
                doc[f"facet_{name}"] = joined
    doc.update(_user_document(row))
    return {k: v for k, v in doc.items() if v != ""}  # whoosh indexes "" as a term


# --- compiling query trees -------------------------------------------------------------------------


class Compiler:
    """Turns a :mod:`query` tree into a whoosh query, analysing words as the index did."""

    def __init__(self, schema: fields.Schema, analyser: QueryAnalyser) -> None:
        self.schema = schema
        self.analyser = analyser

    def analyse(self, field: str, text: str) -> list[tuple[str, ...]]:
        """The ways ``text`` may stand in ``field``: one per candidate language in title and
        text, the field's own analysis in the others."""
        if field in TEXT_FIELDS:
            return self.analyser.forms(text)
        found = tuple(t.text for t in self.schema[field].analyzer(text, mode="query"))
        return [found] if found else []

    def compile(self, node: q.Node) -> wq.Query:
        return self.node(node, None).normalize()

    def node(self, node: q.Node, field: str | None) -> wq.Query:
        match node:
            case q.And(children):
                return self.conjunction(children, field)
            case q.Or(children):
                return wq.Or([self.node(c, field) for c in children])
            case q.Not(child):
                return _AndNot(wq.Every(), self.node(child, field))
            case q.Field(name, child):
                return self.node(child, name)
            case q.DateRange(start, end):
                return wq.DateRange("published_at", _naive(start), _naive(end), endexcl=True)
            case q.MatchAll():
                return wq.Every()
        leaf: q.Term | q.Phrase | q.Prefix = node
        if field is None:
            return wq.Or([self.leaf(leaf, name, boost) for name, boost in DEFAULT_FIELDS])
        return self.leaf(leaf, field, 1.0)

    def conjunction(self, children: tuple[q.Node, ...], field: str | None) -> wq.Query:
        # NOT inside AND subtracts from the rest rather than scanning every document
        keep = [self.node(c, field).normalize() for c in children if not isinstance(c, q.Not)]
        drop = [self.node(c.child, field) for c in children if isinstance(c, q.Not)]
        # whoosh normalises And(Every(), x) to Every() (right for Or, wrong for And): drop them
        keep = [k for k in keep if not _matches_all(k)]
        base = wq.And(keep) if keep else wq.Every()
        return _AndNot(base, wq.Or(drop)) if drop else base

    def leaf(self, node: q.Term | q.Phrase | q.Prefix, name: str, boost: float) -> wq.Query:
        """``node`` in index field ``name`` (query field names are index field names)."""
        if name in VALUE_FIELDS:
            return self.value(node, name)
        if user_fields.is_user(name):
            return _user_query(node, name)
        if isinstance(node, q.Prefix):
            text = self.analyser.prefix(node.text) if name in TEXT_FIELDS else fold(node.text)
            return wq.Prefix(name, text, boost=boost)
        text = node.text if isinstance(node, q.Term) else " ".join(node.words)
        slop = 0 if isinstance(node, q.Term) else node.slop
        if name in TEXT_FIELDS:
            found = [self.scoped(name, form, slop, boost) for form in self.analyser.scoped(text)]
        else:
            found = [self.words(name, words, slop, boost) for words in self.analyse(name, text)]
        if not found:  # punctuation only: matches nothing, and AND ignores it
            return wq.NullQuery
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
            if name in TEXT_FIELDS and is_cjk(words[0]):  # one CJK character starts a token
                return wq.Prefix(name, words[0], boost=boost)
            return wq.Term(name, words[0], boost=boost)
        return _Phrase(name, words, slop=slop + 1, boost=boost)  # whoosh: slop 1 = adjacent

    @staticmethod
    def value(node: q.Term | q.Phrase | q.Prefix, name: str) -> wq.Query:
        if isinstance(node, q.Prefix):
            return wq.Prefix(name, node.text.lower())
        text = node.text if isinstance(node, q.Term) else " ".join(node.words)
        return wq.Term(name, text.strip().lower())


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


def _matches_all(query: wq.Query) -> bool:
    return isinstance(query, wq.Every) and not query.fieldname


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
    document = staticmethod(document)

    def __init__(self, ix: Any) -> None:
        self.ix = ix

    def compiler(self, tree: q.Node | None = None) -> Compiler:
        """A compiler analysing query words in the languages this index holds."""
        return Compiler(self.ix.schema, QueryAnalyser(self.terms("language"), tree))

    @classmethod
    def create(cls, path: Path) -> WhooshIndex:
        path.mkdir(parents=True, exist_ok=True)
        return cls(index.create_in(str(path), schema()))

    @classmethod
    def open(cls, path: Path) -> WhooshIndex:
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

    def add(self, docs: Iterable[dict[str, Any]], *, procs: int = 1, limitmb: int = 256) -> int:
        """Add ``docs`` in one commit: all or nothing. Returns how many were added."""
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
            for doc in docs:
                writer.add_document(**doc)
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
        field = FACET_FIELDS.get(name, "user_facet")
        with self.ix.searcher() as searcher:
            docs = set(searcher.docs_for_query(self.compiler(tree).compile(tree)))
            reader = searcher.reader()
            counts: dict[str, int] = {}
            for term in reader.lexicon(field):
                value: str | None = term.decode("utf-8")
                if field == "user_facet" and value is not None:
                    value = user_fields.facet_value(name, value)
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
