"""What every command shares: error handling, progress bars, standard options."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import click

from ..errors import NewsarchiveError, QuerySyntaxError, UsageError, os_reason

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
