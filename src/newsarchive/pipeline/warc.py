"""WARC input (``.warc``, ``.warc.gz``): one article per HTML page a crawler stored.

Common Crawl's CC-NEWS and most web archives keep pages as WARC *response* records: the HTTP
response (status line, headers, body) with the crawler's own headers around it. Each response of
status 200 whose ``Content-Type`` is HTML becomes one :class:`~.inputs.Input` of format ``warc``;
its body goes through the same HTML path as an ``.html`` file (decoding, trafilatura, htmldate).
Every other response is reported with a reason: ``not-an-article`` for another status, another
content type or a revisit (like a README in a folder, these leave the exit code at 0);
``too-large`` and ``bad-warc`` (cut short) for pages lost. Request, metadata and
warcinfo records describe a crawl, not a page: they are passed over without a report line, or
a CC-NEWS file would report two lines for every article.

Two headers are kept: ``WARC-Target-URI`` as the article's ``url``, and ``WARC-Date`` as its
``crawled_at``: when the crawler saw the page. That is evidence the page existed by then, never
its publication date, so it is stored in its own column and the dating stages never read it
(nor the WARC file's name, which carries the crawl's date).

FastWARC reads the records (measured against warcio in ``bench/warc_read.py``: about 9× faster
on gzipped CC-NEWS-like files; see the README's library table).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, BinaryIO

from ..errors import Skip
from ..settings import Settings
from .inputs import MB, Input, Rejected, escape_path
from .reading import gunzip

if TYPE_CHECKING:
    from fastwarc.warc import WarcRecord

HTML_TYPES = ("text/html", "application/xhtml+xml")
CRAWLED_AT = "crawled_at"  # the meta key that carries WARC-Date to the article


def warc_inputs(
    path: str, root: str, settings: Settings, key: str = ""
) -> Iterator[Input | Rejected]:
    """Each response record of the WARC file at ``path``, as an :class:`Input` or a
    :class:`Rejected`; a file that cannot be read on ends in one ``bad-warc`` line."""
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    shown = escape_path(path)
    limit = int(settings.max_file_mb * MB)
    ratio = settings.max_decompression_ratio
    seen, last = 0, 0
    try:
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh, parse_http=True):
                last = record.stream_pos
                if record.record_type in (WarcRecordType.response, WarcRecordType.revisit):
                    seen += 1
                    yield _response(
                        record,
                        f"{shown}#offset={last}",
                        root,
                        limit,
                        ratio,
                        key and f"{key}#offset={last}",
                    )
            if _cut_member(fh, last, limit):
                yield Rejected(shown, "bad-warc", f"truncated gzip data{_after(seen)}")
    except OSError as exc:
        if exc.errno is None:  # FastWARC's own error: the bytes are not a WARC
            yield Rejected(shown, "bad-warc", f"{exc}{_after(seen)}")
        else:
            yield Rejected(shown, "unreadable", f"{exc.strerror or exc}{_after(seen)}")
    except Exception as exc:  # other errors on a damaged file have no common base
        yield Rejected(shown, "bad-warc", f"{type(exc).__name__}: {exc}{_after(seen)}")


def _cut_member(fh: BinaryIO, start: int, limit: int) -> bool:
    """Whether the gzip member holding the last record stops short of its end: the reader
    ends quietly there, and the record cut off in it would be lost without a word."""
    fh.seek(start)
    if fh.read(2) != b"\x1f\x8b":
        return False  # uncompressed: a record cut short shows in its own length check
    fh.seek(start)
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    while not inflater.eof:
        chunk = fh.read(1 << 16)
        if not chunk:
            return True
        inflater.decompress(chunk, limit)
    return False


def _after(seen: int) -> str:
    return f" (after {seen:,} response records)" if seen else ""


def _http_decoded(data: bytes, http: Any, limit: int, ratio: float) -> bytes:
    """The body as the server meant it: some crawlers store it as it came over the wire,
    chunked and gzipped (Common Crawl stores it decoded, and renames the headers)."""
    if "chunked" in (http.get("Transfer-Encoding") or "").lower():
        data = _dechunked(data)
    encoding = (http.get("Content-Encoding") or "").strip().lower()
    if encoding in ("gzip", "x-gzip") and data.startswith(b"\x1f\x8b"):
        return gunzip(data, limit, ratio)  # bounded like a .gz file: raises Skip
    if encoding == "deflate":
        inflater = zlib.decompressobj()
        try:
            out = inflater.decompress(data, limit + 1)
        except zlib.error as exc:
            raise Skip("bad-warc", f"deflate body cannot be read: {exc}") from None
        if len(out) > limit:
            raise Skip("too-large", f"more than max_file_mb = {limit // MB} MB once decompressed")
        return out
    if encoding in ("br", "zstd", "compress"):
        raise Skip("unsupported", f"body compressed with {encoding}")
    return data  # identity, or a header left over from a body stored decoded


def _dechunked(data: bytes) -> bytes:
    """A chunked transfer's body joined; the data as it is if it does not parse as chunks
    (a crawler that stored it decoded but kept the header)."""
    out: list[bytes] = []
    pos = 0
    while True:
        end = data.find(b"\r\n", pos)
        try:
            size = int(data[pos:end].split(b";", 1)[0], 16) if end > pos else -1
        except ValueError:
            return data
        if size < 0:
            return data
        if size == 0:
            return b"".join(out)
        out.append(data[end + 2 : end + 2 + size])
        pos = end + 2 + size + 2


def _response(
    record: WarcRecord, where: str, root: str, limit: int, ratio: float, key: str
) -> Input | Rejected:
    from fastwarc.warc import WarcRecordType

    if record.record_type == WarcRecordType.revisit:  # an unchanged page: stored earlier
        return Rejected(where, "not-an-article", "revisit record (the page is stored elsewhere)")
    http = record.http_headers
    if http is None or http.status_code is None:
        return Rejected(where, "bad-warc", "response record without an HTTP header")
    if http.status_code != 200:
        return Rejected(where, "not-an-article", f"HTTP status {http.status_code}, not 200")
    content_type = (record.http_content_type or "").lower()
    if content_type not in HTML_TYPES:
        return Rejected(
            where, "not-an-article", f"content type {content_type or 'missing'}, not HTML"
        )
    size = record.content_length
    if size > limit:
        return Rejected(
            where, "too-large", f"{size / MB:.1f} MB, above max_file_mb = {limit // MB}"
        )
    data = record.reader.read(size + 1)
    if len(data) < size:
        return Rejected(where, "bad-warc", f"record cut short: {len(data):,} of {size:,} bytes")
    try:
        data = _http_decoded(data, http, limit, ratio)
    except Skip as skip:
        return Rejected(where, skip.reason, skip.detail)
    meta = {"url": record.headers.get("WARC-Target-URI") or ""}
    crawled = record.headers.get("WARC-Date")
    if crawled:
        meta[CRAWLED_AT] = crawled
    return Input(
        where,
        "warc",
        None,
        root,
        {k: v for k, v in meta.items() if v},
        mtime=None,  # the WARC file's time is the crawl's, not the page's (--date-from-mtime)
        encoding=record.http_charset,
        key=key,
        data=data,
    )
