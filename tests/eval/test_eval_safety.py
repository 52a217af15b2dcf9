"""Evaluation: kill an ingest of real, messy data half way, run it again, and count the damage.

Three shared sets with odd encodings, HTML pages, manifests and glued headers are ingested in one
run, which is killed with SIGKILL once a few batches are committed; the same command is then run
to the end. Every file must be accounted for (a row, or a skip with its reason in the final run
record), no article stored twice, ``verify`` must pass, and the index must hold the corpus's ids.
Prints the figures it checks.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from newsarchive import store
from newsarchive.verify import verify

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from crashkit import Paths, audit, index_agrees, signal_in

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
SETS = [DATA / "inshorts", DATA / "html_pages" / "html", DATA / "dailymail" / "headers"]

pytestmark = [
    pytest.mark.eval,
    pytest.mark.skipif(not all(s.is_dir() for s in SETS), reason="../shared/data is not present"),
]


def files_under(folders: list[Path]) -> set[str]:
    return {
        os.path.join(root, name) for folder in folders for root, _, names in os.walk(folder)
        for name in names
    }  # fmt: skip


def test_kill_and_resume_on_real_data_loses_nothing(tmp_path: Path) -> None:
    paths = Paths.under(tmp_path, SETS[0], batch_rows=100)
    command = [*paths.command("ingest"), *map(str, SETS[1:])]
    stopped = signal_in(command, paths, "reading", min_parts=2)
    kept = audit(paths.corpus, 0)[0]
    after_kill = verify(paths.corpus, paths.index_dir).exit_code

    finish = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert finish.returncode in (0, 1), finish.stderr  # 1: some inputs skipped, and listed
    final = max(store.run_records(paths.corpus), key=lambda r: r["run_id"])
    skipped = {s["path"].split("#row=")[0] for s in final["skipped"]}
    rows = store.read_corpus(paths.corpus, columns=["source_path"]).column("source_path")
    stored = set(rows.to_pylist())
    walked = files_under(SETS)
    lost = walked - stored - skipped
    doubled = len(rows) - len(stored)
    print(
        f"\nkill-and-resume on {len(walked):,} real files: killed in {stopped.phase} with "
        f"{kept:,} rows kept; {len(stored):,} stored, {len(skipped):,} skipped, "
        f"{len(lost)} lost, {doubled} doubled; verify after kill exit {after_kill}"
    )
    assert stopped.phase == "reading" and kept > 0
    assert after_kill == 0
    assert (lost, doubled) == (set(), 0)
    assert verify(paths.corpus, paths.index_dir).exit_code == 0
    assert index_agrees(paths)
