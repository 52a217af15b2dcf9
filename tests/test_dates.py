"""The dating stage: the cascade, every header form, zones, ambiguity, decoys and the window.

The texts below are invented for these tests, in the style of scraped news files.
"""

from __future__ import annotations

import doctest
import pickle
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsarchive.article import Article
from newsarchive.errors import UsageError
from newsarchive.pipeline import date_reading, dates
from newsarchive.pipeline.dates import Dater, Problem, Reading
from newsarchive.settings import Settings

NOW = datetime(2024, 1, 1, tzinfo=UTC)
DOCS = Path(__file__).resolve().parents[1] / "docs" / "dates.md"


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


@pytest.fixture
def dater() -> Dater:
    return Dater(Settings(), now=NOW)


def dated(dater: Dater, **fields: object) -> tuple[object, ...]:
    a = dater(Article(**fields))  # type: ignore[arg-type]
    return a.published_at, a.date_source, a.date_text, a.date_precision, a.date_note


# --- headers: every form the issue names ---------------------------------------------------------

GLUED = (
    "By. Jane Marsh. PUBLISHED:. 14:11 EST, 25 October 2013. |. UPDATED:. 15:36 EST, "
    "25 October 2013. Flood wardens in the Somerset Levels have been told to stand by as rain "
    "continues to fall on saturated fields."
)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            GLUED,
            (utc(2013, 10, 25, 19, 11), "PUBLISHED:. 14:11 EST, 25 October 2013", "minute"),
        ),
        (
            "By. Daily Mail Reporter. Last updated at 1:25 AM on 3rd August 2011. A pensioner "
            "has won his fight to keep a hedge he planted in 1948.",
            (utc(2011, 8, 3, 1, 25), "Last updated at 1:25 AM on 3rd August 2011", "minute"),
        ),
        (
            "Bus fares to rise in Leeds\n\n08:34, 26 APR 2016\n\nFares will rise by 10p in June.",
            (utc(2016, 4, 26, 8, 34), "08:34, 26 APR 2016", "minute"),
        ),
        (
            "Ferry strike called off\nTuesday 26 April 2016 08.34 BST\nUnions agreed a deal.",
            (utc(2016, 4, 26, 7, 34), "Tuesday 26 April 2016 08.34 BST", "minute"),
        ),
        (
            "Ferry strike called off\nUpdated 26 April 2016 8:34am\nUnions agreed a deal.",
            (utc(2016, 4, 26, 8, 34), "Updated 26 April 2016 8:34am", "minute"),
        ),
        (
            "03 Aug 2017,Thursday\nThe state cabinet approved the new water policy.",
            (utc(2017, 8, 3), "03 Aug 2017,Thursday", "day"),
        ),
        (
            "Senate passes budget\nDecember 31, 2017 \nThe Senate voted 51-49 late on Sunday.",
            (utc(2017, 12, 31), "December 31, 2017", "day"),
        ),
        (
            "Posted by Ann Lee on April 26th, 2016 at 8:34 a.m. ET\nThe mayor resigned.",
            (
                utc(2016, 4, 26, 12, 34),
                "Posted by Ann Lee on April 26th, 2016 at 8:34 a.m. ET",
                "minute",
            ),
        ),
        (
            "Court rules on pay\n2016-04-26 08:34:10 +01:00\nThe tribunal found for the nurses.",
            (utc(2016, 4, 26, 7, 34, 10), "2016-04-26 08:34:10 +01:00", "second"),
        ),
        (  # a form the patterns do not know, after a cue: read by dateparser
            "Published: Tuesday the 26th of April, 2016\nThe mayor resigned.",
            (utc(2016, 4, 26), "Published: Tuesday the 26th of April, 2016", "day"),
        ),
    ],
)
def test_header_forms(dater: Dater, body: str, expected: tuple[object, ...]) -> None:
    when, text, precision = expected
    assert dated(dater, body=body) == (when, "header", text, precision, None)


def test_header_day_is_printed_local_day_while_stored_in_utc(dater: Dater) -> None:
    body = "By. Tom Reed. PUBLISHED:. 22:08 EST, 18 April 2013. |. A fire broke out."
    dating = dater.find(Article(body=body))
    assert dating.reading is not None
    assert dating.reading.local.date() == date(2013, 4, 18)
    assert dater(Article(body=body)).published_at == utc(2013, 4, 19, 3, 8)


def test_et_follows_daylight_saving(dater: Dater) -> None:
    assert dater.read("Sep 30, 2014 10:34 AM ET") == Reading(
        datetime(2014, 9, 30, 10, 34, tzinfo=date_reading._tables().zones["ET"]),
        "minute",
        "Sep 30, 2014 10:34 AM ET",
    )
    summer = dater(Article(given_date="Sep 30, 2014 10:34 AM ET")).published_at
    winter = dater(Article(given_date="Dec 30, 2014 10:34 AM ET")).published_at
    assert (summer, winter) == (utc(2014, 9, 30, 14, 34), utc(2014, 12, 30, 15, 34))


def test_published_outranks_updated_and_updated_serves_alone(dater: Dater) -> None:
    both = "UPDATED: 10:00 GMT, 27 April 2016 | PUBLISHED: 09:00 GMT, 26 April 2016\nText."
    assert dated(dater, body=both)[:3] == (
        utc(2016, 4, 26, 9),
        "header",
        "PUBLISHED: 09:00 GMT, 26 April 2016",
    )
    only = "By. Ann Lee. UPDATED:. 09:53 EST, 12 January 2012. A motorist was fined."
    assert dated(dater, body=only)[:3] == (
        utc(2012, 1, 12, 14, 53),
        "header",
        "UPDATED:. 09:53 EST, 12 January 2012",
    )


def test_header_after_a_summary_block(dater: Dater) -> None:
    summary = "Singer says the tour is his last. Fans queued overnight for tickets. " * 4
    body = summary + "By. Ann Lee. PUBLISHED:. 12:54 EST, 22 August 2013. |. The singer said..."
    assert dated(dater, body=body)[0] == utc(2013, 8, 22, 17, 54)


# --- decoys: never a date from running text -------------------------------------------------------

DECOYS = [
    # years, spans, relative words, weekdays, scores and percentages in the opening lines
    "Arsenal 2-1 Chelsea\n\nWe knew today would be hard, said the manager, whose side last won "
    "the league in 1948. In 40 years he had never seen a crowd like it. 98% of tickets sold.",
    # a full date inside a sentence, at the very top
    "Four officers used excessive force, a court heard. The student died on March 18, 2012, "
    "after a chase through the city centre on Tuesday.",
    # a date opening the text but running on into its sentence
    "March 16, 2014. Liverpool travel to Old Trafford for a game that will shape their season.",
    # cue words inside sentences
    "The club published its 2013-14 accounts on Tuesday. The updated figures, released on "
    "4 May 2013, show a loss.",
    # a date standing alone, but far below the header lines
    "Results day\n\nPupils collected grades.\n\nSome cried.\n\nSome cheered.\n\nMost went "
    "home.\n\n26 April 2016\n\nThe next exams are in June.",
    # dateline and clock times
    "LONDON (Reuters) - Shares fell at 12.30pm on Wednesday as May 24 approached, the 2012 "
    "levels long gone. Trading closed at 4:35.",
]


@pytest.mark.parametrize("body", DECOYS)
def test_decoys_get_no_date_and_no_note(dater: Dater, body: str) -> None:
    assert dated(dater, body=body) == (None, None, None, None, None)


# --- manifests and HTML metadata --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "when", "precision"),
    [
        ("03 Aug 2017,Thursday", utc(2017, 8, 3), "day"),
        ("December 31, 2017 ", utc(2017, 12, 31), "day"),
        ("2015-08-10 18:52:49", utc(2015, 8, 10, 18, 52, 49), "second"),
        ("2016-04-26T08:34:00+01:00", utc(2016, 4, 26, 7, 34), "second"),
        ("2014-12-08T18:26:46.427Z", utc(2014, 12, 8, 18, 26, 46), "second"),
        ("2014-9-5T12:00Z", utc(2014, 9, 5, 12), "minute"),
        ("2014-12-15T12:56-5:00", utc(2014, 12, 15, 17, 56), "minute"),
        ("20180619T055000+0900", utc(2018, 6, 18, 20, 50), "second"),
        ("Monday, December 29, 2014,  3:02 PM", utc(2014, 12, 29, 15, 2), "minute"),
        ("Thu, Dec 25 2014 16:57:37 +0000", utc(2014, 12, 25, 16, 57, 37), "second"),
        ("2014-12-23 10:24:05 EST", utc(2014, 12, 23, 15, 24, 5), "second"),
        ("26-FEB-1987 15:01:01.79", utc(1987, 2, 26, 15, 1, 1), "second"),
        ("Tue Dec 30 11:03:00 UTC 2014", utc(2014, 12, 30, 11, 3), "second"),  # dateparser
        ("jueves, 09 enero 2014 10:21", utc(2014, 1, 9, 10, 21), "minute"),  # dateparser, es
    ],
)
def test_manifest_forms(dater: Dater, given: str, when: datetime, precision: str) -> None:
    assert dated(dater, given_date=given) == (when, "manifest", given, precision, None)


def test_manifest_strings_are_read_once(dater: Dater) -> None:
    first = dater.read("03 Aug 2017,Thursday")
    assert dater.read("03 Aug 2017,Thursday") is first


def test_html_dates_in_trust_order_with_a_note_for_the_unreadable(dater: Dater) -> None:
    html_dates = [
        ("html-meta:article:published_time", "14-12-29"),
        ("html-time:itemprop", "Monday 29 Dec 2014"),
        ("html-time:datetime", "2015-01-02"),
    ]
    assert dated(dater, html_dates=html_dates) == (
        utc(2014, 12, 29),
        "html-time",
        "Monday 29 Dec 2014",
        "day",
        "html-meta date '14-12-29' has a two-digit year; set date_order (DMY, MDY or YMD) for this source",
    )


def test_weekday_that_disagrees_is_noted_and_the_date_kept(dater: Dater) -> None:
    assert dated(dater, given_date="04 Aug 2017,Thursday")[::4] == (
        utc(2017, 8, 4),
        "manifest date '04 Aug 2017,Thursday': Thursday does not match Friday 2017-08-04; "
        "the date was kept",
    )


# --- day-first or month-first -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("order", "text", "when", "note"),
    [
        ("DMY", "12/01/2016", utc(2016, 1, 12), None),
        ("MDY", "12/01/2016", utc(2016, 12, 1), None),
        (
            "",
            "12/01/2016",
            None,
            "header date 'Date: 12/01/2016' could be day-first or month-first; "
            "set date_order (DMY or MDY) for this source",
        ),
        ("", "25/12/2016", utc(2016, 12, 25), None),  # only one reading is a real date
        ("MDY", "25/12/2016", None, "header date 'Date: 25/12/2016' is not a valid MDY date"),
        ("YMD", "16.04.26", None, None),  # two-digit years are not read from text at all
    ],
)
def test_numeric_dates_follow_the_source_setting(
    order: str, text: str, when: datetime | None, note: str | None
) -> None:
    settings = Settings(per_source={"gazette": {"date_order": order}})
    article = Dater(settings, now=NOW)(Article(source="gazette", body=f"Date: {text}\nText."))
    assert (article.published_at, article.date_note) == (when, note)


def test_two_digit_years_need_the_setting() -> None:
    article = Article(source="ok", given_date="14-12-29")
    ymd = Dater(Settings(per_source={"ok": {"date_order": "YMD"}}), now=NOW)(article)
    assert ymd.published_at == utc(2014, 12, 29)
    assert Dater(Settings(), now=NOW).read("14-12-29") == Problem(
        "14-12-29", "has a two-digit year; set date_order (DMY, MDY or YMD) for this source"
    )


def test_unknown_date_order_stops_at_start() -> None:
    settings = Settings(per_source={"gazette": {"date_order": "DM"}})
    with pytest.raises(UsageError) as err:
        Dater(settings)
    assert str(err.value) == (
        "date_order in [sources.gazette] is 'DM'; use 'DMY', 'MDY', 'YMD' or '' (leave undated)"
    )


# --- URLs and paths -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "when", "text"),
    [
        (
            "http://edition.example.com/2015/03/06/health/kidney-swap/index.html",
            utc(2015, 3, 6),
            "2015/03/06",
        ),
        ("http://news.example.cn/20120706/n347457739.shtml", utc(2012, 7, 6), "20120706"),
        ("https://example.org/news/2016-04-26-ferry-strike", utc(2016, 4, 26), "2016-04-26"),
        ("http://gongyi.example.cn/s2008/sourceoflife/", None, None),
        ("http://example.com/2014/12/simple-wedding-dresses", None, None),  # month only
        ("http://example.com/2015/13/45/odd", None, None),  # not a calendar date
        ("http://example.com/story/id/20151399", None, None),
    ],
)
def test_url_dates(dater: Dater, url: str, when: datetime | None, text: str | None) -> None:
    article = dater(Article(url=url))
    assert (article.published_at, article.date_text) == (when, text)
    assert article.date_source == ("url" if when else None)


@pytest.mark.parametrize(
    ("path", "when", "text"),
    [
        ("/data/gazette/2016-04-26_ferry.txt", utc(2016, 4, 26), "2016-04-26"),
        ("/data/gazette/20160426.txt", utc(2016, 4, 26), "20160426"),
        ("/data/gazette/2016/04/26/ferry.txt", utc(2016, 4, 26), "2016/04/26"),
        ("/scrape-2020-01-01/2016-04-26_ferry.txt", utc(2016, 4, 26), "2016-04-26"),
        ("/data/cnn/articles/60736693e3b1b32d.txt", None, None),
        ("/data/dump.csv#row=20160426", None, None),
    ],
)
def test_path_dates(dater: Dater, path: str, when: datetime | None, text: str | None) -> None:
    article = dater(Article(source_path=path))
    assert (article.published_at, article.date_text) == (when, text)


# --- the cascade ------------------------------------------------------------------------------------


def test_cascade_order_most_trusted_first() -> None:
    dater = Dater(Settings(), cli_date="2010-01-01", use_mtime=True, now=NOW)
    full = {
        "given_date": "2011-01-01",
        "html_dates": [("html-meta:date", "2012-01-01")],
        "url": "http://example.com/2013/01/01/x",
        "source_path": "/data/2014-01-01_x.txt",
        "body": "Headline\n1 January 2015\nText.",
        "mtime": utc(2016, 1, 1).timestamp(),
    }
    expected = [
        ("given_date", "manifest", 2011),
        ("html_dates", "html-meta", 2012),
        ("url", "url", 2013),
        ("source_path", "path", 2014),
        ("body", "header", 2015),
        ("mtime", "cli", 2010),
    ]
    for field, source, year in expected:
        article = dater(Article(**full))  # type: ignore[arg-type]
        assert (article.date_source, article.published_at) == (source, utc(year, 1, 1))
        full.pop(field)


def test_mtime_only_when_asked(dater: Dater) -> None:
    mtime = utc(2016, 4, 26, 8, 34, 10).timestamp()
    assert dated(dater, mtime=mtime) == (None, None, None, None, None)
    asked = Dater(Settings(), use_mtime=True, now=NOW)
    assert dated(asked, mtime=mtime) == (
        utc(2016, 4, 26, 8, 34, 10),
        "mtime",
        "2016-04-26T08:34:10Z",
        "second",
        None,
    )


def test_cli_date_is_checked_once() -> None:
    dater = Dater(Settings(), cli_date="2016-04-26", now=NOW)
    assert dated(dater, body="No date here.") == (
        utc(2016, 4, 26),
        "cli",
        "2016-04-26",
        "day",
        None,
    )
    with pytest.raises(UsageError) as err:
        Dater(Settings(), cli_date="26/04/2016")
    assert str(err.value) == "--date: cannot read '26/04/2016' as a date; use YYYY-MM-DD"
    with pytest.raises(UsageError) as err:
        Dater(Settings(), cli_date="2030-01-01", now=NOW)
    assert str(err.value) == (
        "--date: '2030-01-01' is after the ingest time (2024-01-01 00:00 UTC); not used; "
        "use a date in that window"
    )


def test_implausible_dates_are_noted_and_the_cascade_goes_on(dater: Dater) -> None:
    article = dater(Article(given_date="2031-05-01", url="http://example.com/1700/01/01/x"))
    assert (article.published_at, article.date_note) == (
        None,
        "manifest date '2031-05-01' is after the ingest time (2024-01-01 00:00 UTC); not used",
    )
    assert dated(dater, given_date="1700-01-01", url="http://example.com/2015/03/06/x") == (
        utc(2015, 3, 6),
        "url",
        "2015/03/06",
        "day",
        "manifest date '1700-01-01' is before 1800-01-01; not used",
    )
    assert dated(dater, given_date="sometime in spring")[4] == (
        "manifest date 'sometime in spring' could not be read as a date"
    )


def test_a_dated_article_is_left_alone(dater: Dater) -> None:
    article = Article(published_at=utc(2001, 1, 1), date_source="manifest", body=GLUED)
    assert dater(article).published_at == utc(2001, 1, 1)


def test_pickled_dater_reads_the_same() -> None:
    dater = Dater(Settings(), now=NOW)
    dater.read("Tue Dec 30 11:03:00 UTC 2014")  # builds a dateparser parser and fills the cache
    copy = pickle.loads(pickle.dumps(dater))
    assert dated(copy, body=GLUED) == dated(dater, body=GLUED)
    assert copy.read("Tue Dec 30 11:03:00 UTC 2014") == dater.read("Tue Dec 30 11:03:00 UTC 2014")


@given(st.dates(min_value=date(1800, 1, 1), max_value=date(2023, 12, 31)))
def test_any_real_day_reads_back_in_every_written_form(day: date) -> None:
    dater = Dater(Settings(), now=NOW)
    for text in (day.isoformat(), f"{day:%d %B %Y}", f"{day:%B %d, %Y}", f"{day:%d %b %Y,%A}"):
        assert dater(Article(given_date=text)).published_at == utc(day.year, day.month, day.day)
    assert dater(Article(body=f"Headline\n{day:%A %d %B %Y}\nText.")).published_at == utc(
        day.year, day.month, day.day
    )


def test_now_bounds_from_above(dater: Dater) -> None:
    assert dated(dater, given_date="2024-01-01")[0] == NOW
    late = (NOW + timedelta(minutes=1)).isoformat()
    assert dated(dater, given_date=late)[0] is None


# --- documentation --------------------------------------------------------------------------------


def test_module_examples() -> None:
    assert doctest.testmod(dates, optionflags=doctest.ELLIPSIS).failed == 0
    assert doctest.testmod(date_reading, optionflags=doctest.ELLIPSIS).failed == 0


def test_docs_examples() -> None:
    result = doctest.testfile(str(DOCS), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
