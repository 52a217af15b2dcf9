"""The HTML model: the markup read around each line, and the lines it removes at each level."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsarchive.pipeline.html import DOM_FEATURES, boilerplate, extract
from newsarchive.pipeline.html_model import FEATURES, THRESHOLDS, line_rows, page_removals

FIXTURES = Path(__file__).parent / "fixtures" / "inputs"


def column(name: str) -> int:
    return DOM_FEATURES.index(name)


def test_each_line_gets_the_markup_around_it() -> None:
    found = extract(
        "<html><body><nav><ul><li><a href='/'>Home</a></li></ul></nav>"
        "<div class='comments'><p>First!<br>Great <a href='/x'>story</a></p></div>"
        "<article><h1>Bridge reopens</h1><p>The bridge reopened on Monday.</p></article>"
        "</body></html>"
    )
    assert (
        found.text
        == "Home\n\nFirst!\nGreat story\n\nBridge reopens\n\nThe bridge reopened on Monday."
    )
    rows = {line: dict(zip(DOM_FEATURES, row, strict=True)) for line, row in
            zip(found.text.replace("\n\n", "\n").split("\n"), found.rows, strict=True)}  # fmt: skip
    home, great, story = rows["Home"], rows["Great story"], rows["The bridge reopened on Monday."]
    assert (home["in_nav_tag"], home["in_list"], home["block_li"], home["link_share"]) == (
        1,
        1,
        1,
        1,
    )
    assert (great["in_comment"], great["block_p"], great["link_share"]) == (1, 1, 5 / 11)
    assert rows["First!"]["log_block_words"] == great["log_block_words"]  # one <p>, three words
    assert (story["in_article_tag"], story["in_nav_tag"], story["link_share"]) == (1, 0, 0)
    assert rows["Bridge reopens"]["block_heading"] == 1
    assert len(FEATURES) == len(set(FEATURES))


def test_a_line_emptied_by_normalising_loses_its_row() -> None:
    found = extract("<html><body><p>\u200b</p><p>Rain fell.</p><p>Rivers rose.</p></body></html>")
    assert len(found.rows) == 3
    assert line_rows(found, 2) == found.rows[1:]
    assert line_rows(found, 5) is None


def test_off_is_trafilaturas_choice() -> None:
    found = extract((FIXTURES / "page.html").read_text(encoding="utf-8"))
    assert page_removals(found.text, found, "off") == boilerplate(found.text, found.main)


@pytest.mark.parametrize("level", ["conservative", "balanced", "aggressive"])
def test_the_model_removes_lines_with_their_score(level: str) -> None:
    found = extract((FIXTURES / "page.html").read_text(encoding="utf-8"))
    removed = page_removals(found.text, found, level)
    assert removed
    for r in removed:
        assert found.text[r.start : r.end] == r.text
        assert r.rule == "html/boilerplate"
        assert r.score is not None and min(THRESHOLDS[level]) <= r.score <= 1
    gone = {r.text for r in removed}
    assert (
        "Councillors voted on Tuesday to build three new cycle lanes through the town centre."
        not in gone
    )
    assert "© 2016 The Riverside Gazette. All rights reserved." in gone
