"""The corpus profile: how many articles, from where, when, in which languages, about what.

Everything is counted by pyarrow over narrow columns (no text is read), so the profile of
100,000 articles takes well under a second.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import store
from ..index.fields import tag_columns
from ..storage import CorpusPath
from .common import Scope, read_columns, snapshot
from .timeline import period_counts, period_label, period_range

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.dataset as pads
    from matplotlib.figure import Figure

Counts = list[tuple[str, int]]
TAG_COLUMNS = tag_columns()  # the lists of tags, as the field table has them
DEFAULT_TOP = 10
NONE_LABEL = "(none)"


@dataclass(frozen=True, slots=True)
class CorpusStats:
    """The profile :func:`corpus_stats` returns. Lists are ``(value, count)``, largest first."""

    corpus: str
    corpus_state: str
    corpus_version: str  # the citable version (``store.corpus_version``), as exports record it
    articles: int
    duplicates: int  # articles whose text is already in the corpus (``duplicate_of`` set)
    words: int
    first: datetime | None
    last: datetime | None
    undated: int
    sources: Counts
    source_count: int
    per_month: Counts  # every month from the first to the last, oldest first
    date_sources: Counts  # how the dated articles were dated
    languages: Counts
    kinds: Counts
    topics: Counts
    places: Counts
    countries: Counts
    people: Counts
    organisations: Counts
    removal_rules: Counts  # the cleaning rules that removed most spans
    removals: int

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types: dates as ISO 8601, count lists as ``{value: count}`` in order."""
        out: dict[str, Any] = {}
        for key, value in asdict(self).items():
            if isinstance(value, datetime):
                value = value.isoformat()
            elif isinstance(value, list):
                value = dict(value)
            out[key] = value
        return out

    def to_text(self) -> str:
        """The profile as an aligned report for a terminal."""
        span = f"{self.first:%Y-%m-%d} to {self.last:%Y-%m-%d}" if self.first and self.last else "–"
        head: Counts = [
            ("articles", self.articles),
            ("duplicates", self.duplicates),
            ("words", self.words),
            ("sources", self.source_count),
            ("dated", self.articles - self.undated),
            ("undated", self.undated),
        ]
        sections = [
            ("Sources", self.sources),
            ("Articles per month", self.per_month),
            ("How articles were dated (date_source)", self.date_sources),
            ("Languages", self.languages),
            ("Kinds", self.kinds),
            ("Top topics", self.topics),
            ("Top places", self.places),
            ("Top countries", self.countries),
            ("Top people", self.people),
            ("Top organisations", self.organisations),
            (
                f"Removal rules that fired most ({self.removals:,} spans removed)",
                self.removal_rules,
            ),
        ]
        # One name column for the whole report, so every number lines up.
        width = max(len(name) for counts in [head, *(c for _, c in sections)] for name, _ in counts)
        lines = [f"Corpus {self.corpus} (state {self.corpus_state}, version {self.corpus_version})"]
        lines += [f"  {name:<{width}}  {n:>9,}" for name, n in head]
        lines.append(f"  {'date range':<{width}}  {span}")
        for title, counts in sections:
            lines += ["", title]
            lines += [f"  {name:<{width}}  {n:>9,}" for name, n in counts] or ["  –"]
        return "\n".join(lines)


def corpus_stats(
    corpus: str | CorpusPath = "corpus", *, top: int = DEFAULT_TOP, scope: Scope | None = None
) -> CorpusStats:
    """Profile the corpus (or the part of it in ``scope``); each list keeps its ``top`` values.

    Articles per month is never cut: every month from the first to the last is listed.
    """
    dataset = snapshot(corpus)
    state = store.corpus_state(corpus)
    version = store.corpus_version(corpus, dataset)
    return profile(
        dataset, corpus=str(corpus), state=state, version=version, top=top, scope=scope or Scope()
    )


def profile(
    dataset: pads.Dataset, *, corpus: str, state: str, version: str, top: int, scope: Scope
) -> CorpusStats:
    import pyarrow.compute as pc

    base = read_columns(
        dataset,
        ["source", "published_at", "date_source", "language", "kind", "duplicate_of", "word_count"],
        scope,
    )
    published = base.column("published_at")
    months = period_counts(published, "month")
    first, last = _min_max(published)
    tags = read_columns(dataset, list(TAG_COLUMNS), scope)
    rules = _removal_rules(dataset, scope)
    sources = _counts(base.column("source"))
    return CorpusStats(
        corpus=corpus,
        corpus_state=state,
        corpus_version=version,
        articles=base.num_rows,
        duplicates=base.num_rows - base.column("duplicate_of").null_count,
        words=int(pc.sum(base.column("word_count")).as_py() or 0),
        first=first,
        last=last,
        undated=published.null_count,
        sources=sources[:top],
        source_count=len(sources),
        per_month=[
            (period_label(m, "month"), months.get(m, 0))
            for m in (period_range(first, last, "month") if first and last else [])
        ],
        date_sources=_counts(base.column("date_source"), skip_null=True)[:top],
        languages=_counts(base.column("language"))[:top],
        kinds=_counts(base.column("kind"))[:top],
        **{c: _counts(pc.list_flatten(tags.column(c)))[:top] for c in TAG_COLUMNS},
        removal_rules=_counts(rules)[:top],
        removals=len(rules),
    )


def _min_max(published: pa.ChunkedArray[Any]) -> tuple[datetime | None, datetime | None]:
    import pyarrow.compute as pc

    if published.null_count == len(published):
        return None, None
    lo, hi = pc.min_max(published).values()
    return lo.as_py(), hi.as_py()


def _removal_rules(dataset: pads.Dataset, scope: Scope) -> pa.ChunkedArray[Any]:
    """The rule of every removed span, one entry per span."""
    import pyarrow as pa
    import pyarrow.compute as pc

    removed = read_columns(dataset, ["removed"], scope).column("removed")
    rules = pc.struct_field(pc.list_flatten(removed), "rule")
    return rules if isinstance(rules, pa.ChunkedArray) else pa.chunked_array([rules])


def _counts(values: pa.ChunkedArray[Any] | pa.Array[Any], skip_null: bool = False) -> Counts:
    """``(value, count)`` largest first, ties alphabetical; nulls as ``(none)`` unless skipped."""
    import pyarrow.compute as pc

    if skip_null:
        values = values.drop_null()
    counted = pc.value_counts(values)
    pairs = zip(
        counted.field("values").to_pylist(), counted.field("counts").to_pylist(), strict=True
    )
    named = [(NONE_LABEL if v is None else str(v), int(n or 0)) for v, n in pairs]
    return sorted(named, key=lambda vn: (-vn[1], vn[0]))


def stats_figure(stats: CorpusStats) -> Figure:
    """Articles per month as a line chart, undated articles noted under the axis."""
    from .plot import Panel, line_chart
    from .timeline import period_start

    starts = [
        period_start(datetime.fromisoformat(f"{m}-01T00:00+00:00"), "month")
        for m, _ in stats.per_month
    ]
    counts = [n for _, n in stats.per_month]
    panel = Panel("Articles", {"articles per month": counts})
    title = f"Articles per month in {stats.corpus} ({stats.articles:,} articles)"
    note = f"{stats.undated:,} undated articles, not shown" if stats.undated else ""
    empty = [n == 0 for n in counts]
    return line_chart(starts, [panel], by="month", title=title, note=note, empty=empty)


def plot_stats(stats: CorpusStats, path: str | Path) -> Path | None:
    """Draw :func:`stats_figure` to ``path`` (``.png`` or ``.svg``); ``None``, and no file,
    when no article in scope has a date."""
    from .plot import save

    if not any(n for _, n in stats.per_month):
        return None
    return save(stats_figure(stats), path)


GROUP_COLUMNS = (
    "value",
    "articles",
    "share",
    "duplicates",
    "near_duplicates",
    "words",
    "dated",
    "first",
    "last",
)


@dataclass(frozen=True, slots=True)
class GroupStats:
    """One value of a ``stats --group-by`` field: its articles and how they are made up."""

    value: str
    articles: int
    share: float  # of the articles in scope (an article with several values counts in each)
    duplicates: int
    near_duplicates: int
    words: int
    dated: int
    first: str  # first and last publication day, or "" when none is dated
    last: str

    def to_dict(self) -> dict[str, Any]:
        return {c: getattr(self, c) for c in GROUP_COLUMNS}


def group_stats(
    corpus: str | CorpusPath, field: str, *, scope: Scope | None = None
) -> list[GroupStats]:
    """The corpus profile per value of ``field`` (``source``, ``language``, or one of the
    corpus's own fields such as ``label``), most articles first.

    >>> [g.value for g in group_stats("corpus", "label")]  # doctest: +SKIP
    ['fake', 'true']
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    from .common import group_members

    dataset = snapshot(corpus)
    scope = scope or Scope()
    groups = group_members(dataset, corpus, field, scope)
    cols = ["doc_id", "published_at", "duplicate_of", "near_duplicate_of", "word_count"]
    table = read_columns(dataset, cols, scope)
    total = table.num_rows
    out = []
    for value, members in groups.items():
        mine = table.filter(pc.is_in(table.column("doc_id"), pa.array(sorted(members))))
        first, last = _min_max(mine.column("published_at"))
        out.append(
            GroupStats(
                value=value,
                articles=mine.num_rows,
                share=round(mine.num_rows / total, 4) if total else 0.0,
                duplicates=mine.num_rows - mine.column("duplicate_of").null_count,
                near_duplicates=mine.num_rows - mine.column("near_duplicate_of").null_count,
                words=int(pc.sum(mine.column("word_count")).as_py() or 0),
                dated=mine.num_rows - mine.column("published_at").null_count,
                first=f"{first:%Y-%m-%d}" if first else "",
                last=f"{last:%Y-%m-%d}" if last else "",
            )
        )
    return out
