"""Sharded tantivy indexes: several tantivy indexes (shards) searched as one.

A large archive's index can be built in parallel, one shard per worker (of the local process
pool, or of a Dask cluster), and a date-filtered search reads only the shards that hold its
dates. Layout of a sharded index folder (the engine's folder of :mod:`.api`)::

    indexes/tantivy/
      shards.json      the layout: how it is sharded and, per shard, the corpus parts it was
                       built from, its articles and the first and last day they were published
      shard-0/ …       shards by count (``--shards N``), or by year: year-2016/ …, undated/

- **Layout.** ``--shards N`` cuts the corpus's part files, in commit order, into N runs of about
  equal rows; ``--shard-by year`` puts each article in the shard of the year it was published (as
  printed: the year its ``date:`` queries and ``year`` facet use), undated ones in their own.
- **Updates.** New articles go to the shard of their year (a new year makes a new shard); with
  shards by count, to the shard holding fewest articles, so that no shard outgrows the others
  (the largest shard sets a search's time). Each shard commits on its own; ``shards.json`` is
  written after all of them, and its part list is the index's record of what it holds: a run cut
  short between two shards' commits is finished by the next update (ids already indexed are
  skipped).
- **Merging** (:class:`ShardedIndex`, the one place): totals, ids and facet counts are sums and
  unions, so they equal one index's exactly; hits are merged by date, then score. Scores are
  BM25 with each shard's own term statistics (tantivy-py offers no way to give a searcher
  another index's): relevance order, and the order of articles published at the same instant
  (ties of a date sort go by relevance), are close to one index's but not the same.
"""

from __future__ import annotations

import heapq
import itertools
import json
import multiprocessing
import shutil
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import store
from ..errors import UsageError
from ..progress import ProgressCallback, Step
from . import query as q
from .engines import CorpusTexts, Engine, IndexRow
from .model import EngineHit, SearchIndexError, local_time

if TYPE_CHECKING:
    from .analysis import QueryAnalyser
    from .tantivy_engine import TantivyIndex

SHARDS_FILE = "shards.json"
SHARD_BY = ("year",)  # besides by count
ENGINE = "tantivy"  # the one engine that shards
UNDATED = "undated"


# --- the layout -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sharding:
    """How an index is sharded: ``by`` "count" (``count`` shards) or "year"."""

    by: str
    count: int = 0


@dataclass(slots=True)
class Shard:
    """One shard: its folder's name, and what it holds."""

    name: str
    year: int | None = None  # shards by year: the year (None: the undated shard, or by count)
    parts: list[str] = field(default_factory=list)  # the corpus parts it holds articles of
    articles: int = 0
    undated: int = 0
    first: str | None = None  # the first and last day (as printed) of its articles, ISO
    last: str | None = None

    def note(self, row: dict[str, Any], part: str) -> None:
        """Count one article of ``part`` in this shard."""
        self.articles += 1
        if self.parts[-1:] != [part] and part not in self.parts:  # a part's rows come together
            self.parts.append(part)
        day = local_day(row)
        if day is None:
            self.undated += 1
            return
        iso = day.isoformat()
        self.first = iso if self.first is None or iso < self.first else self.first
        self.last = iso if self.last is None or iso > self.last else self.last

    def merge(self, other: Shard) -> None:
        """Fold in what ``other`` (the same shard, counted elsewhere) holds."""
        self.parts += [p for p in other.parts if p not in self.parts]
        self.articles += other.articles
        self.undated += other.undated
        days = [d for d in (self.first, self.last, other.first, other.last) if d is not None]
        self.first, self.last = (min(days), max(days)) if days else (None, None)

    def may_hold(self, span: tuple[date | None, date | None] | None) -> bool:
        """Can articles of this shard fall in ``span`` (None: any article, dated or not)?"""
        if not self.articles:
            return False
        if span is None:
            return True
        if self.first is None or self.last is None:
            return False  # undated articles only
        start, end = span
        return (start is None or date.fromisoformat(self.last) >= start) and (
            end is None or date.fromisoformat(self.first) < end
        )


@dataclass(slots=True)
class Layout:
    """What ``shards.json`` holds."""

    sharding: Sharding
    shards: list[Shard]

    def parts(self) -> set[str]:
        return {p for s in self.shards for p in s.parts}

    def save(self, folder: Path) -> None:
        store.write_json_atomic(
            folder / SHARDS_FILE,
            {**asdict(self.sharding), "shards": [asdict(s) for s in self.shards]},
        )

    @classmethod
    def load(cls, folder: Path) -> Layout:
        try:
            raw = json.loads((folder / SHARDS_FILE).read_text(encoding="utf-8"))
            shards = [Shard(**s) for s in raw.pop("shards")]
            return cls(Sharding(**raw), shards)
        except (OSError, ValueError, TypeError, KeyError) as exc:
            raise SearchIndexError(f"cannot read the shard layout in {folder}: {exc}") from exc


def is_sharded(folder: Path) -> bool:
    return (folder / SHARDS_FILE).is_file()


def local_day(row: dict[str, Any]) -> date | None:
    """The day an article was published, as its source printed it (what ``date:`` matches)."""
    published: datetime | None = row["published_at"]
    if published is None:
        return None
    return local_time(published, row["published_offset"]).date()


def year_shard_name(year: int | None) -> str:
    return UNDATED if year is None else f"year-{year}"


def choose(
    engine: str,
    shards: int | None,
    shard_by: str | None,
    recorded: Sharding | None,
    cluster: object | None,
) -> Sharding | None:
    """The sharding asked for (``shards``, ``shard_by``), else the index's; one-line errors for
    combinations that make no sense."""
    if shards is not None and shard_by is not None:
        raise UsageError("give --shards N or --shard-by year, not both")
    if shards is not None and shards < 1:
        raise UsageError(f"--shards must be at least 1, not {shards}")
    if shard_by is not None and shard_by not in SHARD_BY:
        raise UsageError(f"cannot shard by {shard_by!r}; use --shard-by year or --shards N")
    if (shards is not None and shards > 1) or shard_by is not None:
        if engine != ENGINE:
            raise UsageError(
                f"only tantivy indexes are sharded, not {engine}: add --engine tantivy"
            )
        chosen: Sharding | None = (
            Sharding("year") if shard_by is not None else Sharding("count", shards or 1)
        )
    elif shards == 1:
        chosen = None  # one index: what --shards 1 asks for
    else:
        chosen = recorded if engine == ENGINE else None
    if cluster is not None and chosen is None:
        raise UsageError(
            "--cluster builds the shards of an index on the workers: add --shards N or "
            "--shard-by year (one index is built by one process, which uses all its cores)"
        )
    return chosen


def recorded(folder: Path) -> Sharding | None:
    """The sharding of the index in ``folder`` (None: not sharded, or no index)."""
    if not is_sharded(folder):
        return None
    try:
        return Layout.load(folder).sharding
    except SearchIndexError:
        return None


def open_index(folder: Path, corpus: CorpusTexts) -> Engine:
    """The index in ``folder``: sharded or one tantivy index."""
    from .tantivy_engine import TantivyIndex

    if is_sharded(folder):
        return ShardedIndex(folder, corpus, Layout.load(folder))
    return TantivyIndex.open(folder, corpus)


def sharding_of(engine: Engine) -> Sharding | None:
    return engine.layout.sharding if isinstance(engine, ShardedIndex) else None


# --- building -------------------------------------------------------------------------------------


def plan(parts: Sequence[Any], sharding: Sharding) -> list[tuple[Shard, list[Any]]]:
    """Each shard to build, with the part files its articles are read from."""
    if sharding.by == "count":
        return [(Shard(f"shard-{i}"), group) for i, group in enumerate(_cut(parts, sharding.count))]
    years: dict[int | None, list[Any]] = {}
    for part in parts:
        for year in _years(part):
            years.setdefault(year, []).append(part)
    order = sorted(years, key=lambda y: (y is None, y or 0))
    return [(Shard(year_shard_name(y), y), years[y]) for y in order]


def _cut(parts: Sequence[Any], count: int) -> list[list[Any]]:
    """``parts`` in order, cut into ``count`` runs of about equal rows (some empty if few)."""
    from .fetch import part_row_counts

    rows = [part_row_counts([p]) for p in parts]
    total = sum(rows)
    groups: list[list[Any]] = [[] for _ in range(count)]
    done = 0
    for part, n in zip(parts, rows, strict=True):
        # the shard whose share of the rows this part's middle falls in
        i = min(count - 1, int((done + n / 2) * count / total)) if total else 0
        groups[i].append(part)
        done += n
    return groups


def _years(part: Any) -> set[int | None]:
    """The years (as printed) the articles of one part were published in; None for undated."""
    import pyarrow as pa
    import pyarrow.compute as pc

    with store.open_part(part) as pf:
        names = set(pf.schema_arrow.names)
        table = pf.read(columns=[c for c in ("published_at", "published_offset") if c in names])
    micros = table["published_at"].cast(pa.int64())
    if "published_offset" in names:
        offset = pc.multiply(
            pc.fill_null(table["published_offset"].cast(pa.int64()), 0), 60_000_000
        )
        micros = pc.add(micros, offset)
    years = pc.unique(pc.year(micros.cast(pa.timestamp("us")))).to_pylist()
    return {None if y is None else int(y) for y in years}


def build_shard(
    folder: Path, corpus: CorpusTexts, shard: Shard, parts: list[Any], limitmb: int
) -> Shard:
    """Build one shard in ``folder`` from ``parts`` (a task for a pool or a Dask worker): every
    article of them, or for a year shard the articles of its year. Returns what it holds."""
    from .tantivy_engine import TantivyIndex

    by_year = shard.name == UNDATED or shard.year is not None
    index = TantivyIndex.create(folder, corpus)
    built = Shard(shard.name, shard.year)
    with index.adding(limitmb=limitmb) as add:
        for row in _rows(parts, set()):
            if by_year and _year(row[0]) != shard.year:
                continue
            built.note(row[0], row[1])
            add(row)
    return built


def _year(row: dict[str, Any]) -> int | None:
    day = local_day(row)
    return None if day is None else day.year


def _rows(parts: Iterable[Any], known: set[str]) -> Iterator[IndexRow]:
    """The rows of ``parts`` to index, without the ids in ``known`` (which it extends)."""
    from . import fetch

    for part in parts:
        for row_number, row in fetch.part_rows(part):
            if row["doc_id"] in known:
                continue
            known.add(row["doc_id"])
            yield row, part.name, row_number


def build(
    folder: Path,
    corpus: CorpusTexts,
    parts: Sequence[Any],
    sharding: Sharding,
    *,
    procs: int | None,
    cluster: object | None,
    limitmb: int,
    progress: ProgressCallback | None,
) -> ShardedIndex:
    """Build a sharded index of ``parts`` in ``folder``: one task per shard, run on the Dask
    ``cluster`` (an address or a client), else on ``procs`` local processes."""
    from .fetch import part_row_counts

    folder.mkdir(parents=True, exist_ok=True)
    planned = plan(parts, sharding)
    todo = part_row_counts(list(parts))
    tasks = [(folder / shard.name, corpus, shard, group, limitmb) for shard, group in planned]
    shards: list[Shard] = []
    if progress is not None:
        progress(Step("indexing", 0, todo))
    for built in _run(tasks, procs, cluster):
        shards.append(built)
        if progress is not None:
            progress(Step("indexing", sum(s.articles for s in shards), todo))
    layout = Layout(sharding, shards)
    layout.save(folder)
    return ShardedIndex(folder, corpus, layout)


def _run(
    tasks: list[tuple[Any, ...]], procs: int | None, cluster: object | None
) -> Iterator[Shard]:
    """``build_shard(*task)`` for each task, in order: on the cluster, a pool, or here."""
    if cluster is not None:
        from ..pipeline.cluster import connect, map_in_order

        with connect(cluster) as client:
            yield from map_in_order(client, build_shard, tasks)
        return
    workers = min(len(tasks), procs if procs is not None else min(2, _cores()))
    if workers <= 1:
        for task in tasks:
            yield build_shard(*task)
        return
    from concurrent.futures import ProcessPoolExecutor

    # forked as the ingest pool's workers are; each builds its shards with one indexing thread
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        yield from pool.map(build_shard, *zip(*tasks, strict=True))


def _cores() -> int:
    import os

    return os.cpu_count() or 1


# --- searching and updating -----------------------------------------------------------------------


def date_span(tree: q.Node) -> tuple[date | None, date | None] | None:
    """The days every article ``tree`` matches is published in, as ``(start, end)`` with the
    end exclusive and None open; None if it may match articles of any day, or undated ones."""
    if isinstance(tree, q.DateRange):
        return tree.start, tree.end
    if isinstance(tree, q.And):
        spans = [s for s in map(date_span, tree.children) if s is not None]
        if not spans:
            return None
        starts = [s for s, _ in spans if s is not None]
        ends = [e for _, e in spans if e is not None]
        return max(starts) if starts else None, min(ends) if ends else None
    if isinstance(tree, q.Or):
        firsts: list[date] = []
        lasts: list[date] = []
        open_start = open_end = False
        for child in tree.children:
            span = date_span(child)
            if span is None:
                return None
            start, end = span
            if start is None:
                open_start = True
            else:
                firsts.append(start)
            if end is None:
                open_end = True
            else:
                lasts.append(end)
        return None if open_start else min(firsts), None if open_end else max(lasts)
    return None  # words, fields, NOT: any day, or none


class ShardedIndex:
    """A sharded index, searched as one (:class:`.engines.Engine`): each shard is opened when a
    search first needs it; ``opened`` names those opened so far."""

    engine = ENGINE

    def __init__(self, folder: Path, corpus: CorpusTexts, layout: Layout) -> None:
        self.folder = folder
        self.corpus = corpus
        self.layout = layout
        self.opened: dict[str, TantivyIndex] = {}

    def describe(self) -> str:
        n = len(self.layout.shards)
        return f"{n} shards" + (" by year" if self.layout.sharding.by == "year" else "")

    def shard(self, name: str) -> TantivyIndex:
        from .tantivy_engine import TantivyIndex

        if name not in self.opened:
            self.opened[name] = TantivyIndex.open(self.folder / name, self.corpus)
        return self.opened[name]

    def shards_for(self, tree: q.Node | None = None) -> list[TantivyIndex]:
        """The shards that may hold hits of ``tree`` (every one that holds articles if None)."""
        span = None if tree is None else date_span(tree)
        return [self.shard(s.name) for s in self.layout.shards if s.may_hold(span)]

    # --- state

    def doc_count(self) -> int:
        return sum(s.doc_count() for s in self.shards_for())

    def terms(self, field: str) -> set[str]:
        # The parts are those of shards.json, written once every shard has committed: a part
        # one shard committed before a crash is read again, its indexed ids skipped.
        if field == "part":
            return self.layout.parts()
        return set().union(*(s.terms(field) for s in self.shards_for()))

    def indexed_ids(self) -> list[str]:
        return [i for s in self.shards_for() for i in s.indexed_ids()]

    # --- updating

    def add(self, rows: Iterable[IndexRow], *, procs: int = 1, limitmb: int = 256) -> int:
        """Add ``rows``, each to its shard (see the module's notes), one commit per shard."""
        from .tantivy_engine import MIN_THREAD_HEAP, TantivyIndex

        counts = {s.name: Shard(s.name, s.year) for s in self.layout.shards}
        adders: dict[str, Callable[[IndexRow], None]] = {}
        by_count = self.layout.sharding.by == "count"
        smallest = min(self.layout.shards, key=lambda s: s.articles).name if by_count else ""
        # writers share the memory of one, whatever the number of shards written
        limit = max(MIN_THREAD_HEAP // 1_000_000, limitmb // max(1, len(self.layout.shards)))
        with ExitStack() as stack:
            for row in rows:
                if by_count:
                    name = smallest
                else:
                    year = _year(row[0])
                    name = year_shard_name(year)
                    if name not in counts:  # a new year (any folder of its name was left by
                        counts[name] = Shard(name, year)  # a cut-short update: not counted)
                        shutil.rmtree(self.folder / name, ignore_errors=True)
                        self.opened[name] = TantivyIndex.create(self.folder / name, self.corpus)
                if name not in adders:
                    adders[name] = stack.enter_context(self.shard(name).adding(limitmb=limit))
                adders[name](row)
                counts[name].note(row[0], row[1])
        known = {s.name: s for s in self.layout.shards}
        for name, added in counts.items():
            if name in known:
                known[name].merge(added)
            else:
                self.layout.shards.append(added)
        self.layout.shards.sort(key=lambda s: (s.year is None, s.year or 0, s.name))
        self.layout.save(self.folder)
        return sum(c.articles for c in counts.values())

    # --- searching

    def search(
        self, tree: q.Node, *, limit: int | None, offset: int, sort: str
    ) -> tuple[int, list[EngineHit]]:
        """Every shard's first ``offset + limit`` hits, merged: by score, or by date (undated
        last) then score, as one index orders them; only the page's hits are loaded."""
        upto = None if limit is None else offset + limit
        shards = self.shards_for(tree)
        analyser = self._analyser(shards, tree)
        if upto is not None and upto <= offset:
            return sum(s.count(tree, analyser) for s in shards), []
        total, ranked = 0, []
        sign = -1 if sort == "newest" else 1
        for i, shard in enumerate(shards):
            count, found, searcher = shard.ranked(tree, upto, sort, analyser)
            total += count
            ranked.append(  # by relevance, hits carry no date (key None): their score decides
                [
                    ((f.key is None, sign * (f.key or 0), -(f.score or 0.0), i, n), f, searcher)
                    for n, f in enumerate(found)
                ]
            )
        merged = heapq.merge(*ranked, key=lambda kfs: kfs[0])
        page = itertools.islice(merged, offset, upto)
        return total, [f.hit(searcher) for _, f, searcher in page]

    def matching_ids(self, tree: q.Node) -> list[str]:
        shards = self.shards_for(tree)
        analyser = self._analyser(shards, tree)
        return [i for s in shards for i in s.matching_ids(tree, analyser)]

    def facet(self, tree: q.Node, name: str) -> list[tuple[str, int]]:
        from .fields import facet_counts

        shards = self.shards_for(tree)
        analyser = self._analyser(shards, tree)
        counts: dict[str, int] = {}
        for shard in shards:
            for value, n in shard.facet(tree, name, analyser):
                counts[value] = counts.get(value, 0) + n
        return facet_counts(name, counts)

    @staticmethod
    def _analyser(shards: list[TantivyIndex], tree: q.Node) -> QueryAnalyser:
        """One analyser for all the shards searched: the query's words are analysed once, in
        every language they hold (a shard without a language finds nothing for its forms)."""
        from .analysis import QueryAnalyser

        return QueryAnalyser(set().union(*(s.terms("language") for s in shards)), tree)

    def query_analyser(self, tree: q.Node) -> QueryAnalyser:
        return self._analyser(self.shards_for(tree), tree)
