"""Collocates: window counts, the four measures (expected values worked out by hand), the command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsarchive import Corpus
from newsarchive.analysis.collocates import Collocate, collocates, count_collocates, rank, tokens
from newsarchive.article import Article
from newsarchive.cli import main
from newsarchive.errors import UsageError
from test_corpus_api import Fixture, build_corpus

# 15 tokens; "strike" twice. With window 2 its windows hold {the, began, as} and {joined, the,
# today}: R1 = 6. Each of began/joined/today: O11 = 1, C1 = 1; "the": O11 = 2, C1 = 2.
TEXTS = [
    "The strike began as nurses walked out.",
    "Nurses joined the strike today.",
    "Pay talks failed.",
]


def article(n: int, text: str, source: str = "wire") -> Article:
    return Article(
        doc_id=f"c0110c{n:010d}",
        source_path=f"/data/{n}.txt",
        source=source,
        content_hash=f"{n:032d}",
        text=text,
        raw_text=text,
        word_count=len(text.split()),
    )


@pytest.fixture(scope="module")
def fx(tmp_path_factory: pytest.TempPathFactory) -> Fixture:
    texts = [*TEXTS, "Strike pay was agreed as the strike ended."]
    return build_corpus(
        tmp_path_factory.mktemp("colloc"), [article(i, t) for i, t in enumerate(texts)]
    )


def test_tokens_are_lower_case_letter_runs() -> None:
    assert tokens("The BMA’s 3% offer, nurses' pay") == ["the", "bma's", "offer", "nurses", "pay"]


def test_measures_match_hand_computed_values() -> None:
    # began: E11 = R1 * C1 / N = 6 * 1 / 15 = 0.4
    #   log-Dice = 14 + log2(2 * 1 / (2 + 1)) = 13.4150;  MI = log2(1 / 0.4) = 1.3219
    #   t = (1 - 0.4) / sqrt(1) = 0.6
    #   G² = 2 (1 ln(1/0.4) + 5 ln(5/5.6) + 0 + 9 ln(9/8.4)) = 1.9412
    # the: E11 = 6 * 2 / 15 = 0.8
    #   log-Dice = 14 + log2(4 / 4) = 14;  MI = log2(2 / 0.8) = 1.3219
    #   t = (2 - 0.8) / sqrt(2) = 0.8485;  G² = 2 (2 ln 2.5 + 4 ln(4/5.2) + 9 ln(9/7.8)) = 4.1421
    found = count_collocates(TEXTS, "strike", window=2, keep_stopwords=True)
    by_term = {c.term: c for c in found}
    assert by_term["began"] == Collocate("began", 1, 1, 13.415, 1.3219, 0.6, 1.9412)
    assert by_term["the"] == Collocate("the", 2, 2, 14.0, 1.3219, 0.8485, 4.1421)
    assert sorted(by_term) == ["as", "began", "joined", "the", "today"]


def test_stopwords_and_rare_collocates_are_left_out() -> None:
    assert sorted(c.term for c in count_collocates(TEXTS, "strike", window=2)) == [
        "began",
        "joined",
        "today",
    ]
    found = count_collocates(TEXTS, "strike", window=2, min_freq=2, keep_stopwords=True)
    assert [c.term for c in found] == ["the"]


def test_overlapping_windows_count_a_token_once() -> None:
    (c,) = count_collocates(["strike strike pay"], "strike", window=2)
    assert (c.term, c.together, c.freq) == ("pay", 1, 1)


def test_rank_orders_by_measure_then_together_then_term() -> None:
    found = count_collocates(TEXTS, "strike", window=2, keep_stopwords=True)
    assert [c.term for c in rank(found, "log_likelihood", 3)] == ["the", "as", "began"]


def test_collocates_over_a_query_and_over_the_corpus(fx: Fixture) -> None:
    # the corpus: N = 23 tokens, "strike" 4 times, R1 = 6 + 4 + 6 = 16
    everywhere = collocates("strike", corpus=fx.corpus, index_dir=fx.index_dir, min_freq=1)
    assert [(c.term, c.together, c.freq, c.log_dice) for c in everywhere] == [
        ("nurses", 2, 2, 13.415),
        ("agreed", 1, 1, 12.6781),
        ("began", 1, 1, 12.6781),
        ("ended", 1, 1, 12.6781),
        ("joined", 1, 1, 12.6781),
        ("today", 1, 1, 12.6781),
        ("walked", 1, 1, 12.6781),
        ("pay", 1, 2, 12.415),  # E11 = 16 * 2 / 23: MI = log2(1 / 1.3913) = -0.4764
    ]
    assert everywhere[-1].mi == -0.4764
    # the hits of "nurses" (the first two texts): N = 12, R1 = 10
    in_hits = collocates("strike", "nurses", corpus=fx.corpus, index_dir=fx.index_dir, min_freq=1)
    assert [(c.term, c.log_dice, c.mi) for c in in_hits] == [
        ("nurses", 14.0, 0.263),
        ("began", 13.415, 0.263),
        ("joined", 13.415, 0.263),
        ("today", 13.415, 0.263),
        ("walked", 13.415, 0.263),
    ]


def test_collocates_rejects_a_phrase_or_bad_measure(fx: Fixture) -> None:
    with pytest.raises(UsageError, match="WORD must be one word"):
        collocates("junior doctors", corpus=fx.corpus, index_dir=fx.index_dir)
    with pytest.raises(UsageError, match="unknown measure 'dice'"):
        collocates("strike", corpus=fx.corpus, measure="dice")  # type: ignore[arg-type]


def test_cli_collocates_table_csv_and_jsonl(fx: Fixture) -> None:
    base = ["collocates", "strike", "--corpus", str(fx.corpus), "--index-dir", str(fx.index_dir)]
    out = CliRunner().invoke(main, [*base, "--min-freq", "2"])
    assert out.exit_code == 0, out.output
    assert out.output.splitlines() == [
        "term    together      freq  log-Dice       MI  t-score    log-lik",
        "nurses         2         2     13.41     0.52     0.43       1.53",
    ]
    out = CliRunner().invoke(main, [*base, "--min-freq", "2", "--format", "csv"])
    assert out.output.splitlines() == [
        "term,together,freq,log_dice,mi,t_score,log_likelihood",
        "nurses,2,2,13.415,0.5236,0.4304,1.5336",
    ]
    out = CliRunner().invoke(main, [*base, "--min-freq", "2", "--format", "jsonl"])
    assert json.loads(out.output)["term"] == "nurses"


def test_corpus_api_collocates(fx: Fixture) -> None:
    df = Corpus(fx.corpus, fx.index_dir).collocates("strike", min_freq=2)
    assert df.to_dict("records") == [
        {
            "term": "nurses",
            "together": 2,
            "freq": 2,
            "log_dice": 13.415,
            "mi": 0.5236,
            "t_score": 0.4304,
            "log_likelihood": 1.5336,  # 2 (2 ln(2/1.3913) + 14 ln(14/14.6087) + 7 ln(7/6.3913))
        }
    ]


def test_cli_collocates_bad_word_is_one_line(fx: Fixture, tmp_path: Path) -> None:
    out = CliRunner().invoke(main, ["collocates", "junior doctors", "--corpus", str(fx.corpus)])
    assert out.exit_code == 2
    assert out.output.strip().splitlines()[-1] == (
        "Error: WORD must be one word (letters only), not 'junior doctors'"
    )
