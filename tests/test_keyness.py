"""Top words: tokens and phrases, Dunning's G², the cached corpus table, the fixture's keywords."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pyarrow as pa
import pytest

from newsarchive import store
from newsarchive.analysis import keyness
from newsarchive.analysis.hits import IndexBehindWarning
from newsarchive.analysis.keyness import (
    Frequencies,
    Keyword,
    count_terms,
    g2,
    keywords,
    stopwords,
    terms,
    top_words,
)
from newsarchive.errors import UsageError
from test_corpus_api import ARTICLES, Fixture, build_corpus


def freqs(counts: dict[str, int], words: int) -> Frequencies:
    return Frequencies(pa.table({"term": list(counts), "n": list(counts.values())}), words)


def test_words_and_phrases_skip_stopwords_numbers_and_punctuation() -> None:
    assert terms("The BMA’s strike: 5,000 doctors don’t back the junior-doctors contract.") == (
        ["bma's", "strike", "doctors", "back", "junior", "doctors", "contract"],
        ["bma's strike", "doctors contract"],  # "don't" is a stopword: no "doctors back"
    )
    assert {"the", "don't", "would"} <= stopwords() and "said" not in stopwords()


def test_words_split_where_python_splits_white_space() -> None:
    # runs of spaces, tabs and line ends are one gap: the words either side make a phrase
    assert terms("Wheat \t exports\n\nrose  sharply in\r\nApril ") == (
        ["wheat", "exports", "rose", "sharply", "april"],
        ["wheat exports", "exports rose", "rose sharply"],
    )
    # no-break space, line separator, vertical tab, NEL: words apart, and (as punctuation is)
    # a break between phrases
    text = "\u00a0Wheat\u00a0\u00a0exports\u2028rose\x0bsharply\x85\x1cin\u3000April  "
    assert terms(text) == (["wheat", "exports", "rose", "sharply", "april"], [])


def test_g2_is_dunnings_log_likelihood() -> None:
    assert round(g2(10, 2, 100, 900), 2) == 35.66
    assert round(g2(4, 0, 100, 900), 2) == 18.42  # absent from the rest of the corpus
    assert g2(10, 90, 100, 900) == 0.0  # same rate in both: nothing to see


def test_keywords_are_over_represented_terms_by_g2() -> None:
    hits = freqs({"strike": 10, "doctors": 5, "weather": 3, "junior doctors": 4}, 100)
    corpus = freqs({"strike": 12, "doctors": 6, "weather": 300, "junior doctors": 4}, 1000)
    assert keywords(hits, corpus) == [
        Keyword("strike", "word", 10, 2, 35.66),
        Keyword("junior doctors", "phrase", 4, 0, 18.42),
        Keyword("doctors", "word", 5, 1, 17.83),
    ]  # 'weather' is rarer in the hits than elsewhere: not key
    assert [k.term for k in keywords(hits, corpus, kind="phrase")] == ["junior doctors"]
    assert keywords(hits, corpus, limit=1)[0].term == "strike"
    assert keywords(hits, freqs({"strike": 10}, 100)) == []  # the hits are the whole corpus


def test_count_terms_merges_and_thresholds() -> None:
    batches = [pa.array(["Strike, strike!", "A strike ballot."]), pa.array(["Ballot day", None])]
    counted = count_terms(batches, min_count=2)
    assert (sorted(counted.table.to_pylist(), key=str), counted.words) == (
        [{"term": "ballot", "n": 2}, {"term": "strike", "n": 3}],
        6,
    )


def test_top_words_of_the_fixture_hits(fx: Fixture) -> None:
    found = top_words("strike", corpus=fx.corpus, index_dir=fx.index_dir, min_count=2, limit=4)
    assert found == [
        Keyword("strike", "word", 8, 0, 5.6),
        Keyword("doctors", "word", 3, 0, 2.1),
        Keyword("junior", "word", 3, 0, 2.1),
        Keyword("junior doctors", "phrase", 3, 0, 2.1),
    ]


def test_the_corpus_table_is_cached_per_corpus_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fx = build_corpus(tmp_path, ARTICLES[:4])
    first = top_words("strike", corpus=fx.corpus, index_dir=fx.index_dir, min_count=2)
    cache = fx.corpus / store.STATE_DIR / f"wordfreq-{store.corpus_state(fx.corpus)}-v3.arrow"
    assert cache.is_file()

    def no_recount(*_: object) -> object:
        raise AssertionError("the corpus was counted again")

    monkeypatch.setattr(keyness, "_all_texts", no_recount)
    assert top_words("strike", corpus=fx.corpus, index_dir=fx.index_dir, min_count=2) == first
    monkeypatch.undo()

    # a new batch changes the corpus state: the table is counted afresh, the old one removed
    writer = store.CorpusWriter(fx.corpus, "20260106T000000Z-def456")
    writer.add(dataclasses.replace(ARTICLES[4]))
    writer.flush()
    with pytest.warns(IndexBehindWarning, match="changed since it was indexed"):
        top_words("strike", corpus=fx.corpus, index_dir=fx.index_dir, min_count=2)
    assert [p.name for p in (fx.corpus / store.STATE_DIR).glob("wordfreq-*")] == [
        f"wordfreq-{store.corpus_state(fx.corpus)}-v3.arrow"
    ]


def test_bad_options(fx: Fixture) -> None:
    with pytest.raises(UsageError, match="--min-count must be at least 2"):
        top_words("strike", corpus=fx.corpus, index_dir=fx.index_dir, min_count=1)
    with pytest.raises(UsageError, match="unknown kind"):
        top_words("strike", corpus=fx.corpus, index_dir=fx.index_dir, kind="verbs")  # type: ignore[arg-type]


def test_terms_by_language() -> None:
    # stopwords of the text's language; CJK as bigrams that never make phrases; Arabic normalised
    assert terms("Les grèves de la SNCF et les grèves", "fr") == (["grèves", "sncf", "grèves"], [])
    assert terms("Les grèves SNCF", "fr")[1] == ["grèves sncf"]
    assert terms("我们的人口老龄化", "zh") == (["们的", "的人", "人口", "口老", "老龄", "龄化"], [])
    assert terms("قال إن الأمير والأمير", "ar")[0] == ["الامير", "والامير"]
    assert terms("the strike", None) == (["strike"], [])  # no language: English stopwords
