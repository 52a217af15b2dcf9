"""Benchmark of the two search engines: indexing speed and size, query latency, the CLI end to end.

Run by hand; prints a Markdown table (docs/large-archives.md holds the latest run)::

    .venv/bin/python bench/bench_engines.py                     # BBC + 100,000 synthetic articles
    .venv/bin/python bench/bench_engines.py --skip-whoosh-100k  # whoosh needs ~8 min for 100k
    .venv/bin/python bench/bench_engines.py --articles 20000

Corpora are built once under /tmp/newsarchive-bench/ (``--workdir``) and reused: the BBC set (its
articles have no dates, so a generated manifest gives them some) and N synthetic articles from
``bench/make_articles.py``, ingested with ``newsarchive ingest --no-index`` (dates and sources from a
generated manifest). Indexes are rebuilt on every run. Beside each engine, a bare tantivy-py script
indexes the same titles and texts (default ``en_stem`` analysis, nothing else) for comparison; the
ratio of the two is the median of ``--rounds`` rounds, each indexing with both side by side (the
machine's speed drifts by ±10 % from one minute to the next).
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from make_articles import build

from newsarchive import store
from newsarchive.index import search, update_index
from newsarchive.index.api import ENGINES
from newsarchive.pipeline.run import ingest

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
NEWSARCHIVE = Path(sys.executable).parent / "newsarchive"
QUERIES_PER_KIND = 50
SOURCES = 12
WORD = re.compile(r"\w+")


# --- corpora -------------------------------------------------------------------------------------


def bbc_corpus(workdir: Path) -> Path:
    """The BBC set with made-up dates (every tenth article undated), ingested once."""
    corpus = workdir / "engines-bbc-corpus"
    if store.is_corpus(corpus):
        return corpus
    manifest = workdir / "engines-bbc-manifest.csv"
    start = datetime(2004, 1, 1, tzinfo=UTC)
    with open(manifest, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["path", "date"])
        for i, path in enumerate(sorted((DATA / "bbc").glob("*/*.txt"))):
            if i % 10 != 9:
                writer.writerow([str(path), (start + timedelta(hours=7 * i)).isoformat()])
    ingest([DATA / "bbc"], corpus=corpus, manifest=manifest, index=False, jobs=2)
    return corpus


def synthetic_corpus(workdir: Path, n: int) -> Path:
    """``n`` articles from make_articles.py, dated 2002–2016 and spread over 12 outlets."""
    corpus = workdir / f"engines-corpus-{n}"
    if store.is_corpus(corpus):
        return corpus
    files = build(n, workdir / f"articles-{n}")
    rng = random.Random(2016)
    with open(files / "manifest.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["path", "date", "source"])
        for path in sorted(files.rglob("*.txt")):
            day = datetime(2002, 11, 8) + timedelta(days=rng.randrange(14 * 365))
            source = f"outlet-{rng.randrange(SOURCES)}"
            writer.writerow([path.relative_to(files).as_posix(), f"{day:%Y-%m-%d}", source])
    command = [str(NEWSARCHIVE), "ingest", str(files), "--corpus", str(corpus), "--no-index", "-q"]
    # exit status 1: the manifest itself is listed as "not an article"
    subprocess.run(command, check=False, capture_output=True)
    return corpus


def folder_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


# --- indexing ------------------------------------------------------------------------------------


def index(corpus: Path, index_dir: Path, engine: str) -> tuple[float, float]:
    """A fresh index: articles per second, and its size in MB."""
    shutil.rmtree(index_dir, ignore_errors=True)
    started = time.perf_counter()
    report = update_index(corpus, index_dir, engine=engine, procs=2)
    rate = report.added / (time.perf_counter() - started)
    return rate, folder_mb(index_dir / engine)


def bare_tantivy(corpus: Path, out: Path) -> float:
    """What a researcher's ten-line tantivy-py script does with the same texts: articles/s."""
    import pyarrow.parquet as pq
    import tantivy

    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    started = time.perf_counter()
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("title", stored=True, tokenizer_name="en_stem")
    builder.add_text_field("text", tokenizer_name="en_stem")
    ix = tantivy.Index(builder.build(), path=str(out))
    writer = ix.writer(heap_size=256_000_000, num_threads=2)
    n = 0
    for part in store.part_files(corpus):
        with pq.ParquetFile(part) as pf:
            for batch in pf.iter_batches(batch_size=512, columns=["title", "text"]):
                titles, texts = batch.column(0).to_pylist(), batch.column(1).to_pylist()
                for title, text in zip(titles, texts, strict=True):
                    writer.add_document(tantivy.Document(title=title or "", text=text or ""))
                    n += 1
    writer.commit()
    writer.wait_merging_threads()
    return n / (time.perf_counter() - started)


# --- queries -------------------------------------------------------------------------------------


def query_sets(corpus: Path, rng: random.Random) -> dict[str, list[str]]:
    """AND of two mid-frequency words, 2–3 word phrases from the texts, ANDs within one year."""
    table = store.read_corpus(corpus, columns=["text", "published_at"])
    texts = [t or "" for t in table.column("text").to_pylist()]
    years = sorted({d.year for d in table.column("published_at").to_pylist() if d is not None})
    sample = rng.sample(texts, min(2000, len(texts)))
    df = Counter(w for t in sample for w in {w.lower() for w in WORD.findall(t)})
    mid = sorted(
        w
        for w, c in df.items()
        if w.isalpha() and len(w) > 3 and len(sample) * 0.01 <= c <= len(sample) * 0.2
    )
    ands = [f"{a} AND {b}" for a, b in (rng.sample(mid, 2) for _ in range(QUERIES_PER_KIND))]
    phrases: list[str] = []
    while len(phrases) < QUERIES_PER_KIND:
        words = WORD.findall(rng.choice(sample))
        if len(words) > 10:
            k = rng.randint(2, 3)
            at = rng.randrange(len(words) - k)
            phrases.append('"' + " ".join(words[at : at + k]) + '"')
    dated = [f"{q} date:{rng.choice(years)}" for q in ands]
    return {"AND": ands, "phrase": phrases, "date-filtered": dated}


def latencies(run: Callable[[str], object], queries: list[str]) -> tuple[float, float]:
    """p50 and p95 in ms."""
    run(queries[0])  # the first search opens files and fills caches
    times = []
    for q in queries:
        started = time.perf_counter()
        run(q)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[round(len(times) * 0.95) - 1]


def wall(command: list[str], runs: int = 5) -> float:
    """Median wall time of a command, process start included, in seconds."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


# --- the run -------------------------------------------------------------------------------------


def bench_corpus(
    name: str, corpus: Path, workdir: Path, engines: list[str], rounds: int = 3
) -> list[str]:
    rng = random.Random(7)
    queries = query_sets(corpus, rng)
    articles = store.read_corpus(corpus, columns=["doc_id"]).num_rows
    rows = []
    bare = bare_tantivy(corpus, workdir / f"{name}-bare")
    counts: dict[str, list[int]] = {}
    for engine in engines:
        index_dir = workdir / f"{name}-{engine}"
        rate, mb = index(corpus, index_dir, engine)

        def run(q: str, snippets: bool = False, index_dir: Path = index_dir) -> object:
            return search(q, corpus=corpus, index_dir=index_dir, limit=20, snippets=snippets)

        cells = [f"{name} ({articles:,})", engine, f"{rate:,.0f}", f"{mb:,.0f} MB"]
        for kind in ("AND", "phrase", "date-filtered"):
            p50, p95 = latencies(run, queries[kind])
            cells.append(f"{p50:.1f} / {p95:.1f}")
        cells.append(f"{latencies(lambda q: run(q, True), queries['phrase'])[0]:.1f}")
        query = queries["phrase"][0]
        cli = [str(NEWSARCHIVE), "search", query, "--corpus", str(corpus)]
        cells.append(f"{wall([*cli, '--index-dir', str(index_dir)]):.2f} s")
        rows.append("| " + " | ".join(cells) + " |")
        every = [q for qs in queries.values() for q in qs]
        counts[engine] = [
            search(q, corpus=corpus, index_dir=index_dir, limit=0).total for q in every
        ]
        print(rows[-1], flush=True)
    if "tantivy" in counts:
        ours = float(rows[engines.index("tantivy")].split("|")[3].replace(",", ""))
        ratios = [ours / bare]
        for _ in range(rounds - 1):  # the machine's speed drifts: bare and ours side by side
            bare = bare_tantivy(corpus, workdir / f"{name}-bare")
            ratios.append(index(corpus, workdir / f"{name}-tantivy", "tantivy")[0] / bare)
        print(
            f"{name}: newsarchive/bare tantivy-py = {statistics.median(ratios):.2f} "
            f"(median of {len(ratios)} rounds: {', '.join(f'{r:.2f}' for r in ratios)}; "
            f"bare {bare:,.0f} articles/s in the last)"
        )
    if len(counts) == 2:
        same = sum(a == b for a, b in zip(*counts.values(), strict=True))
        print(f"{name}: hit counts agree on {same}/{len(counts['whoosh'])} queries")
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--articles", type=int, default=100_000)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/newsarchive-bench"))
    ap.add_argument("--skip-whoosh-100k", action="store_true", help="tantivy only on the big set")
    ap.add_argument("--rounds", type=int, default=3, help="rounds of bare vs ours for the ratio")
    args = ap.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    header = (
        "| corpus | engine | index articles/s | index size | AND p50 / p95 ms "
        "| phrase p50 / p95 ms | date-filtered p50 / p95 ms | phrase + snippets p50 ms "
        "| `newsarchive search` |\n|---|---|---|---|---|---|---|---|---|"
    )
    print(header, flush=True)
    rows = bench_corpus("BBC", bbc_corpus(args.workdir), args.workdir, list(ENGINES), args.rounds)
    big = synthetic_corpus(args.workdir, args.articles)
    engines = ["tantivy"] if args.skip_whoosh_100k else list(ENGINES)
    rows += bench_corpus("synthetic", big, args.workdir, engines, args.rounds)
    help_s = wall([str(NEWSARCHIVE), "--help"])
    print(f"\n{header}\n" + "\n".join(rows))
    print(f"\n`newsarchive --help`: {help_s:.2f} s (median of 5, process start included)")


if __name__ == "__main__":
    main()
