"""``newsarchive index`` and ``newsarchive search``: options in, one library call, output out."""

from __future__ import annotations

import re
import sys
from typing import Any

import click

from .. import __version__
from ..errors import UsageError
from ..index.api import ENGINES, SORTS, index_status, search, update_index
from ..index.model import HIT_COLUMNS, Hit, SearchResults
from ..index.shards import SHARD_BY
from ..output import FORMATS, Records, on_screen
from .common import (
    date_from_option,
    date_to_option,
    format_option,
    index_options,
    no_duplicates_option,
    plural,
    print_records,
    quiet_option,
    reports_errors,
    show_progress,
    source_option,
)


@click.command("index")
@index_options
@click.option(
    "--rebuild", is_flag=True, help="Build the index afresh instead of adding new articles."
)
@click.option(
    "--procs",
    type=click.IntRange(1),
    default=None,
    help="Indexing processes (building shards: processes, one shard each) [default: 2 for "
    "2,000 new articles or more, else 1; 2 for shards].",
)
@click.option(
    "--status", is_flag=True, help="Only report whether the index agrees with the corpus."
)
@click.option(
    "--engine",
    type=click.Choice(ENGINES),
    help="Search engine (tantivy: fast, an optional extra); another engine than the index's "
    "rebuilds it [default: the index's engine, whoosh for a new index].",
)
@click.option(
    "--shards",
    type=int,
    metavar="N",
    help="Split a tantivy index into N shards, each built from a run of the corpus's part "
    "files, in parallel; 1 for one index [default: the index's sharding].",
)
@click.option(
    "--shard-by",
    type=click.Choice(SHARD_BY),
    help="Shard a tantivy index by the year articles were published (undated ones in a shard "
    "of their own): date-filtered searches read only their years' shards.",
)
@click.option(
    "--cluster",
    metavar="ADDRESS",
    help="Build the shards on Dask workers instead of local processes: local, local:N or a "
    "scheduler address such as tcp://host:8786 (the index folder must be shared with them; "
    "needs the cluster extra; see docs/cluster.md).",
)
@quiet_option
@reports_errors
def index_cmd(
    corpus: str,
    index_dir: str,
    rebuild: bool,
    procs: int | None,
    status: bool,
    engine: str | None,
    shards: int | None,
    shard_by: str | None,
    cluster: str | None,
    quiet: bool,
) -> None:
    """Build or update the full-text index of a corpus.

    Only articles the index does not hold yet are added; an interrupted run leaves the previous
    index usable.
    """
    if status:
        _print_status(corpus, index_dir)
        return
    from .display import ProgressDisplay

    with ProgressDisplay(show_progress(quiet)) as display:
        report = update_index(
            corpus,
            index_dir,
            rebuild=rebuild,
            procs=procs,
            progress=display if display.enabled else None,
            engine=engine,
            shards=shards,
            shard_by=shard_by,
            cluster=cluster,
        )
    if not quiet:
        if report.switched_from:
            click.echo(
                f"Switching the index from {report.switched_from} to {report.engine}: "
                "it was rebuilt.",
                err=True,
            )
        verb = "Rebuilt the index with" if report.rebuilt else "Indexed"
        click.echo(
            f"{verb} {plural(report.added, 'article')} in {report.seconds:.1f} s; "
            f"the index holds {plural(report.total, 'article')} ({report.engine}"
            f"{f', {report.shards} shards' if report.shards else ''}, {index_dir}).",
            err=True,
        )


def _print_status(corpus: str, index_dir: str) -> None:
    st = index_status(corpus, index_dir)
    if not st.exists:
        click.echo(f"No index in {index_dir}: run 'newsarchive index --corpus {corpus}'.")
        return
    state = "up to date" if st.up_to_date else "behind the corpus: run 'newsarchive index'"
    if not st.schema_ok:
        state = "built by another version: run 'newsarchive index --rebuild'"
    click.echo(f"index:    {index_dir} ({st.engine}{f', {st.shards}' if st.shards else ''})")
    click.echo(f"articles: {st.indexed:,} indexed, {st.corpus_articles:,} in the corpus")
    click.echo(f"state:    {state}")


@click.command("search")
@click.argument("query")
@index_options
@click.option(
    "--limit",
    default=20,
    show_default=True,
    type=click.IntRange(0),
    help="Hits to show; 0 for all.",
)
@click.option("--offset", default=0, type=click.IntRange(0), help="Skip this many hits (paging).")
@date_from_option
@date_to_option
@source_option
@click.option("--topic", help="Only articles with this topic.")
@click.option(
    "--sort",
    type=click.Choice(SORTS),
    default="relevance",
    show_default=True,
    help="Order of hits; undated articles come last.",
)
@format_option("table", "jsonl", "csv", "parquet", default="table")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False),
    help="Write hits to FILE (needed for parquet).",
)
@click.option("--count", is_flag=True, help="Print only the number of hits.")
@click.option(
    "--facet",
    metavar="NAME",
    help="Print 'value<TAB>count' over all hits instead: a field name as in queries (topics, "
    "people, year...), or one of the corpus's own fields (a manifest column such as label).",
)
@no_duplicates_option
@reports_errors
def search_cmd(
    query: str,
    corpus: str,
    index_dir: str,
    limit: int,
    offset: int,
    date_from: str | None,
    date_to: str | None,
    source: str | None,
    topic: str | None,
    sort: str,
    fmt: str,
    output: str | None,
    count: bool,
    facet: str | None,
    no_duplicates: bool,
) -> None:
    """Search the corpus: boolean, phrase, field and date queries (docs/search.md).

    \b
      newsarchive search '"junior doctors" AND strik*' --from 2016-01 --to 2016-04
      newsarchive search 'person:"Jeremy Hunt" NOT topic:sport' --format jsonl
      newsarchive search 'floods' --facet month
    """
    if count and facet:
        raise UsageError("use --count or --facet, not both")
    if FORMATS[fmt].needs_file and not output:
        raise UsageError(f"--format {fmt} writes a file: add --output FILE")
    summary_only = count or facet is not None
    results = search(
        query,
        corpus=corpus,
        index_dir=index_dir,
        limit=0 if summary_only else (limit or None),
        offset=offset,
        date_from=date_from,
        date_to=date_to,
        source=source,
        topic=topic,
        sort=sort,
        snippets=not summary_only,
        no_duplicates=no_duplicates,
    )
    if results.index_behind:
        click.echo(
            "Note: the corpus has changed since it was indexed; run 'newsarchive index'.", err=True
        )
    if count:
        click.echo(results.total)
    elif facet is not None:
        for value, n in results.facet(facet):
            click.echo(f"{on_screen(str(value), one_line=True)}\t{n}")
    else:
        if not results.total:
            click.echo(f"No articles match {query}.", err=True)
        _write_hits(results, fmt, output)


def _write_hits(results: SearchResults, fmt: str, output: str | None) -> None:
    if fmt != "table":
        print_records(_records(results, fmt), fmt, output)
    elif not results.total:
        return
    elif output is None:
        click.echo(_table(results, sys.stdout.isatty()), nl=False)
    else:
        with open(output, "w", encoding="utf-8", newline="") as fh:
            fh.write(_table(results, False))


def _records(results: SearchResults, fmt: str) -> Records:
    """The hits as records: scores rounded in text formats, as scored in Parquet."""
    record = {
        "query": results.query,
        "total": results.total,
        "format": fmt,
        "columns": list(HIT_COLUMNS),
        "rows": len(results.hits),
        "newsarchive_version": __version__,
    }

    def arrow() -> tuple[Any, Any]:
        table = results.to_arrow()
        return table.schema, table.to_batches()

    return Records(HIT_COLUMNS, (_plain(h) for h in results.hits), record, arrow)


def _table(results: SearchResults, terminal: bool) -> str:
    hits = results.hits
    lines = [_headline(results)]
    rank_width = len(str(hits[-1].rank)) if hits else 1
    # Stored text comes from scrapers: control characters are shown, never sent to the terminal.
    sources = [on_screen(h.source, one_line=True) for h in hits]
    source_width = max((len(s) for s in sources), default=0)
    for h, source in zip(hits, sources, strict=True):
        day = h.published_at.strftime("%Y-%m-%d") if h.published_at else "undated"
        title = on_screen(h.title, one_line=True) if h.title else "(untitled)"
        lines.append(f"{h.rank:>{rank_width}}  {day:<10}  {source:<{source_width}}  {title}")
        if h.snippet:
            snippet = on_screen(h.snippet, one_line=True)
            lines.append(" " * (rank_width + 2) + _bold(snippet, terminal))
    return "\n".join(lines) + "\n"


def _headline(results: SearchResults) -> str:
    total, hits = results.total, results.hits
    noun = "article matches" if total == 1 else "articles match"
    if not hits:
        return f"{total:,} {noun}; none on this page."
    if len(hits) < total:
        return f"{total:,} {noun}; showing {hits[0].rank}–{hits[-1].rank}."
    return f"{total:,} {noun}."


_MARKED = re.compile(r"\*\*(.+?)\*\*")


def _bold(snippet: str, terminal: bool) -> str:
    """Matched words in bold on a terminal; as ``**word**`` elsewhere."""
    if not terminal:
        return snippet
    return _MARKED.sub(lambda m: click.style(m.group(1), bold=True), snippet)


def _plain(hit: Hit) -> dict[str, Any]:
    row = SearchResults.row(hit)
    row["published_at"] = hit.published_at.isoformat() if hit.published_at else None
    row["score"] = round(hit.score, 4)
    return row
