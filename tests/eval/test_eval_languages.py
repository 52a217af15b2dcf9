"""Evaluation: search and kwic in Chinese (Sogou) and Arabic (SaudiNewsNet), on both engines.

Each set is ingested once and indexed by whoosh and by tantivy. Words are drawn by kind with a
fixed seed, never picked by hand:

* **Chinese**: strings of 1 to 4 characters found in the texts, three per (length, document
  frequency band), common and rare alike. An article *contains* the word when the string is in
  its text.
* **Arabic**: words as written in the texts, three per (with or without the article, with or
  without a hamza on alef, document frequency band). An article *contains* the word when its
  normalised text (:func:`newsarchive.index.analysis.normalise`: alef and hamza forms, alef
  maqsura, ta marbuta, diacritics, tatweel) holds the word without its article, as a whole word,
  with or without the article or a one-letter prefix (wa, fa, bi, ka, li) before it.

For every word: the hits must cover at least 95 % of the articles containing it (recall), at
least 95 % of the hits must contain it (precision, for Arabic: its stem, as a part of a word),
both engines must give the same hits, and kwic must show lines in exactly the hit articles,
for Chinese one line per occurrence of the string. Run with ``-s`` to see the figures.
"""

from __future__ import annotations

import random
import re
import time
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

import pytest

import newsarchive
from newsarchive.analysis.kwic import kwic
from newsarchive.index import search, update_index
from newsarchive.index.analysis import normalise

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
SEED = 16
PER_CELL = 3
BANDS = ((1, 1), (2, 5), (6, 30), (31, 10**9))  # document frequency bands: rare to common
MIN_WORDS = 40
MIN_RECALL = 0.95
MIN_PRECISION = 0.95
ENGINES = ("whoosh", "tantivy")

pytestmark = [
    pytest.mark.eval,
    pytest.mark.skipif(not DATA.is_dir(), reason="../shared/data is not present"),
]

_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_ARABIC_WORD = re.compile(r"[\u0621-\u064a\u0640\u064b-\u0652\u0670\u0671]+")
_HAMZA_ALEF = re.compile("[\u0622\u0623\u0625]")
_ARTICLE = re.compile("^(?:[\u0648\u0641\u0628\u0643]?\u0627\u0644|\u0644\u0644)")


Built = tuple[Path, dict[str, Path], list[dict[str, str]]]


def build(name: str, tmp: Path) -> Built:
    corpus = tmp / "corpus"
    t0 = time.perf_counter()
    report = newsarchive.ingest([DATA / name], corpus=corpus, index=False, jobs=2)
    indexes = {}
    for engine in ENGINES:
        indexes[engine] = tmp / engine
        started = time.perf_counter()
        update_index(corpus, indexes[engine], engine=engine)
        print(
            f"{name}: {engine} indexed {report.ingested:,} in {time.perf_counter() - started:.1f} s"
        )
    rows = newsarchive.read_corpus(corpus, columns=["doc_id", "text", "language"]).to_pylist()
    print(f"{name}: {len(rows):,} articles, built in {time.perf_counter() - t0:.0f} s")
    return corpus, indexes, rows


@pytest.fixture(scope="module")
def chinese(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build("chinese", tmp_path_factory.mktemp("chinese"))


@pytest.fixture(scope="module")
def arabic(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build("arabic", tmp_path_factory.mktemp("arabic"))


def band_of(df: int) -> int:
    return next(i for i, (low, high) in enumerate(BANDS) if low <= df <= high)


def stratified(kinds: Mapping[str, tuple[object, int]], rng: random.Random) -> list[str]:
    """``PER_CELL`` words per (kind, band) cell; ``kinds`` maps word -> (kind, df)."""
    cells: dict[tuple[object, int], list[str]] = {}
    for word, (kind, df) in sorted(kinds.items()):
        cells.setdefault((kind, band_of(df)), []).append(word)
    return [
        w
        for key in sorted(cells, key=str)
        for w in rng.sample(cells[key], min(PER_CELL, len(cells[key])))
    ]


def chinese_words(rows: list[dict[str, str]]) -> list[str]:
    df: Counter[str] = Counter()
    for row in rows:
        grams: set[str] = set()
        for run in _CJK_RUN.findall(row["text"]):
            for n in range(1, 5):
                grams.update(run[i : i + n] for i in range(len(run) - n + 1))
        df.update(grams)
    return stratified({g: (len(g), n) for g, n in df.items()}, random.Random(SEED))


def arabic_base(word: str) -> str:
    """The normalised word without its article (the analysis's own prefix rule)."""
    from newsarchive.index.analysis import _ARABIC_PREFIXES

    norm = normalise(word)
    for prefix in _ARABIC_PREFIXES:
        if norm.startswith(prefix) and len(norm) >= len(prefix) + 2:
            return norm[len(prefix) :]
    return norm


def arabic_words(rows: list[dict[str, str]]) -> list[str]:
    df: Counter[str] = Counter()
    for row in rows:
        df.update({w for w in _ARABIC_WORD.findall(row["text"]) if len(arabic_base(w)) >= 2})
    kinds = {w: ((bool(_ARTICLE.match(w)), bool(_HAMZA_ALEF.search(w))), n) for w, n in df.items()}
    return stratified(kinds, random.Random(SEED))


def hits(indexes: dict[str, Path], corpus: Path, query: str) -> dict[str, set[str]]:
    return {
        engine: {
            h.doc_id
            for h in search(query, corpus=corpus, index_dir=path, limit=None, snippets=False).hits
        }
        for engine, path in indexes.items()
    }


def check(
    name: str,
    built: Built,
    words: list[str],
    contains: dict[str, set[str]],
    holds: dict[str, set[str]],
    occurrences: dict[str, Counter[str]] | None,
) -> None:
    corpus, indexes, _ = built
    assert len(words) >= MIN_WORDS
    recalls, precisions, kwic_ok = [], [], 0
    for word in words:
        found = hits(indexes, corpus, word)
        assert found["whoosh"] == found["tantivy"], word
        got, truth = found["whoosh"], contains[word]
        recall = len(got & truth) / len(truth) if truth else 1.0
        precision = len(got & holds[word]) / len(got) if got else 1.0
        recalls.append(recall)
        precisions.append(precision)
        lines = kwic(word, corpus=corpus, index_dir=indexes["whoosh"], width=5)
        per_doc = Counter(ln.doc_id for ln in lines)
        assert set(per_doc) == got, word  # kwic shows every hit, and only hits
        if occurrences is not None:
            assert per_doc == occurrences[word], word
        kwic_ok += 1
        assert recall >= MIN_RECALL and precision >= MIN_PRECISION, (word, recall, precision)
    print(
        f"{name}: {len(words)} words, recall min {min(recalls):.3f} mean "
        f"{sum(recalls) / len(recalls):.3f}, precision min {min(precisions):.3f} mean "
        f"{sum(precisions) / len(precisions):.3f}; engines agree on all; kwic agrees on {kwic_ok}"
    )


def test_chinese_words(chinese: Built) -> None:
    _, _, rows = chinese
    words = chinese_words(rows)
    print("chinese words:", " ".join(words))
    texts = {r["doc_id"]: r["text"] for r in rows}
    contains = {w: {d for d, t in texts.items() if w in t} for w in words}
    occurrences = {w: Counter({d: texts[d].count(w) for d in contains[w]}) for w in words}
    check("chinese", chinese, words, contains, contains, occurrences)


def test_arabic_words(arabic: Built) -> None:
    _, _, rows = arabic
    words = arabic_words(rows)
    print("arabic words:", " ".join(words))
    texts = {r["doc_id"]: normalise(r["text"]) for r in rows}
    contains, holds = {}, {}
    for w in words:
        base = re.escape(arabic_base(w))
        whole = re.compile(
            rf"(?<!\w)(?:[\u0648\u0641\u0628\u0643\u0644]?\u0627\u0644|\u0644\u0644|"
            rf"[\u0648\u0641\u0628\u0643\u0644])?{base}(?!\w)"
        )
        contains[w] = {d for d, t in texts.items() if whole.search(t)}
        stem = arabic_stem_of(w)
        holds[w] = {d for d, t in texts.items() if stem in t}
    check("arabic", arabic, words, contains, holds, None)


def arabic_stem_of(word: str) -> str:
    from newsarchive.index.analysis import arabic_stem

    return arabic_stem(normalise(word))
