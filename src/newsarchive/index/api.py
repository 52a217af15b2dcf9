"""Full-text search over a corpus, whatever the engine: keep the index in step, and query it.

Layout of an index folder::

    indexes/
      whoosh/        the engine's index (``whoosh.new/`` while a rebuild is being written),
                     or tantivy/ for the tantivy engine (a sharded one: its shards' folders
                     and shards.json, see :mod:`.shards`)
      state.json     engine, schema version, analysis version, corpus path, the corpus state
                     indexed, article count
      .lock          held by the one process updating the index

The engine is chosen when the index is built (``engine=``, ``--engine``) and recorded in
``state.json``; later updates and every search use the recorded one. Choosing another engine
rebuilds the index with it.

An update adds only the articles the index does not hold yet, in one transactional commit: a
crash leaves the previous commit readable. A rebuild (``--rebuild``, a new schema version, or
part files that vanished from the corpus, or words analysed by an older version of
:mod:`.analysis`) is written beside the live index and swapped in, so
searches keep working meanwhile.

>>> update_index("corpus", "indexes")  # doctest: +SKIP
IndexReport(added=2225, total=2225, corpus_state='5c1f…', seconds=9.8, engine='whoosh', rebuilt=True)
>>> search('"junior doctors" AND strike', limit=3).to_pandas()  # doctest: +SKIP
"""

from __future__ import annotations

import os
import shutil
import time
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from .. import store
from ..errors import CorpusError, UsageError
from ..progress import ProgressCallback, Step
from ..storage import CorpusPath, absolute, corpus_path, index_path
from . import fields
from . import query as q
from . import shards as sharded
from .analysis import ANALYSIS_VERSION
from .engines import DEFAULT_ENGINE, Engine, IndexRow, engine_class
from .engines import ENGINES as REGISTRY
from .model import (
    EngineHit,
    Hit,
    IndexLocked,
    IndexMissing,
    IndexReport,
    IndexStatus,
    MatchingIds,
    SearchIndexError,
    SearchResults,
)

STATE_FILE = "state.json"
ENGINES = tuple(REGISTRY)  # each engine's index lives in the index folder under its name
LOCK_FILE = ".lock"
MP_THRESHOLD = 2000  # fewer new articles than this: one writer (starting workers costs more)
LIMIT_MB = 256  # the indexing buffer: whoosh's per process, tantivy's for all its threads
SORTS = ("relevance", "newest", "oldest")


@dataclass(frozen=True, slots=True)
class IndexedCorpus:
    """The corpus an engine reads article text from: the one searched, else the one recorded."""

    corpus: CorpusPath | None
    index_dir: Path

    def texts(self, hits: Sequence[EngineHit]) -> dict[str, str]:
        from .fetch import fetch_texts

        corpus = self.corpus
        if corpus is None:
            recorded = _read_state(self.index_dir).get("corpus")
            if not isinstance(recorded, str):
                raise SearchIndexError(
                    "a proximity search reads article text, but the corpus of the index in "
                    f"{self.index_dir} is unknown"
                )
            corpus = corpus_path(recorded)
        return fetch_texts(corpus, list(hits))


# --- updating --------------------------------------------------------------------------------------


def update_index(
    corpus: str | CorpusPath = "corpus",
    index_dir: str | Path = "indexes",
    *,
    rebuild: bool = False,
    procs: int | None = None,
    progress: ProgressCallback | None = None,
    engine: str | None = None,
    shards: int | None = None,
    shard_by: str | None = None,
    cluster: object | None = None,
) -> IndexReport:
    """Index the corpus's articles that the index does not hold yet (all of them if ``rebuild``).

    ``procs`` is the number of indexing processes (tantivy: threads; default: 2 for 2,000 new
    articles or more, else 1); ``progress`` is called with a :class:`newsarchive.progress.Step`
    as corpus rows are read (``indexing``, with the total) and while the engine commits and
    merges (``merging``, no total).
    ``engine`` (``whoosh`` or ``tantivy``) defaults to the index's recorded engine, and whoosh for
    a new index; another engine than the recorded one rebuilds the index with it.
    ``shards`` (a number) or ``shard_by`` (``"year"``) splits a tantivy index into shards built
    in parallel, on ``procs`` local processes or on the Dask ``cluster`` (``local``, ``local:N``,
    a scheduler address or a ``distributed.Client``); by default an index keeps its sharding,
    and another sharding rebuilds it (``shards=1``: one index). See :mod:`.shards`.
    """
    corpus, index_dir = corpus_path(corpus), index_path(index_dir)
    started = time.monotonic()
    state = store.corpus_state(corpus)  # read before the parts: a later commit is seen next time
    parts = store.part_files(corpus)
    index_dir.mkdir(parents=True, exist_ok=True)
    with _index_lock(index_dir):
        _recover(index_dir)
        recorded = _recorded_engine(index_dir)
        name = engine or recorded or DEFAULT_ENGINE
        cls = engine_class(name)
        schema_version = cls.schema_version
        was = sharded.recorded(index_dir / name) if recorded == name else None
        sharding = sharded.choose(name, shards, shard_by, was, cluster)
        current = None if rebuild else _open_current(index_dir, name, corpus)
        if current is not None and sharded.sharding_of(current) != sharding:
            current = None  # sharded otherwise than asked
        if current is not None and current.terms("part") - {p.name for p in parts}:
            current = None  # parts were rewritten or removed: their rows cannot be trusted
        fresh = index_dir / f"{name}.new"
        rebuilt = current is None
        texts = IndexedCorpus(corpus, index_dir)
        if current is None and sharding is not None:
            shutil.rmtree(fresh, ignore_errors=True)
            index: Engine = sharded.build(
                fresh,
                texts,
                parts,
                sharding,
                procs=procs,
                cluster=cluster,
                limitmb=LIMIT_MB,
                progress=progress,
            )
            added = index.doc_count()
        else:
            index = current if current is not None else cls.create(fresh, texts)
            added = _add_new(index, parts, procs, progress)
        total = index.doc_count()
        if rebuilt:
            _swap_in(index_dir, name, fresh)
        _write_state(index_dir, corpus, state, total, name, schema_version)
        switched = recorded if recorded not in (None, name) else None
        if switched is not None:  # readers follow state.json, written above: drop the old index
            shutil.rmtree(index_dir / switched, ignore_errors=True)
    seconds = time.monotonic() - started
    layout = index.layout.shards if isinstance(index, sharded.ShardedIndex) else []
    return IndexReport(
        added, total, state, seconds, name, rebuilt, switched_from=switched, shards=len(layout)
    )


def _recorded_engine(index_dir: Path) -> str | None:
    """The engine recorded in ``state.json``, else the one whose index folder is there."""
    recorded = _read_state(index_dir).get("engine")
    if recorded in ENGINES:
        return str(recorded)
    return next((name for name in ENGINES if (index_dir / name).is_dir()), None)


def _add_new(
    engine: Engine, parts: list[Path], procs: int | None, progress: ProgressCallback | None
) -> int:
    from . import fetch

    indexed_parts = engine.terms("part")
    new_parts = [p for p in parts if p.name not in indexed_parts]
    todo = fetch.part_row_counts(new_parts)
    if not todo:
        return 0
    if procs is None:
        procs = min(2, os.cpu_count() or 1) if todo >= MP_THRESHOLD else 1
    known = engine.terms("doc_id")

    def rows() -> Iterator[IndexRow]:
        done = 0
        for part in new_parts:
            for row_number, row in fetch.part_rows(part):
                done += 1
                if progress is not None and done % 500 == 0:
                    progress(Step("indexing", done, todo))
                if row["doc_id"] in known:
                    continue
                known.add(row["doc_id"])
                yield row, part.name, row_number
        if progress is not None:
            progress(Step("indexing", done, todo))
            # the engine commits (and merges segments) once the last document is taken: that
            # can take as long as the adding, so say so rather than sit at 100 %
            progress(Step("merging", 0))

    return engine.add(rows(), procs=procs, limitmb=LIMIT_MB)


def _index_lock(index_dir: Path) -> AbstractContextManager[None]:
    """One updater per index (the same OS-released lock as the corpus writer's)."""
    return store.exclusive(
        index_dir,
        lambda who: IndexLocked(
            f"the index in {index_dir} is being updated by {who}; wait for it to finish"
        ),
    )


def _open_current(index_dir: Path, name: str, corpus: CorpusPath) -> Engine | None:
    """The live index if it can be updated in place; None if it must be rebuilt."""
    recorded = _read_state(index_dir)
    if (
        recorded.get("engine") != name
        or recorded.get("schema_version") != engine_class(name).schema_version
        or recorded.get("analysis_version") != ANALYSIS_VERSION
    ):
        return None
    try:
        return _open_engine(name, index_dir / name, IndexedCorpus(corpus, index_dir))
    except SearchIndexError:
        return None


def _open_engine(name: str, folder: Path, texts: IndexedCorpus) -> Engine:
    """The index in an engine's folder, sharded (tantivy) or not."""
    if name == sharded.ENGINE:
        return sharded.open_index(folder, texts)
    return engine_class(name).open(folder, texts)


def _swap_in(index_dir: Path, name: str, fresh: Path) -> None:
    live, old = index_dir / name, index_dir / f"{name}.old"
    if live.exists():
        os.replace(live, old)
    os.replace(fresh, live)  # between the two renames, readers fall back to NAME.old
    shutil.rmtree(old, ignore_errors=True)


def _recover(index_dir: Path) -> None:
    """Finish a swap that a crash interrupted; drop a rebuild that a crash cut short."""
    for name in ENGINES:
        live, old = index_dir / name, index_dir / f"{name}.old"
        shutil.rmtree(index_dir / f"{name}.new", ignore_errors=True)
        if old.exists():
            if live.exists():
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.replace(old, live)


def _read_state(index_dir: Path) -> dict[str, Any]:
    import json

    try:
        state: dict[str, Any] = json.loads((index_dir / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return state


def _write_state(
    index_dir: Path,
    corpus: CorpusPath,
    corpus_state: str,
    total: int,
    engine: str,
    schema_version: int,
) -> None:
    store.write_json_atomic(
        index_dir / STATE_FILE,
        {
            "engine": engine,
            "schema_version": schema_version,
            "analysis_version": ANALYSIS_VERSION,
            "corpus": absolute(corpus),
            "corpus_state": corpus_state,
            "articles": total,
            "updated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        },
    )


def index_status(
    corpus: str | CorpusPath = "corpus", index_dir: str | Path = "indexes"
) -> IndexStatus:
    """Does the index hold every article of the corpus, and reflect its latest state?"""
    from . import fetch

    corpus, index_dir = corpus_path(corpus), index_path(index_dir)
    parts = store.part_files(corpus)
    recorded = _read_state(index_dir)
    name = _recorded_engine(index_dir)
    shards = ""
    try:
        engine = _open_for_search(index_dir)
        indexed, exists = engine.doc_count(), True
        if isinstance(engine, sharded.ShardedIndex):
            shards = engine.describe()
    except SearchIndexError:
        indexed, exists = 0, False
    return IndexStatus(
        exists=exists,
        engine=name if exists else recorded.get("engine"),
        indexed=indexed,
        corpus_articles=fetch.part_row_counts(parts),
        corpus_state=store.corpus_state(corpus),
        index_state=recorded.get("corpus_state"),
        schema_ok=exists
        and recorded.get("schema_version") == engine_class(str(name)).schema_version
        and recorded.get("analysis_version") == ANALYSIS_VERSION,
        shards=shards,
    )


def indexed_ids(index_dir: str | Path = "indexes") -> list[str] | None:
    """Every ``doc_id`` in the index, repeats kept (``verify`` checks there are none); None if
    there is no index."""
    try:
        return _open_for_search(Path(index_dir)).indexed_ids()
    except IndexMissing:
        return None


# --- searching -------------------------------------------------------------------------------------


def build_query(
    query: str,
    *,
    date_from: str | date | None = None,
    date_to: str | date | None = None,
    source: str | None = None,
    topic: str | None = None,
    user_fields: Sequence[str] = (),
    no_duplicates: bool = False,
) -> q.Node:
    """The query's tree with the filters ANDed on; raises ``QuerySyntaxError`` or ``UsageError``.

    ``user_fields`` are the corpus's own fields the query may use; ``no_duplicates`` leaves out
    articles linked as duplicates or near-duplicates, so each story counts once.
    """
    tree = q.parse(query, user_fields)
    try:
        dates = q.date_filter(date_from, date_to)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return q.conjoin(
        tree,
        dates,
        q.Field("source", q.Term(source)) if source else None,
        q.Field("topic", q.Term(topic)) if topic else None,
        fields.no_copies() if no_duplicates else None,
    )


def search(
    query: str,
    *,
    corpus: str | CorpusPath = "corpus",
    index_dir: str | Path = "indexes",
    limit: int | None = 20,
    offset: int = 0,
    date_from: str | date | None = None,
    date_to: str | date | None = None,
    source: str | None = None,
    topic: str | None = None,
    sort: str = "relevance",
    snippets: bool = True,
    no_duplicates: bool = False,
) -> SearchResults:
    """Search the index; ``limit=None`` returns every hit. See ``docs/search.md`` for the language.

    >>> results = search('"picket line"~3 date:2016-04', limit=10, sort="newest")  # doctest: +SKIP
    >>> results.total, [h.doc_id for h in results.hits]  # doctest: +SKIP
    """
    if sort not in SORTS:
        raise UsageError(f"unknown sort {sort!r}; use one of: {', '.join(SORTS)}")
    if (limit is not None and limit < 0) or offset < 0:
        raise UsageError("limit and offset must not be negative")
    engine, tree, table, corpus, index_dir = _prepare(
        query, corpus, index_dir, date_from, date_to, source, topic, no_duplicates
    )
    total, found = engine.search(tree, limit=limit, offset=offset, sort=sort)
    hits = _with_snippets(engine, tree, corpus, found, offset, snippets)

    def facet(name: str) -> list[tuple[str, int]]:
        return engine.facet(tree, table.facet(name))

    return SearchResults(total, hits, query, _behind(corpus, index_dir), facet)


def matching_ids(
    query: str,
    *,
    corpus: str | CorpusPath = "corpus",
    index_dir: str | Path = "indexes",
    date_from: str | date | None = None,
    date_to: str | date | None = None,
    source: str | None = None,
    topic: str | None = None,
    no_duplicates: bool = False,
) -> MatchingIds:
    """The ``doc_id`` of every hit of ``search(..., limit=None)``, in no particular order: the
    engine neither scores nor sorts the hits and reads only their ids, several times faster on a
    large hit set (what counting and filtering need).

    >>> ids = set(matching_ids("floods", date_from="2016").ids)  # doctest: +SKIP
    """
    engine, tree, _, corpus, index_dir = _prepare(
        query, corpus, index_dir, date_from, date_to, source, topic, no_duplicates
    )
    return MatchingIds(engine.matching_ids(tree), query, _behind(corpus, index_dir))


def _prepare(
    query: str,
    corpus: str | CorpusPath,
    index_dir: str | Path,
    date_from: str | date | None,
    date_to: str | date | None,
    source: str | None,
    topic: str | None,
    no_duplicates: bool,
) -> tuple[Engine, q.Node, fields.FieldTable, CorpusPath, Path]:
    """What a search needs: the engine, the query's tree, the corpus's field table, the paths."""
    table = fields.table(corpus)
    tree = build_query(
        query,
        date_from=date_from,
        date_to=date_to,
        source=source,
        topic=topic,
        user_fields=table.own,
        no_duplicates=no_duplicates,
    )
    corpus, index_dir = corpus_path(corpus), index_path(index_dir)
    return _open_for_search(index_dir, corpus), tree, table, corpus, index_dir


# Engines opened for searching, kept for the next search of the same index (a notebook's or a
# server's many queries): opening one cost more than most queries. An entry is used only while
# the index's state file is the one it was opened under; every update or rebuild rewrites it.
_OPEN_ENGINES: OrderedDict[tuple[str, str], tuple[tuple[int, int, int], Engine]] = OrderedDict()
_OPEN_MAX = 4


def _open_for_search(index_dir: Path, corpus: CorpusPath | None = None) -> Engine:
    try:
        st = (index_dir / STATE_FILE).stat()
    except OSError:
        return _open_engine_for_search(index_dir, corpus)
    key, stamp = (str(index_dir.absolute()), str(corpus)), (st.st_ino, st.st_size, st.st_mtime_ns)
    kept = _OPEN_ENGINES.get(key)
    if kept is not None and kept[0] == stamp:
        _OPEN_ENGINES.move_to_end(key)
        return kept[1]
    engine = _open_engine_for_search(index_dir, corpus)
    _OPEN_ENGINES[key] = (stamp, engine)
    while len(_OPEN_ENGINES) > _OPEN_MAX:
        _OPEN_ENGINES.popitem(last=False)
    return engine


def _open_engine_for_search(index_dir: Path, corpus: CorpusPath | None) -> Engine:
    name = _recorded_engine(index_dir)
    state = _read_state(index_dir)
    if name is not None and state and state.get("analysis_version") != ANALYSIS_VERSION:
        raise SearchIndexError(
            f"the index in {index_dir} was built by an older version of newsarchive, which "
            f"analysed words differently: run 'newsarchive index --rebuild --index-dir {index_dir}'"
        )
    if name is not None:
        for folder in (name, f"{name}.old"):  # .old: a rebuild is being swapped in
            if (index_dir / folder).is_dir():
                texts = IndexedCorpus(corpus, index_dir)
                return _open_engine(name, index_dir / folder, texts)
    raise IndexMissing(
        f"no search index in {index_dir}: run 'newsarchive index --index-dir {index_dir}' first"
    )


def _with_snippets(
    engine: Engine,
    tree: q.Node,
    corpus: CorpusPath,
    found: list[EngineHit],
    offset: int,
    snippets: bool,
) -> list[Hit]:
    from .snippets import HighlightSpec, highlight_spec, make_snippet, text_tokens

    if not snippets or not found:
        return [
            Hit(rank, h.doc_id, h.score, h.published_at, h.source, h.title, h.url, "")
            for rank, h in enumerate(found, start=offset + 1)
        ]
    from .fetch import fetch_texts

    texts = fetch_texts(corpus, found)
    analyser = engine.query_analyser(tree)
    specs: dict[str | None, HighlightSpec] = {}  # one per language: its words are its own
    hits = []
    for rank, h in enumerate(found, start=offset + 1):
        text = texts.get(h.doc_id, "")
        if h.language not in specs:
            specs[h.language] = highlight_spec(tree, analyser, h.language)
        spec = specs[h.language]
        words = text_tokens(text, h.language, spec, exact=False) if text else []
        snippet = make_snippet(text, words, spec) if text else ""
        hits.append(Hit(rank, h.doc_id, h.score, h.published_at, h.source, h.title, h.url, snippet))
    return hits


def _behind(corpus: CorpusPath, index_dir: Path) -> bool:
    try:
        return _read_state(index_dir).get("corpus_state") != store.corpus_state(corpus)
    except CorpusError:
        return False
