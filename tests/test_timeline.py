"""Attention over time: periods, zero-filled axes, shares, undated articles, charts."""

from __future__ import annotations

import struct
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from lxml import etree

from newsarchive.analysis.common import Scope
from newsarchive.analysis.plot import plot_timeline
from newsarchive.analysis.timeline import (
    Timeline,
    period_label,
    period_range,
    period_start,
    timeline,
)
from newsarchive.errors import UsageError
from test_corpus_api import ARTICLES, Fixture, build_corpus


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("by", "label", "start"),
    [
        ("day", "2016-01-03", utc(2016, 1, 3)),
        ("week", "2015-W53", utc(2015, 12, 28)),  # ISO: Sunday 3 January 2016 ends 2015's week 53
        ("month", "2016-01", utc(2016, 1, 1)),
        ("year", "2016", utc(2016, 1, 1)),
    ],
)
def test_periods_are_utc_and_iso_weeks(by: str, label: str, start: datetime) -> None:
    moment = utc(2016, 1, 3, 23, 30)
    assert period_start(moment, by) == start  # type: ignore[arg-type]
    assert period_label(start, by) == label


def test_period_range_is_inclusive_and_steps_months_and_years() -> None:
    labels = [
        period_label(s, "month") for s in period_range(utc(2015, 11, 20), utc(2016, 2, 1), "month")
    ]
    assert labels == ["2015-11", "2015-12", "2016-01", "2016-02"]
    weeks = period_range(utc(2016, 4, 27), utc(2016, 5, 9), "week")
    assert [period_label(s, "week") for s in weeks] == ["2016-W17", "2016-W18", "2016-W19"]
    assert [s.year for s in period_range(utc(2014, 6, 1), utc(2016, 1, 1), "year")] == [
        2014,
        2015,
        2016,
    ]


def tl_of(fx: Fixture, queries: list[str], **kw: object) -> Timeline:
    return timeline(queries, corpus=fx.corpus, index_dir=fx.index_dir, **kw)  # type: ignore[arg-type]


def test_hits_and_shares_per_month_with_empty_periods_and_undated_apart(fx: Fixture) -> None:
    tl = tl_of(fx, ["strike", "york"])
    assert tl.labels == ["2016-04", "2016-05", "2016-06"]
    assert tl.articles == [2, 1, 2]
    assert tl.hits == {"strike": [2, 0, 1], "york": [0, 1, 0]}
    assert tl.shares("strike") == [1.0, 0.0, 0.5]
    assert (tl.undated_articles, tl.undated_hits) == (1, {"strike": 1, "york": 0})
    assert tl.rows()[:2] == [
        {"period": "2016-04", "query": "strike", "hits": 2, "articles": 2, "share": 1.0},
        {"period": "2016-05", "query": "strike", "hits": 0, "articles": 1, "share": 0.0},
    ]


def test_weeks_without_articles_have_zero_hits_and_no_share(fx: Fixture) -> None:
    tl = tl_of(fx, ["strike"], by="week")
    assert tl.labels[:3] == ["2016-W17", "2016-W18", "2016-W19"]
    assert len(tl.labels) == 9  # W17 … W25, every week on the axis
    assert tl.hits["strike"][:3] == [2, 0, 0]
    assert tl.shares("strike")[:3] == [1.0, 0.0, None]  # W19 has no articles at all


def test_the_share_of_one_source_is_of_that_source(fx: Fixture) -> None:
    tl = tl_of(fx, ["strike"], scope=Scope(source="gazette"))
    assert (tl.labels, tl.articles, tl.hits["strike"]) == (["2016-05", "2016-06"], [1, 1], [0, 1])
    assert tl.undated_articles == 0


def test_a_date_range_sets_the_axis(fx: Fixture) -> None:
    tl = tl_of(fx, ["strike"], scope=Scope(date_from="2016-03", date_to="2016-04"))
    assert (tl.labels, tl.articles, tl.hits["strike"]) == (["2016-03", "2016-04"], [0, 2], [0, 2])
    assert tl.shares("strike") == [None, 1.0]
    # undated articles are outside any range, yet still counted apart (not "undated 0")
    assert (tl.undated_articles, tl.undated_hits) == (1, {"strike": 1})


def test_undated_counts_follow_the_source_not_the_range(fx: Fixture) -> None:
    tl = tl_of(fx, ["strike"], scope=Scope(source="gazette", date_from="2016"))
    assert (tl.undated_articles, tl.undated_hits) == (0, {"strike": 0})
    tl = tl_of(fx, ["strike"], scope=Scope(source="courier", date_from="2016", date_to="2016"))
    assert (tl.undated_articles, tl.undated_hits) == (1, {"strike": 1})


def test_to_pandas_is_tidy(fx: Fixture) -> None:
    df = tl_of(fx, ["strike", "york"], by="year").to_pandas()
    assert list(df.columns) == ["period", "start", "query", "hits", "articles", "share"]
    assert df[["period", "query", "hits", "articles"]].values.tolist() == [
        ["2016", "strike", 3, 5],
        ["2016", "york", 1, 5],
    ]
    assert str(df["start"].iloc[0]) == "2016-01-01 00:00:00+00:00"


def test_bad_period_and_no_query(fx: Fixture) -> None:
    with pytest.raises(UsageError, match="unknown period 'hour'"):
        tl_of(fx, ["strike"], by="hour")
    with pytest.raises(UsageError, match="at least one query"):
        tl_of(fx, [])
    with pytest.raises(UsageError, match="bad --from date"):
        tl_of(fx, ["strike"], scope=Scope(date_from="April"))


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def drawn(tl: Timeline, path: Path) -> Path:
    """The chart file :func:`plot_timeline` wrote (it writes none when nothing matches)."""
    out = plot_timeline(tl, path)
    assert out is not None
    return out


def test_charts_are_real_png_and_svg_files(fx: Fixture, tmp_path: Path) -> None:
    tl = tl_of(fx, ["strike", "york"], by="week")
    assert png_size(drawn(tl, tmp_path / "attention.png")) == (1200, 600)
    svg = etree.parse(str(plot_timeline(tl, tmp_path / "charts" / "attention.svg")))
    assert svg.getroot().tag == "{http://www.w3.org/2000/svg}svg"
    assert (svg.getroot().get("width"), svg.getroot().get("height")) == ("864pt", "432pt")
    texts = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert "Articles matching “strike” vs “york” per week" in texts
    assert {"Articles matching", "Share of all articles (%)", "All articles"} <= set(texts)
    assert "Week (ISO, from Monday) · undated hits, not shown: strike 1, york 0" in texts
    # one legend: each query once, the share's base and the empty weeks explained
    legend = ["strike", "york", "all articles (the share's base)", "no articles at all"]
    assert [t for t in texts if t in legend] == legend
    # every tick says its year
    assert {"22 Apr 2016", "May 2016", "15 Jun 2016"} <= set(texts)


def test_periods_with_no_articles_are_gaps_not_zeros(fx: Fixture) -> None:
    import math

    from newsarchive.analysis.plot import timeline_figure

    tl = tl_of(fx, ["strike"], by="week")
    fig = timeline_figure(tl)
    counts = np.asarray(fig.axes[0].get_lines()[0].get_ydata(), dtype=float)
    assert [n for n in tl.articles] == [2, 1, 0, 0, 0, 0, 0, 1, 1]
    assert [None if math.isnan(y) else int(y) for y in counts] == [
        2, 0, None, None, None, None, None, 1, 0
    ]  # fmt: skip


def test_nothing_to_chart_is_a_warning_not_a_flat_chart(fx: Fixture, tmp_path: Path) -> None:
    from newsarchive.analysis.plot import nothing_to_chart

    tl = tl_of(fx, ["zebra"])
    assert plot_timeline(tl, tmp_path / "zebra.png") is None
    assert not (tmp_path / "zebra.png").exists()
    assert nothing_to_chart(tl) == "no article matching zebra has a date in this scope"


def test_svg_output_is_reproducible(fx: Fixture, tmp_path: Path) -> None:
    tl = tl_of(fx, ["strike"])
    first = drawn(tl, tmp_path / "a.svg").read_bytes()
    assert drawn(tl, tmp_path / "b.svg").read_bytes() == first


def test_only_png_and_svg(fx: Fixture, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"give a \.png or \.svg file name"):
        plot_timeline(tl_of(fx, ["strike"]), tmp_path / "chart.pdf")


def test_only_undated_articles_give_an_empty_axis(tmp_path: Path) -> None:
    fx = build_corpus(tmp_path, [ARTICLES[4]])  # the undated ferry story
    tl = tl_of(fx, ["strike"])
    assert (tl.labels, tl.articles, tl.hits, tl.undated_articles, tl.undated_hits) == (
        [],
        [],
        {"strike": []},
        1,
        {"strike": 1},
    )
    assert plot_timeline(tl, tmp_path / "empty.png") is None
    from newsarchive.analysis.plot import nothing_to_chart

    assert nothing_to_chart(tl) == (
        "no article matching strike has a date in this scope (1 undated hits cannot be placed on it)"
    )
