"""What an ingest run reads: an :class:`Input` (one would-be article) or a :class:`Rejected` (an
input seen but not loadable, with its reason), the formats read, and how a file's path is
stored in ``source_path`` (:func:`escape_path`, :func:`real_path`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..errors import SkipReason

MB = 1 << 20
ARTICLE_FORMATS = {".txt": "txt", ".text": "txt", ".html": "html", ".htm": "html", ".xhtml": "html"}
DUMP_FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
ARCHIVE_FORMATS = {
    ".warc": "warc"
}  # web archives: one article per HTML response (pipeline/warc.py)
MANIFEST_NAME = "manifest.csv"
MAPPED_META = ("url", "date", "source", "title", "author", "crawled_at")  # the rest: Article.fields
SURROGATES = re.compile("[\udc80-\udcff]")


@dataclass(frozen=True, slots=True)
class DumpColumns:
    """Which columns (or JSON keys) of a ``.csv``/``.jsonl`` dump hold what."""

    text: str = "text"
    title: str = "title"
    date: str = "date"
    url: str = "url"
    source: str = "source"
    author: str = "author"


@dataclass(frozen=True, slots=True)
class Input:
    """One would-be article: cheap to create and to pickle (it travels to worker processes)."""

    source_path: str  # absolute path; ``path#row=N`` (1-based data row) for dump rows,
    # ``path#offset=N`` (the record's byte offset) for WARC records
    format: str  # txt, html, csv, jsonl, warc
    path: str | None  # the file to read; None for dump rows and WARC records
    root: str  # name of the PATH argument's folder: the default ``source``
    meta: Mapping[str, str]  # manifest / dump columns (url, date, source, title, author, others)
    text: str | None = None  # dump rows only
    mtime: float | None = None
    encoding: str | None = None  # dump rows: how the dump was decoded; WARC: the HTTP charset
    labels: tuple[tuple[str, tuple[str, ...]], ...] = ()  # a format's own multi-valued fields
    # where the input sits below the PATH argument (or the manifest's folder), ``#row=N``,
    # ``#newid=N`` or ``#offset=N`` added for a record: what ``doc_id`` hashes, so it is the
    # same on every disk
    key: str = ""
    data: bytes | None = None  # WARC records only: the page's bytes, decoded in the worker
    size: int | None = None  # files only: with the path and mtime, how a re-run knows it


@dataclass(frozen=True, slots=True)
class Rejected:
    """An input that was seen but cannot be loaded, with its reason code (see ``errors.Skip``)."""

    source_path: str
    reason: SkipReason
    detail: str


def escape_path(path: str) -> str:
    """``path`` as it is stored in ``source_path``: valid UTF-8 text that maps back losslessly.

    A file name is bytes; those that are not UTF-8 (a Latin-1 name on a UTF-8 system) are
    written ``\\xNN``, and a backslash as ``\\\\``, so :func:`real_path` recovers the exact
    name. Paths without either are stored as they are.

    >>> escape_path(os.fsdecode(b"/in/caf\\xe9.txt")), escape_path("/in/a\\\\b.txt")
    ('/in/caf\\\\xe9.txt', '/in/a\\\\\\\\b.txt')
    """
    if "\\" in path:
        path = path.replace("\\", "\\\\")
    if SURROGATES.search(path):
        return os.fsencode(path).decode("utf-8", "backslashreplace")
    return path


_ESCAPED = re.compile(r"\\(\\|x[0-9a-f]{2})")


def real_path(source_path: str) -> str:
    """The file a stored ``source_path`` names, as ``os`` functions take it (the inverse of
    :func:`escape_path`; ``os.fsencode`` gives its bytes). Dump rows end in ``#row=N``: strip
    that first to name the dump.

    >>> os.fsencode(real_path("/in/caf\\\\xe9.txt"))
    b'/in/caf\\xe9.txt'
    """
    if "\\" not in source_path:
        return source_path
    data = bytearray()
    pos = 0
    for m in _ESCAPED.finditer(source_path):
        data += source_path[pos : m.start()].encode("utf-8")
        code = m.group(1)
        data += b"\\" if code == "\\" else bytes([int(code[1:], 16)])
        pos = m.end()
    data += source_path[pos:].encode("utf-8")
    return os.fsdecode(bytes(data))


def inside(path: str, roots: Sequence[str]) -> bool:
    """``path`` is one of ``roots`` or below one (paths absolute and normalised)."""
    return any(path == r or path.startswith(r.rstrip(os.sep) + os.sep) for r in roots)
