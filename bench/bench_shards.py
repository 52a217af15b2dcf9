"""Benchmark of sharded tantivy indexes against one index: build cost, query latency, and how
far relevance order moves (shards score with their own term statistics).

Run by hand (docs/cluster.md quotes the latest run)::

    .venv/bin/python bench/bench_shards.py --articles 100000 [--rounds 3]

The corpus (under /tmp/newsarchive-bench/, reused) is written straight to Parquet from
``make_articles.py``'s BBC-sized synthetic articles (real headlines and paragraphs of the English
sets), without the ingest stages: dated 2002–2016 (one in twenty undated), 12 outlets, no tags.
Three indexes are built from it: one index, 4 shards, shards by year, each with ``procs=2``
(two indexing threads for one index, two processes for shards). Build cost is CPU seconds of
this process and its children (the machine is shared: wall time says little). Query latency is
p50/p95 over the query sets of ``bench_engines.py`` (ANDs of two words, phrases, ANDs within one
year), rounds interleaved, best round kept. Overlap: for every query with hits, the share of
one index's top 20 that the sharded index's top 20 holds, averaged.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import resource
import shutil
import statistics
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench_engines import query_sets
from make_articles import bbc_lengths, paragraphs

from newsarchive import store
from newsarchive.article import Article
from newsarchive.index import matching_ids, search, update_index

CONFIGS: dict[str, dict[str, object]] = {
    "one index": {},
    "4 shards": {"shards": 4},
    "shards by year": {"shard_by": "year"},
}


def synthetic(n: int, seed: int = 1987) -> Iterator[Article]:
    rng = random.Random(seed)
    titles, paras = paragraphs()
    lengths = bbc_lengths()
    for i in range(n):
        target, body = rng.choice(lengths), []
        while not body or sum(map(len, body)) + len(body[-1]) // 2 < target:
            body.append(rng.choice(paras))
        text = "\n\n".join(body)
        day = datetime(2002, 11, 8, tzinfo=UTC) + timedelta(days=rng.randrange(14 * 365))
        yield Article(
            doc_id=f"syn-{i:07d}",
            source_path=f"/synthetic/{i:07d}.txt",
            source=f"outlet-{rng.randrange(12)}",
            content_hash=hashlib.blake2b(text.encode(), digest_size=8).hexdigest(),
            title=rng.choice(titles),
            text=text,
            raw_text=text,
            language="en",
            word_count=len(text.split()),
            published_at=None if i % 20 == 19 else day,
        )


def corpus_of(workdir: Path, n: int) -> Path:
    corpus = workdir / f"shards-corpus-{n}"
    if not store.is_corpus(corpus):
        with store.writer_lock(corpus):
            writer = store.CorpusWriter(corpus, store.new_run_id(), batch_rows=2000)
            writer.add_all(synthetic(n))
            writer.flush()
    return corpus


def cpu() -> float:
    own, children = (
        resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def build(corpus: Path, index_dir: Path, options: dict[str, object]) -> tuple[float, float, int]:
    """CPU seconds, wall seconds and shards of a fresh build."""
    shutil.rmtree(index_dir, ignore_errors=True)
    cpu0, wall0 = cpu(), time.perf_counter()
    report = update_index(corpus, index_dir, engine="tantivy", procs=2, **options)  # type: ignore[arg-type]
    return cpu() - cpu0, time.perf_counter() - wall0, report.shards


def timed(corpus: Path, index_dir: Path, queries: list[str]) -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds of each query (top 20 by relevance, no snippets)."""
    search(queries[0], corpus=corpus, index_dir=index_dir, snippets=False)  # opens the shards
    walls, cpus = [], []
    for q in queries:
        w, c = time.perf_counter(), time.process_time()
        search(q, corpus=corpus, index_dir=index_dir, limit=20, snippets=False)
        walls.append((time.perf_counter() - w) * 1000)
        cpus.append((time.process_time() - c) * 1000)
    return walls, cpus


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(len(ordered) * p) - 1)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--articles", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/newsarchive-bench"))
    args = ap.parse_args()
    started = time.perf_counter()
    corpus = corpus_of(args.workdir, args.articles)
    print(f"corpus: {args.articles:,} articles ({time.perf_counter() - started:.0f} s)")
    dirs = {name: args.workdir / f"shards-{name.replace(' ', '-')}" for name in CONFIGS}
    print("| index | shards | build CPU s | build wall s |")
    print("|---|---|---|---|")
    for name, options in CONFIGS.items():
        cpu_s, wall_s, shards = build(corpus, dirs[name], options)
        print(f"| {name} | {shards or 1} | {cpu_s:.1f} | {wall_s:.1f} |", flush=True)

    sets = query_sets(corpus, random.Random(7))
    results: dict[tuple[str, str], list[tuple[float, float, float, float]]] = {}
    for _ in range(args.rounds):  # interleaved: the machine's load drifts
        for kind, queries in sets.items():
            for name in CONFIGS:
                walls, cpus = timed(corpus, dirs[name], queries)
                results.setdefault((kind, name), []).append(
                    (pct(walls, 0.5), pct(walls, 0.95), pct(cpus, 0.5), pct(cpus, 0.95))
                )
    print("\n| queries | index | p50 ms | p95 ms | CPU p50 ms | CPU p95 ms |")
    print("|---|---|---|---|---|---|")
    for (kind, name), rounds in results.items():
        best = min(rounds)  # the round least disturbed by other jobs
        print(f"| {kind} | {name} | " + " | ".join(f"{v:.2f}" for v in best) + " |")

    print("\n| index | queries with hits | same totals and ids | top-20 overlap | same newest 20 |")
    print("|---|---|---|---|---|")
    every = [q for qs in sets.values() for q in qs]
    for name in list(CONFIGS)[1:]:
        overlaps, same_ids, same_newest, with_hits = [], 0, 0, 0
        for q in every:
            one = search(q, corpus=corpus, index_dir=dirs["one index"], snippets=False)
            other = search(q, corpus=corpus, index_dir=dirs[name], snippets=False)
            ids = [
                sorted(matching_ids(q, corpus=corpus, index_dir=dirs[n]).ids)
                for n in ("one index", name)
            ]
            same_ids += one.total == other.total and ids[0] == ids[1]
            newest = [
                [
                    h.doc_id
                    for h in search(
                        q, corpus=corpus, index_dir=dirs[n], sort="newest", snippets=False
                    ).hits
                ]
                for n in ("one index", name)
            ]
            same_newest += newest[0] == newest[1]
            if one.hits:
                with_hits += 1
                top = {h.doc_id for h in one.hits}
                overlaps.append(len(top & {h.doc_id for h in other.hits}) / len(top))
        print(
            f"| {name} | {with_hits}/{len(every)} | {same_ids}/{len(every)} | "
            f"{statistics.mean(overlaps):.1%} | {same_newest}/{len(every)} |"
        )


if __name__ == "__main__":
    main()
