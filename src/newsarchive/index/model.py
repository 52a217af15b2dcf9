"""The records the search API returns, and its errors. Cheap to import: no engine, no pyarrow."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from ..errors import NewsarchiveError

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa


class SearchIndexError(NewsarchiveError):
    """The full-text index is missing, unreadable, or could not be written."""


class IndexMissing(SearchIndexError):
    """There is no index yet: ``newsarchive index`` builds it."""


class IndexLocked(SearchIndexError):
    """Another process is updating the index."""


@dataclass(frozen=True, slots=True)
class IndexReport:
    """What one :func:`update_index` did."""

    added: int  # articles indexed by this run
    total: int  # articles in the index now
    corpus_state: str  # the corpus state the index now reflects (``store.corpus_state``)
    seconds: float
    engine: str
    rebuilt: bool = False
    switched_from: str | None = None  # the engine of the index this rebuild replaced
    shards: int = 0  # shards of a sharded index (0: one index)


@dataclass(frozen=True, slots=True)
class IndexStatus:
    """Whether an index agrees with its corpus (``newsarchive index --status``)."""

    exists: bool
    engine: str | None
    indexed: int  # articles in the index
    corpus_articles: int  # rows in the corpus's committed part files
    corpus_state: str
    index_state: str | None  # the corpus state recorded when the index was last updated
    schema_ok: bool
    shards: str = ""  # how a sharded index is sharded, e.g. "7 shards by year"

    @property
    def up_to_date(self) -> bool:
        return (
            self.exists
            and self.schema_ok
            and self.index_state == self.corpus_state
            and self.indexed == self.corpus_articles
        )


@dataclass(slots=True)
class EngineHit:
    """One hit as an engine returns it: stored fields plus where its text lives in the corpus."""

    doc_id: str
    score: float
    title: str | None
    source: str
    url: str | None
    published_at: datetime | None
    part: str  # the corpus part file name
    row: int  # the row in that part
    language: str | None = None  # the article's language: its text is analysed in it
    text: str | None = None  # the clean text, if the index stores it (else read from the corpus)


@dataclass(frozen=True, slots=True)
class Hit:
    """One search result. ``snippet`` marks matched words ``**like this**``."""

    rank: int
    doc_id: str
    score: float
    published_at: datetime | None  # timezone-aware UTC, or None for undated articles
    source: str
    title: str | None
    url: str | None
    snippet: str


HIT_COLUMNS: tuple[str, ...] = (
    "rank",
    "doc_id",
    "score",
    "published_at",
    "source",
    "title",
    "url",
    "snippet",
)


@dataclass(slots=True)
class SearchResults:
    """A page of hits, the total over all hits, and facets over all hits.

    >>> results = search('"junior doctors" strike', limit=5)  # doctest: +SKIP
    >>> results.total, results.hits[0].title  # doctest: +SKIP
    (153, 'Junior doctors begin first strike in 40 years')
    >>> results.to_pandas().columns.tolist()  # doctest: +SKIP
    ['rank', 'doc_id', 'score', 'published_at', 'source', 'title', 'url', 'snippet']
    >>> results.facet("month")[:2]  # doctest: +SKIP
    [('2016-01', 41), ('2016-02', 12)]
    """

    total: int
    hits: list[Hit]
    query: str
    index_behind: bool = False  # the corpus has parts the index has not seen yet
    _facets: Callable[[str], list[tuple[str, int]]] | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.hits)

    def facet(self, name: str) -> list[tuple[str, int]]:
        """``(value, count)`` over all hits: by count for tags, by date for ``year``/``month``."""
        if self._facets is None:
            return []
        return self._facets(name)

    def to_arrow(self) -> pa.Table:
        import pyarrow as pa

        columns: list[tuple[str, pa.DataType]] = [
            ("rank", pa.int64()),
            ("doc_id", pa.string()),
            ("score", pa.float64()),
            ("published_at", pa.timestamp("us", tz="UTC")),
            ("source", pa.string()),
            ("title", pa.string()),
            ("url", pa.string()),
            ("snippet", pa.string()),
        ]
        schema = pa.schema(
            columns,
            metadata={"newsarchive.query": self.query, "newsarchive.total": str(self.total)},
        )
        return pa.Table.from_pylist([self.row(h) for h in self.hits], schema=schema)

    def to_pandas(self) -> pd.DataFrame:
        """The hits as a DataFrame (``published_at`` is ``datetime64[us, UTC]``)."""
        # Arrow's conversion threads cost more than they save on a page of hits (1.3 against
        # 0.8 ms of CPU for 20 hits, more when the machine is busy)
        return self.to_arrow().to_pandas(use_threads=len(self.hits) >= 10_000)

    @staticmethod
    def row(hit: Hit) -> dict[str, Any]:
        return {name: getattr(hit, name) for name in HIT_COLUMNS}


@dataclass(frozen=True, slots=True)
class MatchingIds:
    """The ``doc_id`` of every article a query matches, in no particular order: unscored and
    unranked, so far cheaper than ``search(..., limit=None)`` for large hit sets."""

    ids: list[str]
    query: str
    index_behind: bool = False  # the corpus has parts the index has not seen yet


def local_time(published: datetime, offset: int | None) -> datetime:
    """The wall-clock time the source printed (naive): what the day and month are taken from.

    >>> local_time(datetime(2023, 11, 9, 3, 28, tzinfo=UTC), -240)
    datetime.datetime(2023, 11, 8, 23, 28)
    """
    return (published.astimezone(UTC) + timedelta(minutes=offset or 0)).replace(tzinfo=None)


def in_zone(published: datetime, offset: int | None) -> datetime:
    """The instant ``published`` in the zone the source printed (UTC when ``offset`` is 0/None)."""
    return published.astimezone(timezone(timedelta(minutes=offset))) if offset else published
