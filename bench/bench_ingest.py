"""Ingest throughput and peak memory, on BBC and on large synthetic archives (run by hand).

    python bench/bench_ingest.py                      # BBC, then 10k and 100k BBC-sized articles
    python bench/bench_ingest.py --sizes 10000        # quicker
    python bench/bench_ingest.py --engines none whoosh tantivy   # whoosh at 100k takes ~10 min

Each measurement runs `newsarchive ingest` in a fresh process (as a researcher would: process
start included, both cores) and reads its peak resident memory (self + workers) from the OS.
The synthetic archives follow the BBC set's article sizes (``make_articles.py --bbc-sized``);
memory that stays level from 10k to 100k articles is the point of the two sizes. Engine
``none`` is ``--no-index``; ``tantivy``/``whoosh`` is the whole job, the search index included.
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


def run_ingest(inputs: Path, jobs: int, engine: str) -> dict[str, float]:
    corpus = Path(tempfile.mkdtemp(prefix="na-bench-corpus-"))
    indexes = corpus.with_name(corpus.name + "-index")
    # A wrapper process reports the largest resident set of any process below it (main or worker).
    wrapper = (
        "import resource, subprocess, sys; rc = subprocess.run(sys.argv[1:]).returncode; "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(rc)"
    )
    cmd = [NA, "ingest", str(inputs), "--corpus", str(corpus), "--quiet"]
    cmd += ["--no-index"] if engine == "none" else ["--engine", engine, "--index-dir", str(indexes)]
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
    shutil.rmtree(indexes, ignore_errors=True)
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
    ap.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument(
        "--engines", nargs="*", default=["none", "tantivy"], choices=["none", "whoosh", "tantivy"]
    )
    args = ap.parse_args()
    print(
        f"{'input':<24}{'index':>9}{'articles':>10}{'wall s':>9}{'art/s':>9}"
        f"{'peak RSS MB':>13}{'corpus MB':>11}"
    )
    rows = [("bbc", DATA / "bbc")]
    rows += [
        (
            f"bbc-sized {n:,}",
            build(n, Path(f"/tmp/newsarchive-bench/bbc-sized-{n}"), bbc_sized=True),
        )
        for n in args.sizes
    ]
    for engine in args.engines:
        for label, path in rows:
            r = run_ingest(path, args.jobs, engine)
            print(
                f"{label:<24}{engine:>9}{r['articles']:>10,.0f}{r['wall_s']:>9.1f}"
                f"{r['articles_per_s']:>9,.0f}{r['peak_rss_mb']:>13,.0f}{r['corpus_mb']:>11,.1f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
