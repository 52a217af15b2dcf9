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

sys.path.insert(0, str(Path(__file__).parent))

import bench_search as bs

from newsarchive import Corpus
from newsarchive.index import update_index
from newsarchive.index.analysis import tokens

ROUNDS = 3  # each query set is timed this many times; the median of all is printed


def p50_ms(run: Callable[[str], object], queries: list[str]) -> float:
    for q in queries[:5]:  # warm: the first call opens files and fills caches
        run(q)
    times = []
    for _ in range(ROUNDS):
        for q in queries:
            started = time.perf_counter()
            run(q)
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


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
        with_snippets = p50_ms(lambda q: c.search(q, snippets=True), queries)
        without = p50_ms(lambda q: c.search(q, snippets=False), queries)
        bare = p50_ms(bare_tantivy(index_dir), queries)
        print(f"{args.articles:,} articles, {len(queries)} queries x {ROUNDS}, limit 20, p50 ms")
        print(f"  Corpus.search + snippets   {with_snippets:8.1f}")
        print(f"  Corpus.search, no snippets {without:8.1f}   ({without / bare:.1f}x bare)")
        print(f"  bare tantivy-py            {bare:8.2f}")
        word = re.sub(r"\W", "", sets["AND"][0].split(" AND ")[0]).lower()
        started = time.perf_counter()
        c.top_words(word)
        ours = time.perf_counter() - started
        floor = top_words_floor(corpus, word)
        print(f"top-words {word!r} first run {ours:.2f} s, polars count {floor:.2f} s")
        print(f"  ({ours / floor:.1f}x)")


if __name__ == "__main__":
    main()
