"""Keyword in context: surface matching, context, sorting, limits and scope, on the fixture corpus."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from newsarchive import store
from newsarchive.analysis import common
from newsarchive.analysis.common import Scope
from newsarchive.analysis.hits import query_matcher
from newsarchive.analysis.kwic import cells, concordance_lines, fit_left, fit_right, kwic
from newsarchive.errors import QuerySyntaxError, UsageError
from test_corpus_api import ARTICLES, Fixture, build_corpus


def lines(fx: Fixture, query: str, **kw: object) -> list[tuple[str, str, str, str]]:
    found = kwic(query, corpus=fx.corpus, index_dir=fx.index_dir, **kw)  # type: ignore[arg-type]
    return [(ln.doc_id[:4], ln.left, ln.match, ln.right) for ln in found]


@pytest.mark.parametrize(
    ("query", "text", "found"),
    [
        ("strike", "Strike! strikes, a strike-day; restrike", ["Strike", "strikes", "strike"]),
        ('"junior doctors"', "junior  doctors; Junior-doctors, junior doctor", ["junior  doctors", "Junior-doctors", "junior doctor"]),
        ("strik*", "Striking strikers strike; restrike", ["Striking", "strikers", "strike"]),
        ('"picket line"~1', "picket line, picket on line, picket on the line", ["picket line", "picket on line"]),
        ("strike NOT ferries", "ferries strike", ["strike"]),
        ("title:nurses OR text:ballot", "Nurses ballot", ["Nurses", "ballot"]),
        ("U.S.", "the U.S. and US", ["U.S"]),
        ("strike topic:health source:wire date:2016", "strike", ["strike"]),
    ],
)  # fmt: skip
def test_the_matcher_finds_what_the_search_matches(query: str, text: str, found: list[str]) -> None:
    assert query_matcher(query).findall(text, "en") == found


@pytest.mark.parametrize(
    ("query", "language", "text", "found"),
    [
        ("老龄化", "zh", "人口老龄化加剧，老龄人口", ["老龄化"]),
        ("老", "zh", "人口老龄化加剧，老龄人口", ["老", "老"]),
        ("人口", "zh", "人口老龄化加剧，老龄人口", ["人口", "人口"]),
        ("الملك", "ar", "قال الملك إن ملك البلاد للملك", ["الملك", "ملك", "للملك"]),
        ("امير", "ar", "الأمير وأمير الأُمَراء", ["الأمير", "وأمير"]),
        ("grève", "fr", "Les grèves et la grève", ["grèves", "grève"]),
    ],
)
def test_the_matcher_in_other_languages(
    query: str, language: str, text: str, found: list[str]
) -> None:
    assert query_matcher(query).findall(text, language) == found


def test_a_phrase_wins_over_its_own_word() -> None:
    assert query_matcher('doctors OR "junior doctors"').findall("junior doctors", "en") == [
        "junior doctors"
    ]


def test_filters_alone_give_nothing_to_show() -> None:
    with pytest.raises(UsageError, match="names no words to find in the text"):
        query_matcher("topic:health NOT strike")
    with pytest.raises(QuerySyntaxError):
        query_matcher('"unclosed')


def test_columns_are_fitted_by_display_width() -> None:
    assert cells("老龄化") == 6
    assert cells("الأُمَراء") == 7  # the two diacritics take no column
    assert fit_left("人口老龄化", 6) == "老龄化"
    assert fit_left("人口老龄化", 5) == " 龄化"
    assert fit_right("老龄化问题", 5) == "老龄"
    assert fit_left("ab", 4) == "  ab"


def test_context_is_one_line_cut_to_width() -> None:
    text = "Nurses\n\njoined the strike on Monday\nafter talks failed."
    (line,) = concordance_lines("d1", None, "wire", text, query_matcher("strike"), 12, "en")
    assert line.to_dict() == {
        "doc_id": "d1",
        "date": "",
        "source": "wire",
        "left": " joined the ",  # the blank line became one space
        "match": "strike",
        "right": " on Monday a",
    }
    assert line.offset == 19


def test_every_occurrence_in_every_hit_by_date_undated_last(fx: Fixture) -> None:
    assert lines(fx, "strike", width=20) == [
        ("1e2a", "Junior doctors ", "strike", " over contract Junio"),
        ("1e2a", "y in the first full ", "strike", " in the history of t"),
        ("1e2a", "ssociation said the ", "strike", " would go ahead afte"),
        ("1e2a", "", "Strike", " day two: picket lin"),
        ("1e2a", "the junior doctors' ", "strike", ". Consultants covere"),
        ("1e2a", "e. A spokesman said ", "strikes", " were a last resort."),
        ("7c8d", "bin workers warn of ", "strike", " The council approve"),
        ("7c8d", " would ballot for a ", "strike", ". Strikes last year "),
        ("7c8d", "allot for a strike. ", "Strikes", " last year closed tw"),
        ("9a0b", "orm was forecast to ", "strike", " the coast overnight"),
    ]


def test_kwic_shows_every_form_the_search_matched(fx: Fixture) -> None:
    # search finds every article saying strike or strikes (one stem); so does the concordance
    assert lines(fx, "strikes", width=10) == lines(fx, "strike", width=10)
    assert [m for _, _, m, _ in lines(fx, "strikes", width=10)].count("strikes") == 1


def test_sort_by_the_words_left_or_right_nearest_first(fx: Fixture) -> None:
    assert lines(fx, "strike", width=20, sort="left") == [
        ("1e2a", "", "Strike", " day two: picket lin"),
        ("7c8d", " would ballot for a ", "strike", ". Strikes last year "),
        ("1e2a", "Junior doctors ", "strike", " over contract Junio"),
        ("1e2a", "the junior doctors' ", "strike", ". Consultants covere"),
        ("1e2a", "y in the first full ", "strike", " in the history of t"),
        ("7c8d", "bin workers warn of ", "strike", " The council approve"),
        ("1e2a", "e. A spokesman said ", "strikes", " were a last resort."),
        ("7c8d", "allot for a strike. ", "Strikes", " last year closed tw"),
        ("1e2a", "ssociation said the ", "strike", " would go ahead afte"),
        ("9a0b", "orm was forecast to ", "strike", " the coast overnight"),
    ]
    assert [right for *_, right in lines(fx, "strike", width=12, sort="right")] == [
        ". Consultant",
        " day two: pi",
        " in the hist",
        " over contra",
        ". Strikes la",
        " the coast o",
        " The council",
        " would go ah",
        " last year c",
        " were a last",
    ]


def test_search_order_and_limits(fx: Fixture) -> None:
    assert [d for d, *_ in lines(fx, "strike", sort="none", limit=3)] == ["1e2a"] * 3
    assert len(lines(fx, "strike", limit=5, sort="left")) == 5
    assert lines(fx, "strike", width=0, limit=1) == [("1e2a", "", "strike", "")]


def test_equal_dates_go_by_article_then_position_with_or_without_a_limit(tmp_path: Path) -> None:
    # Without a limit the lines are sorted once read; with one, the hits are read in date order.
    # Every dated article on one day, written in reverse: the order is the doc_ids', not the index's.
    day = ARTICLES[0].published_at
    articles = [
        a if a.published_at is None else dataclasses.replace(a, published_at=day)
        for a in reversed(ARTICLES)
    ]
    fx = build_corpus(tmp_path, articles)
    every = kwic("strike", corpus=fx.corpus, index_dir=fx.index_dir)
    found = [(ln.doc_id, ln.offset) for ln in every]
    assert found == sorted(found, key=lambda d: (d[0] == "9a0b1c2d3e4f5a85", d))  # undated last
    assert len({d for d, _ in found}) == 4
    assert kwic("strike", corpus=fx.corpus, index_dir=fx.index_dir, limit=len(every)) == every


def test_a_limit_keeps_the_true_totals(fx: Fixture) -> None:
    every = kwic("strike", corpus=fx.corpus, index_dir=fx.index_dir)
    assert (len(every), every.occurrences, every.articles) == (
        10,
        10,
        4,
    )  # strike, strikes, striking
    for sort in ("date", "none", "left"):
        cut = kwic("strike", corpus=fx.corpus, index_dir=fx.index_dir, limit=2, sort=sort)
        # two lines shown, yet the totals count every occurrence in every hit
        assert (len(cut), cut.occurrences, cut.articles) == (2, 10, 4)
    scoped = kwic(
        "strike", corpus=fx.corpus, index_dir=fx.index_dir, scope=Scope(source="courier"), limit=1
    )
    assert (len(scoped), scoped.occurrences, scoped.articles) == (1, 1, 1)


def test_only_the_row_groups_holding_hits_are_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store, "ROW_GROUP_ROWS", 2)  # the six articles in three row groups
    fx = build_corpus(tmp_path)
    dataset = common.snapshot(fx.corpus)
    places = common.locate(dataset, [a.doc_id for a in ARTICLES] + ["not-there"])
    assert [(places[a.doc_id].row_group) for a in ARTICLES] == [0, 0, 1, 1, 2, 2]
    assert common.locate(dataset, [ARTICLES[0].doc_id], Scope(source="gazette")) == {}
    read: list[tuple[int, ...]] = []
    real = common._read_unit

    def counting(unit: common.Unit, ids: list[str], columns: list[str]) -> object:
        read.append(unit[1])
        return real(unit, ids, columns)

    monkeypatch.setattr(common, "_read_unit", counting)
    monkeypatch.setattr(common, "READ_AHEAD", 1)
    assert len(lines(fx, "floods")) == 1
    assert read == [(1,)]  # the York story's row group, not the others
    read.clear()
    assert len(lines(fx, "strike", limit=3)) == 3
    assert read == [(0,), (1,), (2,)]  # a limit still reads every hit's group, for the totals


def test_scope_narrows_the_articles(fx: Fixture) -> None:
    assert {d for d, *_ in lines(fx, "strike", scope=Scope(source="gazette"))} == {"7c8d"}
    assert {d for d, *_ in lines(fx, "strike", scope=Scope(date_to="2016-04"))} == {"1e2a"}


def test_bad_options(fx: Fixture) -> None:
    with pytest.raises(UsageError, match="unknown sort"):
        kwic("strike", corpus=fx.corpus, index_dir=fx.index_dir, sort="random")  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="must not be negative"):
        kwic("strike", corpus=fx.corpus, index_dir=fx.index_dir, width=-1)


def test_no_hits_no_lines(fx: Fixture, tmp_path: Path) -> None:
    assert lines(fx, "zeppelin") == []
