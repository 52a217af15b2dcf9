"""The researcher's commands: kwic, timeline, stats, top-words, show, export, tags explain.

Each is a thin layer: parse options, call one function of :mod:`newsarchive.analysis`, format the
result. Results go to stdout; notes (undated counts, files written) go to stderr.
"""

from __future__ import annotations

import functools
import json
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ..analysis.collocates import MEASURES
from ..analysis.export import FORMATS as EXPORT_FORMATS
from ..analysis.keyness import KINDS
from ..analysis.kwic import SORTS
from ..analysis.timeline import NORMALISE, PERIODS
from ..output import Records, on_screen
from .common import (
    corpus_option,
    date_from_option,
    date_to_option,
    format_option,
    formula_safe,
    index_options,
    no_duplicates_option,
    plural,
    print_records,
    reports_errors,
    source_option,
)

if TYPE_CHECKING:
    from ..analysis.collocates import Measure
    from ..analysis.common import Scope
    from ..analysis.keyness import Kind
    from ..analysis.kwic import Sort
    from ..analysis.timeline import By, Normalise, Timeline

F = TypeVar("F", bound=Callable[..., Any])
# the formats of every command that prints rows (stats adds json)
TABLE_FORMATS = ("table", "csv", "jsonl")


def _scoped(func: Callable[..., Any], options: Sequence[Callable[[F], F]]) -> Any:
    """``func`` called with one ``scope`` (a :class:`Scope`) in place of the scope options.

    Applied below :func:`reports_errors`, so a bad ``--field`` is reported in one line."""

    @functools.wraps(func)
    def wrapper(
        *args: Any,
        source: str | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
        no_duplicates: bool = False,
        field: tuple[str, ...] = (),
        **kwargs: Any,
    ) -> Any:
        from ..analysis.common import Scope, with_fields

        scope = Scope(source, date_from, date_to, no_duplicates)
        kwargs["scope"] = with_fields(kwargs.get("corpus", "corpus"), scope, field)
        return func(*args, **kwargs)

    for option in reversed(options):
        wrapper = option(wrapper)
    return wrapper


_SCOPE = (
    source_option,
    date_from_option,
    date_to_option,
    click.option(
        "--field",
        "field",
        multiple=True,
        metavar="NAME=VALUE",
        help="Only articles whose own field NAME (a manifest column, e.g. label) has VALUE; "
        "repeat for several.",
    ),
    no_duplicates_option,
)


def scope_options(func: F) -> F:
    """``--source``, ``--from``, ``--to``, ``--field``, ``--no-duplicates``: the articles a
    command looks at, handed to it as one ``scope``."""
    scoped: F = _scoped(func, _SCOPE)
    return scoped


def duplicates_scope(func: F) -> F:
    """``--no-duplicates`` alone, handed to the command as its ``scope``."""
    scoped: F = _scoped(func, (no_duplicates_option,))
    return scoped


def group_by_option(func: F) -> F:
    return click.option(
        "--group-by",
        metavar="FIELD",
        help="One line per value of FIELD (source, language, topic, or the corpus's own, "
        "e.g. label).",
    )(func)


def _print_rows(rows: Sequence[dict[str, Any]], columns: Sequence[str], fmt: str) -> None:
    print_records(Records(columns, rows), fmt)


@contextmanager
def notes_on_stale_index() -> Iterator[None]:
    """Print the library's :class:`IndexBehindWarning` once, as a note on stderr."""
    from ..analysis.hits import IndexBehindWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", IndexBehindWarning)
        yield
    notes = [w for w in caught if issubclass(w.category, IndexBehindWarning)]
    for w in caught:  # anything else goes on as if never caught
        if w not in notes:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    for message in dict.fromkeys(str(w.message) for w in notes):
        click.echo(f"Note: {message}.", err=True)


def _share(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


# --- kwic -------------------------------------------------------------------------------------------


@click.command("kwic")
@click.argument("query")
@index_options
@click.option(
    "--width",
    default=40,
    show_default=True,
    type=click.IntRange(0),
    help="Characters of context each side.",
)
@click.option(
    "--sort",
    type=click.Choice(SORTS),
    default="date",
    show_default=True,
    help="Order: by date; by the words left or right of the match; or search order (none).",
)
@click.option("--limit", default=0, type=click.IntRange(0), help="Lines to show; 0 for all.")
@format_option(*TABLE_FORMATS, default="table")
@reports_errors
@scope_options
def kwic_cmd(
    query: str,
    corpus: str,
    index_dir: str,
    width: int,
    sort: Sort,
    limit: int,
    fmt: str,
    scope: Scope,
) -> None:
    """Keyword-in-context concordance of a query's matches.

    Every occurrence of QUERY's words in its hits, one per line. Matches are the words as written (case aside): search finds 'strikes' for 'strike', the
    concordance shows only 'strike'; ask for 'strik*' to see every form.

    \b
      newsarchive kwic '"junior doctors"' --sort left --width 50
      newsarchive kwic 'strik*' --from 2016-04 --format csv > strike.csv
    """
    from ..analysis.kwic import COLUMNS, cells, fit_left, fit_right, kwic

    with notes_on_stale_index():
        lines = kwic(
            query,
            corpus=corpus,
            index_dir=index_dir,
            width=width,
            sort=sort,
            limit=limit or None,
            scope=scope,
        )
    if fmt != "table":
        _print_rows([ln.to_dict() for ln in lines], COLUMNS, fmt)
        return
    # aligned by display width: a CJK character takes two columns of a terminal; control
    # characters in stored text are shown escaped, never sent to the terminal
    sources = [on_screen(ln.source, one_line=True) for ln in lines]
    source_width = max((cells(s) for s in sources), default=0)
    for ln, src in zip(lines, sources, strict=True):
        left, match, right = (on_screen(t, one_line=True) for t in (ln.left, ln.match, ln.right))
        source = src + " " * (source_width - cells(src))
        click.echo(
            f"{ln.doc_id}  {ln.date or 'undated':<10}  {source}  {fit_left(left, width)}"
            + click.style(match, bold=True)
            + fit_right(right, width)
        )
    shown = f"{len(lines):,} of " if len(lines) < lines.occurrences else ""
    click.echo(
        f"{shown}{plural(lines.occurrences, 'occurrence')} in {plural(lines.articles, 'article')}",
        err=True,
    )


# --- timeline ---------------------------------------------------------------------------------------


@click.command("timeline")
@click.argument("query", required=False)
@click.option(
    "--query",
    "-q",
    "more",
    multiple=True,
    help="A query to chart; repeat to compare several side by side.",
)
@index_options
@click.option(
    "--by",
    type=click.Choice(PERIODS),
    default="month",
    show_default=True,
    help="Period (weeks are ISO weeks, from Monday; all periods UTC).",
)
@group_by_option
@click.option(
    "--normalise",
    type=click.Choice(NORMALISE),
    help="With --group-by: shares of the articles of the same value (group) or of all articles "
    "(all) [default: group with a QUERY, all without].",
)
@format_option(*TABLE_FORMATS, default="table")
@click.option(
    "--plot",
    type=click.Path(dir_okay=False),
    help="Also draw the chart to FILE (.png or .svg): counts, and share of all articles.",
)
@reports_errors
@scope_options
def timeline_cmd(
    query: str | None,
    more: tuple[str, ...],
    corpus: str,
    index_dir: str,
    by: By,
    group_by: str | None,
    normalise: Normalise | None,
    fmt: str,
    plot: str | None,
    scope: Scope,
) -> None:
    """Hits per day/week/month/year and their share (attention over time).

    The hits of QUERY per period, and their share of all articles then. Every period from the first to the last appears, with zero where nothing matched. The share
    is hits / all dated articles of the period (of --source when given). Undated articles
    cannot be placed on the axis: they are counted apart.

    \b
      newsarchive timeline strike --by week
      newsarchive timeline --query oil --query wheat --by month --plot attention.png
      newsarchive timeline --group-by label --by month
      newsarchive timeline 'subject:politicsNews' --group-by label --normalise group
    """
    from ..analysis.timeline import COLUMNS, timeline

    queries = ([query] if query else []) + list(more)
    if not queries and group_by:
        queries = ["*"]  # every article, split by the field's values
    if not queries:
        raise click.UsageError("give a QUERY, or one or more --query")
    if normalise is None:
        normalise = "all" if queries == ["*"] else "group"
    with notes_on_stale_index():
        tl = timeline(
            queries,
            corpus=corpus,
            index_dir=index_dir,
            by=by,
            scope=scope,
            group_by=group_by,
            normalise=normalise,
        )
    if fmt == "table":
        click.echo(format_timeline(tl))
    else:
        _print_rows(tl.rows(), COLUMNS, fmt)
        if tl.undated_articles:
            click.echo(_undated_note(tl), err=True)
    if plot:
        from ..analysis.plot import nothing_to_chart, plot_timeline

        written = plot_timeline(tl, plot)
        if written is None:
            click.echo(f"Warning: no chart drawn: {nothing_to_chart(tl)}.", err=True)
        else:
            click.echo(f"Chart written to {written}", err=True)


def format_timeline(tl: Timeline) -> str:
    """Periods down, one ``hits share`` column pair per query across, undated at the foot."""
    widths = [max(len(q), 6) for q in tl.queries]
    head = f"{'period':<10}  {'articles':>8}" + "".join(
        f"  {q:>{w}}  {'share':>6}" for q, w in zip(tl.queries, widths, strict=True)
    )
    lines = [head]
    shares = {q: tl.shares(q) for q in tl.queries}
    for i, label in enumerate(tl.labels):
        row = f"{label:<10}  {tl.articles[i]:>8,}"
        for q, w in zip(tl.queries, widths, strict=True):
            row += f"  {tl.hits[q][i]:>{w},}  {_share(shares[q][i]):>6}"
        lines.append(row)
    undated = f"{'undated':<10}  {tl.undated_articles:>8,}" + "".join(
        f"  {tl.undated_hits[q]:>{w},}  {'':>6}" for q, w in zip(tl.queries, widths, strict=True)
    )
    lines += [undated.rstrip(), "(undated articles are counted apart: they have no period)"]
    return "\n".join(lines)


def _undated_note(tl: Timeline) -> str:
    hits = ", ".join(f"{q} {tl.undated_hits[q]:,}" for q in tl.queries)
    return f"Undated, not in the timeline: {plural(tl.undated_articles, 'article')}; hits: {hits}"


# --- stats ------------------------------------------------------------------------------------------


@click.command("stats")
@corpus_option
@click.option(
    "--top",
    default=10,
    show_default=True,
    type=click.IntRange(1),
    help="Values listed per section.",
)
@group_by_option
@format_option("table", "json", "csv", "jsonl", default="table")
@click.option(
    "--plot",
    type=click.Path(dir_okay=False),
    help="Draw articles per month to FILE (.png or .svg).",
)
@reports_errors
@scope_options
def stats_cmd(
    corpus: str,
    top: int,
    group_by: str | None,
    fmt: str,
    plot: str | None,
    scope: Scope,
) -> None:
    """The corpus profile: sources, dates, languages, tags, removals.

    Articles, sources, dates and how they were found, languages, kinds, top tags, and the
    cleaning rules that removed most. With --group-by, one row per value:
    articles, share, duplicates, near-duplicates, words, dated, first and last day.

    \b
      newsarchive stats --group-by label
    """
    from ..analysis.stats import corpus_stats, plot_stats

    if group_by is not None:
        _group_stats(corpus, group_by, fmt, scope)
        return
    if fmt in ("csv", "jsonl"):
        raise click.UsageError("--format csv and jsonl are for --group-by; use json")

    stats = corpus_stats(corpus, top=top, scope=scope)
    if fmt == "json":
        click.echo(json.dumps(stats.to_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(on_screen(stats.to_text()))
    if plot:
        written = plot_stats(stats, plot)
        if written is None:
            click.echo("Warning: no chart drawn: no article in this scope has a date.", err=True)
        else:
            click.echo(f"Chart written to {written}", err=True)


def _group_stats(corpus: str, field: str, fmt: str, scope: Scope) -> None:
    from ..analysis.stats import GROUP_COLUMNS, group_stats

    groups = group_stats(corpus, field, scope=scope)
    if fmt != "table":
        _print_rows([g.to_dict() for g in groups], GROUP_COLUMNS, fmt)
        return
    vw = max([len(field), *(len(g.value) for g in groups)])
    click.echo(
        f"{field:<{vw}}  {'articles':>9}  {'share':>6}  {'dupl.':>6}  {'near':>6}  "
        f"{'words':>11}  {'dated':>9}  {'first':<10}  last"
    )
    for g in groups:
        click.echo(
            f"{g.value:<{vw}}  {g.articles:>9,}  {_share(g.share):>6}  {g.duplicates:>6,}  "
            f"{g.near_duplicates:>6,}  {g.words:>11,}  {g.dated:>9,}  {g.first:<10}  {g.last}"
        )


# --- top-words --------------------------------------------------------------------------------------


@click.command("top-words")
@click.argument("query")
@index_options
@click.option(
    "--limit", default=25, show_default=True, type=click.IntRange(1), help="Terms to show."
)
@click.option(
    "--kind",
    type=click.Choice(KINDS),
    default="all",
    show_default=True,
    help="Words, two-word phrases, or both.",
)
@click.option(
    "--min-count",
    default=3,
    show_default=True,
    type=click.IntRange(2),
    help="Least times a term must occur in the hits.",
)
@click.option(
    "--against",
    metavar="QUERY2",
    help="Compare with the hits of QUERY2 instead of the rest of the corpus (A against B).",
)
@format_option(*TABLE_FORMATS, default="table")
@reports_errors
@duplicates_scope
def top_words_cmd(
    query: str,
    corpus: str,
    index_dir: str,
    limit: int,
    kind: Kind,
    min_count: int,
    against: str | None,
    fmt: str,
    scope: Scope,
) -> None:
    """Words and phrases over-represented in a query's hits (keyness).

    Words and two-word phrases most over-represented in QUERY's hits against the rest of the
    corpus (or against QUERY2's hits), by log-likelihood (G²); stopwords aside.

    The first run on a corpus state counts the whole corpus once (cached in corpus/_state/).

    \b
      newsarchive top-words 'label:fake' --against 'label:true'
    """
    from ..analysis.keyness import top_words

    with notes_on_stale_index():
        words = top_words(
            query,
            corpus=corpus,
            index_dir=index_dir,
            limit=limit,
            kind=kind,
            min_count=min_count,
            against=against,
            scope=scope,
        )
    columns = ("term", "kind", "hits", "rest", "g2")
    rows = [{c: getattr(w, c) for c in columns} for w in words]
    if fmt != "table":
        _print_rows(rows, columns, fmt)
        return
    tw = max([len("term"), *(len(w.term) for w in words)])
    click.echo(f"{'term':<{tw}}  {'kind':<6}  {'hits':>7}  {'rest':>9}  {'G²':>9}")
    for w in words:
        click.echo(f"{w.term:<{tw}}  {w.kind:<6}  {w.hits:>7,}  {w.rest:>9,}  {w.g2:>9.2f}")


# --- collocates -------------------------------------------------------------------------------------


@click.command("collocates")
@click.argument("word")
@click.argument("query", required=False)
@index_options
@click.option(
    "--window",
    default=5,
    show_default=True,
    type=click.IntRange(1),
    help="Words each side of WORD that count as its company.",
)
@click.option(
    "--min-freq",
    default=3,
    show_default=True,
    type=click.IntRange(1),
    help="Least times a word must occur near WORD to be listed.",
)
@click.option(
    "--measure",
    type=click.Choice(MEASURES),
    default="log_dice",
    show_default=True,
    help="Ranking measure (all four are shown).",
)
@click.option(
    "--limit", default=25, show_default=True, type=click.IntRange(0), help="Rows; 0 for all."
)
@click.option("--stopwords", is_flag=True, help="List stopwords (the, of, …) as collocates too.")
@format_option(*TABLE_FORMATS, default="table")
@reports_errors
@scope_options
def collocates_cmd(
    word: str,
    query: str | None,
    corpus: str,
    index_dir: str,
    window: int,
    min_freq: int,
    measure: Measure,
    limit: int,
    stopwords: bool,
    fmt: str,
    scope: Scope,
) -> None:
    """Words that keep company with a word: log-Dice, MI, t-score, log-likelihood.

    Words within --window words of WORD, in the hits of QUERY (or the whole corpus), ranked by
    the --measure chosen.

    \b
      newsarchive collocates strike
      newsarchive collocates strike 'topic:health' --window 3 --measure t_score --format csv
    """
    from ..analysis.collocates import COLUMNS, collocates

    with notes_on_stale_index():
        found = collocates(
            word,
            query,
            corpus=corpus,
            index_dir=index_dir,
            window=window,
            min_freq=min_freq,
            measure=measure,
            limit=limit or None,
            keep_stopwords=stopwords,
            scope=scope,
        )
    if fmt != "table":
        _print_rows([c.to_dict() for c in found], COLUMNS, fmt)
        return
    tw = max([len("term"), *(len(c.term) for c in found)])
    click.echo(
        f"{'term':<{tw}}  {'together':>8}  {'freq':>8}  {'log-Dice':>8}  {'MI':>7}  "
        f"{'t-score':>7}  {'log-lik':>9}"
    )
    for c in found:
        click.echo(
            f"{c.term:<{tw}}  {c.together:>8,}  {c.freq:>8,}  {c.log_dice:>8.2f}  {c.mi:>7.2f}  "
            f"{c.t_score:>7.2f}  {c.log_likelihood:>9.2f}"
        )


# --- show, tags explain -----------------------------------------------------------------------------


@click.command("show")
@click.argument("doc_id")
@corpus_option
@click.option(
    "--raw",
    is_flag=True,
    help="Show the text before cleaning, each removed span marked [-like this-]{rule}.",
)
@reports_errors
def show_cmd(doc_id: str, corpus: str, raw: bool) -> None:
    """One article: metadata, date and tag evidence, clean or raw text.

    Its metadata, its date and the evidence, its tags and theirs, then the clean text. DOC_ID may be the first characters of an id, if only one article starts with them.
    """
    from ..analysis.show import show_article

    click.echo(show_article(corpus, doc_id, raw=raw, mark=_styled_mark))


def _styled_mark(text: str, rule: str) -> str:
    # click.echo drops the colours when stdout is not a terminal: the brackets carry the meaning.
    return click.style(f"[-{text}-]", fg="red") + click.style(f"{{{rule}}}", dim=True)


@click.group("tags")
def tags_cmd() -> None:
    """Tag tools: see why an article carries each of its tags."""


@tags_cmd.command("explain")
@click.argument("doc_id")
@corpus_option
@reports_errors
def explain_cmd(doc_id: str, corpus: str) -> None:
    """List each tag of DOC_ID (or a unique prefix) with the rule and words that produced it."""
    from ..analysis.show import explain_tags

    click.echo(explain_tags(corpus, doc_id))


# --- export -----------------------------------------------------------------------------------------


@click.command("export")
@click.argument("query", required=False)
@index_options
@format_option(*EXPORT_FORMATS)
@click.option(
    "--output", "-o", required=True, type=click.Path(dir_okay=False), help="File to write."
)
@click.option(
    "--columns",
    help="Comma-separated columns (default: metadata, tags and clean text; not for TEI).",
)
@reports_errors
@scope_options
def export_cmd(
    query: str | None,
    corpus: str,
    index_dir: str,
    fmt: str | None,
    output: str,
    columns: str | None,
    scope: Scope,
) -> None:
    """Export the corpus or a query's hits: jsonl, csv, parquet, TEI.

    The whole corpus, or the articles matching QUERY. OUTPUT.export.json records the query, the corpus state and the newsarchive version (Parquet
    files also carry it in their metadata, TEI files in their header).

    \b
      newsarchive export 'topic:health AND strike' --output strike.csv
      newsarchive export --format tei --output corpus.xml
    """
    from ..analysis.export import export

    with notes_on_stale_index():
        report = export(
            output,
            corpus=corpus,
            index_dir=index_dir,
            query=query,
            fmt=fmt,
            columns=[c.strip() for c in columns.split(",") if c.strip()] if columns else None,
            scope=scope,
            formula_safe=formula_safe(),
        )
    click.echo(
        f"Exported {plural(report.rows, 'article')} to {report.path} ({report.format}); "
        f"export record in {report.sidecar}"
    )
    click.echo(f"Cite as: {report.record['citation']['text']}")
