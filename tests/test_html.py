"""Visible article text and metadata from HTML pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsarchive.pipeline.html import Page, extract, split_authors

FIXTURES = Path(__file__).parent / "fixtures" / "inputs"


def test_page_with_furniture_metadata_and_json_ld() -> None:
    page = extract((FIXTURES / "page.html").read_text(encoding="utf-8"))
    assert page == Page(
        text=(
            "Council approves new cycle lanes\n\n"
            "By Jane Doe and Sam Patel · 26 April 2016\n\n"
            "Councillors voted on Tuesday to build three new cycle lanes through the town centre.\n\n"
            "The work will start in June and cost £1.2m.\nResidents were consulted\n\n"
            "in March.\n\n"
            "Lane one runs along Mill Street.\n\n"
            "Lane two crosses the river."
        ),
        title="Council approves new cycle lanes",
        url="https://gazette.example/news/cycle-lanes",
        authors=["Jane Doe", "Sam Patel"],
        language="en",
        dates=[
            ("meta:article:published_time", "2016-04-26T08:34:00+01:00"),
            ("jsonld:datePublished", "2016-04-26T07:34:00Z"),
            ("meta:date", "2016-04-26"),
            ("time:datetime", "2016-04-26T08:34"),
        ],
    )


def test_date_candidates_come_in_order_of_trust() -> None:
    html = """<html><head>
    <meta name="sailthru.date" content="2015-03-06 10:00">
    <meta name="DC.date.issued" content="2015-03-06">
    <meta property="og:published_time" content="2015-03-06T09:00:00Z">
    <meta name="parsely-pub-date" content="2015-03-06T09:01:00Z">
    <meta property="wetpaint:published_time" content="2015-03-06T09:02:00Z">
    <script type="application/ld+json">[{"@type": ["BlogPosting"], "datePublished": "2015-03-06"},
      {"@type": "Organization", "name": "The Gazette", "datePublished": "1999-01-01"}]</script>
    </head><body><p>Story text.</p>
    <span itemprop="datePublished" content="2015-03-05">5 March</span>
    <time datetime="2015-03-04">Wednesday</time><time>no attribute</time>
    </body></html>"""
    assert extract(html).dates == [
        ("jsonld:datePublished", "2015-03-06"),
        ("meta:og:published_time", "2015-03-06T09:00:00Z"),
        ("meta:dc.date.issued", "2015-03-06"),
        ("meta:parsely-pub-date", "2015-03-06T09:01:00Z"),
        ("meta:sailthru.date", "2015-03-06 10:00"),
        ("meta:wetpaint:published_time", "2015-03-06T09:02:00Z"),
        ("itemprop:datePublished", "2015-03-05"),
        ("time:datetime", "2015-03-04"),
    ]


def test_json_ld_nested_in_main_entity_and_bad_json_ignored() -> None:
    html = """<html><head><script type="application/ld+json"><!--
    {"@type": "WebPage", "mainEntity": {"@type": "ReportageNewsArticle", "headline": "Floods",
     "datePublished": ["2014-02-01T10:00:00Z"], "author": "By Ann Lee"}}
    --></script><script type="application/ld+json">{"broken": </script></head>
    <body><p>Water rose.</p></body></html>"""
    page = extract(html)
    assert (page.title, page.authors, page.dates) == (
        "Floods",
        ["Ann Lee"],
        [("jsonld:datePublished", "2014-02-01T10:00:00Z")],
    )


@pytest.mark.parametrize(
    ("head", "body", "title"),
    [
        ("<title>Tab title</title>", "<h1>Headline  here</h1><p>Text.</p>", "Headline here"),
        ("<title> Tab\n title </title>", "<p>Text.</p>", "Tab title"),
        ("", "<p>Text.</p>", None),
    ],
)
def test_title_falls_back_to_h1_then_title(head: str, body: str, title: str | None) -> None:
    assert extract(f"<html><head>{head}</head><body>{body}</body></html>").title == title


def test_article_container_is_preferred_when_substantial() -> None:
    story = "<p>" + "The river burst its banks overnight. " * 10 + "</p>"
    html = f"""<html><body><div class="menu-bar">Home News Sport</div>
    <div class="promo-strip">Subscribe today for one pound a week and read everything</div>
    <div id="story" itemprop="articleBody">{story}</div>
    <div>Most read: a long list of other headlines that are not the story</div></body></html>"""
    assert extract(html).text == ("The river burst its banks overnight. " * 10).strip()


def test_whole_page_is_used_when_the_container_is_too_small() -> None:
    html = """<html><body><article><p>Photo: the bridge</p></article>
    <div><p>The bridge reopened on Monday after six weeks of repairs to its deck.</p>
    <p>Drivers had faced long diversions through the town centre since March.</p></div>
    </body></html>"""
    assert extract(html).text == (
        "Photo: the bridge\n\n"
        "The bridge reopened on Monday after six weeks of repairs to its deck.\n\n"
        "Drivers had faced long diversions through the town centre since March."
    )


def test_furniture_names_that_wrap_the_story_do_not_lose_it() -> None:
    prose = "<p>" + "Councillors debated the budget late into the night. " * 10 + "</p>"
    html = f"""<html><body><div class="float-sidebar-container">{prose}
    <div class="sidebar"><a href="/1">Link one</a> <a href="/2">Link two</a></div></div>
    <div class="comments"><p>{"A reader's long comment. " * 30}</p></div></body></html>"""
    assert (
        extract(html).text == ("Councillors debated the budget late into the night. " * 10).strip()
    )


def test_a_page_wrapped_in_a_form_keeps_its_text() -> None:
    html = "<html><body><form id='aspnetForm'><div><p>Old-style page text.</p></div></form></body></html>"
    assert extract(html).text == "Old-style page text."


def test_link_lists_are_dropped() -> None:
    html = """<html><body><ul><li><a href="/a">World</a></li><li><a href="/b">Business</a></li></ul>
    <p>The story itself.</p><ol><li>First point, no link.</li></ol></body></html>"""
    assert extract(html).text == "The story itself.\n\nFirst point, no link."


@pytest.mark.parametrize(
    "html",
    ["", "   ", "<html></html>", "<html><body><script>x=1</script></body></html>", "\x00\x01"],
)
def test_pages_without_text_give_empty_text(html: str) -> None:
    assert extract(html).text == ""


def test_xml_declaration_and_control_characters_are_tolerated() -> None:
    html = '<?xml version="1.0" encoding="utf-8"?>\n<html><body><p>Hello\x00 there\x0b.</p></body></html>'
    assert extract(html).text == "Hello there."


def test_ten_thousand_nested_tags_neither_crash_nor_lose_text() -> None:
    html = "<html><body><p>Before.</p>" + "<div>" * 10_000 + "Deep text." + "</div>" * 10_000
    html += "<p>After &amp; more.</p><script>hidden()</script></body></html>"
    assert extract(html).text == "Before.\n\nDeep text.\n\nAfter & more."


def test_split_authors() -> None:
    assert split_authors("By Jane Doe and John Smith, Staff") == ["Jane Doe", "John Smith", "Staff"]
    assert split_authors("Ann Lee / Raj Patel; https://x.example/ann") == ["Ann Lee", "Raj Patel"]
    assert split_authors("Alexander Anderson") == ["Alexander Anderson"]
