"""Ingest throughput and peak memory, on BBC and on a large synthetic archive (run by hand).

    python bench/bench_ingest.py                 # BBC (2,225 files) and 10k/50k/100k synthetic
    python bench/bench_ingest.py --sizes 10000   # quicker

Each measurement runs `newsarchive ingest` in a fresh process (as a researcher would, both cores,
no index) and reads its peak resident memory (self + workers) from the OS. Memory that stays
level as the archive grows from 10k to 100k articles is the point of the larger sizes.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from make_articles import DATA, build  # noqa: E402

NA = str(Path(sys.executable).with_name("newsarchive"))


def run_ingest(inputs: Path, jobs: int) -> dict[str, float]:
    corpus = Path(tempfile.mkdtemp(prefix="na-bench-corpus-"))
    # A wrapper process reports the largest resident set of any process below it (main or worker).
    wrapper = (
        "import resource, subprocess, sys; rc = subprocess.run(sys.argv[1:]).returncode; "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(rc)"
    )
    cmd = [NA, "ingest", str(inputs), "--corpus", str(corpus), "--no-index", "--quiet"]
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", wrapper, *cmd, "--jobs", str(jobs)], capture_output=True, text=True
    )
    wall = time.perf_counter() - t0
    peak_kb = int(proc.stdout.strip().splitlines()[-1])
    if proc.returncode not in (0, 1):
        sys.exit(f"ingest failed: {proc.stderr}")
    record = json.loads(next((corpus / "_runs").glob("*.json")).read_text())
    size_mb = sum(f.stat().st_size for f in corpus.glob("*.parquet")) / 1e6
    shutil.rmtree(corpus)
    return {
        "articles": record["ingested"],
        "wall_s": wall,
        "articles_per_s": record["ingested"] / wall,
        "peak_rss_mb": peak_kb / 1024,
        "corpus_mb": size_mb,
    }


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--sizes", type=int, nargs="*", default=[10_000, 50_000, 100_000])
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    print(
        f"{'input':<28}{'articles':>10}{'wall s':>9}{'art/s':>9}{'peak RSS MB':>13}{'corpus MB':>11}"
    )
    rows = [("bbc", DATA / "bbc")]
    rows += [
        (f"synthetic {n:,}", build(n, Path(f"/tmp/newsarchive-bench/articles-{n}")))
        for n in args.sizes
    ]
    for label, path in rows:
        r = run_ingest(path, args.jobs)
        print(
            f"{label:<28}{r['articles']:>10,.0f}{r['wall_s']:>9.1f}{r['articles_per_s']:>9,.0f}"
            f"{r['peak_rss_mb']:>13,.0f}{r['corpus_mb']:>11,.1f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
