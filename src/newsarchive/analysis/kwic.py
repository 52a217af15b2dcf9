"""Keyword in context: every occurrence of a query's words in the hits, with the text around it.

Matches are the words the search matched the article by, analysed as the index analysed them
(in the article's language): ``strike`` also shows *strikes*, a Chinese word shows wherever its
characters stand together, an Arabic word also shows with its article. Lines are aligned by
display width (:func:`pad`), so that wide (CJK) characters line up in a terminal.

>>> line, = concordance_lines("d1", None, "wire", "Nurses joined the strikes on Monday.", query_matcher("strike"), 12, "en")
>>> (line.left, line.match, line.right)
(' joined the ', 'strikes', ' on Monday.')
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal, get_args

from ..errors import UsageError
from ..storage import CorpusPath
from .common import Scope, in_printed_zone, read_columns, rows_in_order, snapshot
from .hits import QueryMatcher, hit_ids, query_matcher

if TYPE_CHECKING:
    import pyarrow.dataset as pads

Sort = Literal["date", "left", "right", "none"]
SORTS: tuple[str, ...] = get_args(Sort)
COLUMNS = ("doc_id", "date", "source", "left", "match", "right")
DEFAULT_WIDTH = 40

_WORD = re.compile(r"\w+")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class KwicLine:
    """One occurrence: ``left`` + ``match`` + ``right`` is the text around it, on one line."""

    doc_id: str
    published_at: datetime | None
    source: str
    left: str
    match: str
    right: str
    offset: int  # where the match starts in the clean text

    @property
    def date(self) -> str:
        """The publication day, ``YYYY-MM-DD``, or ``""`` for an undated article."""
        return self.published_at.date().isoformat() if self.published_at else ""

    def to_dict(self) -> dict[str, str]:
        return {c: getattr(self, c) for c in COLUMNS}


class Concordance(list[KwicLine]):
    """The lines of a concordance (a list), with the true totals when a ``limit`` cut it short.

    ``occurrences`` and ``articles`` count every occurrence in scope, not only the lines kept:
    ``kwic oil --limit 8`` prints "8 of 3,795 occurrences in 1,230 articles".
    """

    def __init__(self, lines: list[KwicLine], occurrences: int, articles: int) -> None:
        super().__init__(lines)
        self.occurrences = occurrences
        self.articles = articles


def concordance_lines(
    doc_id: str,
    published_at: datetime | None,
    source: str,
    text: str,
    pattern: QueryMatcher,
    width: int,
    language: str | None = None,
) -> list[KwicLine]:
    """The occurrences of ``pattern`` in ``text`` (in ``language``), with up to ``width``
    characters each side.

    White space (line and paragraph breaks included) is shown as one space, so each occurrence
    fits on one line.
    """
    lines = []
    # Raw context is cut wider than ``width``: collapsing white space may shorten it.
    reach = 2 * width + 16
    for start, end in pattern.spans(text, language):
        left = _one_line(text[max(0, start - reach) : start])[-width:] if width else ""
        right = _one_line(text[end : end + reach])[:width]
        match = _one_line(text[start:end])
        lines.append(KwicLine(doc_id, published_at, source, left, match, right, start))
    return lines


def cells(text: str) -> int:
    """The columns ``text`` takes in a terminal: CJK characters two, combining marks none."""
    from wcwidth import wcswidth

    width: int = wcswidth(text)
    if width < 0:  # a control character: counted one column each, as a terminal may show it
        from wcwidth import wcwidth

        width = sum(max(wcwidth(c), 0) or (0 if c.isprintable() else 1) for c in text)
    return width


def fit_left(text: str, width: int) -> str:
    """The end of ``text`` that fits ``width`` columns, padded on the left to exactly that.

    >>> fit_left("人口老龄化", 5), fit_left("ab", 4)
    (' 龄化', '  ab')
    """
    from wcwidth import wcwidth

    taken, used = len(text), 0
    while taken > 0 and used + max(wcwidth(text[taken - 1]), 0) <= width:
        taken -= 1
        used += max(wcwidth(text[taken]), 0)
    return " " * (width - used) + text[taken:]


def fit_right(text: str, width: int) -> str:
    """The start of ``text`` that fits ``width`` columns.

    >>> fit_right("老龄化问题", 5)
    '老龄'
    """
    from wcwidth import wcwidth

    taken, used = 0, 0
    while taken < len(text) and used + max(wcwidth(text[taken]), 0) <= width:
        used += max(wcwidth(text[taken]), 0)
        taken += 1
    return text[:taken]


def _one_line(text: str) -> str:
    """Each run of white space as one space (``str.split`` is many times faster than ``re.sub``).

    >>> _one_line(" the strike.\\n\\nNurses ")
    ' the strike. Nurses '
    """
    core = " ".join(text.split())
    if not core:
        return " " if text else ""
    return (" " if text[0].isspace() else "") + core + (" " if text[-1].isspace() else "")


def kwic(
    query: str,
    *,
    corpus: str | CorpusPath = "corpus",
    index_dir: str | Path = "indexes",
    width: int = DEFAULT_WIDTH,
    sort: Sort = "date",
    limit: int | None = None,
    scope: Scope | None = None,
) -> Concordance:
    """The concordance of ``query``: one :class:`KwicLine` per occurrence in its hits.

    ``sort``: ``date`` (oldest first, then by article and position), ``left`` / ``right`` (by the
    words just before / after the match, nearest first, ignoring case), or ``none`` (the search
    engine's order). With ``date`` or ``none`` and a ``limit``, lines stop being cut once enough
    are found; the rest of the hits are still read to count every occurrence (the totals).
    """
    if sort not in SORTS:
        raise UsageError(f"unknown sort {sort!r}; use one of {', '.join(SORTS)}")
    if width < 0 or (limit is not None and limit < 0):
        raise UsageError("--width and --limit must not be negative")
    pattern = query_matcher(query)
    # only ``none`` keeps the engine's order; the other sorts order the lines themselves
    ids = hit_ids(query, corpus=corpus, index_dir=index_dir, ranked=sort == "none")
    return concordance(
        snapshot(corpus), ids, pattern, width=width, sort=sort, limit=limit, scope=scope
    )


def concordance(
    dataset: pads.Dataset,
    ids: Sequence[str],
    pattern: QueryMatcher,
    *,
    width: int = DEFAULT_WIDTH,
    sort: Sort = "date",
    limit: int | None = None,
    scope: Scope | None = None,
) -> Concordance:
    """:func:`kwic` over the articles ``ids`` of an open corpus ``dataset``."""
    stops_early = sort in ("date", "none") and limit is not None
    if sort == "date" and stops_early:
        ids = _by_date(dataset, ids, scope)  # read in date order, to stop at the limit
    lines: list[KwicLine] = []
    occurrences = articles = 0
    columns = ["published_at", "published_offset", "source", "language", "text"]
    for row in rows_in_order(dataset, ids, columns, scope, lazy=stops_early):
        published = row["published_at"]
        if published is not None:  # the day as the source printed it
            published = in_printed_zone(published, row["published_offset"])
        if stops_early and limit is not None and len(lines) >= limit:
            # enough lines: only count the rest (no context is cut), so the totals are exact
            found = len(pattern.spans(row["text"], row["language"]))
        else:
            new = concordance_lines(
                row["doc_id"],
                published,
                row["source"],
                row["text"],
                pattern,
                width,
                row["language"],
            )
            lines += new
            found = len(new)
        occurrences += found
        articles += found > 0
    if sort == "date" and not stops_early:
        lines.sort(key=_order)  # cheaper than reading every article's date to order the ids first
    elif sort == "left":
        lines.sort(key=lambda ln: (_words(ln.left)[::-1], ln.match.lower(), *_order(ln)))
    elif sort == "right":
        lines.sort(key=lambda ln: (ln.match.lower(), _words(ln.right), *_order(ln)))
    return Concordance(lines if limit is None else lines[:limit], occurrences, articles)


def _by_date(dataset: pads.Dataset, ids: Sequence[str], scope: Scope | None) -> list[str]:
    """``ids`` in scope, oldest first (undated last), ties by id: read from two narrow columns."""
    import pyarrow as pa
    import pyarrow.compute as pc

    table = read_columns(dataset, ["doc_id", "published_at"], scope)
    table = table.filter(pc.is_in(table.column("doc_id"), value_set=pa.array(ids, pa.string())))
    # nulls (undated) sort last by default
    order = pc.sort_indices(
        table, sort_keys=[("published_at", "ascending"), ("doc_id", "ascending")]
    )
    return [str(i) for i in table.column("doc_id").take(order).to_pylist()]


def _words(context: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(context)]


def _order(line: KwicLine) -> tuple[bool, datetime, str, int]:
    """Date order (undated last), then article, then position: ``sort="date"``, and the
    tie-break of the other sorts."""
    undated = line.published_at is None
    return (undated, line.published_at or _EPOCH, line.doc_id, line.offset)
