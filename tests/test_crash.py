"""Crash safety, tested by killing: SIGKILL in every phase loses and doubles nothing; Ctrl-C
stops cleanly and says what it kept.

The full sweep (60+ trials on a few thousand files) is ``bench/kill_test.py``; this file runs
one trial per phase on a smaller folder so that it fits in ``make test``.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest

from crashkit import Paths, audit, index_agrees, make_inputs, run_trial, signal_in, verify_lines

pytestmark = pytest.mark.slow  # processes killed and raced: minutes, not seconds

INPUTS = 400
BATCH = 40  # ten part files per run: many commits for a kill to land in

TRIALS = [
    ("reading", "ingest"),
    ("parquet", "ingest"),
    ("parquet", "ingest"),
    ("index-add", "ingest"),
    ("index-commit", "ingest"),
    ("index-commit", "index"),
]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_inputs(tmp_path_factory.mktemp("inputs"), INPUTS)


@pytest.mark.parametrize(
    ("number", "target", "command"),
    [(n, t, c) for n, (t, c) in enumerate(TRIALS)],
    ids=[f"{c}-{t}-{n}" for n, (t, c) in enumerate(TRIALS)],
)
def test_sigkill_loses_nothing_and_doubles_nothing(
    inputs: Path, tmp_path: Path, number: int, target: str, command: str
) -> None:
    paths = Paths.under(tmp_path, inputs, BATCH)
    trial = run_trial(
        number, paths, INPUTS, target, random.Random(number), command, cli_verify=False
    )
    print(trial)
    assert trial.phase is not None, trial.ended_first
    assert trial.problems == []
    assert trial.verify_after_kill == 0  # the corpus opens and verify passes straight away
    assert (trial.rows, trial.lost, trial.duplicates) == (INPUTS, 0, 0)  # after the re-run
    assert trial.index_agrees
    assert trial.verify_final == 0


@pytest.mark.parametrize("target", ["reading", "parquet", "index-add"])
def test_ctrl_c_keeps_whole_batches_and_says_so(inputs: Path, tmp_path: Path, target: str) -> None:
    paths = Paths.under(tmp_path, inputs, BATCH)
    stopped = signal_in(paths.command("ingest"), paths, target, sig=signal.SIGINT, min_parts=1)
    assert stopped.phase == target
    assert stopped.returncode == 130
    kept = audit(paths.corpus, INPUTS)[0]
    assert 0 < kept <= INPUTS
    assert stopped.stderr == (
        f"Interrupted: kept {kept:,} article{'' if kept == 1 else 's'} committed in whole "
        f"batches to {paths.corpus}; "
        "run the same command again to finish (nothing is added twice).\n"
    )
    (record,) = [json.loads(f.read_text("utf-8")) for f in (paths.corpus / "_runs").glob("*.json")]
    expected_status = "complete" if target == "index-add" else "interrupted"
    assert (record["status"], record["ingested"]) == (expected_status, kept)
    assert verify_lines(paths, cli=False)[0] == 0
    if target != "parquet":
        return  # finishing the run is the kill tests' subject; once here is enough
    again = subprocess.run(paths.command("ingest"), capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert audit(paths.corpus, INPUTS) == (INPUTS, 0, 0)
    assert index_agrees(paths)


@pytest.mark.parametrize(
    "line", ["self.committed += self.pending_rows", "self.pending, self.pending_rows = [], 0"]
)
def test_ctrl_c_between_a_part_rename_and_its_bookkeeping_commits_it_once(
    tmp_path: Path, line: str
) -> None:
    # Ctrl-C arrives just before ``line`` of CorpusWriter.flush runs; the interrupt handler
    # of ingest then flushes again. Without the held-back Ctrl-C the batch was committed twice.
    import linecache
    import sys

    from newsarchive import store
    from newsarchive.article import Article

    def tracer(frame: Any, event: str, arg: Any) -> Any:
        if frame.f_code is not store.CorpusWriter.flush.__code__:
            return None

        def on_line(frame: Any, event: str, arg: Any) -> Any:
            here = linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()
            if event == "line" and here == line:
                signal.raise_signal(signal.SIGINT)
            return on_line

        return on_line

    writer = store.CorpusWriter(tmp_path, "run1", batch_rows=10)
    for n in range(3):
        writer.add(Article(doc_id=f"id{n}", source_path=f"/a/{n}", text="x", raw_text="x"))
    sys.settrace(tracer)
    try:
        with pytest.raises(KeyboardInterrupt):
            writer.flush()
    finally:
        sys.settrace(None)
    writer.flush()
    assert (writer.committed, writer.pending_rows) == (3, 0)
    assert [p.name for p in store.part_files(tmp_path)] == ["part-run1-00000.parquet"]
