"""A small reader for Reuters-21578 (SGML, as distributed) that evaluation tests can share.

Each ``<REUTERS>`` record becomes a dict::

    {"newid": "1", "date": "26-FEB-1987 15:01:01.79", "title": "BAHIA COCOA REVIEW",
     "dateline": "SALVADOR, Feb 26 -", "body": "Showers continued ...",
     "topics": ["cocoa"], "places": ["el-salvador", "usa", "uruguay"]}

The files are ASCII SGML with character references (``&lt;``, ``&#3;``) and one stray Latin-1
byte (``reut2-017.sgm``), so they are decoded as Latin-1, which cannot fail. Usage::

    from reuters import REUTERS_DIR, read_reuters
    for record in read_reuters(REUTERS_DIR):
        text = f"{record['dateline']} {unwrap(record['body'])}"
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

REUTERS_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "reuters21578"

_RECORD = re.compile(r"<REUTERS\b([^>]*)>(.*?)</REUTERS>", re.S)
_NEWID = re.compile(r'NEWID="(\d+)"')
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")


def _field(record: str, tag: str) -> str:
    m = re.search(rf"<{tag}>(.*?)</{tag}>", record, re.S)
    return _clean(m.group(1)) if m else ""


def _labels(record: str, tag: str) -> list[str]:
    m = re.search(rf"<{tag}>(.*?)</{tag}>", record, re.S)
    return re.findall(r"<D>(.*?)</D>", m.group(1)) if m else []


def _clean(value: str) -> str:
    text = _CONTROL.sub("", html.unescape(value)).strip()
    return text.removesuffix("Reuter").removesuffix("REUTER").strip()  # the wire's sign-off


def parse_records(sgml: str) -> Iterator[dict[str, object]]:
    """The records of one ``.sgm`` file's text, in file order."""
    for m in _RECORD.finditer(sgml):
        attrs, record = m.group(1), m.group(2)
        newid = _NEWID.search(attrs)
        yield {
            "newid": newid.group(1) if newid else "",
            "date": _field(record, "DATE"),
            "title": _field(record, "TITLE"),
            "dateline": _field(record, "DATELINE"),
            "body": _field(record, "BODY"),
            "topics": _labels(record, "TOPICS"),
            "places": _labels(record, "PLACES"),
        }


def unwrap(body: str) -> str:
    """The body as paragraphs: the wire's 70-column line breaks joined, paragraphs (indented
    lines) separated by a blank line, as the cleaning stage leaves text."""
    paragraphs = re.split(r"\n\s{2,}", body)
    return "\n\n".join(" ".join(p.split()) for p in paragraphs if p.strip())


def read_reuters(folder: Path = REUTERS_DIR) -> Iterator[dict[str, object]]:
    """Every record of the 22 ``reut2-*.sgm`` files, in file order."""
    for path in sorted(folder.glob("reut2-*.sgm")):
        yield from parse_records(path.read_bytes().decode("latin-1"))
