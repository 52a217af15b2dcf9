"""The full kill test: SIGKILL `newsarchive ingest` / `index` / `verify --repair` many times, in
every phase, plus workers killed alone and full disks (run by hand).

    python bench/kill_test.py                      # 63 trials on 2,500 files
    python bench/kill_test.py --trials 10 --inputs 1000

Each trial gets a fresh corpus and one of these, in turn, with random timing:

* SIGKILL of the process group once the phase it aims at is seen from outside: reading inputs
  (before the first batch: template sampling and the first reads), cleaning (between batches: the
  workers load, clean, date and tag each input in one call, so reading and cleaning are told
  apart by when, not by what the workers do), writing a Parquet part, adding to the index,
  committing the index (in `ingest` and in `newsarchive index`);
* SIGKILL of `verify --repair` part-way through repairing a part with three flipped bits
  (quarantine, salvage, relink, index rebuild), then the repair run to the end;
* SIGKILL of one worker process alone: the run must end with one line;
* a full disk after a random number of parts (ENOSPC injected into the command's own Parquet
  writes): the run must end with one line and leave no half part.

Then `newsarchive verify`, a re-run of the ingest to the end, and the counts: inputs without a row
(lost), rows beyond one per input (duplicates), index/corpus disagreements. The harness is
``tests/crashkit.py``; ``tests/test_crash.py`` and ``tests/test_hostile.py`` run a few of these in
``make test``. Exit status 1 if any trial lost, doubled or failed anything.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from crashkit import (
    PHASES,
    Paths,
    Trial,
    make_inputs,
    run_disk_full_trial,
    run_repair_trial,
    run_trial,
    run_worker_trial,
)

# (what the trial aims at, command), taken in turn
PLAN = [
    ("reading", "ingest"),
    ("cleaning", "ingest"),
    ("parquet", "ingest"),
    ("index-add", "ingest"),
    ("index-commit", "ingest"),
    ("index-commit", "index"),
    ("repair", "verify --repair"),
    ("worker", "ingest"),
    ("disk-full", "ingest"),
]
LABELS = [*PHASES[:1], "cleaning", *PHASES[1:], "repair", "worker", "disk-full"]


def trial_for(
    n: int, target: str, command: str, paths: Paths, expected: int, rng: random.Random
) -> Trial:
    """Trial number ``n``, of the kind ``(target, command)`` of :data:`PLAN`."""
    if target == "repair":
        return run_repair_trial(n, paths, expected, rng)
    if target == "worker":
        return run_worker_trial(n, paths, expected, rng)
    if target == "disk-full":
        return run_disk_full_trial(n, paths, expected, rng)
    if target == "reading":  # before the first batch commits
        return run_trial(n, paths, expected, "reading", rng, command, min_parts=0)
    if target == "cleaning":  # between batches, the workers busy
        trial = run_trial(
            n, paths, expected, "reading", rng, command, min_parts=rng.randint(1, 10), delay=0
        )
        trial.target = "cleaning"
        if trial.phase == "reading":
            trial.phase = "cleaning"
        return trial
    return run_trial(n, paths, expected, target, rng, command)


def summary(trials: list[Trial], seconds: float) -> list[str]:
    seen = Counter(t.phase or "ended first" for t in trials)
    failed = [t for t in trials if not t.ok]
    lines = [
        f"trials                  {len(trials)}",
        "kills per phase         "
        + ", ".join(f"{p} {seen[p]}" for p in [*LABELS, "finishing", "ended first"] if seen[p]),
        f"  of which `index` cmd  {sum(t.command == 'index' for t in trials)}",
        f"  mid-write .tmp parts  {sum(t.tmp_left > 0 for t in trials)}",
        f"articles lost           {sum(t.lost for t in trials)}",
        f"duplicates              {sum(t.duplicates for t in trials)}",
        f"verify failures         {sum(t.verify_after_kill != 0 for t in trials)} after kill, "
        f"{sum(t.verify_final != 0 for t in trials)} after re-run",
        f"index disagreements     {sum(not t.index_agrees for t in trials)}",
        f"failed trials           {len(failed)}",
        f"elapsed                 {seconds:,.0f} s",
    ]
    for t in failed:
        lines.append(f"  trial {t.number} ({t.command}, {t.phase}): {t.problems}")
    for t in trials:
        if t.ended_first:
            lines.append(f"  trial {t.number} ended before its kill: {t.ended_first}")
    return lines


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--trials", type=int, default=63)
    ap.add_argument("--inputs", type=int, default=2500, help="article files per trial")
    ap.add_argument("--batch-rows", type=int, default=100, help="rows per Parquet part")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--only", help="comma-separated kinds of trial to run (" + ", ".join(LABELS) + ")"
    )
    ap.add_argument("--json", type=Path, help="write every trial's record here")
    args = ap.parse_args()

    rng = random.Random(args.seed)
    only = set(args.only.split(",")) if args.only else None
    plan = [(t, c) for t, c in PLAN if only is None or t in only]
    root = Path(tempfile.mkdtemp(prefix="na-kill-"))
    inputs = make_inputs(root / "inputs", args.inputs)
    trials: list[Trial] = []
    started = time.monotonic()
    try:
        for n in range(args.trials):
            target, command = plan[n % len(plan)]
            work = root / f"trial-{n:03d}"
            paths = Paths.under(work, inputs, args.batch_rows)
            trial = trial_for(n, target, command, paths, args.inputs, rng)
            trials.append(trial)
            verdict = "ok" if trial.ok else f"FAILED {trial.problems} (kept in {work})"
            print(
                f"trial {n:3d} {command:<6} aim {target:<12} killed in {trial.phase or '-':<12} "
                f"after {trial.seconds:5.1f} s: {trial.rows_after_kill:,} rows kept, {verdict}",
                flush=True,
            )
            if trial.ok:
                shutil.rmtree(work)
    finally:
        print("\n".join(summary(trials, time.monotonic() - started)))
        if args.json:
            args.json.write_text(json.dumps([asdict(t) for t in trials], indent=2), "utf-8")
        if all(t.ok for t in trials):
            shutil.rmtree(root, ignore_errors=True)
    return 0 if trials and all(t.ok for t in trials) else 1


if __name__ == "__main__":
    sys.exit(main())
