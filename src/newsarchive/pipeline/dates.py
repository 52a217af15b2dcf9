"""Publication dates with evidence: the dating stage of ``newsarchive ingest``.

A cascade, most trusted source first; each source is asked only while ``published_at`` is empty:

1. ``manifest``: the date column the user supplied (``Article.given_date``);
2. an HTML page's dates (``Article.html_dates``, in the HTML stage's trust order), each recording
   where it came from: ``html-meta`` (``<meta>`` tags), ``json-ld`` (``datePublished``, salvaged
   from malformed blocks too), ``html-rdf`` (``dc:date``), ``html-time`` (``<time>``,
   ``itemprop``), then ``htmldate`` (htmldate over the markup, never the body text);
3. ``url``: ``/2015/03/06/``, ``2016-04-26``, ``/20160426/`` in ``Article.url``;
4. ``path``: the same forms in the file name or folders (the one nearest the file name wins);
5. ``header``: a date line near the top of ``Article.body``: after a cue word (``PUBLISHED:.``,
   ``Last updated at``, ``Posted``) opening a line or sentence, or standing alone on its line;
6. ``cli``: the batch-wide ``--date``; 7. ``mtime``: the file's modification time, when asked for.

Dates are never searched for in running text: a header candidate must be a cue's date or stand
alone, within the first few lines. Known forms are read by a hand-rolled parser (regexes built from
``data/dates.toml``); dateparser, with strict settings and no relative dates, is only a fallback
for strings cut out that way and is imported on first need (all in :mod:`.date_reading`; this
module decides which reading to trust).

Example::

    >>> from newsarchive.settings import Settings
    >>> article = Article(body="By. Jane Doe. PUBLISHED:. 22:08 EST, 18 April 2013. |. A storm hit...")
    >>> article = Dater(Settings())(article)
    >>> article.published_at, article.date_source, article.date_precision
    (datetime.datetime(2013, 4, 19, 3, 8, tzinfo=datetime.timezone.utc), 'header', 'minute')
    >>> article.date_text
    'PUBLISHED:. 22:08 EST, 18 April 2013'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from ..article import Article
from ..errors import UsageError
from ..settings import Settings
from .date_reading import DATE_ORDERS, DateReader, Problem, Reading, ReadOutcome
from .html import BOILERPLATE_RULE

__all__ = ["DATE_ORDERS", "Dater", "Dating", "Problem", "ReadOutcome", "Reading"]


@dataclass(frozen=True, slots=True)
class Dating:
    """What the cascade decided for one article: the reading used, its source, and the notes."""

    reading: Reading | None
    source: str | None
    notes: tuple[str, ...] = ()


# --- the stage ---------------------------------------------------------------------------------


# one source of the cascade: the readings it offers for an article, best first
_Source = Callable[["Dater", Article, str], Iterator[ReadOutcome]]


class Dater:
    """The dating stage: fills ``published_at``, ``date_source``, ``date_text``, ``date_precision``
    and ``date_note`` of an article whose ``published_at`` is still empty.

    Build one per process and call it on each article. ``cli_date`` is the batch-wide ``--date``
    (``YYYY-MM-DD``); ``use_mtime`` allows the file's modification time as a last resort; ``now``
    (default: the time the Dater is built) bounds plausible dates from above. ``corpus_range``
    (the first and last day the corpus's trusted sources gave) is evidence a header date is
    checked against, with years in the URL or path, a manifest's crawl date and the
    ``date_range`` setting: a header date more than ``header_date_span_days`` from any of them
    is kept in ``date_note`` as a candidate, not stored.

    >>> dater = Dater(Settings())
    >>> dater(Article(given_date="03 Aug 2017,Thursday")).published_at
    datetime.datetime(2017, 8, 3, 0, 0, tzinfo=datetime.timezone.utc)
    """

    def __init__(
        self,
        settings: Settings,
        *,
        cli_date: str | None = None,
        use_mtime: bool = False,
        now: datetime | None = None,
        corpus_range: tuple[datetime, datetime] | None = None,
    ) -> None:
        self.settings = settings
        self.use_mtime = use_mtime
        self.corpus_range = corpus_range
        self._ranges: dict[str, tuple[datetime, datetime] | None] = {}
        self.now = (now or datetime.now(UTC)).astimezone(UTC)
        _check_orders(settings)
        self.reader = DateReader(self.now)
        self._tables = self.reader.tables
        self._orders: dict[str, str] = {}
        self.cli_reading = None if cli_date is None else self._read_cli(cli_date)

    def __call__(self, article: Article) -> Article:
        if article.published_at is not None:  # an earlier stage already dated it
            return article
        dating = self.find(article)
        article.date_note = "; ".join(dating.notes) or None
        if dating.reading is not None:
            article.published_at = dating.reading.utc
            article.published_offset = dating.reading.offset_minutes
            article.date_source = dating.source
            article.date_text = dating.reading.text
            article.date_precision = dating.reading.precision
        return article

    def find(self, article: Article) -> Dating:
        """Run the cascade without touching ``article``: the reading used, its source, the notes.

        ``find(article).reading.local.date()`` is the day as the source printed it (in its zone).
        """
        order = self.date_order(article.source)
        notes: list[str] = []
        for source, step in self._STEPS:
            for outcome in step(self, article, order):
                named = outcome.source or source
                if isinstance(outcome, Reading):
                    rejected = self._implausible(outcome)
                    if rejected is None and source == "header":
                        rejected = self._far_from_evidence(article, outcome)
                    if rejected is None:
                        if outcome.note:
                            notes.append(f"{named} date {outcome.text!r}: {outcome.note}")
                        return Dating(outcome, named, tuple(notes))
                    outcome = rejected
                notes.append(f"{named} date {outcome.text!r} {outcome.reason}")
        return Dating(None, None, tuple(notes))

    def read(self, text: str, date_order: str = "") -> ReadOutcome | None:
        """Read one whole date string, as found in a manifest cell or a metadata field.

        Returns a :class:`Reading`, a :class:`Problem` (looks like a date, not used, and why), or
        ``None`` for an empty string. Readings outside the plausible window are not checked here.

        >>> Dater(Settings()).read("12/01/2016").reason
        'could be day-first or month-first; set date_order (DMY or MDY) for this source'
        """
        return self.reader.read(text, date_order)

    def date_order(self, source: str) -> str:
        """The ``date_order`` setting for ``source`` (cached: asked once per article)."""
        order = self._orders.get(source)
        if order is None:
            order = self._orders[source] = self.settings.for_source(source).date_order
        return order

    # --- the cascade's sources ---------------------------------------------------------------

    def _from_manifest(self, article: Article, order: str) -> Iterator[ReadOutcome]:
        if article.given_date:
            outcome = self.read(article.given_date, order)
            if outcome is not None:
                yield outcome

    def _from_html(self, article: Article, order: str) -> Iterator[ReadOutcome]:
        # 03.08.2017 on a German page is the 3rd of August: the page's language settles the order
        # the user left open (a date_order setting for the source still wins).
        if not order and article.html_language in self._tables.day_first_languages:
            order = "DMY"
        for origin, value in article.html_dates:
            outcome = self.read(value, order)
            if outcome is not None:
                yield replace(outcome, source=origin.split(":", 1)[0])

    def _from_url(self, article: Article, order: str) -> Iterator[ReadOutcome]:
        if article.url:
            yield from self.reader.link_dates(article.url)

    def _from_path(self, article: Article, order: str) -> Iterator[ReadOutcome]:
        # A WARC file's name dates the crawl, never the page (crawled_at keeps that apart).
        if article.source_path and article.format != "warc":
            path = article.source_path.split("#row=", 1)[0]
            # The date nearest the file name is the article's; an outer folder's is the batch's.
            yield from reversed(list(self.reader.link_dates(path)))

    def _from_header(self, article: Article, order: str) -> Iterator[ReadOutcome]:
        body = _without_page_furniture(article)
        if body:
            yield from self.reader.header_dates(body, order)

    def _from_cli(self, article: Article, order: str) -> Iterator[ReadOutcome]:
        if self.cli_reading is not None:
            yield self.cli_reading

    def _from_mtime(self, article: Article, order: str) -> Iterator[ReadOutcome]:
        if self.use_mtime and article.mtime is not None:
            try:
                when = datetime.fromtimestamp(article.mtime, UTC).replace(microsecond=0)
            except (ValueError, OverflowError, OSError):  # 64-bit file systems allow year 30000
                yield Problem(repr(article.mtime), "lies outside the calendar; not used")
                return
            yield Reading(when, "second", when.isoformat().replace("+00:00", "Z"))

    _STEPS: ClassVar[tuple[tuple[str, _Source], ...]] = (
        ("manifest", _from_manifest),
        ("html", _from_html),
        ("url", _from_url),
        ("path", _from_path),
        ("header", _from_header),
        ("cli", _from_cli),
        ("mtime", _from_mtime),
    )

    def _read_cli(self, value: str) -> Reading:
        outcome = self.reader.read_iso(value)
        if not isinstance(outcome, Reading):
            raise UsageError(f"--date: cannot read {value!r} as a date; use YYYY-MM-DD")
        rejected = self._implausible(outcome)
        if rejected is not None:
            raise UsageError(f"--date: {value!r} {rejected.reason}; use a date in that window")
        return outcome

    def _far_from_evidence(self, article: Article, reading: Reading) -> Problem | None:
        """A header date far from what else is known of the article's time: a date in the body
        that looked like a header (a bond's maturity, an anniversary) rather than its own."""
        span = self.settings.for_source(article.source).header_date_span_days
        when = reading.utc
        for label, (start, end) in self._evidence(article):
            gap = (start - when).days if when < start else (when - end).days
            if gap > span:
                return Problem(
                    reading.text,
                    f"is {gap:,} days from the {label}; kept as a candidate, not used "
                    f"(header_date_span_days = {span})",
                )
        return None

    def _evidence(self, article: Article) -> Iterator[tuple[str, tuple[datetime, datetime]]]:
        """What else says when the article was published, each as a span of time."""
        for where, link in (("URL", article.url), ("path", article.source_path)):
            years = [int(y) for y in _LINK_YEAR.findall(link or "")]
            if years:
                first, last = min(years), max(years)
                shown = str(first) if first == last else f"{first}-{last}"
                yield (
                    f"year in the {where} ({shown})",
                    (datetime(first, 1, 1, tzinfo=UTC), datetime(last, 12, 31, tzinfo=UTC)),
                )
        crawled = self._crawl_date(article)
        if crawled is not None:
            yield f"crawl date ({crawled:%Y-%m-%d})", (self._tables.earliest, crawled)
        setting = self._setting_range(article.source)
        if setting is not None:
            yield f"date_range setting ({setting[0]:%Y-%m-%d} to {setting[1]:%Y-%m-%d})", setting
        if self.corpus_range is not None:
            lo, hi = self.corpus_range
            yield f"corpus's dates ({lo:%Y-%m-%d} to {hi:%Y-%m-%d})", self.corpus_range

    def _crawl_date(self, article: Article) -> datetime | None:
        """The day the page was fetched (a WARC record's date, a manifest's column): nothing
        is published after it."""
        if article.crawled_at is not None:
            return article.crawled_at
        # the manifest's or dump's own columns, named as fields ("Crawl date" -> crawl_date)
        for key in _CRAWL_KEYS:
            for value in article.fields.get(key, []):
                if isinstance(reading := self.read(value), Reading):
                    return reading.utc
        return None

    def _setting_range(self, source: str) -> tuple[datetime, datetime] | None:
        """The ``date_range`` setting for ``source``, read once (a bad value fails at start)."""
        if source not in self._ranges:
            self._ranges[source] = _date_range(self.settings.for_source(source).date_range)
        return self._ranges[source]

    def _implausible(self, reading: Reading) -> Problem | None:
        when = reading.utc
        if when < self._tables.earliest:
            return Problem(reading.text, f"is before {self._tables.earliest:%Y-%m-%d}; not used")
        if when > self.now:
            return Problem(
                reading.text, f"is after the ingest time ({self.now:%Y-%m-%d %H:%M} UTC); not used"
            )
        return None


_LINK_YEAR = re.compile(r"(?<![0-9])(?:1[89]|20)[0-9]{2}(?![0-9])")  # "/1987/", "reuters-1987"
_CRAWL_KEYS = ("crawl_date", "crawled", "crawled_at", "fetched", "fetched_at", "retrieved")


def _date_range(value: Any) -> tuple[datetime, datetime] | None:
    """``["1987-01-01", "1987-12-31"]`` as UTC datetimes (the last day whole); ``[]`` is none."""
    if not value:
        return None
    try:
        first, last = (date.fromisoformat(str(v)) for v in value)
    except (TypeError, ValueError):
        raise UsageError(
            f'date_range is {value!r}; use two days, first and last: ["1987-01-01", "1987-12-31"]'
        ) from None
    return (
        datetime(first.year, first.month, first.day, tzinfo=UTC),
        datetime(last.year, last.month, last.day, 23, 59, 59, tzinfo=UTC),
    )


def _without_page_furniture(article: Article) -> str:
    """``body`` without the lines the HTML stage found outside the main text: a page's header
    window must start at its story, not at a menu or a ticker's "Monday, 8 November"."""
    cuts = [r for r in article.removed if r.rule == BOILERPLATE_RULE]
    if not cuts:
        return article.body
    pieces, pos = [], 0
    for r in sorted(cuts, key=lambda r: r.start):
        pieces.append(article.body[pos : r.start])
        pos = r.end
    pieces.append(article.body[pos:])
    return re.sub(r"\n{3,}", "\n\n", "".join(pieces)).strip()


def _check_orders(settings: Settings) -> None:
    """Fail at start-up, not per article, on a ``date_order`` value the stage cannot use."""
    values = [("settings", settings.date_order)]
    values += [
        (f"sources.{name}", table["date_order"])
        for name, table in settings.per_source.items()
        if "date_order" in table
    ]
    for table in [settings.values, *settings.per_source.values()]:
        if "date_range" in table:
            _date_range(table["date_range"])  # raises the one-line error now, not per article
    for where, value in values:
        if value not in DATE_ORDERS:
            raise UsageError(
                f"date_order in [{where}] is {value!r}; use 'DMY', 'MDY', 'YMD' or '' (leave undated)"
            )
