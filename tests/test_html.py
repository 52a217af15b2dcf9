"""HTML pages: visible text, trafilatura's main text and the removals, metadata, date candidates."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsarchive.article import Removal
from newsarchive.pipeline.html import Page, boilerplate, extract, split_authors

FIXTURES = Path(__file__).parent / "fixtures" / "inputs"
STORY = (
    "<p>The bridge over the Wear reopened on Monday after six weeks of repairs to its deck.</p>"
    "<p>Drivers had faced long diversions through the town centre since March.</p>"
    "<p>The work cost two million pounds and was paid for by a government grant.</p>"
)
STORY_TEXT = (
    "The bridge over the Wear reopened on Monday after six weeks of repairs to its deck.\n"
    "Drivers had faced long diversions through the town centre since March.\n"
    "The work cost two million pounds and was paid for by a government grant."
)


def page(head: str = "", body: str = STORY, lang: str = "en") -> str:
    return f'<html lang="{lang}"><head>{head}</head><body>{body}</body></html>'


def test_page_with_furniture_metadata_and_json_ld() -> None:
    found = extract((FIXTURES / "page.html").read_text(encoding="utf-8"))
    assert found == Page(
        text=(
            "The Riverside Gazette\n\nNews\n\nSport\n\nWe use cookies. Accept\n\n"
            "Council approves new cycle lanes\n\n"
            "By Jane Doe and Sam Patel · 26 April 2016\n\n"
            "Councillors voted on Tuesday to build three new cycle lanes through the town centre.\n\n"
            "The work will start in June and cost £1.2m.\nResidents were consulted\n\n"
            "in March.\n\n"
            "Share on Facebook Share on Twitter\n\n"
            "Lane one runs along Mill Street.\n\n"
            "Lane two crosses the river.\n\n"
            "Related stories\n\nBus fares rise\n\nFirst!\n\n"
            "© 2016 The Riverside Gazette. All rights reserved."
        ),
        main=(
            "Council approves new cycle lanes\n"
            "Councillors voted on Tuesday to build three new cycle lanes through the town centre.\n"
            "The work will start in June and cost £1.2m.\nResidents were consulted\nin March.\n"
            "- Lane one runs along Mill Street.\n- Lane two crosses the river."
        ),
        title="Council approves new cycle lanes",
        url="https://gazette.example/news/cycle-lanes",
        authors=["Jane Doe", "Sam Patel"],
        language="en",
        dates=[
            ("json-ld:datePublished", "2016-04-26T07:34:00Z"),
            ("html-meta:article:published_time", "2016-04-26T08:34:00+01:00"),
            ("html-meta:date", "2016-04-26"),
            ("html-time:datetime", "2016-04-26T08:34"),
            ("htmldate", "2016-04-26"),
        ],
    )


def test_the_blocks_trafilatura_left_out_are_the_removals() -> None:
    found = extract((FIXTURES / "page.html").read_text(encoding="utf-8"))
    removed = boilerplate(found.text, found.main)
    assert [r.text for r in removed] == [
        "The Riverside Gazette",
        "News",
        "Sport",
        "We use cookies. Accept",
        "By Jane Doe and Sam Patel · 26 April 2016",
        "Share on Facebook Share on Twitter",
        "Related stories",
        "Bus fares rise",
        "First!",
        "© 2016 The Riverside Gazette. All rights reserved.",
    ]
    assert {r.rule for r in removed} == {"html/boilerplate"}
    assert all(found.text[r.start : r.end] == r.text for r in removed)


def test_a_story_word_in_a_menu_does_not_keep_the_menu_line() -> None:
    body = "Home\n\nBridge\n\nThe bridge reopened on Monday.\n\nBridge\n\nContact us"
    assert boilerplate(body, "The bridge reopened on Monday.") == [
        Removal("Home", "html/boilerplate", 0, 4),
        Removal("Bridge", "html/boilerplate", 6, 12),
        Removal("Bridge", "html/boilerplate", 46, 52),
        Removal("Contact us", "html/boilerplate", 54, 64),
    ]


def test_a_paragraph_trimmed_by_the_extractor_is_kept_whole() -> None:
    body = "Share\n\nThe council said on Monday that the bridge would reopen in June. Read more"
    assert boilerplate(
        body, "The council said on Monday that the bridge would reopen in June."
    ) == [Removal("Share", "html/boilerplate", 0, 5)]


def test_no_main_text_removes_nothing() -> None:
    assert boilerplate("Home\n\nA story.", "") == []


def test_a_container_named_sidebar_keeps_its_story() -> None:
    html = page(
        body=f'<div class="sidebar-story">{STORY}</div>'
        '<div class="sidebar"><ul><li><a href="/a">Most read</a></li>'
        '<li><a href="/b">Weather</a></li></ul></div>'
    )
    found = extract(html)
    assert found.main == STORY_TEXT
    assert [r.text for r in boilerplate(found.text, found.main)] == ["Most read", "Weather"]


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
        ("json-ld:datePublished", "2015-03-06"),
        ("html-meta:og:published_time", "2015-03-06T09:00:00Z"),
        ("html-meta:dc.date.issued", "2015-03-06"),
        ("html-meta:parsely-pub-date", "2015-03-06T09:01:00Z"),
        ("html-meta:sailthru.date", "2015-03-06 10:00"),
        ("html-meta:wetpaint:published_time", "2015-03-06T09:02:00Z"),
        ("html-time:itemprop", "2015-03-05"),
        ("html-time:datetime", "2015-03-04"),
        ("htmldate", "2015-03-06"),
    ]


def test_json_ld_nested_in_main_entity() -> None:
    html = """<html><head><script type="application/ld+json"><!--
    {"@type": "WebPage", "mainEntity": {"@type": "ReportageNewsArticle", "headline": "Floods",
     "datePublished": ["2014-02-01T10:00:00Z"], "author": "By Ann Lee"}}
    --></script></head><body><p>Water rose.</p></body></html>"""
    found = extract(html)
    assert (found.title, found.authors, found.dates[0]) == (
        "Floods",
        ["Ann Lee"],
        ("json-ld:datePublished", "2014-02-01T10:00:00Z"),
    )


def test_malformed_json_ld_still_gives_its_date() -> None:
    head = """<script type="application/ld+json">{"@type": "NewsArticle",
      "headline": "Storm "Ciara" hits", "datePublished": "2020-02-09T07:15:00+00:00",}</script>"""
    assert extract(page(head)).dates[0] == ("json-ld:salvaged", "2020-02-09T07:15:00+00:00")


def test_a_web_page_node_and_an_at_graph_give_their_date() -> None:
    head = """<script type="application/ld+json">{"@context": "https://schema.org", "@graph": [
      {"@type": "Organization", "name": "The Gazette"},
      {"@type": "WebPage", "name": "Bridge reopens", "datePublished": "2019-05-14T06:00:00+01:00"}
    ]}</script>"""
    assert extract(page(head)).dates[0] == (
        "json-ld:WebPage.datePublished",
        "2019-05-14T06:00:00+01:00",
    )


def test_dc_date_in_rdf_is_read_from_the_source() -> None:
    # WordPress puts its trackback RDF inside an HTML comment, which the tree does not keep.
    body = (
        STORY
        + """<!--
    <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
             xmlns:dc="http://purl.org/dc/elements/1.1/">
    <rdf:Description rdf:about="http://blog.example/bridge" dc:identifier="http://blog.example/bridge"
        dc:title="Bridge reopens" dc:date="2008-01-10T09:15:00+00:00" /></rdf:RDF> -->"""
    )
    assert extract(page(body=body)).dates[0] == ("html-rdf:dc:date", "2008-01-10T09:15:00+00:00")


def test_htmldate_dates_a_page_from_markup_the_metadata_rules_do_not_know() -> None:
    head = '<meta name="citation_publication_date" content="2019/05/14">'
    assert extract(page(head)).dates == [("htmldate", "2019-05-14")]


def test_htmldate_never_reads_the_body_text_or_the_url() -> None:
    body = "<p>On 14 May 2019 the council met. It met again on 2 June 2019.</p>"
    head = '<link rel="canonical" href="https://x.example/2019/05/14/bridge">'
    assert extract(page(head, body)).dates == []


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


@pytest.mark.parametrize(
    "html",
    ["", "   ", "<html></html>", "<html><body><script>x=1</script></body></html>", "\x00\x01"],
)
def test_pages_without_text_give_empty_text(html: str) -> None:
    assert (extract(html).text, extract(html).main) == ("", "")


def test_hidden_elements_are_not_visible_text() -> None:
    html = page(body='<p>Shown.</p><p style="display: none">Hidden.</p><p hidden>Also hidden.</p>')
    assert extract(html).text == "Shown."


def test_xml_declaration_and_control_characters_are_tolerated() -> None:
    html = '<?xml version="1.0" encoding="utf-8"?>\n<html><body><p>Hello\x00 there\x0b.</p></body></html>'
    assert extract(html).text == "Hello there."


def test_ten_thousand_nested_tags_neither_crash_nor_lose_text() -> None:
    html = "<html><body><p>Before.</p>" + "<div>" * 10_000 + "Deep text." + "</div>" * 10_000
    html += "<p>After &amp; more.</p><script>hidden()</script></body></html>"
    found = extract(html)
    assert (found.text, found.main) == ("Before.\n\nDeep text.\n\nAfter & more.",) * 2


def test_split_authors() -> None:
    assert split_authors("By Jane Doe and John Smith, Staff") == ["Jane Doe", "John Smith", "Staff"]
    assert split_authors("Ann Lee / Raj Patel; https://x.example/ann") == ["Ann Lee", "Raj Patel"]
    assert split_authors("Alexander Anderson") == ["Alexander Anderson"]
