"""The webpages development set (``../shared/data/webpages``) and its scoring, shared by the
evaluations of the structural cleaner (text dumps) and of HTML pages.

Scores follow the data set's own ``score.py`` (loaded from its path): per page, bag-of-words
token precision and recall against ``gold/NAME.txt``; per data set, F1 of the mean P and R.

    from webpages import PAGES, scores
"""

from __future__ import annotations

import csv
import functools
import importlib.util
import re
from collections import defaultdict
from pathlib import Path
from types import ModuleType

import lxml.html
from lxml import etree

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
PAGES = DATA / "webpages"


@functools.cache
def score_module() -> ModuleType:
    """The data set's own scorer (stdlib only), imported from its path."""
    spec = importlib.util.spec_from_file_location("webpages_score", PAGES / "score.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@functools.cache
def manifest() -> tuple[dict[str, str], ...]:
    """The rows of ``manifest.csv``: name, source_dataset, url, published."""
    with open(PAGES / "manifest.csv", newline="", encoding="utf-8") as fh:
        return tuple(csv.DictReader(fh))


def scores(texts: dict[str, str]) -> dict[str, tuple[float, float, float]]:
    """(mean P, mean R, F1 of the means) per data set and ``ALL``, for the clean text of each
    page by name; a page with no text scores as empty (P = R = 0)."""
    score = score_module()
    groups: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for row in manifest():
        gold = (PAGES / "gold" / f"{row['name']}.txt").read_text(encoding="utf-8")
        p, r, *_ = score.page_scores(texts.get(row["name"], ""), gold, 1)
        groups[row["source_dataset"]].append((p, r))
        groups["ALL"].append((p, r))
    out = {}
    for ds, values in groups.items():
        mp = sum(v[0] for v in values) / len(values)
        mr = sum(v[1] for v in values) / len(values)
        out[ds] = (mp, mr, 2 * mp * mr / (mp + mr) if mp + mr else 0.0)
    return out


# The dump recipe of the data set's README ("How the dump was made"), for pages outside it.
_BLOCK_TAGS = """address article aside blockquote body button caption center dd details dialog dir
div dl dt fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 header hr iframe legend li main
menu nav ol optgroup option p pre section select summary table tbody td tfoot th thead tr ul"""
_BLOCKS = frozenset(_BLOCK_TAGS.split())
_DROPPED = frozenset({"head", "script", "style", "noscript", "template"})
_SPACE = re.compile(r"\s+")


def naive_dump(data: bytes) -> str:
    """A page's naive plain-text dump made as the development set's ``text/`` was: decoded as
    UTF-8 (errors replaced), every block-level element starts and ends a block, ``<br>`` breaks
    a line, white space collapsed, head/script/style/comments dropped; one block per line with
    a blank line between blocks. "" when lxml cannot parse the page."""
    try:
        root = lxml.html.document_fromstring(data.decode("utf-8", errors="replace").encode())
    except (etree.ParserError, ValueError):
        return ""
    blocks: list[str] = []
    pieces: list[str] = []

    def end_block() -> None:
        lines = (_SPACE.sub(" ", line).strip() for line in "".join(pieces).split("\n"))
        block = "\n".join(line for line in lines if line)
        if block:
            blocks.append(block)
        pieces.clear()

    def walk(element: etree._Element) -> None:
        tag = element.tag.lower() if isinstance(element.tag, str) else None
        if tag == "br":
            pieces.append("\n")
        elif tag is not None and tag not in _DROPPED:
            if tag in _BLOCKS:
                end_block()
            pieces.append((element.text or "").replace("\n", " "))
            for child in element:
                walk(child)
            if tag in _BLOCKS:
                end_block()
        pieces.append((element.tail or "").replace("\n", " "))

    walk(root)
    end_block()
    return "\n\n".join(blocks) + "\n"
