"""Shared helpers of the test suite: the command line run in-process and typed reads of a
stored corpus (tests/conftest.py serves the runner as the ``cli`` fixture)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from newsarchive import store
from newsarchive.cli import main


class Cli:
    """Runs ``newsarchive`` in-process: ``cli("kwic", "strike", code=0)``.

    ``code`` is the exit code the run must end with (its output is shown if not); ``None``
    leaves the checking to the caller.
    Exceptions propagate rather than becoming exit code 1: a traceback is a bug, never an
    answer a test could accept by its code.
    """

    def __call__(self, *args: str | Path, code: int | None = 0) -> Result:
        result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
        if code is not None:
            assert result.exit_code == code, (args, result.stdout, result.stderr)
        return result

    def outcome(self, *args: str | Path) -> tuple[int, str, str]:
        """The exit code, stdout and stderr of a run, for the caller to check."""
        result = self(*args, code=None)
        return result.exit_code, result.stdout, result.stderr


def text_column(corpus: Path, name: str) -> list[str]:
    """Every value of the text column ``name``, in stored order; each must be present."""
    values = store.read_corpus(corpus, columns=[name]).column(name).to_pylist()
    assert all(isinstance(v, str) for v in values), values
    return [v for v in values if isinstance(v, str)]
