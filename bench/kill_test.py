"""The full kill test: SIGKILL `newsarchive ingest` / `index` many times, in every phase (run by hand).

    python bench/kill_test.py                      # 60 trials on 2,500 files
    python bench/kill_test.py --trials 10 --inputs 1000

Each trial gets a fresh corpus, starts the command, kills its process group with SIGKILL once the
phase it aims at is seen from outside (reading inputs, writing a Parquet part, adding to the
index, committing the index), runs `newsarchive verify`, re-runs the same command to the end and
counts inputs without a row (lost), rows beyond one per input (duplicates) and index/corpus
disagreements. The harness is ``tests/crashkit.py``; ``tests/test_crash.py`` runs a few trials of
it in ``make test``. Exit status 1 if any trial lost, doubled or failed anything.
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
from crashkit import PHASES, Paths, Trial, make_inputs, run_trial

# (phase aimed at, command killed), taken in turn
PLAN = [
    ("reading", "ingest"),
    ("parquet", "ingest"),
    ("index-add", "ingest"),
    ("index-commit", "ingest"),
    ("index-commit", "index"),
]


def summary(trials: list[Trial], seconds: float) -> list[str]:
    seen = Counter(t.phase or "ended first" for t in trials)
    failed = [t for t in trials if not t.ok]
    lines = [
        f"trials                  {len(trials)}",
        "kills per phase         "
        + ", ".join(f"{p} {seen[p]}" for p in [*PHASES, "finishing", "ended first"] if seen[p]),
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
    ap.add_argument("--trials", type=int, default=60)
    ap.add_argument("--inputs", type=int, default=2500, help="article files per trial")
    ap.add_argument("--batch-rows", type=int, default=100, help="rows per Parquet part")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", type=Path, help="write every trial's record here")
    args = ap.parse_args()

    rng = random.Random(args.seed)
    root = Path(tempfile.mkdtemp(prefix="na-kill-"))
    inputs = make_inputs(root / "inputs", args.inputs)
    trials: list[Trial] = []
    started = time.monotonic()
    try:
        for n in range(args.trials):
            target, command = PLAN[n % len(PLAN)]
            work = root / f"trial-{n:03d}"
            trial = run_trial(
                n, Paths.under(work, inputs, args.batch_rows), args.inputs, target, rng, command
            )
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
