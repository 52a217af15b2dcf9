"""Each command imports only what it needs: what a fresh process has loaded after a command.

CPU time is measured by bench/bench_cli_startup.py, never asserted; these tests pin the imports
that decide it, in a new interpreter each (the test process has imported everything already).
"""

from __future__ import annotations

import json
import subprocess
import sys

from test_corpus_api import Fixture

PROBE = """
import json, sys
from newsarchive.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
names = sorted(sys.modules)
print(json.dumps([n for n in names if n.split(".")[0] in ("newsarchive", "pyarrow", "numpy",
      "whoosh", "tantivy", "rich", "lxml", "dateparser", "polars", "pandas")]))
"""


def _loaded(*args: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=True
    ).stdout
    names: list[str] = json.loads(out.splitlines()[-1])
    return set(names)


def _parts(loaded: set[str]) -> set[str]:
    """``newsarchive.index.api`` -> ``index``; other packages by their top name."""
    return {
        n.split(".")[1] if n.startswith("newsarchive.") else n.split(".")[0]
        for n in loaded
        if n != "newsarchive"
    }


def test_help_imports_no_command_module() -> None:
    assert _loaded("--help") == {"newsarchive", "newsarchive.cli"}


def test_search_count_reads_no_parquet(fx: Fixture) -> None:
    where = ["--corpus", str(fx.corpus), "--index-dir", str(fx.index_dir)]
    loaded = _loaded("search", "strike", "--count", *where)
    assert "newsarchive.cli.search" in loaded
    assert _parts(loaded) == {
        "article", "cli", "errors", "index", "output", "progress", "storage", "store", "whoosh",
    }  # fmt: skip


def test_search_loads_no_analysis_pipeline_or_display(fx: Fixture) -> None:
    where = ["--corpus", str(fx.corpus), "--index-dir", str(fx.index_dir)]
    loaded = _loaded("search", "strike", *where)
    assert _parts(loaded) == {
        "article", "cli", "errors", "index", "output", "progress", "storage", "store", "whoosh",
        "pyarrow", "numpy",  # the snippets' texts are read from the corpus's Parquet files
    }  # fmt: skip
