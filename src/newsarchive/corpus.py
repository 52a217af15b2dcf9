"""``newsarchive.Corpus``: the corpus in a notebook, every analysis one method away.

Each method returns a pandas DataFrame (or a chart, or a report object) and calls the same
library function as the matching command, so a notebook and the command line always agree::

    >>> corpus = Corpus("corpus", index_dir="indexes")            # doctest: +SKIP
    >>> corpus.articles(columns=["title", "published_at"], where={"source": "wire"})  # doctest: +SKIP
    >>> corpus.timeline(["strike", "flood*"], by="week")           # doctest: +SKIP
    >>> corpus.kwic('"junior doctors"', sort="left").head()        # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import store
from .analysis.common import DEFAULT_COLUMNS, Scope, check_columns
from .errors import UsageError
from .storage import CorpusPath, corpus_path

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow.compute as pc
    from matplotlib.figure import Figure

    from .analysis.collocates import Measure
    from .analysis.export import ExportReport
    from .analysis.keyness import Kind
    from .analysis.kwic import Sort
    from .analysis.stats import CorpusStats
    from .analysis.timeline import By, Normalise, Timeline
    from .index import IndexReport


class Corpus:
    """A corpus folder and its search index. Nothing is read until a method asks.

    ``where`` in :meth:`articles` takes a ``pyarrow.compute`` expression
    (``pc.field("word_count") > 500``) or a dict of column → value (a list or tuple means "any of").
    The analysis methods take ``source``, ``date_from`` and ``date_to`` (``YYYY``, ``YYYY-MM`` or
    ``YYYY-MM-DD``, inclusive) to narrow the articles they look at.
    """

    def __init__(
        self, path: str | CorpusPath = "corpus", index_dir: str | Path = "indexes"
    ) -> None:
        self.path = corpus_path(path)  # a folder, or a URI such as s3://bucket/prefix
        self.index_dir = Path(index_dir)

    def __repr__(self) -> str:
        return f"Corpus({str(self.path)!r}, index_dir={str(self.index_dir)!r})"

    def __len__(self) -> int:
        return int(store.open_dataset(self.path).count_rows())

    @property
    def state(self) -> str:
        """Changes whenever an ingest commits: cite it with results (exports record it)."""
        return store.corpus_state(self.path)

    # --- articles ---------------------------------------------------------------------------

    def articles(
        self,
        columns: Sequence[str] | None = None,
        where: pc.Expression | Mapping[str, Any] | None = None,
    ) -> pd.DataFrame:
        """Articles as a DataFrame: ``columns`` (default: all but the raw text and provenance
        lists) of the rows ``where`` selects."""
        cols = check_columns(columns or DEFAULT_COLUMNS)
        table = store.read_corpus(self.path, columns=cols, filter=_where(where))
        return table.to_pandas()

    def show(self, doc_id: str, *, raw: bool = False) -> str:
        """The article view of ``newsarchive show`` (``print`` it); ``doc_id`` may be a prefix."""
        from .analysis.show import show_article

        return show_article(self.path, doc_id, raw=raw)

    def stats(self, *, top: int = 10, **scope: str | bool | None) -> CorpusStats:
        """The corpus profile of ``newsarchive stats``: ``print(c.stats().to_text())``, or
        ``.to_dict()``."""
        from .analysis.stats import corpus_stats

        return corpus_stats(self.path, top=top, scope=_scope(scope, self.path))

    def group_stats(self, field: str, **scope: str | bool | None) -> pd.DataFrame:
        """One row per value of ``field`` (``source``, ``label``…): value, articles, share,
        duplicates, near_duplicates, words, dated, first, last."""
        import pandas as pd

        from .analysis.stats import GROUP_COLUMNS, group_stats

        rows = [g.to_dict() for g in group_stats(self.path, field, scope=_scope(scope, self.path))]
        return pd.DataFrame(rows, columns=list(GROUP_COLUMNS))

    def plot_stats(self, *, path: str | Path | None = None, **scope: str | bool | None) -> Figure:
        """Articles per month as a Figure; with ``path``, also saved as PNG or SVG."""
        from .analysis.plot import save
        from .analysis.stats import corpus_stats, stats_figure

        fig = stats_figure(corpus_stats(self.path, scope=_scope(scope, self.path)))
        if path is not None:
            save(fig, path)
        return fig

    # --- queries ----------------------------------------------------------------------------

    def search(self, query: str, *, limit: int | None = 20, **filters: Any) -> pd.DataFrame:
        """Ranked hits of ``query`` (``newsarchive search``); ``limit=None`` for all of them."""
        from .index import search

        results = search(query, corpus=self.path, index_dir=self.index_dir, limit=limit, **filters)
        return results.to_pandas()

    def kwic(
        self,
        query: str,
        *,
        width: int = 40,
        sort: Sort = "date",
        limit: int | None = None,
        **scope: str | bool | None,
    ) -> pd.DataFrame:
        """The concordance: doc_id, date, source, left, match, right, one row per occurrence."""
        import pandas as pd

        from .analysis.kwic import COLUMNS, kwic

        lines = kwic(
            query,
            corpus=self.path,
            index_dir=self.index_dir,
            width=width,
            sort=sort,
            limit=limit,
            scope=_scope(scope, self.path),
        )
        return pd.DataFrame([ln.to_dict() for ln in lines], columns=list(COLUMNS))

    def timeline(
        self,
        queries: str | Sequence[str],
        *,
        by: By = "month",
        group_by: str | None = None,
        normalise: Normalise = "group",
        **scope: str | bool | None,
    ) -> pd.DataFrame:
        """Hits per period for each query: period, start, query, hits, articles, share.

        ``df.pivot(index="start", columns="query", values="share").plot()`` charts it with
        pandas; :meth:`plot_timeline` draws the same chart as the command.
        """
        return self._timeline(queries, by, scope, group_by, normalise).to_pandas()

    def plot_timeline(
        self,
        queries: str | Sequence[str],
        *,
        by: By = "month",
        group_by: str | None = None,
        normalise: Normalise = "group",
        path: str | Path | None = None,
        **scope: str | bool | None,
    ) -> Figure:
        """The ``timeline --plot`` chart as a matplotlib Figure (shown inline in Jupyter);
        with ``path``, also saved as PNG or SVG."""
        from .analysis.plot import nothing_to_chart, save, timeline_figure

        tl = self._timeline(queries, by, scope, group_by, normalise)
        empty = nothing_to_chart(tl)
        if empty is not None:  # a flat chart would read as a finding
            raise UsageError(f"no chart drawn: {empty}")
        fig = timeline_figure(tl)
        if path is not None:
            save(fig, path)
        return fig

    def _timeline(
        self,
        queries: str | Sequence[str],
        by: By,
        scope: Mapping[str, str | bool | None],
        group_by: str | None = None,
        normalise: Normalise = "group",
    ) -> Timeline:
        from .analysis.timeline import timeline

        return timeline(
            queries,
            corpus=self.path,
            index_dir=self.index_dir,
            by=by,
            scope=_scope(scope, self.path),
            group_by=group_by,
            normalise=normalise,
        )

    def top_words(
        self,
        query: str,
        *,
        limit: int = 25,
        kind: Kind = "all",
        min_count: int = 3,
        against: str | None = None,
        **scope: str | bool | None,
    ) -> pd.DataFrame:
        """Terms over-represented in the hits (against the rest, or the hits of ``against``):
        term, kind, hits, rest, g2 (log-likelihood)."""
        import pandas as pd

        from .analysis.keyness import top_words

        words = top_words(
            query,
            corpus=self.path,
            index_dir=self.index_dir,
            limit=limit,
            kind=kind,
            min_count=min_count,
            against=against,
            scope=_scope(scope, self.path),
        )
        return pd.DataFrame(
            [(w.term, w.kind, w.hits, w.rest, w.g2) for w in words],
            columns=["term", "kind", "hits", "rest", "g2"],
        )

    def collocates(
        self,
        word: str,
        query: str | None = None,
        *,
        window: int = 5,
        min_freq: int = 3,
        measure: Measure = "log_dice",
        limit: int | None = 25,
        keep_stopwords: bool = False,
        **scope: str | bool | None,
    ) -> pd.DataFrame:
        """Collocates of ``word`` (in the hits of ``query``): term, together, freq, log_dice,
        mi, t_score, log_likelihood, best first by ``measure``."""
        import pandas as pd

        from .analysis.collocates import COLUMNS, collocates

        found = collocates(
            word,
            query,
            corpus=self.path,
            index_dir=self.index_dir,
            window=window,
            min_freq=min_freq,
            measure=measure,
            limit=limit,
            keep_stopwords=keep_stopwords,
            scope=_scope(scope, self.path),
        )
        return pd.DataFrame([c.to_dict() for c in found], columns=list(COLUMNS))

    def export(
        self,
        output: str | Path,
        query: str | None = None,
        *,
        fmt: str | None = None,
        columns: Sequence[str] | None = None,
        **scope: str | bool | None,
    ) -> ExportReport:
        """Write the corpus or the hits of ``query`` (jsonl, csv, parquet, tei: see ``export``)."""
        from .analysis.export import export

        return export(
            output,
            corpus=self.path,
            index_dir=self.index_dir,
            query=query,
            fmt=fmt,
            columns=columns,
            scope=_scope(scope, self.path),
        )

    def update_index(self) -> IndexReport:
        """Bring the search index up to date with the corpus (after an ingest with no index)."""
        from .index import update_index

        return update_index(self.path, self.index_dir)


_SCOPE_KEYS = ("source", "date_from", "date_to", "no_duplicates")


def _scope(values: Mapping[str, str | bool | None], corpus: CorpusPath | None = None) -> Scope:
    """The scope keyword arguments of a method: ``source``, ``date_from``, ``date_to``,
    ``no_duplicates``, and any of the corpus's own fields (``label="fake"``)."""
    from .analysis.common import with_fields
    from .index.fields import user_fields

    own = set(user_fields(corpus)) if corpus is not None else set()
    unknown = sorted(set(values) - set(_SCOPE_KEYS) - own)
    if unknown:
        keys = ", ".join([*_SCOPE_KEYS, *sorted(own)])
        raise UsageError(f"unknown option(s) {', '.join(unknown)}; use {keys}")
    text = {k: v if isinstance(v, str) else None for k, v in values.items()}
    scope = Scope(
        text.get("source"),
        text.get("date_from"),
        text.get("date_to"),
        bool(values.get("no_duplicates")),
    )
    pairs = [f"{k}={v}" for k, v in text.items() if k in own and v is not None]
    return with_fields(corpus, scope, pairs) if corpus is not None and pairs else scope


def _where(where: pc.Expression | Mapping[str, Any] | None) -> pc.Expression | None:
    """A pyarrow expression as given, or one built from ``{column: value or list of values}``."""
    import pyarrow.compute as pc

    if where is None or isinstance(where, pc.Expression):
        return where
    expr: pc.Expression | None = None
    for column, value in where.items():
        check_columns([column])
        if isinstance(value, list | tuple | set | frozenset):
            part = pc.field(column).isin(list(value))
        elif value is None:
            part = pc.field(column).is_null()
        else:
            part = pc.field(column) == value
        expr = part if expr is None else expr & part
    return expr
