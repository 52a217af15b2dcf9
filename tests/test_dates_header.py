"""Header dates a researcher can trust: header-like lines only, far dates kept as candidates,
and the header styles of real news sites (``header_catalogue.py``)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from header_catalogue import CATALOGUE
from newsarchive import store
from newsarchive.article import Article
from newsarchive.errors import UsageError
from newsarchive.pipeline.dates import Dater
from newsarchive.pipeline.run import ingest
from newsarchive.settings import Settings

STORY = "\n\nThe council said on Tuesday that the bridge would reopen next week after repairs.\n"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def dater() -> Dater:
    return Dater(Settings(), now=NOW)


@pytest.mark.parametrize(("style", "header", "day"), CATALOGUE)
def test_header_styles_of_news_sites(dater: Dater, style: str, header: str, day: date) -> None:
    dating = dater.find(Article(body=header + STORY))
    assert dating.source == "header", (style, dating.notes)
    assert dating.reading is not None and dating.reading.local.date() == day


# a 1987 wire story, hard-wrapped: the maturity date stands alone on its line
WIRE = """Korvale Finance Corp said it would redeem all of its outstanding 11 pct debentures due
April 15, 2007.
The company said the redemption price was 103 pct of the principal amount.
"""


def test_a_date_that_ends_the_previous_lines_sentence_is_no_header(dater: Dater) -> None:
    article = dater(Article(body=WIRE))
    assert (article.published_at, article.date_source, article.date_note) == (None, None, None)


@pytest.mark.parametrize(
    "body",
    [
        "Ferry strike called off\nTuesday 26 April 2016\nUnions agreed a deal.",  # a headline
        "By Jane Okafor, Political Editor\nApril 15, 2007.\nThe vote was close.",  # a byline
        "The vote was close.\nApril 15, 2007\nMinisters met again.",  # a sentence that ended
    ],
)
def test_header_lines_after_other_lines_are_still_read(dater: Dater, body: str) -> None:
    assert dater(Article(body=body)).date_source == "header"


def test_a_header_date_far_from_the_paths_year_is_a_candidate(dater: Dater) -> None:
    article = dater(Article(body="April 15, 2007" + STORY, source_path="/data/wire-1987/0001.txt"))
    assert (article.published_at, article.date_source) == (None, None)
    assert article.date_note == (
        "header date 'April 15, 2007' is 7,045 days from the year in the path (1987); "
        "kept as a candidate, not used (header_date_span_days = 366)"
    )
    # within the span it is used
    near = dater(Article(body="March 3, 1988" + STORY, source_path="/data/wire-1987/0002.txt"))
    assert (near.published_at, near.date_note) == (datetime(1988, 3, 3, tzinfo=UTC), None)


def test_the_span_is_a_setting() -> None:
    dater = Dater(Settings().with_values(header_date_span_days=10_000), now=NOW)
    article = dater(Article(body="April 15, 2007" + STORY, source_path="/data/wire-1987/1.txt"))
    assert article.published_at == datetime(2007, 4, 15, tzinfo=UTC)


def test_evidence_from_a_crawl_date_a_date_range_and_the_corpus() -> None:
    body = "April 15, 2007" + STORY
    crawled = Dater(Settings(), now=NOW)(Article(body=body, fields={"crawl_date": ["2005-06-01"]}))
    assert crawled.date_note == (
        "header date 'April 15, 2007' is 683 days from the crawl date (2005-06-01); "
        "kept as a candidate, not used (header_date_span_days = 366)"
    )
    ranged = Dater(Settings().with_values(date_range=["1987-01-01", "1987-12-31"]), now=NOW)
    assert ranged(Article(body=body)).date_note == (
        "header date 'April 15, 2007' is 7,044 days from the date_range setting "
        "(1987-01-01 to 1987-12-31); kept as a candidate, not used (header_date_span_days = 366)"
    )
    corpus = (datetime(1987, 2, 26, tzinfo=UTC), datetime(1987, 10, 20, tzinfo=UTC))
    article = Dater(Settings(), now=NOW, corpus_range=corpus)(Article(body=body))
    assert article.published_at is None
    assert (
        article.date_note is not None
        and "from the corpus's dates (1987-02-26 to 1987-10-20)" in (article.date_note)
    )


def test_a_bad_date_range_stops_at_start() -> None:
    with pytest.raises(UsageError, match=r"^date_range is \['1987'\]; use two days"):
        Dater(Settings().with_values(date_range=["1987"]))


def test_ingest_checks_header_dates_against_the_corpus(tmp_path: Path) -> None:
    first = tmp_path / "first"
    first.mkdir()
    (first / "a.txt").write_text("Wheat exports rise" + STORY, encoding="utf-8")
    (first / "manifest.csv").write_text("path,date\na.txt,1987-03-01\n", encoding="utf-8")
    ingest([first], corpus=tmp_path / "c", index=False, jobs=1)
    second = tmp_path / "second"
    second.mkdir()
    (second / "b.txt").write_text("Bond redemption\nApril 15, 2007" + STORY, encoding="utf-8")
    ingest([second], corpus=tmp_path / "c", index=False, jobs=1)
    table = store.read_corpus(tmp_path / "c", columns=["source_path", "published_at", "date_note"])
    rows = sorted(zip(*(table.column(c).to_pylist() for c in table.column_names), strict=True))
    assert [(Path(p).name, when) for p, when, _ in rows] == [
        ("a.txt", datetime(1987, 3, 1, tzinfo=UTC)),
        ("b.txt", None),
    ]
    assert "from the corpus's dates (1987-03-01 to 1987-03-01)" in rows[1][2]
