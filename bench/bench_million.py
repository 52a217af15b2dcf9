"""A million articles, end to end on this machine: issue 21's large-archive run (by hand, not a
test; about half an hour here, and a few GB of disk).

    .venv/bin/python bench/bench_million.py [--articles 1000000] [--workdir /tmp/na-million]

Builds ``--articles`` BBC-sized synthetic articles (``make_articles.py --bbc-sized``; reused if
present), runs ``newsarchive ingest --engine tantivy`` over them once, and prints what
``docs/large-archives.md`` quotes: wall and CPU time, articles/s, peak memory (the largest
process, and the sum over the main process and its workers, sampled twice a second), the input,
corpus and index sizes, and search latency on the result (p50/p95 of a query list through the
notebook API, snippets on).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_floor import NA  # noqa: E402
from make_articles import build  # noqa: E402

QUERIES = [
    "government",
    "election",
    '"prime minister"',
    "strik*",
    "football AND injury",
    "economy NOT china",
    "music OR film",
    'title:"world cup"',
    "oil prices",
    "court ruling",
]


def size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def ingest(inputs: Path, corpus: Path, index: Path) -> dict[str, float]:
    """Run the ingest, sampling its process tree's memory; wall s, CPU s and peaks (MB)."""
    cmd = [NA, "ingest", str(inputs), "--corpus", str(corpus), "--index-dir", str(index)]
    cmd += ["--engine", "tantivy", "--quiet"]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd)
    watched = psutil.Process(proc.pid)
    peaks = {"sum": 0, "largest": 0}
    cpu_by_pid: dict[int, float] = {}

    def sample() -> None:
        while proc.poll() is None:
            try:
                procs = [watched, *watched.children(recursive=True)]
                rss = []
                for p in procs:
                    with p.oneshot():
                        rss.append(p.memory_info().rss)
                        t = p.cpu_times()
                        cpu_by_pid[p.pid] = t.user + t.system
                peaks["sum"] = max(peaks["sum"], sum(rss))
                peaks["largest"] = max(peaks["largest"], max(rss))
            except psutil.Error:
                pass
            time.sleep(0.5)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    code = proc.wait()
    wall = time.perf_counter() - start
    thread.join()
    if code not in (0, 1):
        sys.exit(f"ingest failed with exit code {code}")
    return {
        "wall_s": wall,
        "cpu_s": sum(cpu_by_pid.values()),  # as last sampled: a lower bound by < 0.5 s a process
        "peak_sum_mb": peaks["sum"] / 2**20,
        "peak_largest_mb": peaks["largest"] / 2**20,
    }


def search_latency(corpus: Path, index: Path) -> tuple[float, float]:
    """p50 and p95 (ms) of the query list, 20 hits with snippets, after one warm-up round."""
    from newsarchive import Corpus

    c = Corpus(corpus, index_dir=index)
    for q in QUERIES:
        c.search(q, limit=20)
    times = []
    for _ in range(5):
        for q in QUERIES:
            t = time.perf_counter()
            c.search(q, limit=20)
            times.append(1000 * (time.perf_counter() - t))
    times.sort()
    return statistics.median(times), times[int(0.95 * len(times)) - 1]


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--articles", type=int, default=1_000_000)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/na-million"))
    args = ap.parse_args()
    n = args.articles
    inputs = build(n, Path(f"/tmp/newsarchive-bench/bbc-sized-{n}"), bbc_sized=True)
    corpus, index = args.workdir / "corpus", args.workdir / "index"
    if corpus.exists():
        sys.exit(f"{args.workdir} holds an earlier run: remove it first")
    figures = ingest(inputs, corpus, index)
    record = json.loads(next((corpus / "_runs").glob("*.json")).read_text())
    p50, p95 = search_latency(corpus, index)
    figures |= {
        "articles": n,
        "ingested": record["ingested"],
        "articles_per_s": n / figures["wall_s"],
        "input_gb": size(inputs) / 1e9,
        "corpus_gb": size(corpus) / 1e9,
        "index_gb": size(index) / 1e9,
        "search_p50_ms": p50,
        "search_p95_ms": p95,
    }
    print(json.dumps(figures, indent=1))
    print(
        f"\n| articles | wall | CPU | articles/s | peak RSS (largest / all processes) "
        f"| input | corpus | index | search p50 / p95 |\n|---|---|---|---|---|---|---|---|---|\n"
        f"| {n:,} | {figures['wall_s'] / 60:.1f} min | {figures['cpu_s'] / 60:.1f} min "
        f"| {figures['articles_per_s']:,.0f} | {figures['peak_largest_mb']:,.0f} / "
        f"{figures['peak_sum_mb']:,.0f} MB | {figures['input_gb']:.2f} GB "
        f"| {figures['corpus_gb']:.2f} GB | {figures['index_gb']:.2f} GB "
        f"| {p50:.1f} / {p95:.1f} ms |"
    )


if __name__ == "__main__":
    main()
