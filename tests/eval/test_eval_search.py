"""Evaluation: ingest the BBC set, then find 300 articles by a distinctive phrase of their text.

For each sampled article (fixed seed), a 5–8 word window of its clean text that holds a rare word
(in at most 3 articles) and occurs in no other story is searched as a phrase; the article must
come first. The set holds 100 exact duplicates, so a first hit with the same text (content hash)
counts as found. Prints the figures it checks.
"""

from __future__ import annotations

import random
import re
import statistics
import time
from collections import Counter
from pathlib import Path

import pytest

from newsarchive import store
from newsarchive.index import index_status, indexed_ids, search
from newsarchive.pipeline.run import ingest

BBC = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "bbc"
SAMPLE = 300
FLOOR = 0.97  # share of phrases whose article ranks first
WORD = re.compile(r"\w+(?:\.?\w+)*")  # whoosh's word pattern: punctuation between words is ignored

pytestmark = [
    pytest.mark.eval,
    pytest.mark.skipif(not BBC.is_dir(), reason="../shared/data/bbc is not present"),
]


def words(text: str) -> str:
    """The text as its words, lower-cased, one space apart: phrases are found by ``in``."""
    return " " + " ".join(WORD.findall(text)).lower() + " "


def distinctive_phrase(
    text: str, rare: set[str], others: list[str], rng: random.Random
) -> str | None:
    """5–8 words of one paragraph, with a rare word, found in no other story."""
    paragraphs = text.split("\n\n")
    rng.shuffle(paragraphs)
    for para in paragraphs:
        found = WORD.findall(para)
        size = rng.randint(5, 8)
        starts = [
            i
            for i in range(len(found) - size + 1)
            if any(w.lower() in rare for w in found[i : i + size])
        ]
        rng.shuffle(starts)
        for at in starts[:5]:
            phrase = " ".join(found[at : at + size])
            if not any(f" {phrase.lower()} " in other for other in others):
                return phrase
    return None


def test_phrases_find_their_article(tmp_path: Path) -> None:
    corpus, index_dir = tmp_path / "corpus", tmp_path / "indexes"
    started = time.perf_counter()
    report = ingest([BBC], corpus=corpus, index_dir=index_dir, jobs=2)
    print(
        f"\ningest + index: {report.ingested:,} articles in {time.perf_counter() - started:.1f} s; "
        f"index {report.index.added:,} added at {report.index.added / report.index.seconds:,.0f}/s"
    )
    assert index_status(corpus, index_dir).up_to_date
    table = store.read_corpus(corpus, columns=["doc_id", "text", "content_hash", "duplicate_of"])
    rows = table.to_pylist()
    assert sorted(indexed_ids(index_dir) or []) == sorted(r["doc_id"] for r in rows)

    df = Counter(w for r in rows for w in {w.lower() for w in WORD.findall(r["text"])})
    rare = {w for w, n in df.items() if n <= 3 and not w.isdigit()}
    hash_of = {r["doc_id"]: r["content_hash"] for r in rows}
    rng = random.Random(2016)
    originals = [r for r in rows if r["duplicate_of"] is None]

    streams = {r["content_hash"]: words(r["text"]) for r in originals}
    cases = []
    for row in rng.sample(originals, len(originals)):
        # the BBC set has near-duplicates too (a story and its update): a phrase they share
        # cannot single one out, so phrases are checked against every other text
        others = [t for h, t in streams.items() if h != row["content_hash"]]
        phrase = distinctive_phrase(row["text"], rare, others, rng)
        if phrase is not None:
            cases.append((row, phrase))
        if len(cases) == SAMPLE:
            break

    found, ranks, latencies, misses = 0, [], [], []
    for row, phrase in cases:
        started = time.perf_counter()
        hits = search(f'"{phrase}"', corpus=corpus, index_dir=index_dir, limit=10, snippets=False)
        latencies.append((time.perf_counter() - started) * 1000)
        same = [hash_of[h.doc_id] == row["content_hash"] for h in hits.hits]
        ranks.append(same.index(True) + 1 if True in same else None)
        if same[:1] == [True]:
            found += 1
        else:
            misses.append((row["doc_id"], phrase))

    share = found / SAMPLE
    mrr = sum(1 / r for r in ranks if r) / SAMPLE
    print(
        f"phrase queries: {found}/{SAMPLE} first = {share:.3f} (floor {FLOOR}), MRR {mrr:.3f}, "
        f"p50 {statistics.median(latencies):.1f} ms"
    )
    for doc_id, phrase in misses[:10]:
        print(f"  missed {doc_id}: {phrase!r}")
    assert share >= FLOOR
