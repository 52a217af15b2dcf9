"""The corpus profile: exact counts from narrow columns, scope, JSON form, chart, empty corpus."""

from __future__ import annotations

import dataclasses
import struct
from pathlib import Path

import numpy as np
import pytest

from newsarchive import store
from newsarchive.analysis.common import Scope
from newsarchive.analysis.stats import corpus_stats, plot_stats
from test_corpus_api import ARTICLES, Fixture, build_corpus

PROFILE = """\
Corpus corpus (state 8b60d167d8c87e34, version 868aa89300ba97fd)
  articles                             6
  duplicates                           0
  words                              196
  sources                              3
  dated                                5
  undated                              1
  date range                   2016-04-26 to 2016-06-20

Sources
  courier                              2
  gazette                              2
  wire                                 2

Articles per month
  2016-04                              2
  2016-05                              1
  2016-06                              2

How articles were dated (date_source)
  header                               3
  manifest                             2

Languages
  en                                   6

Kinds
  article                              5
  liveblog                             1

Top topics
  industrial-action                    3
  health                               2
  weather                              2

Top places
  Dover                                1
  England                              1
  Leeds                                1

Top countries
  GB                                   4

Top people
  Jeremy Hunt                          1

Top organisations
  British Medical Association          1
  Leeds General Infirmary              1
  NHS                                  1

Removal rules that fired most (5 spans removed)
  byline/by                            1
  player/video-loading                 1
  prompt/follow                        1"""


@pytest.fixture(scope="module")
def fx(tmp_path_factory: pytest.TempPathFactory) -> Fixture:
    return build_corpus(tmp_path_factory.mktemp("stats"), index=False)


def test_profile_report(fx: Fixture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(fx.corpus.parent)
    assert corpus_stats("corpus", top=3).to_text() == PROFILE


def test_profile_as_json_types(fx: Fixture) -> None:
    d = corpus_stats(fx.corpus).to_dict()
    assert d["first"] == "2016-04-26T07:34:00+00:00"
    assert d["per_month"] == {"2016-04": 2, "2016-05": 1, "2016-06": 2}
    assert d["topics"] == {
        "industrial-action": 3,
        "health": 2,
        "weather": 2,
        "business": 1,
        "politics": 1,
        "transport": 1,
    }
    assert d["removal_rules"] == {
        "byline/by": 1,
        "player/video-loading": 1,
        "prompt/follow": 1,
        "prompt/share": 1,
        "related/read-more": 1,
    }
    assert (d["removals"], d["source_count"], d["corpus_state"]) == (5, 3, "8b60d167d8c87e34")


def test_scope_profiles_part_of_the_corpus(fx: Fixture) -> None:
    s = corpus_stats(fx.corpus, scope=Scope(source="wire"))
    assert (s.articles, s.undated, s.sources, s.kinds) == (
        2,
        0,
        [("wire", 2)],
        [("article", 1), ("liveblog", 1)],
    )
    s = corpus_stats(fx.corpus, scope=Scope(date_from="2016-06"))
    assert (s.articles, s.per_month) == (2, [("2016-06", 2)])


def test_duplicates_unknown_languages_and_long_gaps(tmp_path: Path) -> None:
    first, second = ARTICLES[0], ARTICLES[5]
    copy = dataclasses.replace(first, doc_id="ffff000000000001", duplicate_of=first.doc_id)
    later = dataclasses.replace(second, language=None)
    fx = build_corpus(tmp_path, [first, copy, later], index=False)
    s = corpus_stats(fx.corpus)
    assert (s.articles, s.duplicates, s.languages) == (3, 1, [("en", 2), ("(none)", 1)])
    assert s.per_month == [("2016-04", 2), ("2016-05", 0), ("2016-06", 1)]


def test_an_empty_corpus_has_an_empty_profile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "corpus" / store.RUNS_DIR).mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    s = corpus_stats("corpus")
    assert (s.articles, s.first, s.per_month, s.sources, s.removals) == (0, None, [], [], 0)
    assert s.to_text().splitlines()[:11] == [
        "Corpus corpus (state e4a6a0577479b2b4, version e4a6a0577479b2b4)",
        "  articles            0",
        "  duplicates          0",
        "  words               0",
        "  sources             0",
        "  dated               0",
        "  undated             0",
        "  date range  –",
        "",
        "Sources",
        "  –",
    ]


def test_articles_per_month_chart(fx: Fixture, tmp_path: Path) -> None:
    chart = plot_stats(corpus_stats(fx.corpus), tmp_path / "months.png")
    assert chart is not None
    data = chart.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (1200, 600)


def test_no_dated_article_no_chart(tmp_path: Path) -> None:
    (tmp_path / "corpus" / store.RUNS_DIR).mkdir(parents=True)
    assert plot_stats(corpus_stats(tmp_path / "corpus"), tmp_path / "months.png") is None
    assert not (tmp_path / "months.png").exists()


def test_months_with_no_article_are_gaps_in_the_chart(tmp_path: Path) -> None:
    import math

    from newsarchive.analysis.stats import stats_figure

    first, second = ARTICLES[0], ARTICLES[5]
    fx = build_corpus(tmp_path, [first, second], index=False)
    stats = corpus_stats(fx.corpus)
    line = stats_figure(stats).axes[0].get_lines()[0]
    assert [n for _, n in stats.per_month] == [1, 0, 1]
    assert [
        None if math.isnan(y) else int(y) for y in np.asarray(line.get_ydata(), dtype=float)
    ] == [1, None, 1]
