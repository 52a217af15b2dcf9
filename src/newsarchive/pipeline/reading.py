"""Load one input into an :class:`~newsarchive.article.Article`: :func:`load` (run in worker
processes) reads the file within the size limits (``max_file_mb``, gzip bombs, FIFOs never
opened), decodes it and extracts HTML, raising :class:`~newsarchive.errors.Skip` when it cannot.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import zlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime

from ..article import PAGE_FORMATS, Article
from ..errors import Skip, UsageError
from ..settings import Settings
from .decode import (
    Decoded,
    decode,
    normalise,
    one_line,
    repair,
    strip_escapes,
    unwrap,
)
from .html import extract, split_authors
from .html_model import page_removals
from .inputs import MAPPED_META, MB, Input
from .sgml import article_text

# A DOCTYPE, with its internal subset if it has one; looked for in the page's first bytes only.
_DOCTYPE = re.compile(r"<!DOCTYPE\b[^\[>]*(?:\[.*?\][^>]*)?>", re.IGNORECASE | re.DOTALL)
_DOCTYPE_WINDOW = 65_536
_DECLARED_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)


def load(inp: Input, settings: Settings, *, source: str | None = None) -> Article:
    """Read, decode and (for HTML) extract one input; raise :class:`Skip` if it cannot be an article.

    ``raw_text`` is the decoded text as it was (mojibake repaired, when ``encoding`` says
    ``+ftfy``); ``body`` is what the cleaner works on: normalised text, or the page's visible text.
    """
    if inp.data is not None:
        declared = _declared_charset(inp.data) or inp.encoding
        decoded = decode(inp.data, declared=declared)
    elif inp.text is not None:
        decoded = _cell_text(inp)
    else:
        decoded = _file_text(inp, settings)
    raw, encoding = decoded.text, decoded.encoding
    raw, cut = _capped(raw, settings.max_article_chars)
    page = extract(strip_escapes(_without_doctype(raw))) if inp.format in PAGE_FORMATS else None
    shown = page.text if page else article_text(raw) if inp.format == "sgml" else raw
    body = normalise(strip_escapes(shown), max_line_chars=settings.max_line_chars)
    # Hard-wrapped plain text (a Reuters record's body too) is joined into paragraphs before
    # anything reads its lines; the cleaner's offsets point into this body, and raw_text keeps
    # the lines as they came.
    body, layout = (body, None) if page else unwrap(body)
    if not body.strip():
        raise Skip("no-text", "no visible text") if page else Skip("empty", "only whitespace")
    # What trafilatura left out of the page's visible text: removals the cleaner keeps.
    meta = inp.meta
    source = one_line(source or meta.get("source") or inp.root)
    level = settings.for_source(source).clean_structure
    removed = page_removals(body, page, level) if page else []
    author = meta.get("author")
    return Article(
        source_path=inp.source_path,
        format=inp.format,
        source=source,
        url=meta.get("url") or (page.url if page else None),
        title=meta.get("title") or (page.title if page else None),
        authors=split_authors(author) if author else list(page.authors if page else []),
        given_date=meta.get("date"),
        html_dates=list(page.dates if page else []),
        html_language=page.language if page else None,
        mtime=inp.mtime,
        crawled_at=_crawl_time(meta.get("crawled_at")),
        fields=user_fields(meta, inp.labels),
        raw_text=raw,
        body=body,
        removed=removed,
        encoding=encoding,
        cut_chars=cut,
        structure_note=layout,
    )


def _crawl_time(value: str | None) -> datetime | None:
    """A WARC-Date (ISO 8601, UTC) as an aware datetime; None when absent or unreadable."""
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _capped(text: str, limit: int) -> tuple[str, int]:
    """``text`` cut to at most ``limit`` characters (at a line break or space near the end if
    there is one), and how many characters were cut: every later stage, and the memory it
    takes, is then bounded by the setting, not by the input."""
    if len(text) <= limit:
        return text, 0
    floor = limit - limit // 10
    end = text.rfind("\n", floor, limit)
    if end < 0:
        end = text.rfind(" ", floor, limit)
    end = end if end > 0 else limit
    return text[:end], len(text) - end


# --- reading one file -------------------------------------------------------------------------


def _cell_text(inp: Input) -> Decoded:
    """A dump row's text, decoded with its dump, mojibake repaired like a file's."""
    text, encoding = inp.text or "", inp.encoding or "utf-8"
    fixed = repair(text)
    return Decoded(text, encoding) if fixed is None else Decoded(fixed, f"{encoding}+ftfy")


def _file_text(inp: Input, settings: Settings) -> Decoded:
    """The input file, read and decoded (an HTML page's own charset is tried if UTF-8 fails)."""
    if inp.path is None:
        raise Skip("not-found", "input has neither a path nor text")
    data = read_input(inp.path, settings)
    return decode(data, declared=_declared_charset(data) if inp.format == "html" else None)


def read_input(path: str, settings: Settings) -> bytes:
    """The file's bytes (decompressed for ``.gz``), within ``max_file_mb``."""
    limit = int(settings.max_file_mb * MB)
    fd, size = open_regular(path)
    try:
        if size > limit:
            raise Skip("too-large", f"{size / MB:.1f} MB, above max_file_mb = {limit // MB}")
        data = _read_capped(fd, size, limit)
    finally:
        os.close(fd)
    if not data:
        raise Skip("empty", "0 bytes")
    if path.lower().endswith(".gz"):
        data = gunzip(data, limit, settings.max_decompression_ratio)
    return data


def open_regular(path: str) -> tuple[int, int]:
    """An fd open on ``path`` and its size; FIFOs, devices and folders are refused unopened."""
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            raise Skip("not-a-file", file_kind(st.st_mode))
        # O_NONBLOCK: if the path became a FIFO since the stat, open must not wait for a writer.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise os_skip(exc, path) from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise Skip("not-a-file", file_kind(st.st_mode))
    return fd, st.st_size


def _read_capped(fd: int, expected: int, limit: int) -> bytes:
    """Read to EOF, but never more than ``limit`` + 1 bytes (a file may grow while we read)."""
    parts: list[bytes] = []
    total, want = 0, min(expected, limit) + 1
    while total <= limit:
        try:
            chunk = os.read(fd, max(want - total, 1 << 16))
        except OSError as exc:
            raise Skip("unreadable", exc.strerror or str(exc)) from None
        if not chunk:
            break
        parts.append(chunk)
        total += len(chunk)
    if total > limit:
        raise Skip("too-large", f"more than max_file_mb = {limit // MB} MB")
    return b"".join(parts)


def gunzip(data: bytes, limit: int, ratio: float) -> bytes:
    """Decompress every gzip member, stopping as soon as the output passes its bound."""
    if not data.startswith(b"\x1f\x8b"):
        raise Skip("bad-gzip", "named .gz but not gzip data")
    cap = min(limit, int(ratio * len(data)))
    out: list[bytes] = []
    total, pending = 0, data
    try:
        while pending:
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            while not inflater.eof:
                chunk = (
                    inflater.decompress(pending, cap + 1 - total) if pending else inflater.flush()
                )
                pending = inflater.unconsumed_tail
                total += len(chunk)
                out.append(chunk)
                if total > cap:
                    raise too_big(total, len(data) - len(pending), limit, ratio)
                if not chunk and not pending:
                    raise Skip("bad-gzip", "truncated gzip data")
            pending = inflater.unused_data
            if pending and not pending.startswith(b"\x1f\x8b"):
                if pending.strip(b"\x00"):  # NUL padding after the last member is allowed
                    raise Skip("bad-gzip", "garbage after the gzip data")
                break
    except zlib.error as exc:
        raise Skip("bad-gzip", str(exc)) from None
    return b"".join(out)


def too_big(out: int, consumed: int, limit: int, ratio: float) -> Skip:
    """Why decompression stopped after ``out`` bytes from ``consumed`` compressed bytes: a bomb
    when those bytes expanded more than ``ratio`` times (however large the file), else too large."""
    if out > ratio * max(consumed, 1):
        return Skip("decompression-bomb", f"expands more than {ratio:g}× (max_decompression_ratio)")
    return Skip("too-large", f"more than max_file_mb = {limit // MB} MB once decompressed")


def _without_doctype(html: str) -> str:
    """The page without its DOCTYPE: an HTML parser does not know a DTD's internal subset
    (``<!DOCTYPE html [ <!ENTITY …> ]>``) and leaves its ``]>`` as the first words of the text.
    Entities are never expanded (no XXE, no billion laughs): the subset is dropped unread."""
    head = html[:_DOCTYPE_WINDOW]
    m = _DOCTYPE.search(head)
    if m is None:
        return html
    return html[: m.start()] + html[m.end() :]


def _declared_charset(data: bytes) -> str | None:
    m = _DECLARED_CHARSET.search(data, 0, 4096)
    return m.group(1).decode("ascii", "replace") if m else None


def user_fields(
    meta: Mapping[str, str], labels: Sequence[tuple[str, Sequence[str]]] = ()
) -> dict[str, list[str]]:
    """The researcher's own fields of an input: every unmapped manifest/dump column (one value),
    and the multi-valued labels its format carries; names checked (:func:`field_name`)."""
    from ..index.fields import field_name

    try:
        found = {field_name(k): [v] for k, v in meta.items() if k not in MAPPED_META}
        found |= {field_name(k): list(values) for k, values in labels if values}
    except UsageError as exc:
        raise Skip("bad-field", str(exc)) from None
    return found


def check_field_names(columns: Iterable[str]) -> None:
    """Raise Skip("bad-field") naming the first column that cannot be a field name."""
    from ..index.fields import field_name

    for column in columns:
        try:
            field_name(column)
        except UsageError as exc:
            raise Skip("bad-field", str(exc)) from None


def os_skip(exc: OSError, path: str) -> Skip:
    """The reason code for a failed stat/open/scandir."""
    if isinstance(exc, FileNotFoundError):
        if os.path.islink(path):
            return Skip("broken-link", "symbolic link to a missing file")
        return Skip("not-found", "no such file")
    if exc.errno == errno.ELOOP:
        return Skip("symlink-loop", "symbolic links point round in a loop")
    if isinstance(exc, PermissionError):
        return Skip("unreadable", "permission denied")
    if isinstance(exc, IsADirectoryError | NotADirectoryError):
        return Skip("not-a-file", exc.strerror or str(exc))
    return Skip("unreadable", exc.strerror or str(exc))


def as_skip(exc: Exception, path: str) -> Skip:
    if isinstance(exc, Skip):
        return exc
    if isinstance(exc, OSError):
        return os_skip(exc, path)
    return Skip("undecodable", str(exc))


def file_kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a named pipe (FIFO)"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    ):
        if test(mode):
            return f"{name}, not a regular file"
    return "not a regular file"
