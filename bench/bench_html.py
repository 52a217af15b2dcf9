"""HTML ingest throughput: pages per second through trafilatura, htmldate and the cleaner.

    python bench/bench_html.py                     # ../shared/data/webpages/html, 1 and 2 workers
    python bench/bench_html.py --jobs 2 --repeat 3 # best of three on both cores

Each run is `newsarchive ingest PAGES --no-index -q` in a fresh process, into a fresh corpus (process
start and the Parquet write included), as a researcher would run it. A second figure times the
html stage alone (extract + alignment) in this process, one page after another, split into its
parts: the visible-text walk with metadata, trafilatura, htmldate and the alignment.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[1] / "shared" / "data" / "webpages" / "html"
NA = str(Path(sys.executable).with_name("newsarchive"))


def run_ingest(pages: Path, jobs: int) -> float:
    corpus = Path(tempfile.mkdtemp(prefix="na-bench-html-"))
    try:
        started = time.perf_counter()
        cmd = [NA, "ingest", str(pages), "--corpus", str(corpus), "--no-index", "-q"]
        subprocess.run([*cmd, "--jobs", str(jobs)], check=True)
        return time.perf_counter() - started
    finally:
        shutil.rmtree(corpus, ignore_errors=True)


def stage_times(pages: list[Path]) -> dict[str, float]:
    from newsarchive.pipeline import html
    from newsarchive.pipeline.decode import normalise

    totals = dict.fromkeys(("trafilatura", "htmldate", "walk+metadata", "alignment"), 0.0)
    real_trafilatura, real_htmldate = html._trafilatura, html._htmldate

    def timed(name: str, func):  # type: ignore[no-untyped-def]
        def wrapper(*args):  # type: ignore[no-untyped-def]
            started = time.perf_counter()
            try:
                return func(*args)
            finally:
                totals[name] += time.perf_counter() - started

        return wrapper

    html._trafilatura = timed("trafilatura", real_trafilatura)  # type: ignore[assignment]
    html._htmldate = timed("htmldate", real_htmldate)  # type: ignore[assignment]
    whole = 0.0
    for path in pages:
        text = path.read_bytes().decode("utf-8", errors="replace")
        started = time.perf_counter()
        page = html.extract(text)
        whole += time.perf_counter() - started
        body = normalise(page.text)
        started = time.perf_counter()
        html.boilerplate(body, page.main)
        totals["alignment"] += time.perf_counter() - started
    totals["walk+metadata"] = whole - totals["trafilatura"] - totals["htmldate"]
    html._trafilatura, html._htmldate = real_trafilatura, real_htmldate
    return totals


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("pages", nargs="?", type=Path, default=DATA)
    ap.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    files = sorted(args.pages.glob("*.htm*"))
    mb = sum(f.stat().st_size for f in files) / 1e6
    print(f"{len(files)} pages, {mb:.1f} MB, from {args.pages}")
    for jobs in args.jobs:
        best = min(run_ingest(args.pages, jobs) for _ in range(args.repeat))
        print(f"ingest --no-index --jobs {jobs}: {best:6.1f} s  {len(files) / best:6.1f} pages/s")
    totals = stage_times(files)
    n = len(files)
    parts = "  ".join(f"{k} {v / n * 1000:.1f}" for k, v in totals.items())
    print(
        f"html stage, one process, ms per page: {parts}  total {sum(totals.values()) / n * 1000:.1f}"
    )


if __name__ == "__main__":
    main()
