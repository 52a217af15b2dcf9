"""Search against its floor: ``Corpus.search`` (with and without snippets) beside a bare tantivy-py
query on the same index, and ``top-words`` beside a polars count of the same words.

Run by hand; prints its figures (CPU-bound work: run it on a quiet machine)::

    .venv/bin/python bench/bench_search_floor.py                      # 40,000 synthetic articles
    .venv/bin/python bench/bench_search_floor.py --articles 10000 --workdir /tmp/sf

The corpus is ``bench_search.synthetic_articles`` (paragraphs of ../shared/data recombined),
indexed with tantivy; queries are ANDs of two mid-frequency words and 2–3 word phrases. The bare
query is the same words, stemmed as the index holds them, as tantivy term and phrase queries
on the ``text`` field: what tantivy itself costs, without parsing, snippets or the corpus.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

sys.path.insert(0, str(Path(__file__).parent))

import bench_search as bs

from newsarchive import Corpus
from newsarchive.index import update_index
from newsarchive.index.analysis import tokens

ROUNDS = 3  # each query set is timed this many times; the median of all is printed


def p50_ms(runs: dict[str, Callable[[str], object]], queries: list[str]) -> dict[str, Stat]:
    """Median wall and CPU ms per call of each run, the runs interleaved query by query so that
    a busy machine weighs on each alike (CPU: the process's, threads included)."""
    for q in queries[:5]:  # warm: the first call opens files and fills caches
        for run in runs.values():
            run(q)
    wall: dict[str, list[float]] = {name: [] for name in runs}
    cpu: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(ROUNDS):
        for q in queries:
            for name, run in runs.items():
                started, cpu_started = time.perf_counter(), time.process_time()
                run(q)
                cpu[name].append((time.process_time() - cpu_started) * 1000)
                wall[name].append((time.perf_counter() - started) * 1000)
    return {n: Stat(statistics.median(wall[n]), statistics.median(cpu[n])) for n in runs}


class Stat(NamedTuple):
    wall: float
    cpu: float


def bare_tantivy(index_dir: Path) -> Callable[[str], object]:
    import tantivy

    ix = tantivy.Index.open(str(index_dir / "tantivy"))
    searcher = ix.searcher()
    schema = ix.schema

    def words(text: str) -> list[str]:
        return [t.norm for t in tokens(text, "en")]

    def run(query: str) -> object:
        if query.startswith('"'):
            q = tantivy.Query.phrase_query(schema, "text", words(query.strip('"')))
        else:
            terms = [words(w)[0] for w in query.split(" AND ")]
            q = tantivy.Query.boolean_query(
                [(tantivy.Occur.Must, tantivy.Query.term_query(schema, "text", t)) for t in terms]
            )
        return searcher.search(q, 20).hits

    return run


def top_words_floor(corpus: Path, word: str) -> float:
    """Seconds for polars to count the words of the articles holding ``word``."""
    import polars as pl

    started = time.perf_counter()
    frame = pl.scan_parquet(str(corpus / "*.parquet")).select("text").collect()
    hits = frame.filter(pl.col("text").str.to_lowercase().str.contains(rf"\b{word}\b"))
    (
        hits.select(pl.col("text").str.to_lowercase().str.extract_all(r"[a-z]+").alias("w"))
        .explode("w")
        .group_by("w")
        .len()
        .sort("len", descending=True)
        .head(25)
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=40_000)
    parser.add_argument("--workdir", type=Path, help="keep (and reuse) the corpus and index here")
    parser.add_argument("--no-top-words", action="store_true", help="time the searches only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-search-floor-") as tmp:
        work = args.workdir or Path(tmp)
        corpus, index_dir = work / "corpus", work / "indexes"
        if not corpus.exists():
            bs.write(corpus, bs.synthetic_articles(args.articles))
            update_index(corpus, index_dir, rebuild=True, engine="tantivy")
        sets = bs.query_sets(corpus, random.Random(11))
        queries = sets["AND"][:30] + sets["phrase"][:30]
        c = Corpus(corpus, index_dir)
        found = p50_ms(
            {
                "snippets": lambda q: c.search(q, snippets=True),
                "no snippets": lambda q: c.search(q, snippets=False),
                "bare": bare_tantivy(index_dir),
            },
            queries,
        )
        bare = found["bare"]
        print(f"{args.articles:,} articles, {len(queries)} queries x {ROUNDS}, limit 20")
        print(f"{'p50 ms':<28}{'wall':>8}{'CPU':>8}")
        for label, name in (
            ("Corpus.search + snippets", "snippets"),
            ("Corpus.search, no snippets", "no snippets"),
            ("bare tantivy-py", "bare"),
        ):
            wall, cpu = found[name]
            ratio = (
                f"   ({wall / bare.wall:.1f}x / {cpu / bare.cpu:.1f}x bare)"
                if name != "bare"
                else ""
            )
            print(f"  {label:<26}{wall:8.2f}{cpu:8.2f}{ratio}")
        if args.no_top_words:
            return
        word = re.sub(r"\W", "", sets["AND"][0].split(" AND ")[0]).lower()
        started = time.perf_counter()
        c.top_words(word)
        ours = time.perf_counter() - started
        floor = top_words_floor(corpus, word)
        print(f"top-words {word!r} first run {ours:.2f} s, polars count {floor:.2f} s")
        print(f"  ({ours / floor:.1f}x)")


if __name__ == "__main__":
    main()
