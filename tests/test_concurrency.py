"""Concurrent runs: one writer at a time (refuse or --wait), readers that keep working and see
whole batches while an ingest runs, and a lock left by a killed process that frees itself."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import newsarchive
from crashkit import Paths, audit, index_agrees, make_inputs, phase
from newsarchive import store
from newsarchive.analysis.kwic import kwic
from newsarchive.analysis.timeline import timeline
from newsarchive.errors import CorpusLocked
from newsarchive.index import search
from newsarchive.verify import verify

pytestmark = pytest.mark.slow  # processes killed and raced: minutes, not seconds

BATCH = 20


@contextmanager
def started(paths: Paths, *extra: str) -> Iterator[subprocess.Popen[str]]:
    """An ingest running in the background; killed (with its workers) if the test fails."""
    proc = subprocess.Popen(
        [*paths.command("ingest"), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()


def wait_for(condition: object, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_a_second_ingest_refuses_with_a_clear_message(tmp_path: Path) -> None:
    paths = Paths.under(tmp_path, make_inputs(tmp_path / "in", 5), BATCH)
    with store.writer_lock(paths.corpus):
        out = subprocess.run(paths.command("ingest"), capture_output=True, text=True, timeout=120)
    assert out.returncode == 1
    assert out.stderr == (
        f"Error: corpus {paths.corpus} is being written by process {os.getpid()}; "
        "wait for it to finish, or pass --wait\n"
    )
    assert not store.part_files(paths.corpus)


def test_two_ingests_at_once_one_waits_and_nothing_interleaves(tmp_path: Path) -> None:
    # The second run is small: it would be done ingesting while the first still updates the index.
    first = Paths.under(tmp_path, make_inputs(tmp_path / "a", 600), 50)
    second = Paths(
        make_inputs(tmp_path / "b", 5, seed=2), first.corpus, first.index_dir, first.config
    )
    with started(first) as running:
        wait_for(lambda: phase(first, 0) in ("reading", "parquet"))
        with started(second, "--wait") as waiting:
            _, err_a = running.communicate(timeout=300)
            _, err_b = waiting.communicate(timeout=300)
    assert (running.returncode, waiting.returncode) == (0, 0), err_a + err_b
    assert audit(first.corpus, 605) == (605, 0, 0)
    # Commit order (by modification time) shows each run's parts as one unbroken block.
    parts = sorted(store.part_files(first.corpus), key=lambda p: p.stat().st_mtime_ns)
    runs = [p.name.removeprefix("part-").rsplit("-", 1)[0] for p in parts]
    blocks = [r for i, r in enumerate(runs) if i == 0 or runs[i - 1] != r]
    assert len(blocks) == len(set(blocks)) == 2
    assert index_agrees(first)


# While the ingest runs, the index is rightly behind the corpus, and the analyses say so.
@pytest.mark.filterwarnings("ignore::newsarchive.analysis.hits.IndexBehindWarning")
def test_readers_keep_working_and_see_whole_batches_during_an_ingest(tmp_path: Path) -> None:
    first = Paths.under(tmp_path, make_inputs(tmp_path / "a", 100), BATCH)
    done = subprocess.run(first.command("ingest"), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    before = search("strike", corpus=first.corpus, index_dir=first.index_dir, limit=1).total
    second = Paths(
        make_inputs(tmp_path / "b", 1000, seed=2), first.corpus, first.index_dir, first.config
    )
    seen_rows: set[int] = set()
    seen_totals: list[int] = []
    with started(second) as running:
        while running.poll() is None or not seen_totals:
            rows = newsarchive.read_corpus(first.corpus, columns=["doc_id"]).num_rows
            assert (rows - 100) % BATCH == 0  # whole batches only (1,000 is 50 of them)
            seen_rows.add(rows)
            hits = search("strike", corpus=first.corpus, index_dir=first.index_dir, limit=3)
            seen_totals.append(hits.total)
            assert kwic("strike", corpus=first.corpus, index_dir=first.index_dir, limit=3)
            tl = timeline("strike", corpus=first.corpus, index_dir=first.index_dir)
            seen_totals.append(sum(tl.hits["strike"]) + tl.undated_hits["strike"])
            report = verify(first.corpus, first.index_dir)
            assert report.exit_code == 0, [c.message for c in report.problems]
        _, err = running.communicate()
    assert running.returncode == 0, err
    after = search("strike", corpus=first.corpus, index_dir=first.index_dir, limit=1).total
    assert set(seen_totals) <= {before, after}
    assert seen_totals == sorted(seen_totals)  # the index only ever moves forward
    assert len(seen_rows) > 2, "the readers never ran while the ingest was writing"
    assert verify(first.corpus, first.index_dir).exit_code == 0


_HOLDER = """
import sys, time
from newsarchive import store
with store.writer_lock(sys.argv[1]):
    print("locked", flush=True)
    time.sleep(600)
"""


def test_the_lock_of_a_killed_writer_is_recovered(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
    with (
        pytest.raises(CorpusLocked, match=f"being written by process {holder.pid}"),
        store.writer_lock(tmp_path),
    ):
        pass
    holder.send_signal(signal.SIGKILL)
    holder.communicate()
    assert (tmp_path / ".lock.pid").exists()  # the dead holder could not tidy up...
    with store.writer_lock(tmp_path):  # ...but the OS freed its lock: no waiting, no cleaning
        assert (tmp_path / ".lock.pid").read_text("utf-8") == f"process {os.getpid()}"


def test_killing_only_the_main_process_frees_the_lock_for_the_next_run(tmp_path: Path) -> None:
    # A kill -9 or the OOM killer may hit the main process alone; its workers then hold the
    # lock's file descriptor until they notice and exit.
    paths = Paths.under(tmp_path, make_inputs(tmp_path / "in", 400), BATCH)
    with started(paths) as running:
        wait_for(lambda: phase(paths, 0) == "reading" and len(store.part_files(paths.corpus)) >= 2)
        os.kill(running.pid, signal.SIGKILL)
        running.communicate()
    again = subprocess.run(
        [*paths.command("ingest"), "--wait"], capture_output=True, text=True, timeout=120
    )
    assert again.returncode == 0, again.stderr
    assert audit(paths.corpus, 400) == (400, 0, 0)
