"""What every command shares: error handling, progress bars, standard options, and the one
``--format`` option and record printer over :mod:`newsarchive.output`."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ..errors import NewsarchiveError, QuerySyntaxError, UsageError, os_reason
from ..output import FORMATS, suffixes

if TYPE_CHECKING:
    from ..output import Records

F = TypeVar("F", bound=Callable[..., Any])


def reports_errors(func: F) -> F:
    """Turn library errors into one line on stderr: exit 2 for usage errors, 1 otherwise.

    Ctrl-C ends with exit 130 and no traceback; the library has already kept what was complete.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (UsageError, QuerySyntaxError) as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(2)
        except NewsarchiveError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            sys.exit(130)
        except OSError as exc:  # a full disk or a vanished folder the library did not foresee
            click.echo(f"Error: {os_reason(exc)}", err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


def show_progress(quiet: bool) -> bool:
    """Progress bars go to stderr, and only to a person watching a terminal."""
    return not quiet and sys.stderr.isatty()


corpus_option = click.option(
    "--corpus",
    default="corpus",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Corpus folder (Parquet dataset), or a URI such as s3://bucket/prefix.",
)
index_dir_option = click.option(
    "--index-dir",
    default="indexes",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder of the full-text index.",
)
quiet_option = click.option("--quiet", "-q", is_flag=True, help="No progress bar or summary.")

# the articles a command looks at (search passes them to the index; analysis makes a Scope)
source_option = click.option("--source", help="Only articles from this source.")
date_from_option = click.option(
    "--from", "date_from", metavar="DATE", help="Published on or after DATE (YYYY[-MM[-DD]])."
)
date_to_option = click.option(
    "--to", "date_to", metavar="DATE", help="Published on or before DATE (YYYY[-MM[-DD]])."
)
no_duplicates_option = click.option(
    "--no-duplicates",
    is_flag=True,
    help="Leave out duplicates and near-duplicates: each story counts once.",
)


def index_options(func: F) -> F:
    """``--corpus`` and ``--index-dir``: the corpus and its full-text index."""
    return corpus_option(index_dir_option(func))


def plural(n: int, noun: str) -> str:
    """``1 article``, ``2 articles``, ``1,234 articles``."""
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


_CSV_RAW = "newsarchive.csv_raw"


def _remember_csv_raw(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    ctx.meta[_CSV_RAW] = value
    return value


# Kept in the context rather than passed down, so every CSV writer of a command sees it.
csv_raw_option = click.option(
    "--csv-raw",
    is_flag=True,
    expose_value=False,
    callback=_remember_csv_raw,
    help="With CSV output: cells verbatim, without the ' put before text starting with "
    "= + - @ that stops spreadsheets running it as a formula (for programs, not spreadsheets).",
)


def formula_safe() -> bool:
    """Whether this command's CSV output neutralises spreadsheet formulas (no ``--csv-raw``)."""
    ctx = click.get_current_context(silent=True)
    return not (ctx is not None and ctx.find_root().meta.get(_CSV_RAW, False))


def format_option(*choices: str, default: str | None = None) -> Callable[[F], F]:
    """``--format`` over the library's formats ``choices`` (rows of
    :data:`newsarchive.output.FORMATS`), and ``--csv-raw`` where CSV is one of them. Without a
    ``default`` the format comes from the output file's name."""
    unknown = [c for c in choices if c not in FORMATS]
    assert not unknown, f"not in newsarchive.output.FORMATS: {unknown}"
    fmt = click.option(
        "--format",
        "fmt",
        type=click.Choice(choices),
        default=default,
        show_default=default is not None,
        help="Output format."
        if default is not None
        else f"Output format [default: from the file name: {suffixes(choices)}].",
    )
    if "csv" not in choices:
        return fmt
    return lambda func: fmt(csv_raw_option(func))


def print_records(records: Records, fmt: str, output: str | None = None) -> None:
    """``records`` as ``fmt`` on stdout, or in the file ``output``."""
    from ..output import Options, write_records

    terminal = output is None and sys.stdout.isatty()
    options = Options(formula_safe=formula_safe(), terminal=terminal)
    write_records(records, fmt, sys.stdout if output is None else Path(output), options)


@contextmanager
def stop_on_sigterm() -> Iterator[None]:
    """Treat SIGTERM (a job scheduler's time limit, ``kill PID``) like Ctrl-C while inside.

    The library already turns Ctrl-C into "keep what is committed, say so"; this gives a
    terminated batch job the same ending and message instead of an abrupt death. The previous
    handler comes back afterwards, so nothing forked later inherits this one.
    """
    import signal

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
