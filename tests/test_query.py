"""The query language: every form parses to the expected tree; every mistake gets one clear line."""

from __future__ import annotations

from datetime import date

import pytest

from newsarchive.errors import QuerySyntaxError
from newsarchive.index.query import (
    And,
    DateRange,
    Field,
    MatchAll,
    Not,
    Or,
    Phrase,
    Prefix,
    Term,
    conjoin,
    date_filter,
    parse,
    period,
)


@pytest.mark.parametrize(
    ("query", "tree"),
    [
        ("strike", Term("strike")),
        ("strike doctors", And((Term("strike"), Term("doctors")))),
        ("strike AND doctors", And((Term("strike"), Term("doctors")))),
        ("merger OR floods", Or((Term("merger"), Term("floods")))),
        ("strike NOT doctors", And((Term("strike"), Not(Term("doctors"))))),
        ("strike -doctors", And((Term("strike"), Not(Term("doctors"))))),
        ("NOT strike", Not(Term("strike"))),
        # AND binds tighter than OR; brackets override
        ("a OR b c", Or((Term("a"), And((Term("b"), Term("c")))))),
        ("(a OR b) c", And((Or((Term("a"), Term("b"))), Term("c")))),
        ("a AND b AND c", And((Term("a"), Term("b"), Term("c")))),
        ("a OR (b OR c)", Or((Term("a"), Term("b"), Term("c")))),
        # lower-case operators are words
        ("strike or walkout", And((Term("strike"), Term("or"), Term("walkout")))),
        ('"picket line"', Phrase(("picket", "line"))),
        ('"picket line"~3', Phrase(("picket", "line"), 3)),
        ("strik*", Prefix("strik")),
        ("*", MatchAll()),
        ("title:strike", Field("title", Term("strike"))),
        ('title:"junior doctors"', Field("title", Phrase(("junior", "doctors")))),
        ("source:bbc", Field("source", Term("bbc"))),
        ('source:"City Wire"', Field("source", Phrase(("City", "Wire")))),
        ("topic:(health OR labour)", Field("topic", Or((Term("health"), Term("labour"))))),
        ("place:leeds", Field("place", Term("leeds"))),
        ("country:gb", Field("country", Term("gb"))),
        ('person:"Jeremy Hunt"', Field("person", Phrase(("Jeremy", "Hunt")))),
        ("org:nhs", Field("org", Term("nhs"))),
        ("kind:liveblog", Field("kind", Term("liveblog"))),
        ("language:fr", Field("language", Term("fr"))),
        ("text:leeds", Field("text", Term("leeds"))),
        ("org:lee*", Field("org", Prefix("lee"))),
        # aliases and case of field names
        ("people:hunt", Field("person", Term("hunt"))),
        ("Topics:sport", Field("topic", Term("sport"))),
        ("date:2016", DateRange(date(2016, 1, 1), date(2017, 1, 1))),
        ("date:2016-04", DateRange(date(2016, 4, 1), date(2016, 5, 1))),
        ("date:2016-12", DateRange(date(2016, 12, 1), date(2017, 1, 1))),
        ("date:2016-04-26", DateRange(date(2016, 4, 26), date(2016, 4, 27))),
        (
            "date:[2016-01-01 TO 2016-04-30]",
            DateRange(date(2016, 1, 1), date(2016, 5, 1)),
        ),
        ("date:[2016-01 to 2016-03]", DateRange(date(2016, 1, 1), date(2016, 4, 1))),
        ("date:[* TO 2015]", DateRange(None, date(2016, 1, 1))),
        ("date:[2016-04-02 TO *]", DateRange(date(2016, 4, 2), None)),
        # words that look like fields but are not
        ("10:30", Term("10:30")),
        (
            '"junior doctors" strik* NOT title:football',
            And(
                (
                    Phrase(("junior", "doctors")),
                    Prefix("strik"),
                    Not(Field("title", Term("football"))),
                )
            ),
        ),
    ],
)
def test_parse(query: str, tree: object) -> None:
    assert parse(query) == tree


FIELD_LIST = "title, text, source, topic, place, country, person, org, kind, language, date"


@pytest.mark.parametrize(
    ("query", "message", "position"),
    [
        ("", "empty query: give words to search for, or * for everything", 0),
        ("   ", "empty query: give words to search for, or * for everything", 0),
        ('strikes "picket line', 'unclosed quote at position 8: "picket line', 8),
        ("NOT", "NOT needs something to exclude at position 0", 0),
        ("strike NOT", "NOT needs something to exclude at position 7", 7),
        ("NOT OR strike", "NOT needs something to exclude at position 0", 0),
        ("strike AND", "AND needs a term on both sides at position 7", 7),
        ("AND strike", "AND needs a term on both sides at position 0", 0),
        ("strike OR OR walkout", "OR needs a term on both sides at position 7", 7),
        ("(strike OR walkout", "unclosed parenthesis at position 0", 0),
        ("strike)", "unmatched ')' at position 6", 6),
        ("()", "empty parentheses at position 0", 0),
        ("plcae:leeds", f"unknown field 'plcae:' at position 0; fields: {FIELD_LIST}", 0),
        (
            "strike http://example.org",
            f"unknown field 'http:' at position 7; fields: {FIELD_LIST}",
            7,
        ),
        ("title: strike", "'title:' needs a value right after the colon at position 0", 0),
        ("title:-strike", "title: needs a word, phrase or (group) at position 0", 0),
        ("title:(strike source:bbc)", "a field inside another field's value at position 14", 14),
        ('"picket line"~x', "proximity needs a number after ~ at position 13", 13),
        ('""', "empty phrase at position 0", 0),
        ("a*", "prefix 'a*' needs at least 2 letters before * at position 0", 0),
        ("st*ke", "wildcard * only works at the end of a word at position 2", 2),
        ("date:2016-13", "bad date '2016-13' at position 5; use YYYY, YYYY-MM or YYYY-MM-DD", 5),
        ("date:april", "bad date 'april' at position 5; use YYYY, YYYY-MM or YYYY-MM-DD", 5),
        (
            "date:[2016-01 TO 2016-02-30]",
            "bad date '2016-02-30' at position 17; use YYYY, YYYY-MM or YYYY-MM-DD",
            17,
        ),
        ("date:[2016 TO 2015]", "date range ends before it starts at position 5", 5),
        ("date:[2016 2017]", "a date range is written [START TO END] at position 5", 5),
        ("date:[2016 TO 2017", "unclosed '[' at position 5: [2016 TO 2017", 5),
        (
            "date:(2016)",
            "date: needs YYYY, YYYY-MM, YYYY-MM-DD or [START TO END] at position 5",
            5,
        ),
        ("[2016 TO 2017]", "a [START TO END] range only works after date: at position 0", 0),
    ],
)
def test_syntax_errors(query: str, message: str, position: int) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse(query)
    assert str(caught.value) == message
    assert caught.value.position == position


def test_period() -> None:
    assert period("2016") == (date(2016, 1, 1), date(2017, 1, 1))
    assert period("2016-2") == (date(2016, 2, 1), date(2016, 3, 1))
    assert period("2016-02-29") == (date(2016, 2, 29), date(2016, 3, 1))
    assert period("2015-02-29") is None
    assert period("16-02") is None


def test_date_filter() -> None:
    assert date_filter(None, None) is None
    assert date_filter("2016-01", "2016-04") == DateRange(date(2016, 1, 1), date(2016, 5, 1))
    assert date_filter("2016-04-02", None) == DateRange(date(2016, 4, 2), None)
    assert date_filter(None, date(2016, 4, 2)) == DateRange(None, date(2016, 4, 3))
    with pytest.raises(ValueError, match=r"bad --from date '2016-13'; use YYYY"):
        date_filter("2016-13", None)
    with pytest.raises(ValueError, match="the date range from 2016-05 to 2016-04 is empty"):
        date_filter("2016-05", "2016-04")


def test_conjoin() -> None:
    assert conjoin() == MatchAll()
    assert conjoin(Term("a"), None) == Term("a")
    assert conjoin(And((Term("a"), Term("b"))), Term("c")) == And((Term("a"), Term("b"), Term("c")))
