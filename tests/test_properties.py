"""Property-based tests: arbitrary input never raises anything but the documented errors.

Each stage is driven with hypothesis-generated input that mixes plain noise with the fragments
that make the stage work hardest (rule triggers, date shapes, capitalised names, query syntax).
Budgets are modest (``max_examples``) so the whole file stays well under a minute.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsarchive.article import Article
from newsarchive.errors import QuerySyntaxError, Skip
from newsarchive.pipeline.decode import decode, normalise
from newsarchive.settings import Settings

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Pieces real scraped text is made of, to give hypothesis something worth combining.
NEWSY = [
    "Video Loading",
    "Video Unavailable",
    "Scroll down for video.",
    "READ MORE: Council tax to rise",
    "ALSO READ:",
    "Share this article",
    "Have your say",
    "Featured image via Getty",
    "(HT Photo)",
    "By. Associated Press. PUBLISHED:. 14:11 EST, 25 October 2013. |. UPDATED:. 15:02 EST, 25 October 2013.",
    "Last updated at 1:25 AM on 3rd August 2011",
    "PUBLISHED: 10:41 EST, 4 May 2013",
    "Posted 12/01/2016",
    "03 Aug 2017,Thursday",
    "2099-01-01",
    "1066-10-14",
    "31 February 2015",
    "Tuesday 29 February 2019",
    "LEEDS (Reuters) -",
    "Health Secretary Jeremy Hunt said",
    "the British Medical Association",
    "in Manchester, England, on Monday",
    "Paris",
    "NHS",
    "Mr. Smith",
    "junior doctors strike",
    "“Fair pay,” she said.",
    "donâ€™t",
    "\u200b\xa0\u00ad\ufeff",
    "e\u0301",
]
newsy_text = st.lists(st.one_of(st.sampled_from(NEWSY), st.text(max_size=40)), max_size=12).flatmap(
    lambda parts: st.lists(
        st.sampled_from(["", " ", "\n", "\n\n", ". ", "\r\n", "\t", " | "]),
        min_size=len(parts),
        max_size=len(parts),
    ).map(lambda seps: "".join(p + s for p, s in zip(parts, seps, strict=True)))
)


# --- decoding -----------------------------------------------------------------------------------


@FAST
@given(st.binary(max_size=2048))
def test_decode_raises_only_skip_on_any_bytes(data: bytes) -> None:
    try:
        decoded = decode(data)
    except Skip as skip:
        assert skip.reason in {"empty", "binary", "undecodable"}
        return
    assert decoded.text.strip()
    assert decoded.encoding


@FAST
@given(newsy_text, st.sampled_from(["utf-8", "utf-16", "utf-16-le", "cp1252", "latin-1"]))
def test_decode_reads_text_back_in_any_encoding_it_was_written_in(text: str, codec: str) -> None:
    try:
        data = text.encode(codec)
    except UnicodeEncodeError:
        return
    try:
        decoded = decode(data)
    except Skip as skip:
        assert skip.reason in {"empty", "binary", "undecodable"}
        return
    assert isinstance(decoded.text, str)


@FAST
@given(newsy_text, st.integers(min_value=8, max_value=200_000))
def test_normalise_is_idempotent(text: str, width: int) -> None:
    once = normalise(text, max_line_chars=width)
    assert normalise(once, max_line_chars=width) == once
    assert "\r" not in once and "\x00" not in once


def _over_the_cap(width: int) -> st.SearchStrategy[tuple[str, int]]:
    """A text with at least one line longer than ``width`` (the case the cap must handle),
    among lines of any length, and the width."""
    line = st.text(alphabet=st.sampled_from("aab "), max_size=3 * width)
    long = st.text(alphabet=st.sampled_from("aab "), min_size=width + 1, max_size=3 * width)
    lines = st.tuples(st.lists(line, max_size=3), long, st.lists(line, max_size=3))
    return lines.map(lambda t: ("\n".join([*t[0], t[1], *t[2]]), width))


@FAST
@given(st.integers(2, 30).flatmap(_over_the_cap))
def test_normalise_breaks_long_lines_without_losing_a_letter(case: tuple[str, int]) -> None:
    text, width = case
    out = normalise(text, max_line_chars=width)
    assert out.replace(" ", "").replace("\n", "") == text.replace(" ", "").replace("\n", "")
    assert max(len(line) for line in out.split("\n")) <= width


# --- cleaning -----------------------------------------------------------------------------------


@functools.cache
def _rules() -> Any:
    from newsarchive.pipeline.clean import RuleSet

    return RuleSet.load(Settings())


@SLOW
@given(newsy_text, st.frozensets(st.sampled_from([*NEWSY[:10], "Sign in"]), max_size=3))
def test_cleaning_never_loses_text(body: str, templates: frozenset[str]) -> None:
    from newsarchive.pipeline.clean import clean

    body = normalise(body)
    article = clean(Article(body=body, source="gazette"), _rules(), templates)
    removed = sorted(article.removed, key=lambda r: r.start)
    kept, pos = [], 0
    for r in removed:
        assert pos <= r.start <= r.end <= len(body), "removals overlap or leave the body"
        assert body[r.start : r.end] == r.text
        kept.append(body[pos : r.start])
        pos = r.end
    kept.append(body[pos:])
    # Clean text plus the removed spans give back every non-space character of the body, in order.
    assert "".join("".join(kept).split()) == "".join(article.text.split())


# --- dating -------------------------------------------------------------------------------------


@functools.cache
def _dater() -> Any:
    from newsarchive.pipeline.dates import Dater

    return Dater(Settings().with_values(date_order="DMY"), use_mtime=True)


EARLIEST = datetime(1800, 1, 1, tzinfo=UTC)


@SLOW
@given(
    body=newsy_text,
    # a real date half the time, so the dated branch below is exercised as often as the other
    given_date=st.one_of(
        st.dates(min_value=date(1800, 1, 1), max_value=date(2100, 12, 31)).map(str),
        st.none(),
        st.sampled_from(NEWSY),
        st.text(max_size=30),
    ),
    url=st.one_of(st.none(), st.text(max_size=40).map(lambda s: f"https://x.test/2015/03/{s}")),
    path=st.text(max_size=40),
    # what os.stat can give on ext4 (1901..2446); wider values are the next test's
    mtime=st.one_of(st.none(), st.floats(min_value=-(2.0**31), max_value=2.0**34)),
    html_dates=st.lists(
        st.tuples(
            st.sampled_from(["html-meta:date", "json-ld:datePublished"]), st.text(max_size=30)
        ),
        max_size=2,
    ),
)
def test_dating_never_raises_and_stays_in_the_plausible_window(
    body: str,
    given_date: str | None,
    url: str | None,
    path: str,
    mtime: float | None,
    html_dates: list[tuple[str, str]],
) -> None:
    article = Article(
        body=body,
        given_date=given_date,
        url=url,
        source_path=f"/archive/{path}.txt",
        mtime=mtime,
        html_dates=html_dates,
    )
    dated = _dater()(article)
    if dated.published_at is not None:
        assert EARLIEST <= dated.published_at <= datetime.now(UTC)
        assert dated.published_at.tzinfo is not None
        assert dated.date_source and dated.date_precision
    else:  # undated: no evidence is claimed for a date that was not given
        assert (dated.date_source, dated.date_precision) == (None, None)


@SLOW
@given(
    mtime=st.floats(min_value=1e12, max_value=1e18) | st.floats(min_value=-1e18, max_value=-1e12)
)
def test_dating_survives_file_times_far_outside_the_calendar(mtime: float) -> None:
    # tmpfs and btrfs store 64-bit times: `touch -d @300000000000` works there, so a hostile
    # archive can hand the mtime step a year beyond 9999.
    assert _dater()(Article(body="No date here.", mtime=mtime)).published_at is None


# --- tagging ------------------------------------------------------------------------------------


@functools.cache
def _tagger() -> Any:
    tags = pytest.importorskip("newsarchive.pipeline.tags")
    return tags.Tagger(Settings())


@SLOW
@given(title=st.one_of(st.none(), newsy_text), text=newsy_text)
def test_tagging_never_raises(title: str | None, text: str) -> None:
    article = _tagger()(Article(title=title, text=text, body=text, language="en"))
    for tag in article.tag_evidence:
        assert tag.field in {"topics", "places", "countries", "people", "organisations"}


# --- the query parser ---------------------------------------------------------------------------

QUERY_BITS = [
    '"', "(", ")", "[", "]", " TO ", " AND ", " OR ", " NOT ", "-", "*", "~", "~3", ":",
    "title:", "date:", "date:[2016 TO 2017-02]", "place:", "topic:", "unknown:", "strike",
    "doctors", "2016-13-45", "\\", "'", " ",
]  # fmt: skip


@FAST
@given(
    st.lists(st.one_of(st.sampled_from(QUERY_BITS), st.text(max_size=6)), max_size=10).map("".join)
)
def test_query_parser_raises_only_query_syntax_errors(query: str) -> None:
    from newsarchive.index.query import parse

    try:
        parse(query)
    except QuerySyntaxError as err:
        assert err.position is not None and 0 <= err.position <= len(query), (query, err)


@FAST
@given(
    st.lists(st.sampled_from([*QUERY_BITS, "\n", "\r", "\x85", "\u2028"]), max_size=8).map("".join)
)
def test_query_errors_are_one_line(query: str) -> None:
    # The CLI prints a library error as one line ("Error: ..."); a query read from a file or
    # pasted with its line break must not split that line.
    from newsarchive.index.query import parse

    try:
        parse(query)
    except QuerySyntaxError as err:
        assert str(err).splitlines() == [str(err)], (query, str(err))
