"""Collocates: the words that keep company with a node word (AntConc's and Sketch Engine's view).

For each occurrence of the node word, the ``window`` words on each side are its context. Counts
follow Evert's window-based contingency table (Evert 2008, "Corpora and collocations"):

* ``O11`` (``together``): tokens of the collocate inside the node's windows, each token once
  even where two windows overlap;
* ``R1``: tokens inside the windows (node occurrences themselves excluded);
* ``C1`` (``freq``): tokens of the collocate in the whole sub-corpus; ``N``: all its tokens;
* expected ``E11 = R1 * C1 / N``, and the other cells of the 2x2 table by subtraction.

Measures: ``log_dice = 14 + log2(2 * O11 / (f_node + C1))`` (Rychlý 2008), ``mi = log2(O11 / E11)``,
``t_score = (O11 - E11) / sqrt(O11)`` and ``log_likelihood`` = G² = 2 Σ O ln(O / E) over the four
cells. The sub-corpus is the hits of a query, or the whole corpus (in scope). Tokens are runs of
letters (with inner apostrophes), lower-cased; stopwords are never listed as collocates but
count as tokens, so a window spans the same text whatever the list holds.

>>> table = count_collocates(["the strike ended; the strike began"], "strike", window=1)
>>> sorted((c.term, c.together, c.freq) for c in table)
[('began', 1, 1), ('ended', 1, 1)]
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

from ..errors import UsageError
from ..storage import CorpusPath
from .common import Scope, read_columns, snapshot, tables_by_part
from .hits import hit_ids
from .keyness import stopwords

Measure = Literal["log_dice", "mi", "t_score", "log_likelihood"]
MEASURES: tuple[str, ...] = get_args(Measure)
COLUMNS = ("term", "together", "freq", "log_dice", "mi", "t_score", "log_likelihood")
DEFAULT_WINDOW = 5
DEFAULT_MIN_FREQ = 3
DEFAULT_LIMIT = 25

_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


@dataclass(frozen=True, slots=True)
class Collocate:
    """One collocate of the node: its counts and the four measures (rounded to 4 places)."""

    term: str
    together: int  # O11: its tokens inside the node's windows
    freq: int  # C1: its tokens in the sub-corpus
    log_dice: float
    mi: float
    t_score: float
    log_likelihood: float

    def to_dict(self) -> dict[str, str | int | float]:
        return {c: getattr(self, c) for c in COLUMNS}


@dataclass(frozen=True, slots=True)
class _Counts:
    node: int  # occurrences of the node word
    window: int  # R1
    tokens: int  # N
    together: Counter[str]
    freq: Counter[str]


def tokens(text: str) -> list[str]:
    """The words of ``text``, lower case.

    >>> tokens("Nurses' pay: the BMA's 3% offer")
    ['nurses', 'pay', 'the', "bma's", 'offer']
    """
    return [t.replace("’", "'") for t in _TOKEN.findall(text.lower())]


def _count(texts: Iterable[str], node: str, window: int) -> _Counts:
    together: Counter[str] = Counter()
    freq: Counter[str] = Counter()
    n_node = n_window = n_tokens = 0
    for text in texts:
        words = tokens(text)
        freq.update(words)
        n_tokens += len(words)
        at = [i for i, w in enumerate(words) if w == node]
        if not at:
            continue
        n_node += len(at)
        inside: set[int] = set()
        for i in at:
            inside.update(range(max(0, i - window), min(len(words), i + window + 1)))
        inside.difference_update(at)
        n_window += len(inside)
        together.update(words[i] for i in inside)
    return _Counts(n_node, n_window, n_tokens, together, freq)


def count_collocates(
    texts: Iterable[str],
    node: str,
    *,
    window: int = DEFAULT_WINDOW,
    min_freq: int = 1,
    keep_stopwords: bool = False,
) -> list[Collocate]:
    """Every collocate of ``node`` in ``texts`` seen together at least ``min_freq`` times."""
    node = node.lower().replace("’", "'")
    counts = _count(texts, node, window)
    skip = frozenset() if keep_stopwords else stopwords()
    found = []
    for term, o11 in counts.together.items():
        if o11 < min_freq or term in skip or term == node:
            continue
        found.append(_measures(term, o11, counts.freq[term], counts))
    return found


def _measures(term: str, o11: int, c1: int, counts: _Counts) -> Collocate:
    n, r1 = counts.tokens, counts.window
    e11 = r1 * c1 / n
    cells = (
        (o11, e11),
        (r1 - o11, r1 * (n - c1) / n),
        (c1 - o11, (n - r1) * c1 / n),
        (n - r1 - c1 + o11, (n - r1) * (n - c1) / n),
    )
    g2 = 2 * sum(o * math.log(o / e) for o, e in cells if o > 0 and e > 0)
    return Collocate(
        term=term,
        together=o11,
        freq=c1,
        log_dice=round(14 + math.log2(2 * o11 / (counts.node + c1)), 4),
        mi=round(math.log2(o11 / e11), 4),
        t_score=round((o11 - e11) / math.sqrt(o11), 4),
        log_likelihood=round(g2, 4),
    )


def rank(found: Sequence[Collocate], measure: Measure, limit: int | None) -> list[Collocate]:
    """Best first by ``measure``, ties by how often together, then alphabetically."""
    ordered = sorted(found, key=lambda c: (-getattr(c, measure), -c.together, c.term))
    return ordered if limit is None else ordered[:limit]


def collocates(
    word: str,
    query: str | None = None,
    *,
    corpus: str | CorpusPath = "corpus",
    index_dir: str | Path = "indexes",
    window: int = DEFAULT_WINDOW,
    min_freq: int = DEFAULT_MIN_FREQ,
    measure: Measure = "log_dice",
    limit: int | None = DEFAULT_LIMIT,
    keep_stopwords: bool = False,
    scope: Scope | None = None,
) -> list[Collocate]:
    """The collocates of ``word`` in the hits of ``query`` (or the whole corpus in ``scope``).

    >>> collocates("strike", "topic:health", window=4)[:1]  # doctest: +SKIP
    [Collocate(term='junior', together=41, freq=52, log_dice=11.93, mi=6.1, ...)]
    """
    if measure not in MEASURES:
        raise UsageError(f"unknown measure {measure!r}; use one of {', '.join(MEASURES)}")
    if window < 1 or min_freq < 1:
        raise UsageError("--window and --min-freq must be at least 1")
    if len(tokens(word)) != 1 or tokens(word)[0] != word.lower().replace("’", "'"):
        raise UsageError(f"WORD must be one word (letters only), not {word!r}")
    dataset = snapshot(corpus)
    if query is None:
        table = read_columns(dataset, ["text"], scope)
        texts: Iterable[str] = (t or "" for t in table.column("text").to_pylist())
    else:
        ids = hit_ids(query, corpus=corpus, index_dir=index_dir)
        texts = (
            t or ""
            for part in tables_by_part(dataset, ids, ["text"], scope)
            for t in part.column("text").to_pylist()
        )
    found = count_collocates(
        texts, word, window=window, min_freq=min_freq, keep_stopwords=keep_stopwords
    )
    return rank(found, measure, limit)
