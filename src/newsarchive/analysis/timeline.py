"""Attention over time: a query's hits per day, week, month or year, and their share of all articles.

Counting is done by pyarrow on two narrow columns (``doc_id``, ``published_at``), never by a Python
loop over rows. Every period between the first and the last appears, with zero where nothing
matched. Undated articles have no place on a time axis: they are counted apart.

Weeks are ISO weeks (Monday to Sunday, labelled ``2016-W17``). Periods are the days as printed:
an article stamped ``2023-11-08T23:28-04:00`` counts on 8 November (``published_at`` shifted by
``published_offset``), not on the 9th of its UTC instant.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

from ..errors import UsageError
from ..storage import CorpusPath
from .common import Scope, group_members, local_published, read_columns, snapshot
from .hits import hit_ids

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa
    import pyarrow.dataset as pads

By = Literal["day", "week", "month", "year"]
PERIODS: tuple[str, ...] = get_args(By)
Normalise = Literal["group", "all"]
NORMALISE: tuple[str, ...] = get_args(Normalise)
COLUMNS = ("period", "query", "hits", "articles", "share")


@dataclass(frozen=True, slots=True)
class Timeline:
    """Hits per period for each query, beside all articles of the period (the share's base)."""

    by: str
    queries: tuple[str, ...]
    starts: list[datetime]  # first instant of each period, UTC
    articles: list[int]  # dated articles in scope, per period
    hits: dict[str, list[int]]  # per query, per period
    undated_articles: int
    undated_hits: dict[str, int]
    scope: Scope = field(default_factory=Scope)
    # per series, its own base when shares are within a group (``--group-by``, ``--normalise
    # group``): the dated articles of that group per period; else ``articles`` for every series
    bases: dict[str, list[int]] = field(default_factory=dict)
    group_by: str | None = None

    @property
    def labels(self) -> list[str]:
        return [period_label(s, self.by) for s in self.starts]

    def shares(self, query: str) -> list[float | None]:
        """Hits / base per period; ``None`` where the base is empty (no articles at all)."""
        base = self.base(query)
        return [h / n if n else None for h, n in zip(self.hits[query], base, strict=True)]

    def base(self, query: str) -> list[int]:
        """The articles per period that the series' shares are of."""
        return self.bases.get(query, self.articles)

    def rows(self) -> list[dict[str, Any]]:
        """One row per period and query (tidy data): period, query, hits, articles, share."""
        rows = []
        for q in self.queries:
            for label, hits, n, share in zip(
                self.labels, self.hits[q], self.base(q), self.shares(q), strict=True
            ):
                rows.append(
                    {"period": label, "query": q, "hits": hits, "articles": n, "share": share}
                )
        return rows

    def to_pandas(self) -> pd.DataFrame:
        """:meth:`rows` as a DataFrame, with ``start`` (the period's first day) for plotting."""
        import pandas as pd

        df = pd.DataFrame(self.rows(), columns=list(COLUMNS))
        df.insert(1, "start", pd.to_datetime(self.starts * len(self.queries), utc=True))
        return df


def timeline(
    queries: str | Sequence[str],
    *,
    corpus: str | CorpusPath = "corpus",
    index_dir: str | Path = "indexes",
    by: By = "month",
    scope: Scope | None = None,
    group_by: str | None = None,
    normalise: Normalise = "group",
) -> Timeline:
    """Hits of each query per period (``by``), with the share of all articles in that period.

    The share's base is every dated article in ``scope`` (the whole corpus, or one source).
    With ``group_by`` (a field: ``source``, ``language``, ``topic``, or one of the corpus's own,
    such as ``label``) each query becomes one series per value of the field, named
    ``QUERY | FIELD=VALUE``; with ``normalise="group"`` its share is of the articles of the same
    value (``"all"``: of all articles, as without grouping).
    """
    names = (queries,) if isinstance(queries, str) else tuple(queries)
    if not names:
        raise UsageError("give at least one query")
    if normalise not in NORMALISE:
        raise UsageError(f"unknown normalise {normalise!r}; use one of {', '.join(NORMALISE)}")
    hits = {q: hit_ids(q, corpus=corpus, index_dir=index_dir) for q in names}
    dataset = snapshot(corpus)
    scope = scope or Scope()
    if group_by is None:
        return count_timeline(dataset, hits, by=by, scope=scope)
    groups = group_members(dataset, corpus, group_by, scope)
    series: dict[str, list[str]] = {}
    value_of: dict[str, str] = {}
    for q, ids in hits.items():
        for value, members in groups.items():
            name = f"{group_by}={value}" if q == "*" else f"{q} | {group_by}={value}"
            series[name], value_of[name] = sorted(set(ids) & members), value
    tl = count_timeline(dataset, series, by=by, scope=scope)
    bases: dict[str, list[int]] = {}
    if normalise == "group":
        group_tl = count_timeline(
            dataset, {v: sorted(m) for v, m in groups.items()}, by=by, scope=scope
        )
        bases = {name: group_tl.hits[value_of[name]] for name in series}
    return replace(tl, bases=bases, group_by=group_by)


def count_timeline(
    dataset: pads.Dataset, hits: Mapping[str, Sequence[str]], *, by: By, scope: Scope
) -> Timeline:
    """:func:`timeline` for hit ids already known (query label → ids)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if by not in PERIODS:
        raise UsageError(f"unknown period {by!r}; use one of {', '.join(PERIODS)}")
    # published_at as the wall clock its source printed: periods are the days as printed
    dated = dataset.to_table(
        columns={"doc_id": pc.field("doc_id"), "published_at": local_published()},
        filter=scope.expression(),
    )
    dated = dated.filter(pc.is_valid(dated.column("published_at")))
    # A date range leaves undated articles out of the scope, yet they are still the source's
    # articles: read them without the range (the rest of the scope holds), so "undated" counts
    # them whatever the range.
    undated_scope = replace(scope, date_from=None, date_to=None)
    everything = read_columns(dataset, ["doc_id", "published_at"], undated_scope)
    undated_table = everything.filter(pc.is_null(everything.column("published_at")))
    starts = _axis(dated.column("published_at"), by, scope)
    counts: dict[str, list[int]] = {}
    undated: dict[str, int] = {}
    for q, ids in hits.items():
        value_set = pa.array(list(ids), pa.string())
        mine = dated.filter(pc.is_in(dated.column("doc_id"), value_set=value_set))
        counts[q] = _on_axis(period_counts(mine.column("published_at"), by), starts)
        undated[q] = undated_table.filter(
            pc.is_in(undated_table.column("doc_id"), value_set=value_set)
        ).num_rows
    return Timeline(
        by=by,
        queries=tuple(hits),
        starts=starts,
        articles=_on_axis(period_counts(dated.column("published_at"), by), starts),
        hits=counts,
        undated_articles=undated_table.num_rows,
        undated_hits=undated,
        scope=scope,
    )


def period_counts(timestamps: pa.ChunkedArray[Any] | pa.Array[Any], by: By) -> dict[datetime, int]:
    """Articles per period start (nulls ignored), counted by pyarrow."""
    import pyarrow.compute as pc

    if len(timestamps) == timestamps.null_count:
        return {}
    floored = pc.floor_temporal(timestamps.drop_null(), unit=by, week_starts_monday=True)
    counted = pc.value_counts(floored)
    # pyarrow hands back ZoneInfo("UTC"); one tzinfo everywhere keeps labels and keys alike
    starts: list[datetime] = counted.field("values").to_pylist()  # type: ignore[assignment]
    counts: list[int] = counted.field("counts").to_pylist()  # type: ignore[assignment]
    return {s.astimezone(UTC): n for s, n in zip(starts, counts, strict=True)}


def period_start(moment: datetime, by: By) -> datetime:
    """The first instant (UTC) of the period holding ``moment``."""
    day = moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if by == "week":
        return day - timedelta(days=day.weekday())
    if by == "month":
        return day.replace(day=1)
    if by == "year":
        return day.replace(month=1, day=1)
    return day


def next_period(start: datetime, by: By) -> datetime:
    if by == "day":
        return start + timedelta(days=1)
    if by == "week":
        return start + timedelta(days=7)
    if by == "month":
        return start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)
    return start.replace(year=start.year + 1)


def period_label(start: datetime, by: str) -> str:
    """``2016-04-26`` (day), ``2016-W17`` (ISO week), ``2016-04`` (month), ``2016`` (year)."""
    if by == "week":
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    return start.strftime({"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}[by])


def period_range(first: datetime, last: datetime, by: By) -> list[datetime]:
    """Every period start from the period of ``first`` to that of ``last``, inclusive."""
    starts, current, end = [], period_start(first, by), period_start(last, by)
    while current <= end:
        starts.append(current)
        current = next_period(current, by)
    return starts


def _axis(published: pa.ChunkedArray[Any], by: By, scope: Scope) -> list[datetime]:
    """The periods to show: each end from the scope's date range if set, else from the articles."""
    import pyarrow.compute as pc

    start, end = scope.bounds()
    last = end - timedelta(microseconds=1) if end else None
    if published.null_count < len(published):
        lo, hi = (value.as_py() for value in pc.min_max(published).values())
        start, last = start or lo, last or hi
    if start is None or last is None:
        return []  # no dated article and no range given: no axis
    return period_range(start, last, by)


def _on_axis(counts: dict[datetime, int], starts: list[datetime]) -> list[int]:
    return [counts.get(s, 0) for s in starts]
