"""Chinese words for search: jieba's segmentation against character bigrams, on ../shared/data/chinese.

For strings of 1 to 4 characters drawn from the texts (three per length and document-frequency
band, fixed seed, as tests/eval/test_eval_languages.py draws them), an article *contains* the
string when its text holds it. Each way of cutting text into words is scored by recall (the
share of containing articles a search finds) and precision (the share of found articles that
contain it), averaged over the strings, and by its speed:

- ``bigrams``: newsarchive's analysis (:mod:`newsarchive.index.analysis`): overlapping
  character bigrams, a query string as the phrase of its bigrams (one character: a prefix);
- ``jieba``: jieba 0.42's search mode (``cut_for_search``) for articles and query strings, an
  article found when it holds every word of the query string (as an engine ANDs them);
- ``jieba-precise``: jieba's default mode likewise.

Needs jieba (``pip install jieba``), which newsarchive itself does not use::

    .venv/bin/python bench/bench_cjk.py
"""

from __future__ import annotations

import random
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from newsarchive.index.analysis import tokens

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "chinese"
BANDS = ((1, 1), (2, 5), (6, 30), (31, 10**9))
CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")


def texts() -> list[str]:
    return [
        p.read_text(encoding="utf-8", errors="replace")
        for p in sorted((DATA / "articles").rglob("*"))
        if p.is_file()
    ]


def sample(docs: list[str], rng: random.Random) -> list[str]:
    df: Counter[str] = Counter()
    for text in docs:
        grams = set()
        for run in CJK_RUN.findall(text):
            for n in range(1, 5):
                grams.update(run[i : i + n] for i in range(len(run) - n + 1))
        df.update(grams)
    cells: dict[tuple[int, int], list[str]] = {}
    for gram, n in sorted(df.items()):
        band = next(i for i, (low, high) in enumerate(BANDS) if low <= n <= high)
        cells.setdefault((len(gram), band), []).append(gram)
    return [w for key in sorted(cells) for w in rng.sample(cells[key], min(3, len(cells[key])))]


def bigram_match(doc: list[str], word: str) -> bool:
    query = [t.norm for t in tokens(word, "zh", query=True)]
    if len(query) == 1 and len(query[0]) == 1:
        return any(t.startswith(query[0]) for t in doc)
    return any(doc[i : i + len(query)] == query for i in range(len(doc)))


def score(name: str, docs: list[str], words: list[str], cut: object) -> None:
    started = time.perf_counter()
    if name == "bigrams":
        analysed = [[t.norm for t in tokens(d, "zh")] for d in docs]
    else:
        analysed = [list(cut(d)) for d in docs]  # type: ignore[operator]
    seconds = time.perf_counter() - started
    recalls, precisions = [], []
    for word in words:
        truth = {i for i, d in enumerate(docs) if word in d}
        if name == "bigrams":
            found = {i for i, a in enumerate(analysed) if bigram_match(a, word)}
        else:
            parts = set(cut(word))  # type: ignore[operator]
            found = {i for i, a in enumerate(analysed) if parts <= set(a)}
        recalls.append(len(found & truth) / len(truth) if truth else 1.0)
        precisions.append(len(found & truth) / len(found) if found else 1.0)
    print(
        f"| {name} | {statistics.mean(recalls):.3f} | {min(recalls):.3f} "
        f"| {statistics.mean(precisions):.3f} | {min(precisions):.3f} "
        f"| {1000 * seconds / len(docs):.2f} ms |"
    )


def main() -> None:
    docs = texts()
    words = sample(docs, random.Random(16))
    print(f"{len(docs)} articles, {len(words)} strings of 1-4 characters\n")
    print("| analysis | recall mean | recall min | precision mean | precision min | per article |")
    print("|---|---|---|---|---|---|")
    score("bigrams", docs, words, None)
    try:
        import jieba
    except ImportError:
        sys.exit("jieba is not installed: pip install jieba")
    jieba.setLogLevel(60)
    jieba.initialize()
    score("jieba", docs, words, jieba.cut_for_search)
    score("jieba-precise", docs, words, jieba.cut)


if __name__ == "__main__":
    main()
