"""HTML ingest throughput: pages per second through trafilatura, htmldate and the cleaner.

    python bench/bench_html.py                     # ../shared/data/webpages/html, 1 and 2 workers
    python bench/bench_html.py --jobs 2 --repeat 3 # best of three on both cores
    python bench/bench_html.py --jobs 2 --compare /tmp/main/src  # another tree's code, interleaved

Each run is `newsarchive ingest PAGES --no-index -q` in a fresh process, into a fresh corpus (process
start and the Parquet write included), as a researcher would run it; its wall time and its CPU
time (user + sys of the process and its workers: the fairer figure on a shared machine) are
printed. ``--compare SRC`` runs the same ingest with another source tree's package (``PYTHONPATH=SRC``,
e.g. ``git archive main src | tar -x -C /tmp/main``) before each run of this one. A second
figure times the html stage alone in this process (CPU time), one page after another, split into
its parts: the visible-text walk with metadata, trafilatura, htmldate, the alignment, the model.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[1] / "shared" / "data" / "webpages" / "html"
NA = str(Path(sys.executable).with_name("newsarchive"))


def run_ingest(pages: Path, jobs: int, src: Path | None = None) -> tuple[float, float]:
    """Wall and CPU seconds of one ingest (with the package of ``src`` if given)."""
    corpus = Path(tempfile.mkdtemp(prefix="na-bench-html-"))
    env = dict(os.environ, PYTHONPATH=str(src)) if src else None
    try:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        cmd = [NA, "ingest", str(pages), "--corpus", str(corpus), "--no-index", "-q"]
        subprocess.run([*cmd, "--jobs", str(jobs)], check=True, env=env)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        return wall, cpu
    finally:
        shutil.rmtree(corpus, ignore_errors=True)


def stage_times(pages: list[Path]) -> dict[str, float]:
    from newsarchive.pipeline import html, html_model
    from newsarchive.pipeline.decode import normalise

    parts = ("trafilatura", "htmldate", "walk+metadata", "alignment", "model")
    totals = dict.fromkeys(parts, 0.0)
    real_trafilatura, real_htmldate = html._trafilatura, html._htmldate

    def timed(name: str, func):  # type: ignore[no-untyped-def]
        def wrapper(*args):  # type: ignore[no-untyped-def]
            started = time.process_time()
            try:
                return func(*args)
            finally:
                totals[name] += time.process_time() - started

        return wrapper

    html._trafilatura = timed("trafilatura", real_trafilatura)  # type: ignore[assignment]
    html._htmldate = timed("htmldate", real_htmldate)  # type: ignore[assignment]
    whole = 0.0
    for path in pages:
        text = path.read_bytes().decode("utf-8", errors="replace")
        started = time.process_time()
        page = html.extract(text)
        whole += time.process_time() - started
        body = normalise(page.text)
        started = time.process_time()
        html.boilerplate(body, page.main)
        totals["alignment"] += time.process_time() - started
        started = time.process_time()
        html_model.page_removals(body, page, "balanced")  # the alignment again, and the model
        totals["model"] += time.process_time() - started
    totals["model"] -= totals["alignment"]
    totals["walk+metadata"] = whole - totals["trafilatura"] - totals["htmldate"]
    html._trafilatura, html._htmldate = real_trafilatura, real_htmldate
    return totals


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("pages", nargs="?", type=Path, default=DATA)
    ap.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--compare", type=Path, help="another tree's src, run before each run")
    ap.add_argument("--no-stages", action="store_true", help="ingest runs only")
    args = ap.parse_args()
    files = sorted(args.pages.glob("*.htm*"))
    mb = sum(f.stat().st_size for f in files) / 1e6
    print(f"{len(files)} pages, {mb:.1f} MB, from {args.pages}")
    for jobs in args.jobs:
        for _ in range(args.repeat):
            runs = (
                [("compared", args.compare), ("this tree", None)] if args.compare else [("", None)]
            )
            for label, src in runs:
                wall, cpu = run_ingest(args.pages, jobs, src)
                print(
                    f"{label:<9} ingest --no-index --jobs {jobs}: {wall:6.1f} s  "
                    f"{len(files) / wall:6.1f} pages/s  CPU {cpu:6.1f} s",
                    flush=True,
                )
    if args.no_stages:
        return
    totals = stage_times(files)
    n = len(files)
    parts = "  ".join(f"{k} {v / n * 1000:.1f}" for k, v in totals.items())
    print(
        f"html stage, one process, ms per page: {parts}  total {sum(totals.values()) / n * 1000:.1f}"
    )


if __name__ == "__main__":
    main()
