"""Ingest against its floor, rounds interleaved, in CPU seconds (run by hand; asserts nothing).

    python bench/bench_floor.py                       # 20,000 BBC-sized articles, 3 rounds
    python bench/bench_floor.py --articles 10000 100000 --rounds 1 --only floor tantivy
    python bench/bench_floor.py --articles 40000 --rerun   # no-op re-run, and 1,000 files added

The floor (``floor.py``) reads the files, writes one Parquet file and builds a bare tantivy
index. Each round runs the floor, ``newsarchive ingest --no-index`` and ``newsarchive ingest
--engine tantivy`` one after the other in fresh processes, so that whatever else the (shared)
machine does falls on all of them alike. CPU s is user + system time of the process and its
workers (wall time is too noisy on a shared machine); peak RSS is the largest resident set of
any one of those processes. Each row shows the best (least CPU) of its rounds.

``--rerun`` then times what a second run costs: the same command over the unchanged folder,
and over the folder with 1,000 new files, as a share of the full ingest's CPU.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from make_articles import build  # noqa: E402

NA = str(Path(sys.executable).with_name("newsarchive"))
# A wrapper reports the CPU and peak RSS of everything below it (main process and workers).
WRAPPER = (
    "import resource, subprocess, sys; rc = subprocess.run(sys.argv[1:]).returncode; "
    "r = resource.getrusage(resource.RUSAGE_CHILDREN); "
    "print(r.ru_utime + r.ru_stime, r.ru_maxrss); sys.exit(rc)"
)


def measure(cmd: list[str]) -> tuple[float, float]:
    """(CPU s, peak RSS MB) of ``cmd`` and its children."""
    proc = subprocess.run([sys.executable, "-c", WRAPPER, *cmd], capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        sys.exit(f"{cmd[0]} failed: {proc.stderr[-2000:]}")
    cpu, peak_kb = proc.stdout.strip().splitlines()[-1].split()
    return float(cpu), int(peak_kb) / 1024


def ingest_cmd(inputs: Path, corpus: Path, engine: str, jobs: int) -> list[str]:
    cmd = [NA, "ingest", str(inputs), "--corpus", str(corpus), "--quiet", "--jobs", str(jobs)]
    if engine == "none":
        return [*cmd, "--no-index"]
    return [*cmd, "--engine", engine, "--index-dir", str(corpus) + "-index"]


def run(kind: str, inputs: Path, jobs: int) -> tuple[float, float]:
    """(CPU s, peak RSS MB) of one fresh run of ``kind`` over ``inputs``."""
    out = Path(tempfile.mkdtemp(prefix=f"na-floor-{kind}-"))
    try:
        if kind == "floor":
            cmd = [sys.executable, str(HERE / "floor.py"), str(inputs), str(out)]
        else:
            cmd = ingest_cmd(inputs, out / "corpus", kind, jobs)
        cpu, rss = measure(cmd)
        if kind != "floor":
            record = json.loads(next((out / "corpus" / "_runs").glob("*.json")).read_text())
            if record["status"] != "complete":
                sys.exit(f"ingest did not complete: {record['status']}")
        return cpu, rss
    finally:
        shutil.rmtree(out)


def rerun(inputs: Path, jobs: int) -> None:
    """Full ingest, the same again (nothing new), then 1,000 files more: CPU of each."""
    work = Path(tempfile.mkdtemp(prefix="na-rerun-"))
    try:
        folder = work / "inputs"
        shutil.copytree(inputs, folder)
        corpus = work / "corpus"
        full, _ = measure(ingest_cmd(folder, corpus, "tantivy", jobs))
        same, _ = measure(ingest_cmd(folder, corpus, "tantivy", jobs))
        build(1000, folder / "added", seed=4242, bbc_sized=True)
        added, _ = measure(ingest_cmd(folder, corpus, "tantivy", jobs))
        print(f"\nre-runs over {inputs.name} (ingest --engine tantivy, CPU s, share of full):")
        print(f"  full ingest            {full:8.1f}")
        print(f"  same folder again      {same:8.2f}  {100 * same / full:5.1f} %")
        print(f"  1,000 files added      {added:8.2f}  {100 * added / full:5.1f} %")
    finally:
        shutil.rmtree(work)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--articles", type=int, nargs="*", default=[20_000])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument(
        "--only",
        nargs="*",
        default=["floor", "none", "tantivy"],
        choices=["floor", "none", "tantivy"],
    )
    ap.add_argument("--rerun", action="store_true", help="also time re-runs (largest size)")
    args = ap.parse_args()
    label = {
        "floor": "floor (read, Parquet, bare tantivy)",
        "none": "newsarchive ingest --no-index",
        "tantivy": "newsarchive ingest --engine tantivy",
    }
    for n in args.articles:
        inputs = build(n, Path(f"/tmp/newsarchive-bench/bbc-sized-{n}"), bbc_sized=True)
        best: dict[str, tuple[float, float]] = {}
        for _ in range(args.rounds):
            for kind in args.only:
                cpu, rss = run(kind, inputs, args.jobs)
                if kind not in best or cpu < best[kind][0]:
                    best[kind] = (cpu, rss)
        floor = best.get("floor", (0.0, 0.0))[0]
        print(f"\n{n:,} BBC-sized articles, best of {args.rounds} interleaved rounds:")
        print(f"{'':<40}{'CPU s':>8}{'art/CPU s':>11}{'÷ floor':>9}{'peak RSS MB':>13}")
        for kind in args.only:
            cpu, rss = best[kind]
            ratio = f"{cpu / floor:9.1f}" if floor else f"{'':>9}"
            print(f"{label[kind]:<40}{cpu:8.1f}{n / cpu:11,.0f}{ratio}{rss:13,.0f}", flush=True)
    if args.rerun:
        n = args.articles[-1]
        rerun(build(n, Path(f"/tmp/newsarchive-bench/bbc-sized-{n}"), bbc_sized=True), args.jobs)


if __name__ == "__main__":
    main()
