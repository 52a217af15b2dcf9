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
from collections import defaultdict
from pathlib import Path
from types import ModuleType

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
