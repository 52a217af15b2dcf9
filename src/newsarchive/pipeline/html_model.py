"""Which lines of an HTML page are boilerplate: trafilatura's choice, checked by a model that
also reads the page's markup.

trafilatura picks a page's main text well, but when it picks the wrong block (a comment thread,
a 2008 layout cell with its menus, a sidebar) nothing after it can tell. The HTML model reads
each line of the page's visible text with three kinds of evidence:

* the shape of the line and of its neighbours: the structural cleaner's features
  (:data:`~newsarchive.pipeline.clean_structure.FEATURES`);
* the markup around it (:data:`~newsarchive.pipeline.html.DOM_FEATURES`): whether an ancestor's
  class or id says comment, footer, nav, sidebar, share or article, whether it sits in
  ``<nav>``, ``<footer>``, ``<aside>``, a list or a table, how deep, how much of it is link text,
  whether its block is a paragraph, a list item, a heading or a table cell;
* trafilatura's vote (:data:`VOTE_FEATURES`): the share of the line's words it kept, and how
  much of the neighbourhood it kept.

A small gradient-boosted tree model (``data/html-model.npz``, trained by
``bench/train_html.py`` on ``../shared/data/webpages``, evaluated with numpy as the
structural cleaner's is) turns them into the probability that the line is boilerplate; a line at
or above the level's threshold is removed as ``html/boilerplate`` with that score (the threshold
is higher for a line trafilatura kept than for one it left out: see :data:`THRESHOLDS`). With
``clean.structure = "off"`` trafilatura's choice stands alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from importlib import resources

import numpy as np

from ..article import Removal
from . import clean_structure as cs
from .decode import normalise
from .html import (
    _LINE,
    _SHARE,
    _SHORT,
    BOILERPLATE_RULE,
    DOM_FEATURES,
    Page,
    boilerplate,
    kept_shares,
)

MODEL_FILE = "html-model.npz"
VOTE_FEATURES = ("kept_share", "kept", "kept_around", "inside_kept", "nothing_kept")
FEATURES = (*cs.FEATURES, *DOM_FEATURES, *VOTE_FEATURES)
# The probability of boilerplate at or above which a line goes, per level: for a line trafilatura
# kept, and for one it left out. Overruling trafilatura asks for more than agreeing with it: the
# pairs were chosen on the out-of-fold figures of bench/train_html.py (docs/html.md), balanced as
# the best overall F1 that costs no data set more than 0.005 against trafilatura alone.
THRESHOLDS = {"conservative": (0.85, 0.6), "balanced": (0.7, 0.5), "aggressive": (0.5, 0.3)}
_AROUND = 3  # lines either side whose trafilatura vote is averaged


def features(
    lines: Sequence[str], rows: Sequence[tuple[float, ...]], shares: Sequence[float]
) -> np.ndarray:
    """The feature matrix of a page's lines (columns as :data:`FEATURES`), float32.

    ``rows`` are the lines' markup (:attr:`~newsarchive.pipeline.html.Page.rows`), ``shares``
    the share of each line's words trafilatura kept (all ``-1`` when it kept nothing).
    """
    n = len(lines)
    text = cs.line_features(lines, [False] * n)
    dom = np.array(rows, dtype=np.float32).reshape(n, len(DOM_FEATURES))
    share = np.asarray(shares, dtype=np.float32).reshape(n)
    none = bool(n) and bool((share < 0).all())
    kept = (share >= 0.5).astype(np.float32)
    window = np.ones(2 * _AROUND + 1, dtype=np.float32) / (2 * _AROUND + 1)
    around = np.convolve(kept, window)[_AROUND : _AROUND + n]  # centred; pages of any length
    seen = np.flatnonzero(kept)
    inside = np.zeros(n, dtype=np.float32)
    if len(seen):
        inside[seen[0] : seen[-1] + 1] = 1
    votes = np.stack([share, kept, around, inside, np.full(n, float(none), np.float32)], axis=1)
    return np.concatenate([text, dom, votes.astype(np.float32)], axis=1)


@lru_cache(maxsize=1)
def model() -> cs.TreeModel:
    """The shipped model (read once per process, when the first page needs it)."""
    path = resources.files("newsarchive.data").joinpath(MODEL_FILE)
    with path.open("rb") as fh, np.load(fh) as data:
        return cs.TreeModel.load(data, FEATURES)


def trafilatura_kept(shares: Sequence[tuple[float, int]]) -> np.ndarray:
    """Whether trafilatura's choice keeps each line, from :func:`kept_shares`: the rule of
    :func:`~newsarchive.pipeline.html.boilerplate` (every line when it found no main text)."""
    return np.array([s < 0 or (s == 1 if n < _SHORT else s >= _SHARE) for s, n in shares], bool)


def line_rows(page: Page, lines: int) -> Sequence[tuple[float, ...]] | None:
    """The markup row of each of the ``lines`` lines of the page's normalised visible text:
    :attr:`Page.rows` less those of lines that normalising emptied (a lone zero-width space);
    None if they still do not match."""
    rows: Sequence[tuple[float, ...]] = page.rows
    if len(rows) != lines:
        texts = [t for t in page.text.split("\n") if t.strip()]
        if len(texts) == len(rows):
            rows = [r for t, r in zip(texts, rows, strict=True) if _LINE.search(normalise(t))]
    return rows if len(rows) == lines else None


def page_removals(body: str, page: Page, level: str) -> list[Removal]:
    """The lines of ``body`` (``page``'s visible text, normalised) that go, as
    ``html/boilerplate`` removals: scored by the model at ``level``, or trafilatura's choice
    alone when ``level`` is ``off`` or the page's lines cannot be matched to its markup.

    A page whose every line would go keeps trafilatura's choice: a page the model reads as all
    boilerplate is one it does not understand.
    """
    lines = list(_LINE.finditer(body))
    rows = line_rows(page, len(lines))
    if level == "off" or not lines or rows is None:
        return boilerplate(body, page.main)
    counted = kept_shares(body, page.main)
    shares = [share for share, _ in counted]
    proba = model().predict(features([m.group() for m in lines], rows, shares))
    drop = proba >= np.where(trafilatura_kept(counted), *THRESHOLDS[level])
    if drop.all():
        return boilerplate(body, page.main)
    return [
        Removal(m.group(), BOILERPLATE_RULE, m.start(), m.end(), round(float(p), 3))
        for m, p, d in zip(lines, proba.tolist(), drop.tolist(), strict=True)
        if d
    ]
