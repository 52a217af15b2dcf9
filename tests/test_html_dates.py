"""HTML pages through ingest: the date cascade with its sources, and the day as printed.

A page stamped ``2023-11-08T23:28:35-04:00`` is stored at 9 November 03:28:35 UTC with an offset of
-240 minutes, and counts on 8 November in ``date:`` queries (both engines), timelines, exports,
search hits and concordances.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsarchive.analysis.export import export
from newsarchive.analysis.kwic import kwic
from newsarchive.analysis.show import load_article, render_article
from newsarchive.analysis.timeline import timeline
from newsarchive.article import Article
from newsarchive.cli import main
from newsarchive.index.api import search, update_index
from newsarchive.pipeline.dates import Dater
from newsarchive.pipeline.html import extract
from newsarchive.settings import Settings
from newsarchive.store import read_corpus

NOW = datetime(2026, 1, 1, tzinfo=UTC)
STORY = (
    "<p>The harbour wall at Port Ellen gave way during the storm, flooding the lower town.</p>"
    "<p>Residents were moved to the school hall while engineers inspected the damage.</p>"
)


def page(head: str = "", *, lang: str = "en", body: str = STORY) -> str:
    return f'<html lang="{lang}"><head>{head}</head><body>{body}</body></html>'


def dating(html: str, url: str | None = None) -> tuple[str | None, str | None, str | None]:
    found = extract(html)
    article = Article(url=url, html_dates=found.dates, html_language=found.language)
    dated = Dater(Settings(), now=NOW)(article)
    day = dated.published_at.date().isoformat() if dated.published_at else None
    return dated.date_source, dated.date_text, day


# --- the cascade -------------------------------------------------------------------------------------

META = '<meta property="article:published_time" content="2019-05-14T06:00:00+01:00">'
HTMLDATE_ONLY = '<meta name="citation_publication_date" content="2019/05/15">'
URL = "https://news.example/2019/05/16/harbour-wall"


def test_the_page_metadata_beats_htmldate_which_beats_the_url() -> None:
    both = META + HTMLDATE_ONLY
    assert dating(page(both), URL) == (
        "html-meta",
        "2019-05-14T06:00:00+01:00",
        "2019-05-14",
    )
    assert dating(page(HTMLDATE_ONLY), URL) == ("htmldate", "2019-05-15", "2019-05-15")
    assert dating(page(), URL) == ("url", "2019/05/16", "2019-05-16")
    assert dating(page()) == (None, None, None)


def test_salvaged_json_ld_and_web_page_nodes_are_sources() -> None:
    broken = """<script type="application/ld+json">{"@type": "NewsArticle",
      "headline": "Wall "gives way"", "datePublished": "2019-05-12T08:00:00Z"}</script>"""
    assert dating(page(broken)) == ("json-ld", "2019-05-12T08:00:00Z", "2019-05-12")
    web_page = """<script type="application/ld+json">{"@graph": [{"@type": "WebPage",
      "datePublished": "2019-05-11"}]}</script>"""
    assert dating(page(web_page)) == ("json-ld", "2019-05-11", "2019-05-11")


def test_dc_date_in_rdf_is_a_source() -> None:
    rdf = STORY + (
        '<!-- <rdf:RDF><rdf:Description rdf:about="https://blog.example/wall" '
        'dc:date="2008-01-10" /></rdf:RDF> -->'
    )
    assert dating(page(body=rdf)) == ("html-rdf", "2008-01-10", "2008-01-10")


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("de", ("html-meta", "03.08.2017", "2017-08-03")),
        ("fr-FR", ("html-meta", "03.08.2017", "2017-08-03")),
        ("ru", ("html-meta", "03.08.2017", "2017-08-03")),
        # en-US writes month first: the metadata step leaves it (with a note), htmldate, which
        # reads dotted dates day first, settles it
        ("en", ("htmldate", "2017-08-03", "2017-08-03")),
    ],
)
def test_dotted_day_first_dates_follow_the_page_language(
    lang: str, expected: tuple[str | None, str | None, str | None]
) -> None:
    head = '<meta name="date" content="03.08.2017">'
    assert dating(page(head, lang=lang)) == expected


def test_a_date_order_setting_beats_the_page_language() -> None:
    found = extract(page('<meta name="date" content="03.08.2017">', lang="de"))
    article = Article(source="us-wire", html_dates=found.dates, html_language=found.language)
    settings = Settings().with_values(date_order="MDY")
    assert Dater(settings, now=NOW)(article).published_at == datetime(2017, 3, 8, tzinfo=UTC)


def test_dates_never_come_from_the_body_text() -> None:
    body = "<p>On 14 May 2019 the harbour wall gave way.</p><p>Posted 15 May 2019</p>"
    assert dating(page(body=body)) == (None, None, None)


# --- the day as printed, end to end --------------------------------------------------------------

LATE = '<meta property="article:published_time" content="2023-11-08T23:28:35-04:00">'
EARLY = '<meta property="article:published_time" content="2023-11-09T00:15:00+01:00">'


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("local-day")
    (root / "in").mkdir()
    (root / "in" / "late.html").write_text(page(LATE), encoding="utf-8")
    story = STORY.replace("harbour wall", "sea wall")
    (root / "in" / "early.html").write_text(page(EARLY, body=story), encoding="utf-8")
    result = CliRunner().invoke(
        main, ["ingest", str(root / "in"), "--corpus", str(root / "c"), "--no-index", "-j", "1"]
    )
    assert result.exit_code == 0, result.output
    return root


def test_the_utc_instant_and_the_offset_are_stored(corpus: Path) -> None:
    rows = read_corpus(corpus / "c", columns=["source_path", "published_at", "published_offset"])
    stored = sorted(
        (Path(r["source_path"]).name, r["published_at"], r["published_offset"])
        for r in rows.to_pylist()
    )
    assert stored == [
        ("early.html", datetime(2023, 11, 8, 23, 15, tzinfo=UTC), 60),
        ("late.html", datetime(2023, 11, 9, 3, 28, 35, tzinfo=UTC), -240),
    ]


@pytest.mark.parametrize("engine", ["whoosh", "tantivy"])
def test_date_queries_take_the_day_as_printed(corpus: Path, engine: str) -> None:
    index = corpus / f"index-{engine}"
    update_index(corpus / "c", index, engine=engine)

    def days(query: str) -> list[str]:
        found = search(query, corpus=corpus / "c", index_dir=index, snippets=False, sort="oldest")
        return [f"{h.published_at:%Y-%m-%d %H:%M%z}" for h in found.hits]

    assert days("date:2023-11-08") == ["2023-11-08 23:28-0400"]
    assert days("date:2023-11-09") == ["2023-11-09 00:15+0100"]
    assert days("wall date:2023-11") == ["2023-11-09 00:15+0100", "2023-11-08 23:28-0400"]


def test_the_timeline_counts_each_page_on_its_printed_day(corpus: Path) -> None:
    update_index(corpus / "c", corpus / "index-whoosh")
    found = timeline("wall", corpus=corpus / "c", index_dir=corpus / "index-whoosh", by="day")
    assert [
        (f"{s:%Y-%m-%d}", n) for s, n in zip(found.starts, found.hits["wall"], strict=True)
    ] == [
        ("2023-11-08", 1),
        ("2023-11-09", 1),
    ]


def test_exports_write_the_instant_in_the_printed_zone(corpus: Path, tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    columns = ["source_path", "published_at", "published_offset"]
    export(target, corpus=corpus / "c", columns=columns)
    rows = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert sorted(
        (Path(r["source_path"]).name, r["published_at"], r["published_offset"]) for r in rows
    ) == [
        ("early.html", "2023-11-09T00:15:00+01:00", 60),
        ("late.html", "2023-11-08T23:28:35-04:00", -240),
    ]


def test_show_raw_marks_what_trafilatura_left_out(tmp_path: Path) -> None:
    body = (
        '<nav><a href="/">Home</a> <a href="/news">News</a></nav>'
        + STORY
        + "<footer>© Ileach</footer>"
    )
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "wall.html").write_text(page(LATE, body=body), encoding="utf-8")
    result = CliRunner().invoke(
        main,
        ["ingest", str(tmp_path / "in"), "--corpus", str(tmp_path / "c"), "--no-index", "-j", "1"],
    )
    assert result.exit_code == 0, result.output
    doc_id = read_corpus(tmp_path / "c", columns=["doc_id"]).column("doc_id")[0].as_py()
    row = load_article(tmp_path / "c", doc_id)
    assert [(r["rule"], r["text"]) for r in row["removed"]] == [
        ("html/boilerplate", "Home News"),
        ("html/boilerplate", "© Ileach"),
    ]
    raw = render_article(row, raw=True)
    # with the HTML model's score of each line (docs/html.md)
    scores = [r["score"] for r in row["removed"]]
    assert all(0.7 <= s <= 1 for s in scores), scores
    assert f"[-Home News-]{{html/boilerplate {scores[0]:.2f}}}" in raw
    assert f"[-© Ileach-]{{html/boilerplate {scores[1]:.2f}}}" in raw


def test_kwic_lines_carry_the_printed_day(corpus: Path) -> None:
    lines = kwic("harbour", corpus=corpus / "c", index_dir=corpus / "index-whoosh", width=20)
    assert [line.date for line in lines] == ["2023-11-08"]


@pytest.mark.parametrize(
    ("body", "published_at", "offset"),
    [
        (
            "PUBLISHED: 22:08 EST, 18 April 2013\nA storm hit.",
            datetime(2013, 4, 19, 3, 8, tzinfo=UTC),
            -300,
        ),
        ("Posted 18 April 2013\nA storm hit.", datetime(2013, 4, 18, tzinfo=UTC), 0),
        (
            "Updated 09:15 BST, 18 April 2013\nA storm hit.",
            datetime(2013, 4, 18, 8, 15, tzinfo=UTC),
            60,
        ),
    ],
)
def test_header_dates_with_a_zone_keep_its_offset(
    body: str, published_at: datetime, offset: int
) -> None:
    dated = Dater(Settings(), now=NOW)(Article(body=body))
    assert (dated.published_at, dated.published_offset) == (published_at, offset)
