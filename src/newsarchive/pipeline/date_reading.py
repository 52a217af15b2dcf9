"""Reading one date string: the patterns built from ``data/dates.toml``, the hand-rolled
parser over them, dateparser (strict) as the fallback, and where in an article's header a date may
stand. Which of the readings an article's date is, is decided in :mod:`.dates`.

    >>> from datetime import UTC, datetime
    >>> reader = DateReader(datetime(2020, 1, 1, tzinfo=UTC))
    >>> reader.read("18 April 2013").local
    datetime.datetime(2013, 4, 18, 0, 0, tzinfo=datetime.timezone.utc)
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from functools import cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

DATE_ORDERS = ("DMY", "MDY", "YMD", "")
"""Values of the ``date_order`` setting: how all-numeric dates such as ``12/01/2016`` are read."""

_CACHE_SIZE = 4096  # distinct date strings remembered (manifests repeat them); cleared when full
_SPILL = 60  # a date may run this far past the header window, as long as it starts inside it
# A date standing alone must have its line, or a cell of it, to itself: cells are split by "|"
# and by the dots and bullets sites print between byline, date and reading time
# ("5 min read · Mar 14, 2019", "14 March 2019 • 10:22am", "Mar 14, 2019 ∙ Paid").
_CELLS = "|·•∙"
_LINE_STARTS = "\n" + _CELLS
_SENTENCE_STARTS = "\n|.!?"  # a cue word may open a sentence of text glued into one paragraph
_SEGMENT_LEAD = " \t-–—•·∙*(["  # may stand between a line/sentence start and a header date
_SEGMENT_TAIL = " \t)]*.,;"  # may follow a date standing alone, before its line ends
# after a date standing alone: a zone or country label ("March 14, 2019 GMT", "10:22, UK")
# (or glued to the next cell: "4:22 PM UTCUpdated 2 hours ago")
_LABEL_TAIL = re.compile(r",?[ \t]*[A-Z]{2,4}(?:[ \t]*(?=$|\n)|(?=[A-Z][a-z]))")
# a line of running prose: a few words ending in a lower-case word or a comma, no full stop
_PROSE_END = re.compile(r"(?:\S+\s+){3,}(?:[a-z][\w'’-]*|\S*,)\s*$")
_CUE_PREFIX = re.compile(r"(?:^|\n)[ \t]*(?:[A-Z][a-z]+[ \t]+){1,2}$")  # "Page last updated"


@dataclass(frozen=True, slots=True)
class Reading:
    """A date read from one string.

    ``local`` is timezone-aware, in the zone the text printed (UTC when it printed none), so
    ``local.date()`` is the day as printed; ``utc`` is what is stored as ``published_at``.
    """

    local: datetime
    precision: str  # day, minute, second
    text: str  # the exact string the date was read from
    note: str | None = None  # a doubt that did not stop the reading (a weekday that disagrees)
    source: str | None = None  # set where one step has several sources (an HTML page's dates)

    @property
    def offset_minutes(self) -> int:
        """Minutes east of UTC of the zone the source printed (0 for UTC, a day, or no zone)."""
        delta = self.local.utcoffset()
        return 0 if delta is None or self.precision == "day" else int(delta.total_seconds() // 60)

    @property
    def utc(self) -> datetime:
        if self.precision == "day":  # a day with no time is stored at midnight UTC, not shifted
            return datetime(self.local.year, self.local.month, self.local.day, tzinfo=UTC)
        return self.local.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Problem:
    """A string that looks like a date but was not used, and why (``reason`` completes a sentence)."""

    text: str
    reason: str
    source: str | None = None  # as Reading.source


# --- tables and patterns ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Tables:
    months: dict[str, int]
    weekdays: dict[str, int]
    zones: dict[str, tzinfo]
    earliest: datetime
    header_chars: int
    header_lines: int
    cue_gap: int
    updated_cues: frozenset[str]
    day_first_languages: frozenset[str]
    languages: tuple[str, ...]
    header_languages: tuple[str, ...]
    textual: re.Pattern[str]
    iso: re.Pattern[str]
    numeric: re.Pattern[str]
    cue: re.Pattern[str]
    zone_offset: re.Pattern[str]


def _alternation(words: Any) -> str:
    # Longest first, so that "Sept" wins over "Sep" and "Last updated" over "updated".
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def _zone_value(value: str) -> tzinfo:
    m = re.fullmatch(r"([+-])(\d{2}):(\d{2})", value)
    if m is None:
        return ZoneInfo(value)
    sign = -1 if m[1] == "-" else 1
    return timezone(sign * timedelta(hours=int(m[2]), minutes=int(m[3])))


def _time(p: str) -> str:
    return (
        rf"(?P<{p}H>[0-2]?[0-9])[:.](?P<{p}M>[0-5][0-9])(?:[:.](?P<{p}S>[0-5][0-9])(?:[.,][0-9]+)?)?"
        rf"(?:\s?(?P<{p}ap>[ap])\.?m\b\.?)?"
    )


def _zone(p: str, abbreviations: str) -> str:
    # Case-sensitive inside a case-insensitive pattern: "at", "on" and "Et" are never zones.
    return (
        rf"(?-i:(?P<{p}z>(?:GMT|UTC)\s?[+-][0-9]{{1,2}}(?::?[0-9]{{2}})?"
        rf"|[+-](?:[0-9]{{1,2}}:[0-9]{{2}}|[0-9]{{4}}|[0-9]{{2}})\b|(?:{abbreviations})\b))"
    )


def _build_patterns(
    months: str, weekdays: str, zones: str, cues: str
) -> tuple[re.Pattern[str], ...]:
    year = r"[0-9]{4}"  # implausible years are read, then rejected with a note
    textual = rf"""
        (?<![0-9A-Za-z])
        (?:{_time("t1")}(?:\s*{_zone("t1", zones)})?\s*(?:,|\bon\b|-|\|)?\s*)?   # 14:11 EST, / 1:25 AM on
        (?:(?P<wd1>{weekdays})\b\.?,?\s*)?                                     # Tuesday / Thu,
        (?:
            (?P<dd>[0-3]?[0-9])(?:st|nd|rd|th)?\.?(?:\s+(?:of\s+)?|-)(?P<dm>{months})\b\.?(?:,?\s+|-)(?P<dy>{year})
          | (?P<mm>{months})\b\.?\s+(?P<md>[0-3]?[0-9])(?:st|nd|rd|th)?,?\s+(?P<my>{year})
        )(?:(?![0-9])|(?=[0-9]{{1,2}}:[0-5][0-9]))          # "20194:22 PM": a scraped page glued them
        (?:\s*,\s*(?P<wd2>{weekdays})\b)?                                      # ,Thursday
        (?:\s*,?\s*(?:at\s+|-\s*|[|/•·∙]\s*)?{_time("t2")}(?:\s*{_zone("t2", zones)})?)?  # 08.34 BST, • 10:22am
    """
    iso = rf"""
        (?<![0-9])(?P<y>{year})
        (?:(?P<sep>[-/.])(?P<m>[0-9]{{1,2}})(?P=sep)(?P<d>[0-9]{{1,2}}) | (?P<cm>[01][0-9])(?P<cd>[0-3][0-9]))
        (?:(?:T|(?:\s+|,\s*)(?=[0-9]{{1,2}}:))(?P<tH>[0-2]?[0-9]):?(?P<tM>[0-5][0-9])(?::?(?P<tS>[0-5][0-9])(?:[.,][0-9]+)?)?
           (?:\s*{_zone("t", zones)})?)?
        (?![0-9])
    """
    numeric = rf"""
        (?<![0-9.])(?P<a>[0-9]{{1,2}})(?P<sep>[-/.])(?P<b>[0-9]{{1,2}})(?P=sep)(?P<c>[0-9]{{4}}|[0-9]{{2}})
        (?![0-9])(?:(?:\s+|,\s*|\s*-\s*){_time("t")}(?:\s*{_zone("t", zones)})?)?
    """
    flags = re.IGNORECASE | re.VERBOSE
    return (
        re.compile(textual, flags),
        re.compile(iso, flags),
        re.compile(numeric, flags),
        re.compile(rf"\b(?P<cue>{cues})\b", re.IGNORECASE),
    )


@cache
def _tables() -> _Tables:
    """The shipped tables, compiled once per process."""
    raw = tomllib.loads(
        resources.files("newsarchive").joinpath("data", "dates.toml").read_text(encoding="utf-8")
    )
    months = {k.lower(): int(v) for k, v in raw["months"].items()}
    weekdays = {k.lower(): int(v) for k, v in raw["weekdays"].items()}
    zones = {k: _zone_value(v) for k, v in raw["zones"].items()}
    header = raw["header"]
    cues = [*header["published_cues"], *header["updated_cues"]]
    textual, iso, numeric, cue = _build_patterns(
        _alternation(months), _alternation(weekdays), _alternation(zones), _alternation(cues)
    )
    earliest: date = raw["window"]["earliest"]
    return _Tables(
        months=months,
        weekdays=weekdays,
        zones=zones,
        earliest=datetime(earliest.year, earliest.month, earliest.day, tzinfo=UTC),
        header_chars=int(header["max_chars"]),
        header_lines=int(header["max_lines"]),
        cue_gap=int(header["max_cue_gap"]),
        updated_cues=frozenset(c.lower() for c in header["updated_cues"]),
        day_first_languages=frozenset(raw.get("html", {}).get("day_first_languages", ())),
        languages=tuple(raw["dateparser"]["languages"]),
        header_languages=tuple(raw["dateparser"]["header_languages"]),
        textual=textual,
        iso=iso,
        numeric=numeric,
        cue=cue,
        zone_offset=re.compile(r"(?:GMT|UTC)?\s?([+-])([0-9]{1,2}):?([0-9]{2})?"),
    )


# --- reading one matched date -----------------------------------------------------------------


def _hour(hour: int, ampm: str | None) -> int | None:
    if ampm is None:
        return hour if hour <= 23 else None
    if not 1 <= hour <= 12:
        return None
    return hour % 12 + (12 if ampm.lower() == "p" else 0)


def _tz(token: str | None, tables: _Tables) -> tzinfo:
    if token is None:
        return UTC  # no zone printed: read as UTC (docs/dates.md says so)
    if token in tables.zones:
        return tables.zones[token]
    m = tables.zone_offset.fullmatch(token)
    if m is None:  # pragma: no cover - the patterns only let known zones through
        return UTC
    offset = timedelta(hours=int(m[2]), minutes=int(m[3] or 0))
    return timezone(-offset if m[1] == "-" else offset)


def _compose(
    text: str,
    ymd: tuple[int, int, int],
    m: re.Match[str],
    p: str,
    tables: _Tables,
    weekday: str | None = None,
) -> Reading | Problem:
    """Build a reading from a match's date parts and its time group ``p`` (if any matched)."""
    year, month, day = ymd
    try:
        day_date = date(year, month, day)
    except ValueError:
        return Problem(text, "is not a real calendar date")
    note = None
    if weekday is not None and tables.weekdays[weekday.lower()] != day_date.weekday():
        note = f"{weekday} does not match {day_date:%A %Y-%m-%d}; the date was kept"
    if m[f"{p}H"] is None:
        local = datetime(year, month, day, tzinfo=UTC)
        return Reading(local, "day", text, note)
    hour = _hour(int(m[f"{p}H"]), m.groupdict().get(f"{p}ap"))
    if hour is None:
        return Problem(text, "has an impossible time of day")
    second = m[f"{p}S"]
    try:
        zone = _tz(m[f"{p}z"], tables)
        local = datetime(year, month, day, hour, int(m[f"{p}M"]), int(second or 0), tzinfo=zone)
        local.astimezone(UTC)  # 31 December 9999, 23:00 -05:00 is past the calendar's end
    except (ValueError, OverflowError):  # "+99:00", or beyond year 9999 in UTC
        return Problem(text, "has an impossible time zone offset or lies outside the calendar")
    return Reading(local, "second" if second else "minute", text, note)


def _from_textual(m: re.Match[str], text: str, tables: _Tables) -> Reading | Problem:
    if m["dy"] is not None:
        ymd = (int(m["dy"]), tables.months[m["dm"].lower()], int(m["dd"]))
    else:
        ymd = (int(m["my"]), tables.months[m["mm"].lower()], int(m["md"]))
    p = "t1" if m["t1H"] is not None else "t2"
    return _compose(text, ymd, m, p, tables, m["wd1"] or m["wd2"])


def _from_iso(m: re.Match[str], text: str, tables: _Tables) -> Reading | Problem:
    if m["m"] is not None:
        ymd = (int(m["y"]), int(m["m"]), int(m["d"]))
    else:
        ymd = (int(m["y"]), int(m["cm"]), int(m["cd"]))
    return _compose(text, ymd, m, "t", tables)


def _two_digit_year(yy: int, now: datetime) -> int:
    # 26 -> 2026 while that is not in the future, else 1926.
    year = 2000 + yy
    return year if year <= now.year else year - 100


def _numeric_ymd(m: re.Match[str], order: str, now: datetime) -> tuple[int, int, int] | str:
    """The (year, month, day) an all-numeric date means under ``order``, or why it cannot say."""
    a, b, c = int(m["a"]), int(m["b"]), int(m["c"])
    if len(m["c"]) == 2:  # 14-12-29: nothing in the string says which part is the year
        if not order:
            return "has a two-digit year; set date_order (DMY, MDY or YMD) for this source"
        ymd = {
            "DMY": (_two_digit_year(c, now), b, a),
            "MDY": (_two_digit_year(c, now), a, b),
            "YMD": (_two_digit_year(a, now), b, c),
        }[order]
        return ymd if _valid(ymd) else f"is not a valid {order} date"
    if order in ("DMY", "MDY"):
        ymd = (c, b, a) if order == "DMY" else (c, a, b)
        return ymd if _valid(ymd) else f"is not a valid {order} date"
    readings = {ymd for ymd in ((c, b, a), (c, a, b)) if _valid(ymd)}
    if len(readings) == 1:  # 25/12/2016 can only be day-first; 05/05/2016 reads the same both ways
        return readings.pop()
    if not readings:
        return "is not a real calendar date"
    return "could be day-first or month-first; set date_order (DMY or MDY) for this source"


def _valid(ymd: tuple[int, int, int]) -> bool:
    try:
        date(*ymd)
    except ValueError:
        return False
    return True


def _from_numeric(
    m: re.Match[str], text: str, order: str, now: datetime, tables: _Tables
) -> Reading | Problem:
    ymd = _numeric_ymd(m, order, now)
    if isinstance(ymd, str):
        return Problem(text, ymd)
    return _compose(text, ymd, m, "t", tables)


def _precision_of(text: str) -> str:
    if re.search(r"[0-9]:[0-5][0-9]:[0-5][0-9]", text):
        return "second"
    if re.search(r"[0-9][:.][0-5][0-9]|[0-9]\s?[ap]\.?m\b", text, re.IGNORECASE):
        return "minute"
    return "day"


# --- where header dates may stand --------------------------------------------------------------


def _header_window(body: str, tables: _Tables) -> str:
    """The first ``max_lines`` non-empty lines of ``body``, cut near ``max_chars``."""
    head = body[: tables.header_chars + _SPILL]
    end = seen = 0
    for line in head.split("\n"):
        end += len(line) + 1
        if line.strip():
            seen += 1
            if seen >= tables.header_lines:
                break
    return head[:end]


def _opens_segment(text: str, start: int, boundaries: str) -> bool:
    """True if ``start`` follows one of ``boundaries`` (or the start), bullets and dashes aside."""
    i = start - 1
    while i >= 0 and text[i] in _SEGMENT_LEAD:
        if text[i] in boundaries:  # "·" is a cell boundary where boundaries name it
            return True
        i -= 1
    return i < 0 or text[i] in boundaries


def _closes_line(text: str, end: int) -> bool:
    """True if only closing punctuation (or a zone label: "GMT", ", UK") stands between ``end``
    and the end of its line or cell, or the next cell is glued on ("UTCUpdated 2 hours ago")."""
    if 0 < end < len(text) and text[end].isupper() and text[end - 1].isalnum():
        return True
    i = end
    while i < len(text) and text[i] in _SEGMENT_TAIL:
        i += 1
    if i >= len(text) or text[i] in "\n" + _CELLS:
        return True
    if text[i] == "/" and text[i - 1 : i] == " ":  # "MARCH 14, 2019 / 10:22 AM / UPDATED"
        return True
    return _LABEL_TAIL.match(text, end) is not None


def _continues_sentence(text: str, start: int, end: int) -> bool:
    """True if the date at ``start:end`` carries on the previous line's sentence: the previous
    line, with no blank line between, is prose that stops mid-sentence, and the date ends a
    clause ("...the debentures due" / "April 15, 2007."). A byline ("By Jane Okafor") or a cue
    line ("Published on") ends in a capital or is too short; a headline above a header date
    ("Ferry strike called off" / "Tuesday 26 April 2016 08.34 BST") has no stop after the date."""
    line_start = text.rfind("\n", 0, start) + 1
    if line_start == 0 or text[end:].lstrip(" \t")[:1] not in (".", ",", ";"):
        return False
    previous = text[text.rfind("\n", 0, line_start - 1) + 1 : line_start - 1]
    return bool(previous.strip()) and _PROSE_END.search(previous) is not None


@dataclass(frozen=True, slots=True)
class _Cue:
    start: int
    end: int
    updated: bool


_PUBLISHED, _ALONE, _UPDATED = 0, 1, 2  # header ranks: a published cue beats all


def _cues(window: str, tables: _Tables) -> list[_Cue]:
    return [
        _Cue(m.start(), m.end(), m["cue"].lower() in tables.updated_cues)
        for m in tables.cue.finditer(window)
        if _opens_segment(window, m.start(), _SENTENCE_STARTS)
        # "Page last updated at", "Story published": one or two words may open the cue's line
        or _CUE_PREFIX.search(window, 0, m.start()) is not None
    ]


def _cue_before(window: str, start: int, cues: list[_Cue], gap: int) -> _Cue | None:
    """The nearest cue that introduces a date starting at ``start`` (same line, close by)."""
    for cue in reversed(cues):
        if cue.end <= start:
            between = window[cue.end : start]
            if start - cue.end <= gap and "\n" not in between and "|" not in between:
                return cue
            return None
    return None


# --- the reader -------------------------------------------------------------------------------


ReadOutcome = Reading | Problem


class DateReader:
    """Reads date strings, whole (a manifest cell, a metadata field) or found in a URL, a path or
    an article's header. ``now`` bounds two-digit years. Build one per process: it keeps the
    compiled tables, dateparser's parsers and the strings already read."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.tables = _tables()
        # dateparser's DateDataParser per (date order, languages), built on first need
        self._parsers: dict[tuple[str, tuple[str, ...]], Any] = {}
        self._cache: dict[tuple[str, str], ReadOutcome | None] = {}

    # Workers rebuild the dateparser parsers and the cache rather than receive them pickled.
    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_parsers": {}, "_cache": {}}

    def read(self, text: str, date_order: str = "") -> ReadOutcome | None:
        """Read one whole date string: a :class:`Reading`, a :class:`Problem` (looks like a date,
        not used, and why), or ``None`` for an empty string (cached: manifests repeat dates)."""
        key = (text, date_order)
        if key not in self._cache:
            if len(self._cache) >= _CACHE_SIZE:
                self._cache.clear()
            self._cache[key] = self._read_whole(text, date_order)
        return self._cache[key]

    def read_iso(self, value: str) -> ReadOutcome | None:
        """``value`` read only as an ISO date (``YYYY-MM-DD``); None if it is not one."""
        m = self.tables.iso.fullmatch(value.strip())
        return None if m is None else _from_iso(m, value, self.tables)

    def _read_whole(self, text: str, order: str) -> ReadOutcome | None:
        s = text.strip()
        if not s:
            return None
        t = self.tables
        if m := t.iso.fullmatch(s):
            return _from_iso(m, text, t)
        if m := t.textual.fullmatch(s.rstrip(".")):
            return _from_textual(m, text, t)
        if m := t.numeric.fullmatch(s):
            return _from_numeric(m, text, order, self.now, t)
        if not order and (m := t.numeric.search(s)):
            # dateparser would pick an order silently; a wrong month is worse than no date.
            return _from_numeric(m, text, order, self.now, t)
        if re.search(r"[^\W\d_]", s) is None:  # digits only (an epoch, an id): not a date we read
            return Problem(text, "could not be read as a date")
        found = self._dateparse(s, text, order, t.languages)
        return found or Problem(text, "could not be read as a date")

    def _dateparse(
        self, candidate: str, text: str, order: str, languages: tuple[str, ...]
    ) -> Reading | None:
        """The fallback: dateparser, strict, on a short string already cut out."""
        parser = self._parsers.get((order, languages))
        if parser is None:
            from dateparser.date import DateDataParser  # slow import: only when a string needs it

            settings: dict[str, Any] = {
                "PREFER_DATES_FROM": "past",
                "REQUIRE_PARTS": ["day", "month", "year"],
                "STRICT_PARSING": True,
                "RETURN_AS_TIMEZONE_AWARE": True,
                "TIMEZONE": "UTC",  # naive times are UTC; zoned ones are converted to UTC
                "PARSERS": ["absolute-time"],  # no "today", "in 40 years", no epoch numbers
            }
            if order:
                settings["DATE_ORDER"] = order
            parser = DateDataParser(languages=list(languages), settings=settings)
            self._parsers[order, languages] = parser
        try:
            found: datetime | None = parser.get_date_data(candidate).date_obj
            local = None if found is None else found.astimezone(UTC)
        except (ValueError, OverflowError):  # dateparser's own limits on hostile strings
            return None
        return None if local is None else Reading(local, _precision_of(candidate), text)

    def link_dates(self, link: str) -> Iterator[ReadOutcome]:
        """Dates in a URL or a path: ``2015/03/06``, ``2016-04-26``, ``20160426`` (year first)."""
        for m in _LINK_DATE.finditer(link):
            parts = (m["y"], m["m"], m["d"]) if m["y"] else (m["cy"], m["cm"], m["cd"])
            ymd = (int(parts[0]), int(parts[1]), int(parts[2]))
            if _valid(ymd):  # an id that merely looks like a date is passed over silently
                yield Reading(datetime(*ymd, tzinfo=UTC), "day", m[0])

    def header_dates(self, body: str, order: str) -> Iterator[ReadOutcome]:
        """Header dates in rank order: a published cue's, one standing alone, an update cue's."""
        t = self.tables
        window = _header_window(body, t)
        cues = _cues(window, t)
        if not cues and _DIGIT.search(window) is None:
            return
        found: list[tuple[int, int, ReadOutcome]] = []
        used: set[int] = set()
        for m in _header_matches(window, t):
            start, end = m.span()
            cue = _cue_before(window, start, cues, t.cue_gap)
            if cue is not None:
                rank, start = (_UPDATED if cue.updated else _PUBLISHED), cue.start
                used.add(cue.start)
            elif (
                _opens_segment(window, start, _LINE_STARTS)
                and _closes_line(body, end)
                and not _continues_sentence(window, start, end)
            ):
                rank = _ALONE
            else:  # a date in running text is never a publication date
                continue
            found.append((rank, start, self._read_match(m, window[start:end], order)))
        found.extend(self._unread_cues(window, cues, used, order))
        found.sort(key=lambda item: item[:2])
        for _rank, _start, outcome in found:
            yield outcome

    def _read_match(self, m: re.Match[str], text: str, order: str) -> ReadOutcome:
        t = self.tables
        if m.re is t.textual:
            return _from_textual(m, text, t)
        if m.re is t.iso:
            return _from_iso(m, text, t)
        return _from_numeric(m, text, order, self.now, t)

    def _unread_cues(
        self, window: str, cues: list[_Cue], used: set[int], order: str
    ) -> Iterator[tuple[int, int, ReadOutcome]]:
        """A cue followed by a date in a form the patterns do not know: ask dateparser."""
        for cue in cues:
            if cue.start in used:
                continue
            rest = window[cue.end : cue.end + _SPILL]
            lead = len(rest) - len(rest.lstrip(":.- \t"))
            segment = _SEGMENT_END.split(rest[lead:], maxsplit=1)[0]
            if not _YEAR_AND_WORD.search(segment):
                continue
            text = window[cue.start : cue.end + lead + len(segment)]
            reading = self._dateparse(segment, text, order, self.tables.header_languages)
            if reading is not None:
                yield (_UPDATED if cue.updated else _PUBLISHED), cue.start, reading


_LINK_DATE = re.compile(
    r"(?<![0-9])(?P<y>(?:1[89]|20)[0-9]{2})(?P<sep>[/_.-])(?P<m>[01]?[0-9])(?P=sep)(?P<d>[0-3]?[0-9])(?![0-9])"
    r"|(?<![0-9A-Za-z])(?P<cy>(?:1[89]|20)[0-9]{2})(?P<cm>[01][0-9])(?P<cd>[0-3][0-9])(?![0-9A-Za-z])"
)
_SEGMENT_END = re.compile(r"[\n|]|\.\s")  # where a cue's sentence ends in glued text

_DIGIT = re.compile(r"\d")
_YEAR_AND_WORD = re.compile(r"(?=.*\b(?:1[89]|20)[0-9]{2}\b)(?=.*[^\W\d_]{3})")


def _header_matches(window: str, tables: _Tables) -> Iterator[re.Match[str]]:
    """Every date-shaped span of the header window, in the forms a header uses; never one
    that runs across a blank line ("Tuesday, 1 March" / "" / "2000 GMT kick-off")."""
    for m in tables.textual.finditer(window):
        if "\n\n" not in m[0] and "\n\r\n" not in m[0]:
            yield m
    for m in tables.iso.finditer(window):
        if m["m"] is not None:  # 20160426 is an id as often as a date: not read from text
            yield m
    for m in tables.numeric.finditer(window):
        if len(m["c"]) == 4:  # 16/04/26 in running text is not read
            yield m
