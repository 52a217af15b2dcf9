"""``newsarchive ingest``: the CLI face of :func:`newsarchive.pipeline.run.ingest`."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from ..index.api import ENGINES
from ..pipeline.tags import NER_ENGINES
from ..settings import CLEAN_LEVELS
from .common import (
    corpus_option,
    index_dir_option,
    plural,
    quiet_option,
    reports_errors,
    show_progress,
    stop_on_sigterm,
)

if TYPE_CHECKING:
    from ..pipeline.sources import Rejected

# Listing every skipped input is what the issue asks; past this many the run record holds the rest.
MAX_LISTED = 100


@click.command("ingest")
@click.argument("paths", nargs=-1, required=True)
@corpus_option
@click.option(
    "--manifest",
    type=click.Path(dir_okay=False),
    help="CSV with a 'path' column (relative to it) and any of url, date, source, title, author.",
)
@click.option(
    "--source",
    help="Source name for every article (default: manifest/dump column, else the folder name).",
)
@click.option(
    "--jobs", "-j", type=click.IntRange(min=1), help="Worker processes (default: all cores)."
)
@click.option(
    "--cluster",
    metavar="ADDRESS",
    help="Run the stages on Dask instead of local processes: local, local:N (N worker "
    "processes here) or a scheduler address such as tcp://host:8786 (needs the cluster "
    "extra; see docs/cluster.md).",
)
@click.option("--no-index", is_flag=True, help="Do not update the search index after ingesting.")
@index_dir_option
@click.option(
    "--engine",
    type=click.Choice(ENGINES),
    help="Search engine of the index; another engine than the index's rebuilds it "
    "[default: the index's engine, whoosh for a new index].",
)
@click.option(
    "--config",
    type=click.Path(dir_okay=False),
    help="Settings TOML layered over the defaults (see docs/settings.md).",
)
@click.option(
    "--clean",
    "clean_level",
    type=click.Choice(CLEAN_LEVELS),
    help="Structural cleaner level (menus, comments, footers, link lists) "
    "[default: the clean.structure setting, balanced].",
)
@click.option(
    "--date",
    "date",
    help="Publication date for every article with no better evidence (YYYY-MM-DD).",
)
@click.option(
    "--date-from-mtime",
    is_flag=True,
    help="Date articles with no other evidence by their file's modification time.",
)
@click.option(
    "--ner",
    type=click.Choice(NER_ENGINES),
    default="builtin",
    show_default=True,
    help="Name tagger for people and organisations.",
)
@click.option(
    "--languages",
    help="Comma-separated ISO 639-1 codes an article may be in (e.g. en,fr); "
    "default: the languages setting, else every language.",
)
@click.option(
    "--text-column",
    default="text",
    show_default=True,
    help="Dump column holding the article text (.csv/.jsonl).",
)
@click.option(
    "--title-column", default="title", show_default=True, help="Dump column holding the title."
)
@click.option(
    "--date-column",
    default="date",
    show_default=True,
    help="Dump column holding the publication date.",
)
@click.option("--url-column", default="url", show_default=True, help="Dump column holding the URL.")
@click.option(
    "--source-column",
    default="source",
    show_default=True,
    help="Dump column holding the source name.",
)
@click.option(
    "--wait",
    is_flag=True,
    help="If another ingest is writing to the corpus, wait for it instead of stopping.",
)
@click.option(
    "--follow-links",
    is_flag=True,
    help="Read symbolic links that lead outside the PATH folders (by default they are "
    "skipped as outside-root).",
)
@quiet_option
@reports_errors
def ingest_cmd(
    paths: tuple[str, ...],
    corpus: str,
    manifest: str | None,
    source: str | None,
    jobs: int | None,
    cluster: str | None,
    no_index: bool,
    index_dir: str,
    engine: str | None,
    config: str | None,
    clean_level: str | None,
    date: str | None,
    date_from_mtime: bool,
    ner: str,
    languages: str | None,
    text_column: str,
    title_column: str,
    date_column: str,
    url_column: str,
    source_column: str,
    wait: bool,
    follow_links: bool,
    quiet: bool,
) -> None:
    """Ingest article files into a Parquet corpus (and index them).

    PATHS are files, folders or globs: .txt .html .htm, their .gz, .csv/.jsonl dumps. Each article is decoded, cleaned of boilerplate (every removal recorded), dated and tagged,
    and stored in the Parquet corpus. Re-running the same command adds nothing new. Exit status:
    0 when every input went in, 1 when some were skipped (listed below and in the run record),
    2 for usage errors.
    """
    import time

    from ..pipeline.run import IngestInterrupted, ingest
    from ..pipeline.sources import DumpColumns
    from ..settings import load_settings
    from .display import ProgressDisplay

    settings = load_settings(config)
    if clean_level is not None:
        settings = settings.with_values(**{"clean.structure": clean_level})

    started = time.monotonic()  # the summary's elapsed is the wall time of the whole command
    display = ProgressDisplay(show_progress(quiet))
    columns = DumpColumns(
        text=text_column, title=title_column, date=date_column, url=url_column, source=source_column
    )
    try:
        with stop_on_sigterm(), display:
            report = ingest(
                list(paths),
                corpus=corpus,
                manifest=manifest,
                source=source,
                columns=columns,
                jobs=jobs,
                cluster=cluster,
                settings=settings,
                date=date,
                date_from_mtime=date_from_mtime,
                ner=ner,
                languages=None if languages is None else [c for c in languages.split(",") if c],
                index=not no_index,
                index_dir=index_dir,
                engine=engine,
                wait=wait,
                follow_links=follow_links,
                progress=display if display.enabled else None,
            )
    except IngestInterrupted as stop:
        r = stop.report
        click.echo(
            f"Interrupted: kept {plural(r.ingested, 'article')} committed in whole batches to "
            f"{corpus}; "
            "run the same command again to finish (nothing is added twice).",
            err=True,
        )
        sys.exit(130)
    if not quiet:  # -q: nothing but errors; the exit status still says whether inputs were skipped
        click.echo(format_summary(report, wall=time.monotonic() - started))
    sys.exit(report.exit_code)


def _listed(rej: Rejected) -> str:
    # repr() keeps a file name with a newline or odd bytes on its one line
    path = rej.source_path if rej.source_path.isprintable() else repr(rej.source_path)
    return f"  {rej.reason}: {path}" + (f" ({rej.detail})" if rej.detail else "")


def format_summary(report: object, wall: float | None = None) -> str:
    """The summary of a run; ``wall`` is the command's wall-clock time (the index included)."""
    from ..pipeline.run import IGNORED_REASONS, IngestReport

    assert isinstance(report, IngestReport)
    r = report
    lines = [
        f"Ingested {plural(r.ingested, 'new article')} into {r.corpus} (run {r.run_id})",
        f"  inputs seen        {r.seen:>9,}",
        f"  ingested           {r.ingested:>9,}",
        f"  already in corpus  {r.already:>9,}",
        f"  duplicates         {r.duplicates:>9,}  (stored, linked by duplicate_of)",
        f"  near-duplicates    {r.near_duplicates:>9,}  (stored, linked by near_duplicate_of)",
        f"  not articles       {r.ignored:>9,}",
        f"  skipped            {sum(r.skipped_by_reason.values()):>9,}",
    ]
    for reason, n in sorted(r.skipped_by_reason.items()):
        lines.append(f"    {reason:<17}{n:>9,}")
    if r.removals:
        lines.append("  removals by rule")
        for rule, n in r.removals.most_common():
            lines.append(f"    {rule:<34}{n:>9,}")
    index_s = f", index {r.index.seconds:,.1f} s" if r.index is not None else ""
    elapsed = f"{wall:,.1f} s wall clock (" if wall is not None else ""
    lines.append(
        f"  elapsed {elapsed}inputs {r.elapsed:,.1f} s{index_s}{')' if elapsed else ''}, "
        f"{r.rate:,.0f} inputs/s"
    )
    if r.index is not None:
        lines.append(f"  index: {r.index.added:,} added, {r.index.total:,} in the index")
        if r.index.switched_from:
            lines.append(f"  index: rebuilt with {r.index.engine} (it was {r.index.switched_from})")
    if r.skipped:
        skipped = [rej for rej in r.skipped if rej.reason not in IGNORED_REASONS]
        ignored = [rej for rej in r.skipped if rej.reason in IGNORED_REASONS]
        for heading, group in (("Skipped:", skipped), ("Not articles:", ignored)):
            if group:
                lines.append(heading)
                lines += [_listed(rej) for rej in group[:MAX_LISTED]]
            if len(group) > MAX_LISTED:
                lines.append(f"  … and {len(group) - MAX_LISTED:,} more")
        lines.append(
            f"Skipped inputs and non-articles are listed in {r.corpus}/_runs/{r.run_id}.json"
        )
    return "\n".join(lines)
