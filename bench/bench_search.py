"""Benchmark of full-text search: indexing speed, index size, query latency, CLI end to end.

Run by hand; prints its figures::

    .venv/bin/python bench/bench_search.py                   # the BBC set (2,225 articles)
    .venv/bin/python bench/bench_search.py --articles 100000 # synthetic, from real paragraphs

The BBC set has no dates: each article gets a made-up one so that date filters have work to do.
The synthetic corpus recombines paragraphs of ../shared/data (BBC, CNN, Daily Mail, ISOT) into
new articles with random dates, sources and tags. Both are written to a temporary folder (or
``--workdir``), never into the repository.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from newsarchive import store
from newsarchive.article import Article
from newsarchive.index import search, update_index

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
PARAGRAPH_SOURCES = ("bbc/*/*.txt", "cnn/articles/*.txt", "dailymail/train/*.txt", "isot/*/*.txt")
WORD = re.compile(r"[A-Za-z]{4,}")
QUERIES_PER_KIND = 50


def make_article(doc_id: str, title: str, text: str, when: datetime, **tags: object) -> Article:
    return Article(
        doc_id=doc_id,
        source_path=f"/bench/{doc_id}",
        content_hash=hashlib.blake2b(text.encode(), digest_size=16).hexdigest(),
        title=title,
        text=text,
        raw_text=text,
        word_count=len(text.split()),
        published_at=when,
        **tags,  # type: ignore[arg-type]
    )


def bbc_articles() -> Iterator[Article]:
    start = datetime(2004, 1, 1, tzinfo=UTC)
    for path in sorted((DATA / "bbc").glob("*/*.txt")):
        title, _, body = path.read_bytes().decode("utf-8", "replace").strip().partition("\n")
        n = int(path.stem)
        yield make_article(
            f"bbc-{path.parent.name}-{path.stem}",
            title.strip(),
            body.strip(),
            start + timedelta(days=n % 700, hours=n % 24),
            source="bbc",
            topics=[path.parent.name],
        )


def paragraphs() -> list[str]:
    """Real paragraphs (long one-paragraph stories cut into chunks of about 80 words)."""
    found: list[str] = []
    for pattern in PARAGRAPH_SOURCES:
        for path in sorted(DATA.glob(pattern)):
            text = path.read_bytes().decode("utf-8", "replace")
            for para in re.split(r"\n\s*\n", text):
                words = para.split()
                for i in range(0, len(words), 80):
                    chunk = " ".join(words[i : i + 80])
                    if len(chunk) > 60:
                        found.append(chunk)
    return found


def synthetic_articles(n: int, seed: int = 7) -> Iterator[Article]:
    rng = random.Random(seed)
    paras = paragraphs()
    sources = [f"outlet-{i}" for i in range(12)]
    topics = ["politics", "business", "sport", "health", "crime", "science", "weather", "arts"]
    places = ["London", "Leeds", "Paris", "New York", "Washington", "Berlin", "Delhi", "Sydney"]
    countries = ["GB", "FR", "US", "DE", "IN", "AU"]
    people = ["Jane Doe", "John Smith", "Ali Khan", "Maria Garcia", "Chen Wei", "Ola Nordmann"]
    start = datetime(2004, 1, 1, tzinfo=UTC)
    for i in range(n):
        body = [rng.choice(paras) for _ in range(rng.randint(4, 8))]
        title = " ".join(rng.choice(paras).split()[:8])
        yield make_article(
            f"syn-{i:07d}",
            title,
            "\n\n".join(body),
            start + timedelta(minutes=rng.randrange(14 * 365 * 24 * 60)),
            source=rng.choice(sources),
            topics=rng.sample(topics, rng.randint(1, 2)),
            places=rng.sample(places, rng.randint(0, 2)),
            countries=rng.sample(countries, rng.randint(0, 2)),
            people=rng.sample(people, rng.randint(0, 2)),
        )


def write(corpus: Path, articles: Iterator[Article]) -> int:
    with store.writer_lock(corpus):
        writer = store.CorpusWriter(corpus, store.new_run_id())
        writer.add_all(articles)
        writer.flush()
    return writer.committed


def folder_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def query_sets(corpus: Path, rng: random.Random) -> dict[str, list[str]]:
    """AND of two mid-frequency words, 2–3 word phrases from the texts, and date-filtered ANDs."""
    texts: list[str] = [
        t or "" for t in store.read_corpus(corpus, columns=["text"]).column("text").to_pylist()
    ]
    sample = rng.sample(texts, min(2000, len(texts)))
    df = Counter(w for t in sample for w in {w.lower() for w in WORD.findall(t)})
    mid = [w for w, c in df.items() if len(sample) * 0.01 <= c <= len(sample) * 0.2]
    ands = [f"{a} AND {b}" for a, b in (rng.sample(mid, 2) for _ in range(QUERIES_PER_KIND))]
    phrases: list[str] = []
    while len(phrases) < QUERIES_PER_KIND:
        words = WORD.findall(rng.choice(sample))
        if len(words) > 10:
            k, at = rng.randint(2, 3), rng.randrange(len(words) - 3)
            phrases.append('"' + " ".join(words[at : at + k]) + '"')
    dated = [
        f"{q} date:[{y}-01 TO {y + 1}-06]" for q, y in zip(ands, range(2004, 2100), strict=False)
    ]
    return {"AND": ands, "phrase": phrases, "date-filtered": dated}


def latencies(run: Callable[[str], object], queries: list[str]) -> tuple[float, float]:
    times = []
    for q in queries:
        started = time.perf_counter()
        run(q)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def cli_seconds(corpus: Path, index_dir: Path, queries: list[str]) -> list[float]:
    exe = Path(sys.executable).with_name("newsarchive")
    out = []
    for q in queries:
        started = time.perf_counter()
        subprocess.run(
            [str(exe), "search", q, "--corpus", str(corpus), "--index-dir", str(index_dir)],
            check=True,
            capture_output=True,
        )
        out.append(time.perf_counter() - started)
    return out


def bench(name: str, articles: Iterator[Article], workdir: Path, procs: int | None) -> None:
    corpus, index_dir = workdir / name / "corpus", workdir / name / "indexes"
    started = time.perf_counter()
    n = write(corpus, articles)
    print(
        f"\n== {name}: {n:,} articles, corpus {folder_mb(corpus):.0f} MB "
        f"(written in {time.perf_counter() - started:.0f} s)"
    )
    report = update_index(corpus, index_dir, rebuild=True, procs=procs)
    print(
        f"index: {report.added / report.seconds:,.0f} articles/s "
        f"({report.seconds:.1f} s, procs={procs or 'auto'}), "
        f"size {folder_mb(index_dir / 'whoosh'):.0f} MB"
    )
    sets = query_sets(corpus, random.Random(11))
    print(f"queries ({QUERIES_PER_KIND} each, warm, limit 20)   p50 ms   p95 ms")
    for kind, queries in sets.items():
        for label, snippets in (("hits only", False), ("+ snippets", True)):

            def run(query: str, snippets: bool = snippets) -> object:
                return search(query, corpus=corpus, index_dir=index_dir, snippets=snippets)

            p50, p95 = latencies(run, queries)
            print(f"  {kind:<14} {label:<11} {p50:>14.1f} {p95:>8.1f}")
    totals = [search(q, corpus=corpus, index_dir=index_dir, limit=0).total for q in sets["AND"]]
    print(f"  (AND queries match {statistics.median(totals):,.0f} articles at the median)")
    wall = sorted(cli_seconds(corpus, index_dir, sets["AND"][:5] + sets["phrase"][:5]))
    print(
        f"`newsarchive search` end to end (process start included): "
        f"median {statistics.median(wall):.2f} s, worst {wall[-1]:.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=0, help="also bench N synthetic articles")
    parser.add_argument(
        "--procs", type=int, default=None, help="indexing processes (default: auto)"
    )
    parser.add_argument("--workdir", type=Path, help="keep corpora and indexes here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp:
        workdir = args.workdir or Path(tmp)
        bench("bbc", bbc_articles(), workdir, args.procs)
        if args.articles:
            bench(
                f"synthetic-{args.articles}", synthetic_articles(args.articles), workdir, args.procs
            )


if __name__ == "__main__":
    main()
