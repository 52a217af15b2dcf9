"""The article view: metadata, date and tag evidence, clean text, and the raw text with removals marked."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

import newsarchive
from newsarchive import store
from newsarchive.analysis.common import snapshot
from newsarchive.analysis.show import (
    ArticleNotFound,
    explain_tags,
    find_doc_id,
    ingest_settings,
    load_article,
    marked_text,
    render_article,
    render_evidence,
    show_article,
)
from newsarchive.article import Removal
from newsarchive.settings import Settings
from test_corpus_api import ARTICLES, Fixture, build_corpus

UNDATED_VIEW = """\
Ferries cancelled as storm hits coast
=====================================
doc_id        9a0b1c2d3e4f5a85
source        courier
source_path   /archive/courier/9a0b1c.txt (txt, utf-8)
kind          article · en · 22 words
ingested      2026-01-05 12:00 UTC, run 20260105T120000Z-abc123

Date
  undated
  date_note     no date in the text or metadata

Tags
  topics
    weather    taxonomy:weather    matched “storm”
    transport  taxonomy:transport  matched “ferries”
  places
    Dover  gazetteer  matched “Dover”
  countries
    GB  place:Dover  matched “Dover”

Removed 1 span: prompt/follow 1

Text
----------------------------------------
Ferries cancelled as storm hits coast

All ferries from Dover were cancelled as the storm was forecast to strike the coast overnight."""

RAW_TAIL = """\
Removed 3 spans: byline/by 1, player/video-loading 1, related/read-more 1

Raw text (removed spans marked [-…-]{rule})
----------------------------------------
Junior doctors strike over contract

[-By Ann Clarke-]{byline/by}

Junior doctors in England walked out on Tuesday in the first full strike in the history of the NHS.

[-Video Loading-]{player/video-loading}

The British Medical Association said the strike would go ahead after talks with Jeremy Hunt failed.

[-READ MORE: Hospitals brace for walkout-]{related/read-more}
"""


@pytest.fixture(scope="module")
def fx(tmp_path_factory: pytest.TempPathFactory) -> Fixture:
    return build_corpus(tmp_path_factory.mktemp("show"), index=False)


def test_the_article_view(fx: Fixture) -> None:
    assert render_article(load_article(fx.corpus, "9a0b1c2d3e4f5a85")) == UNDATED_VIEW


def test_dated_article_shows_the_date_evidence(fx: Fixture) -> None:
    view = render_article(load_article(fx.corpus, "1e2a7"))
    assert view.split("\n\n")[1] == (
        "Date\n"
        "  published_at  2016-04-26 07:34 UTC (minute)\n"
        "  date_source   header\n"
        '  date_text     "26 April 2016 07:34"'
    )
    assert "authors       Ann Clarke" in view


def test_raw_view_marks_each_removed_span_with_its_rule(fx: Fixture) -> None:
    view = render_article(load_article(fx.corpus, "1e2a7"), raw=True)
    assert view.endswith(RAW_TAIL)


def test_marking_is_pluggable() -> None:
    body = "Rain fell.\nVideo Loading\nRivers rose."
    spans = [{"text": "Video Loading", "rule": "player/video-loading", "start": 11, "end": 24}]
    assert marked_text(body, spans, lambda t, r: f"<del title={r}>{t}</del>") == (
        "Rain fell.\n<del title=player/video-loading>Video Loading</del>\nRivers rose."
    )


def test_spans_are_found_by_text_when_offsets_disagree() -> None:
    body = "Video Loading\nRain fell. Share this\nVideo Loading\nEnd."
    spans = [  # offsets from a different version of the text, in order
        {"text": "Video Loading", "rule": "player", "start": 3, "end": 16},
        {"text": "Share this", "rule": "share", "start": 20, "end": 30},
        {"text": "Video Loading", "rule": "player", "start": 40, "end": 53},
        {"text": "Gone", "rule": "lost", "start": 60, "end": 64},
    ]
    assert marked_text(body, spans) == (
        "[-Video Loading-]{player}\nRain fell. [-Share this-]{share}\n"
        "[-Video Loading-]{player}\nEnd.\n\n"
        "Removed spans not found in the text:\n  [-Gone-]{lost}"
    )


def test_html_articles_are_rebuilt_from_the_page(tmp_path: Path) -> None:
    page = (
        "<html><head><title>Flood warning</title></head><body><article>"
        "<h1>Flood warning for York</h1><p>The river rose overnight.</p><p>Video Loading</p>"
        "<p>Residents were told to move cars.</p></article></body></html>"
    )
    kept = (
        "Flood warning for York\n\nThe river rose overnight.\n\nResidents were told to move cars."
    )
    html = dataclasses.replace(
        ARTICLES[2],
        doc_id="abcdef0123456789",
        format="html",
        raw_text=page,
        text=kept,
        removed=[Removal("Video Loading", "player/video-loading", 50, 63)],
    )
    fx = build_corpus(tmp_path, [html], index=False)
    view = render_article(load_article(fx.corpus, "abcdef"), raw=True)
    assert view.endswith(
        "Flood warning for York\n\nThe river rose overnight.\n\n"
        "[-Video Loading-]{player/video-loading}\n\nResidents were told to move cars."
    )


def test_ids_and_unique_prefixes(fx: Fixture) -> None:
    dataset = snapshot(fx.corpus)
    assert find_doc_id(dataset, "1e2a99d0c3b4a502") == "1e2a99d0c3b4a502"
    assert find_doc_id(dataset, " 1E2A9 ") == "1e2a99d0c3b4a502"
    with pytest.raises(ArticleNotFound) as err:
        find_doc_id(dataset, "1e2a")
    assert str(err.value) == (
        "id prefix '1e2a' matches 2 articles (1e2a7c40b5d90f11, 1e2a99d0c3b4a502); "
        "give more characters"
    )
    with pytest.raises(ArticleNotFound, match="no article with id 'cafe' in this corpus"):
        find_doc_id(dataset, "cafe")
    with pytest.raises(ArticleNotFound, match="give an article id"):
        find_doc_id(dataset, "  ")


def test_tag_evidence_lists_every_tag_even_without_evidence() -> None:
    row = {
        "topics": ["health", "strikes"],
        "people": [],
        "tag_evidence": [
            {"field": "topics", "value": "health", "rule": "taxonomy:health", "matched": "NHS"},
            {"field": "topics", "value": "health", "rule": "title", "matched": "doctors"},
            {
                "field": "people",
                "value": "Ann Clarke",
                "rule": "byline",
                "matched": "By Ann Clarke",
            },
        ],
    }
    assert render_evidence(row) == (
        "topics\n"
        "  health   taxonomy:health         matched “NHS”\n"
        "  health   title                   matched “doctors”\n"
        "  strikes  (no evidence recorded)\n"
        "people\n"
        "  Ann Clarke  byline  matched “By Ann Clarke”"
    )
    assert render_evidence({"tag_evidence": []}) == "(no tags)"


def test_tags_explain(fx: Fixture) -> None:
    assert explain_tags(fx.corpus, "5b7c") == (
        "5b7c1d2e3f405163  York counts the cost of floods\n"
        "topics\n"
        "  weather  taxonomy:weather  matched “floods, burst its banks”\n"
        "places\n"
        "  York  gazetteer  matched “York”\n"
        "countries\n"
        "  GB  place:York  matched “York”"
    )


def test_raw_view_is_rebuilt_with_the_settings_of_the_ingest(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(
        "Harbour wall repaired\n\nBy Ann Lee\n\n"
        "Workers repaired the harbour wall at Whitby after the storm of last week damaged it.\n",
        encoding="utf-8",
    )
    corpus = tmp_path / "corpus"
    settings = newsarchive.load_settings().with_values(max_line_chars=40)
    newsarchive.ingest([src], corpus=corpus, index=False, jobs=1, settings=settings)
    row = load_article(corpus, store.read_corpus(corpus, columns=["doc_id"])[0][0].as_py())
    assert ingest_settings(corpus, row["ingest_run"]).max_line_chars == 40
    assert ingest_settings(corpus, "20000101T000000Z-gone00") == Settings()  # no record: shipped
    # the long line broken at 40 characters, as the cleaner saw it (not as the shipped 200000)
    assert show_article(corpus, row["doc_id"], raw=True).endswith(
        "-" * 40 + "\nHarbour wall repaired\n\n[-By Ann Lee-]{byline/by-line}\n\n"
        "Workers repaired the harbour wall at\nWhitby after the storm of last week\n"
        "damaged it.\n"
    )
