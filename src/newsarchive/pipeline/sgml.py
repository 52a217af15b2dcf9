"""Reuters-21578 SGML (``.sgm``): one file holds about a thousand ``<REUTERS>`` records.

:func:`records` splits a file's text into :class:`Record` values (metadata read, body not yet
composed); :func:`article_text` turns one record's SGML into the text the cleaner works on: the
headline, a blank line, then the dateline and the body with the wire's 70-column line breaks
joined (:func:`unwrap_wire`, a small function so that a general unwrapper can replace it).

The files are ASCII SGML with character references (``&lt;``, ``&#3;``) and the odd Latin-1
byte, so they are decoded as Latin-1, which cannot fail.

>>> sgm = ('<REUTERS NEWID="7"><DATE> 2-MAR-1987 09:10:11.12</DATE><TOPICS><D>grain</D></TOPICS>'
...        '<PLACES><D>usa</D></PLACES><TEXT><TITLE>WHEAT UP</TITLE><DATELINE> CHICAGO, March 2 - '
...        '</DATELINE><BODY>Wheat rose\\nsharply.\\n    Traders said so.\\n Reuter\\n&#3;</BODY>'
...        '</TEXT></REUTERS>')
>>> record, = records(sgm)
>>> record.newid, record.date, record.topics, record.places
('7', '2-MAR-1987 09:10:11.12', ('grain',), ('usa',))
>>> print(article_text(record.sgml))
WHEAT UP
<BLANKLINE>
CHICAGO, March 2 - Wheat rose sharply.
<BLANKLINE>
Traders said so.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass

SGML_FORMATS = {".sgm": "sgml"}
ENCODING = "latin-1"

_RECORD = re.compile(r"<REUTERS\b([^>]*)>(.*?)</REUTERS>", re.S)
_NEWID = re.compile(r'NEWID="(\d+)"')
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")
_TEXT = re.compile(r"<TEXT\b[^>]*>(.*?)</TEXT>", re.S)
_TAG = re.compile(r"<[^>]+>")
# The wire's sign-off on the last line of a story: ``Reuter`` (or ``REUTER``), alone.
_SIGN_OFF = re.compile(r"\n\s*reuter\s*$", re.I)
# A new paragraph starts on an indented line; other line breaks are the wire's fixed width.
_PARAGRAPH = re.compile(r"\n[ \t]{2,}")


@dataclass(frozen=True, slots=True)
class Record:
    """One ``<REUTERS>`` element: its metadata, and its SGML verbatim (``raw_text``)."""

    newid: str
    date: str
    title: str
    topics: tuple[str, ...]
    places: tuple[str, ...]
    sgml: str


def records(text: str) -> Iterator[Record]:
    """The records of one ``.sgm`` file's text, in file order."""
    for m in _RECORD.finditer(text):
        attrs, body = m.group(1), m.group(2)
        newid = _NEWID.search(attrs)
        yield Record(
            newid=newid.group(1) if newid else "",
            date=_date(body),
            title=" ".join(_element(body, "TITLE").split()),
            topics=_labels(body, "TOPICS"),
            places=_labels(body, "PLACES"),
            sgml=m.group(0),
        )


def article_text(sgml: str) -> str:
    """Headline, blank line, dateline and unwrapped body of one record.

    Records without a ``<BODY>`` are briefs (a headline and a line of filler) or ``UNPROC``
    tables: their ``<TEXT>`` is kept with its own line breaks, as columns must stay in lines.
    """
    title = " ".join(_element(sgml, "TITLE").split())
    body = _element(sgml, "BODY")
    if body:
        dateline = " ".join(_element(sgml, "DATELINE").split())
        text = unwrap_wire(_SIGN_OFF.sub("", body))
        text = f"{dateline} {text}" if dateline else text
    else:
        m = _TEXT.search(sgml)
        inner = re.sub(r"<TITLE>.*?</TITLE>", "", m.group(1), flags=re.S) if m else ""
        text = _SIGN_OFF.sub("", _clean(_TAG.sub("", inner)).strip("*\n ")).strip()
    return "\n\n".join(part for part in (title, text) if part)


def unwrap_wire(body: str) -> str:
    """Paragraphs of a fixed-width wire body: lines joined, an indented line starts a paragraph.

    >>> unwrap_wire("Prices rose\\nsharply today.\\n    Dealers said so.")
    'Prices rose sharply today.\\n\\nDealers said so.'
    """
    paragraphs = _PARAGRAPH.split(body)
    return "\n\n".join(" ".join(p.split()) for p in paragraphs if p.strip())


def _element(record: str, tag: str) -> str:
    m = re.search(rf"<{tag}>(.*?)</{tag}>", record, re.S)
    return _clean(m.group(1)).strip() if m else ""


def _date(record: str) -> str:
    """The ``<DATE>`` text, without the wire's control codes some records carry after it
    (``27-MAR-1987 00:02:59.13&#5;&#5;&#5;RM``)."""
    m = re.search(r"<DATE>(.*?)</DATE>", record, re.S)
    return _clean(m.group(1).split("&#", 1)[0]).strip() if m else ""


def _labels(record: str, tag: str) -> tuple[str, ...]:
    m = re.search(rf"<{tag}>(.*?)</{tag}>", record, re.S)
    return tuple(re.findall(r"<D>(.*?)</D>", m.group(1))) if m else ()


def _clean(value: str) -> str:
    """Character references resolved; control characters (the wire's ``&#2;``, ``&#3;``) gone."""
    return _CONTROL.sub("", html.unescape(value))
