"""The ``newsarchive`` command: a thin Click layer over the library.

Commands are imported only when they run, so ``newsarchive --help`` and ``newsarchive search``
do not pay for pyarrow, dateparser or the search engines they do not use.
"""

from __future__ import annotations

import functools
import importlib
import os
from typing import Any

import click

from .. import __version__

# Address space that is reserved but never used still counts against a memory limit (ulimit -v,
# a cluster's virtual-memory cap). newsarchive runs one process per core, so BLAS threads under
# numpy (used only for small tree models) add nothing but their buffers; and pyarrow's jemalloc
# pool reserved about 1 GB more than the system allocator in an ingest of the hostile-input test
# folder (VmPeak 2.05 GB against 1.0 GB, for the same work).
for _var, _value in (
    ("OPENBLAS_NUM_THREADS", "1"),
    ("OMP_NUM_THREADS", "1"),
    ("MKL_NUM_THREADS", "1"),
    ("ARROW_DEFAULT_MEMORY_POOL", "system"),
):
    os.environ.setdefault(_var, _value)

# command name -> "module:function" inside newsarchive.cli; each summary is its docstring's first line
COMMANDS: dict[str, str] = {
    "ingest": "ingest:ingest_cmd",
    "index": "search:index_cmd",
    "search": "search:search_cmd",
    "kwic": "analysis:kwic_cmd",
    "timeline": "analysis:timeline_cmd",
    "stats": "analysis:stats_cmd",
    "top-words": "analysis:top_words_cmd",
    "collocates": "analysis:collocates_cmd",
    "show": "analysis:show_cmd",
    "export": "analysis:export_cmd",
    "verify": "verify:verify_cmd",
    "tags": "analysis:tags_cmd",
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module_name, _, attr = COMMANDS[cmd_name].partition(":")
        module = importlib.import_module(f"{__name__}.{module_name}")
        command: click.Command = getattr(module, attr)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, summary(name)) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def summary(name: str) -> str:
    """The first sentence of command ``name``'s docstring, read from its module's source, so
    that ``newsarchive --help`` imports no command module (and none of what they import)."""
    module_name, _, attr = COMMANDS[name].partition(":")
    # click's own shortening (first sentence), without a cut at the terminal's width
    return click.Command(name, help=_docstrings(module_name)[attr]).get_short_help_str(limit=1000)


@functools.cache
def _docstrings(module_name: str) -> dict[str, str]:
    """``function name -> docstring`` of the module-level functions of a command module."""
    import ast
    from importlib.util import find_spec

    spec = find_spec(f"{__name__}.{module_name}")
    assert spec is not None and spec.origin is not None
    with open(spec.origin, encoding="utf-8") as fh:
        tree = ast.parse(fh.read())
    return {
        node.name: ast.get_docstring(node) or ""
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
    }


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="newsarchive")
def main() -> None:
    """newsarchive: turn heaps of scraped news into a clean, dated, tagged, searchable corpus.

    \b
    Start with:
      newsarchive ingest articles/ --corpus corpus
      newsarchive search '"junior doctors" AND strike'
    """


def run(*args: Any) -> None:  # pragma: no cover - convenience for python -m
    main(*args)
