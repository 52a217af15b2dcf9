"""Find what an ingest run reads, and load each input into an :class:`Article`.

:func:`iter_inputs` walks the PATH arguments (files, folders, globs) lazily and in a stable
order, reads ``.csv``/``.jsonl`` dumps row by row and applies manifests. Every file it meets
comes out either as an :class:`Input` or as a :class:`Rejected` with a reason, so a run can
account for all of them. :func:`load` (run in worker processes) reads one input within the size
limits, decodes it and extracts HTML, raising :class:`~newsarchive.errors.Skip` when it cannot.

Example::

    settings = load_settings()
    for item in iter_inputs(["data/bbc", "dumps/*.jsonl"], settings=settings):
        if isinstance(item, Rejected):
            report(item.source_path, item.reason)  # e.g. "not-an-article", "bad-row"
        else:
            article = load(item, settings)  # may raise Skip("empty"), Skip("binary") …
"""

from __future__ import annotations

import codecs
import csv
import errno
import io
import json
import os
import re
import stat
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any

from ..article import PAGE_FORMATS, Article
from ..errors import Skip, SkipReason, UsageError
from ..settings import Settings
from .decode import (
    BOMS,
    SAMPLE_BYTES,
    Decoded,
    decode,
    normalise,
    one_line,
    repair,
    strip_escapes,
    unwrap,
)
from .html import boilerplate, extract, split_authors
from .sgml import SGML_FORMATS, article_text, records

MB = 1 << 20
ARTICLE_FORMATS = {".txt": "txt", ".text": "txt", ".html": "html", ".htm": "html", ".xhtml": "html"}
DUMP_FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
ARCHIVE_FORMATS = {
    ".warc": "warc"
}  # web archives: one article per HTML response (pipeline/warc.py)
MANIFEST_NAME = "manifest.csv"
MAPPED_META = ("url", "date", "source", "title", "author", "crawled_at")  # the rest: Article.fields

_NOT_ARTICLES = re.compile(r"(?:readme|licen[cs]e|copying|changelog|notice)\b", re.IGNORECASE)
_GLOB_MAGIC = re.compile(r"[*?[]")
_SURROGATES = re.compile("[\udc80-\udcff]")
# A DOCTYPE, with its internal subset if it has one; looked for in the page's first bytes only.
_DOCTYPE = re.compile(r"<!DOCTYPE\b[^\[>]*(?:\[.*?\][^>]*)?>", re.IGNORECASE | re.DOTALL)
_DOCTYPE_WINDOW = 65_536
_DECLARED_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)
# A dump sniffed as Latin-1 is read as cp1252: a later row may hold cp1252's quotes.
# Stray bytes in a UTF-8 dump come through escaped and are decoded cell by cell (_fix_cell).
_STREAM_CODECS = {"latin-1": "cp1252", "utf-8+cp1252": "utf-8"}


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


def iter_inputs(
    paths: Sequence[str],
    *,
    manifest: str | None = None,
    columns: DumpColumns = DumpColumns(),
    settings: Settings,
    follow_links: bool = False,
) -> Iterator[Input | Rejected]:
    """Every input under ``paths``, in a stable order, each an :class:`Input` or a :class:`Rejected`.

    Raises :class:`UsageError` at once (not on first iteration) when ``manifest`` cannot be used
    or when none of ``paths`` exists. With no ``paths``, the files ``manifest`` lists are read.

    A symbolic link found in a folder that leads outside every PATH folder, and a manifest row
    that names a file outside the manifest's folder, are rejected as ``outside-root`` unless
    ``follow_links`` (a link to ``/etc`` would otherwise walk all of it).
    """
    explicit = _explicit_manifest(manifest, settings, follow_links) if manifest else None
    if not paths and explicit is None:
        raise UsageError("no input paths given")
    targets = [_target(p) for p in paths]
    missing = [arg for arg, kind in targets if kind == "missing"]
    if targets and len(missing) == len(targets):
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    return _Walk(settings, columns, explicit, follow_links).run(targets)


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
    removed = boilerplate(body, page.main) if page else []
    meta = inp.meta
    author = meta.get("author")
    return Article(
        source_path=inp.source_path,
        format=inp.format,
        source=one_line(source or meta.get("source") or inp.root),
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
    data = _read(inp.path, settings)
    return decode(data, declared=_declared_charset(data) if inp.format == "html" else None)


def _read(path: str, settings: Settings) -> bytes:
    """The file's bytes (decompressed for ``.gz``), within ``max_file_mb``."""
    limit = int(settings.max_file_mb * MB)
    fd, size = _open_regular(path)
    try:
        if size > limit:
            raise Skip("too-large", f"{size / MB:.1f} MB, above max_file_mb = {limit // MB}")
        data = _read_capped(fd, size, limit)
    finally:
        os.close(fd)
    if not data:
        raise Skip("empty", "0 bytes")
    if path.lower().endswith(".gz"):
        data = _gunzip(data, limit, settings.max_decompression_ratio)
    return data


def _open_regular(path: str) -> tuple[int, int]:
    """An fd open on ``path`` and its size; FIFOs, devices and folders are refused unopened."""
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            raise Skip("not-a-file", _kind(st.st_mode))
        # O_NONBLOCK: if the path became a FIFO since the stat, open must not wait for a writer.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise _os_skip(exc, path) from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise Skip("not-a-file", _kind(st.st_mode))
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


def _gunzip(data: bytes, limit: int, ratio: float) -> bytes:
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
                    raise _too_big(total, len(data) - len(pending), limit, ratio)
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


def _too_big(out: int, consumed: int, limit: int, ratio: float) -> Skip:
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


def _check_field_names(columns: Iterable[str]) -> None:
    """Raise Skip("bad-field") naming the first column that cannot be a field name."""
    from ..index.fields import field_name

    for column in columns:
        try:
            field_name(column)
        except UsageError as exc:
            raise Skip("bad-field", str(exc)) from None


def _os_skip(exc: OSError, path: str) -> Skip:
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


def _as_skip(exc: Exception, path: str) -> Skip:
    if isinstance(exc, Skip):
        return exc
    if isinstance(exc, OSError):
        return _os_skip(exc, path)
    return Skip("undecodable", str(exc))


def _kind(mode: int) -> str:
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


# --- dumps and manifests: streamed, one bounded line at a time ---------------------------------


class _LineTooLong(Exception):
    pass


class _Lines:
    """Physical lines of a text stream, each at most ``limit`` characters.

    A longer line is skipped to its end and reported by raising :class:`_LineTooLong` once; the
    iterator stays usable, so the csv reader (which restarts cleanly on the next call) goes on.
    """

    def __init__(self, stream: IO[str], limit: int) -> None:
        self._stream, self._limit = stream, limit

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self._stream.readline(self._limit)
        if not line:
            raise StopIteration
        if len(line) >= self._limit and not line.endswith(("\n", "\r")):
            while (rest := self._stream.readline(self._limit)) and not rest.endswith(("\n", "\r")):
                pass
            raise _LineTooLong(f"a line longer than {self._limit:,} characters")
        return line


class _CappedGzip(io.RawIOBase):
    """A gzip stream that stops with Skip once it has expanded more than ``cap`` bytes."""

    def __init__(self, raw: IO[bytes], cap: int, ratio: float, limit: int) -> None:
        import gzip

        self._raw = raw
        self._gz = gzip.GzipFile(fileobj=raw, mode="rb")
        self._cap, self._ratio, self._limit, self._total = cap, ratio, limit, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            n = self._gz.readinto(buffer)
        except (OSError, EOFError, zlib.error) as exc:
            raise Skip("bad-gzip", str(exc) or "truncated gzip data") from None
        self._total += n
        if self._total > self._cap:
            raise _too_big(self._total, self._raw.tell(), self._limit, self._ratio)
        return n

    def close(self) -> None:
        self._gz.close()
        super().close()


@contextmanager
def _binary_stream(path: str, settings: Settings) -> Iterator[IO[bytes]]:
    fd, size = _open_regular(path)
    with open(fd, "rb") as raw:
        if not path.lower().endswith(".gz"):
            yield raw
            return
        ratio = settings.max_decompression_ratio
        # A streamed dump may be big; only the expansion ratio bounds it.
        with io.BufferedReader(_CappedGzip(raw, int(ratio * size), ratio, 1 << 62)) as gz:
            yield gz


@contextmanager
def _text_lines(path: str, settings: Settings) -> Iterator[tuple[_Lines, str, str]]:
    """The file's lines, its encoding label and the codec reading it (undecodable bytes escaped)."""
    with _binary_stream(path, settings) as binary:
        sample = binary.read(SAMPLE_BYTES)
    label = _sniff(sample)
    codec = _STREAM_CODECS.get(label, label)
    with _binary_stream(path, settings) as binary:
        stream = io.TextIOWrapper(binary, encoding=codec, errors="surrogateescape", newline="")
        yield _Lines(stream, int(settings.max_file_mb * MB)), label, codec


def _sniff(sample: bytes) -> str:
    """The encoding of a dump from its first bytes (which may end inside a character)."""
    if not sample:
        raise Skip("empty", "0 bytes")
    for bom, codec in BOMS:
        if sample.startswith(bom):
            return codec
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        if b"\x00" not in sample:
            return "utf-8"
    except UnicodeDecodeError:
        pass
    return decode(sample).encoding.removesuffix("+ftfy")


def _fix_cell(value: str, codec: str) -> str:
    """A cell holding bytes the dump's codec could not read, decoded on its own."""
    data = value.encode(codec, "surrogateescape")
    try:
        return decode(data).text
    except Skip:
        return data.decode(codec, "replace")


def _csv_records(lines: _Lines) -> Iterator[list[str] | str]:
    """CSV records, or an error message in place of a broken one; blank records skipped."""
    reader = csv.reader(lines)
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except _LineTooLong as exc:
            yield str(exc)
        except csv.Error as exc:
            yield f"not valid CSV ({exc})"
        else:
            if any(cell.strip() for cell in record):
                yield record


def _jsonl_records(lines: _Lines) -> Iterator[dict[str, str] | str]:
    while True:
        try:
            line = next(lines)
        except StopIteration:
            return
        except _LineTooLong as exc:
            yield str(exc)
            continue
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            yield f"not valid JSON ({exc})"
            continue
        if not isinstance(obj, dict):
            yield f"a JSON {type(obj).__name__}, not an object"
            continue
        yield {str(k): _cell(v) for k, v in obj.items() if v is not None}


def _cell(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


Row = tuple[int, dict[str, str] | str]


def _rows(lines: _Lines, fmt: str, codec: str) -> tuple[list[str] | None, Iterator[Row]]:
    """A dump's header (None for JSONL) and its numbered data rows (1-based) as dicts, or as
    error messages for broken rows. Reads the header at once: raises Skip if it is broken."""
    if fmt == "jsonl":
        return None, _numbered(_jsonl_records(lines), None, codec)
    records = _csv_records(lines)
    first = next(records, [])
    if isinstance(first, str):
        raise Skip("bad-row", f"header row: {first}")
    header = [h.strip().lstrip("\ufeff") for h in first]
    return header, _numbered(records, header, codec)


def _numbered(records: Iterator[Any], header: list[str] | None, codec: str) -> Iterator[Row]:
    for n, record in enumerate(records, start=1):
        if isinstance(record, list) and header is not None:
            if len(record) != len(header):
                record = f"{len(record)} fields where the header has {len(header)}"
            else:
                record = dict(zip(header, record, strict=True))
        if isinstance(record, dict) and any(_SURROGATES.search(v) for v in record.values()):
            record = {
                k: _fix_cell(v, codec) if _SURROGATES.search(v) else v for k, v in record.items()
            }
        yield n, record


# --- manifests ----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Manifest:
    """Per-file metadata from a manifest CSV, keyed by the file's absolute path."""

    path: str
    rows: dict[str, tuple[int, dict[str, str]]] = field(default_factory=dict)
    bad: list[Rejected] = field(default_factory=list)

    def take(self, path: str) -> dict[str, str] | None:
        row = self.rows.pop(path, None)
        return row[1] if row else None

    def missing(self) -> Iterator[Rejected]:
        """Rows never matched to a walked file whose file does not exist."""
        for path, (n, _) in sorted(self.rows.items(), key=lambda item: item[1][0]):
            if not os.path.lexists(path):
                where = f"listed in {_display(self.path)} (row {n})"
                yield Rejected(_display(path), "not-found", f"{where} but missing")
        self.rows.clear()


def _read_manifest(
    path: str, settings: Settings, follow_links: bool = False, *, anywhere: bool = False
) -> tuple[_Manifest | None, list[str]]:
    """The manifest at ``path`` (``None`` if it has no ``path`` column) and its columns.

    Rows leading outside the manifest's folder are rejected as ``outside-root``, unless
    ``anywhere`` (a manifest the user named with ``--manifest`` may list files anywhere).
    May raise Skip (or OSError) if the file cannot be read.
    """
    folder = os.path.dirname(path)
    real_folder = os.path.realpath(folder)
    manifest = _Manifest(path)
    with _text_lines(path, settings) as (lines, _, codec):
        header, rows = _rows(lines, "csv", codec)
        key = next((h for h in header or [] if h.lower() == "path"), None)
        if key is None:
            return None, header or []
        _check_field_names(h for h in header or [] if h != key and h.lower() not in MAPPED_META)
        for n, row in rows:
            if isinstance(row, str):
                manifest.bad.append(Rejected(f"{_display(path)}#row={n}", "bad-row", row))
                continue
            rel = row[key].strip()
            target = os.path.normpath(os.path.join(folder, rel))
            if not rel:
                detail = "empty path"
            elif not anywhere and (
                not _inside(target, [folder])
                or not (follow_links or _inside(os.path.realpath(target), [real_folder]))
            ):
                # ../../etc/passwd, /etc/passwd, or a link out: reported, never read
                where = f"{_display(path)}#row={n}"
                shown = _display(rel)
                manifest.bad.append(
                    Rejected(where, "outside-root", f"{shown} is outside the manifest's folder")
                )
                continue
            elif target in manifest.rows:
                detail = f"{rel} is listed twice (first at row {manifest.rows[target][0]})"
            else:
                manifest.rows[target] = (n, _manifest_meta(row))
                continue
            manifest.bad.append(Rejected(f"{_display(path)}#row={n}", "bad-row", detail))
    return manifest, header or []


def _manifest_meta(row: dict[str, str]) -> dict[str, str]:
    meta: dict[str, str] = {}
    for key, value in row.items():
        name = key.strip().lower()
        if name != "path" and value.strip():
            meta[name if name in MAPPED_META else key.strip()] = value.strip()
    return meta


def _explicit_manifest(path: str, settings: Settings, follow_links: bool) -> _Manifest:
    try:
        manifest, header = _read_manifest(
            os.path.abspath(path), settings, follow_links, anywhere=True
        )
    except Skip as exc:
        raise UsageError(f"cannot use manifest {path}: {exc.reason} ({exc.detail})") from None
    except (OSError, UnicodeError) as exc:
        raise UsageError(f"cannot use manifest {path}: {exc}") from None
    if manifest is None:
        columns = ", ".join(header) or "none"
        raise UsageError(f"manifest {path} has no 'path' column (its columns: {columns})")
    return manifest


# --- walking ------------------------------------------------------------------------------------


def _target(arg: str) -> tuple[str, str]:
    """``(arg, kind)``: kind is ``dir``, ``file``, ``glob`` or ``missing``."""
    if os.path.lexists(arg):
        return arg, "dir" if os.path.isdir(arg) else "file"
    if _GLOB_MAGIC.search(arg) and next(_Glob(arg).matches(), None) is not None:
        return arg, "glob"
    return arg, "missing"


def _display(path: str) -> str:
    return escape_path(path)


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
    if _SURROGATES.search(path):
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


def _inside(path: str, roots: Sequence[str]) -> bool:
    """``path`` is one of ``roots`` or below one (paths absolute and normalised)."""
    return any(path == r or path.startswith(r.rstrip(os.sep) + os.sep) for r in roots)


def _classify(name: str) -> tuple[str | None, SkipReason | None, str]:
    """``(format, None, "")`` for an input file, or ``(None, reason, detail)``."""
    inner = name[:-3] if name.lower().endswith(".gz") else name
    ext = os.path.splitext(inner)[1].lower()
    if name.startswith("."):
        return None, "not-an-article", "hidden file"
    if name.lower() == MANIFEST_NAME:
        return None, "not-an-article", "a manifest"
    if ext == ".dtd":
        return None, "not-an-article", "an SGML document type definition"
    if _NOT_ARTICLES.match(inner):
        return None, "not-an-article", "documentation, not an article"
    fmt = (
        ARTICLE_FORMATS.get(ext)
        or DUMP_FORMATS.get(ext)
        or SGML_FORMATS.get(ext)
        or ARCHIVE_FORMATS.get(ext)
    )
    if fmt is None:
        known = ", ".join([*ARTICLE_FORMATS, *DUMP_FORMATS, *SGML_FORMATS, *ARCHIVE_FORMATS])
        return (
            None,
            "unsupported",
            f"{ext or 'no extension'}; readable: {known} and their .gz forms",
        )
    return fmt, None, ""


class _Glob:
    """A glob (``*``, ``?``, ``[...]``, ``**``) walked from its fixed base folder, sorted."""

    def __init__(self, pattern: str) -> None:
        parts = os.path.abspath(pattern).split(os.sep)
        fixed = next(i for i, p in enumerate(parts) if _GLOB_MAGIC.search(p))
        self.base = os.sep.join(parts[:fixed]) or os.sep
        self.parts = parts[fixed:]
        self.deep = "**" in self.parts
        self.regex = re.compile(_glob_regex(self.parts))

    def wants(self, rel: str) -> bool:
        return self.regex.fullmatch(rel) is not None

    def may_hold(self, rel: str) -> bool:
        """Whether a folder at ``rel`` could hold matches (prunes the walk of ``a/*/b``)."""
        return self.deep or rel.count("/") + 1 < len(self.parts)

    def matches(self) -> Iterator[str]:
        """Matching paths, in no particular order (only to test that any exist)."""
        stack, seen = [(self.base, "")], set()
        while stack:
            folder, rel = stack.pop()
            try:
                st = os.stat(folder)
                names = os.listdir(folder)
            except OSError:
                continue
            if (st.st_dev, st.st_ino) in seen:  # a symlink loop
                continue
            seen.add((st.st_dev, st.st_ino))
            for name in names:
                sub = f"{rel}/{name}" if rel else name
                if self.wants(sub):
                    yield os.path.join(folder, name)
                elif self.may_hold(sub) and os.path.isdir(os.path.join(folder, name)):
                    stack.append((os.path.join(folder, name), sub))


def _glob_regex(parts: list[str]) -> str:
    out: list[str] = []
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if part == "**":
            out.append(".*" if last else "(?:.*/)?")
            continue
        out.append(_glob_part(part) + ("" if last else "/"))
    return "".join(out)


def _glob_part(part: str) -> str:
    """One path component of a glob as a regex; like the shell, wildcards skip dot-files."""
    out, i = [] if part.startswith(".") else [r"(?!\.)"], 0
    while i < len(part):
        c = part[i]
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[" and (end := part.find("]", i + 2)) != -1:
            body = part[i + 1 : end]
            out.append(
                "[" + ("^" + body[1:] if body.startswith("!") else body).replace("\\", "\\\\") + "]"
            )
            i = end
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


@dataclass(slots=True)
class _Frame:
    """A folder being walked: its remaining entries, its manifest, its glob filter."""

    path: str
    rel: str
    names: Iterator[str]
    manifest: _Manifest | None = None
    glob: _Glob | None = None  # None: every file below is wanted
    sgml: bool = False  # the folder holds SGML collections: its text files document them


class _Walk:
    def __init__(
        self,
        settings: Settings,
        columns: DumpColumns,
        explicit: _Manifest | None,
        follow_links: bool = False,
    ):
        self.settings, self.columns, self.explicit = settings, columns, explicit
        self.follow_links = follow_links
        self.scopes: list[_Manifest] = [explicit] if explicit else []
        self.seen_dirs: set[tuple[int, int]] = set()
        self.roots: list[str] = []  # real paths of the folders walked: links may not leave them

    def run(self, targets: list[tuple[str, str]]) -> Iterator[Input | Rejected]:
        if self.explicit:
            yield from self.explicit.bad
        if not targets and self.explicit:
            root = os.path.basename(os.path.dirname(self.explicit.path))
            rows = self.explicit.rows
            for path in sorted(rows, key=lambda p: rows[p][0]):
                if os.path.lexists(path):  # missing ones are reported, with their row, below
                    rel = os.path.relpath(path, os.path.dirname(self.explicit.path))
                    yield from self._file(path, root, rel=rel.replace(os.sep, "/"))
        self.roots = [
            os.path.realpath(_Glob(arg).base if kind == "glob" else arg)
            for arg, kind in targets
            if kind in ("dir", "glob")
        ]
        if self.explicit:
            self.roots.append(os.path.realpath(os.path.dirname(self.explicit.path)))
        for arg, kind in targets:
            full = os.path.abspath(arg)
            if kind == "missing":
                yield Rejected(_display(full), "not-found", "no such file or folder")
            elif kind == "file":
                yield from self._file(full, os.path.basename(os.path.dirname(full)))
            elif kind == "dir":
                yield from self._folder(full, os.path.basename(full) or full, None)
            else:
                glob = _Glob(arg)
                yield from self._folder(glob.base, os.path.basename(glob.base) or glob.base, glob)
        if self.explicit:
            yield from self.explicit.missing()

    def _folder(self, top: str, root: str, glob: _Glob | None) -> Iterator[Input | Rejected]:
        """Depth-first, entries sorted by name, with an explicit stack (folders nest deep)."""
        stack: list[_Frame] = []
        yield from self._enter(top, "", stack, glob)
        while stack:
            frame = stack[-1]
            name = next(frame.names, None)
            if name is None:
                stack.pop()
                if frame.manifest is not None:
                    self.scopes.remove(frame.manifest)
                    yield from frame.manifest.missing()
                continue
            path = os.path.join(frame.path, name)
            rel = f"{frame.rel}/{name}" if frame.rel else name
            yield from self._entry(path, rel, frame, stack, root)

    def _entry(
        self, path: str, rel: str, frame: _Frame, stack: list[_Frame], root: str
    ) -> Iterator[Input | Rejected]:
        glob = frame.glob
        wanted = glob is None or glob.wants(rel)
        try:
            st = os.stat(path)
        except OSError as exc:
            if wanted:
                skip = _os_skip(exc, path)
                yield Rejected(_display(path), skip.reason, skip.detail)
            return
        if not self.follow_links and os.path.islink(path):
            real = os.path.realpath(path)
            if not _inside(real, self.roots):
                if wanted or stat.S_ISDIR(st.st_mode):
                    yield Rejected(
                        _display(path),
                        "outside-root",
                        f"symbolic link to {_display(real)}, outside the input folders "
                        "(--follow-links reads it)",
                    )
                return
        if stat.S_ISDIR(st.st_mode):
            hidden = os.path.basename(path).startswith(".")
            if wanted or (glob is not None and not hidden and glob.may_hold(rel)):
                yield from self._subfolder(path, rel, st, stack, None if wanted else glob)
        elif not wanted:
            return
        elif stat.S_ISREG(st.st_mode):
            yield from self._file(path, root, st, beside_sgml=frame.sgml, rel=rel)
        else:
            yield Rejected(_display(path), "not-a-file", _kind(st.st_mode))

    def _subfolder(
        self, path: str, rel: str, st: os.stat_result, stack: list[_Frame], glob: _Glob | None
    ) -> Iterator[Input | Rejected]:
        if os.path.basename(path).startswith("."):
            yield Rejected(_display(path), "not-an-article", "hidden folder, not walked")
        elif (st.st_dev, st.st_ino) in self.seen_dirs:
            target = os.path.realpath(path)
            yield Rejected(_display(path), "symlink-loop", f"leads back to {_display(target)}")
        else:
            yield from self._enter(path, rel, stack, glob)

    def _enter(
        self, path: str, rel: str, stack: list[_Frame], glob: _Glob | None
    ) -> Iterator[Input | Rejected]:
        try:
            st = os.stat(path)
            names = sorted(os.listdir(path))
        except OSError as exc:
            skip = _os_skip(exc, path)
            yield Rejected(_display(path), skip.reason, f"folder not walked: {skip.detail}")
            return
        self.seen_dirs.add((st.st_dev, st.st_ino))
        sgml = any(_classify(name)[0] == "sgml" for name in names)
        frame = _Frame(path, rel, iter(names), glob=glob, sgml=sgml)
        if self.explicit is None and MANIFEST_NAME in names:
            manifest_path = os.path.join(path, MANIFEST_NAME)
            try:
                frame.manifest = _read_manifest(manifest_path, self.settings, self.follow_links)[0]
            except (Skip, OSError, UnicodeError) as exc:
                skip = _as_skip(exc, manifest_path)
                yield Rejected(
                    _display(manifest_path), skip.reason, f"manifest not used: {skip.detail}"
                )
            if frame.manifest is not None:
                self.scopes.append(frame.manifest)
                yield from frame.manifest.bad
        stack.append(frame)

    def _file(
        self,
        path: str,
        root: str,
        st: os.stat_result | None = None,
        *,
        beside_sgml: bool = False,
        rel: str | None = None,
    ) -> Iterator[Input | Rejected]:
        key = _display(rel or os.path.basename(path))
        fmt, reason, detail = _classify(os.path.basename(path))
        if beside_sgml and fmt == "txt":  # Reuters-21578's README, category lists, DTD notes
            fmt, reason = None, "not-an-article"
            detail = "documentation of the SGML collection beside it"
        if self.explicit is not None and path == self.explicit.path:
            fmt, reason, detail = None, "not-an-article", "the manifest"
        if fmt is None:
            assert reason is not None
            yield Rejected(_display(path), reason, detail)
            return
        if st is None:  # a file argument, or a file a manifest lists
            try:
                st = os.stat(path)
            except OSError as exc:
                skip = _os_skip(exc, path)
                yield Rejected(_display(path), skip.reason, skip.detail)
                return
            if not stat.S_ISREG(st.st_mode):
                yield Rejected(_display(path), "not-a-file", _kind(st.st_mode))
                return
        if fmt in ("csv", "jsonl"):
            yield from self._dump(path, fmt, root, st.st_mtime, key)
            return
        if fmt == "sgml":
            yield from self._sgml(path, root, st.st_mtime, key)
            return
        if fmt == "warc":
            from .warc import warc_inputs

            yield from warc_inputs(path, root, self.settings, key)
            return
        meta = self._meta(path)
        yield Input(
            _display(path), fmt, path, root, meta, mtime=st.st_mtime, size=st.st_size, key=key
        )

    def _meta(self, path: str) -> dict[str, str]:
        for manifest in reversed(self.scopes):
            meta = manifest.take(path)
            if meta is not None:
                return meta
        return {}

    def _sgml(self, path: str, root: str, mtime: float, key: str) -> Iterator[Input | Rejected]:
        """One input per ``<REUTERS>`` record, ``path#newid=N``: the collection's own ids."""
        from .sgml import ENCODING

        shown = _display(path)
        try:
            text = _read(path, self.settings).decode(ENCODING)
        except (Skip, OSError) as exc:
            skip = _as_skip(exc, path)
            yield Rejected(shown, skip.reason, skip.detail)
            return
        found = False
        for record in records(text):
            found = True
            meta = {k: v for k, v in (("title", record.title), ("date", record.date)) if v}
            labels = (("reuters_topics", record.topics), ("reuters_places", record.places))
            yield Input(
                f"{shown}#newid={record.newid}",
                "sgml",
                None,
                root,
                meta,
                text=record.sgml,
                mtime=mtime,
                encoding=ENCODING,
                labels=labels,
                key=f"{key}#newid={record.newid}",
            )
        if not found:
            yield Rejected(shown, "not-an-article", "no <REUTERS> records in this SGML file")

    def _dump(
        self, path: str, fmt: str, root: str, mtime: float, key: str
    ) -> Iterator[Input | Rejected]:
        shown, n = _display(path), 0
        try:
            with _text_lines(path, self.settings) as (lines, label, codec):
                header, rows = _rows(lines, fmt, codec)
                if header is not None and self.columns.text not in header:
                    columns = ", ".join(header) or "none"
                    yield Rejected(shown, "no-text", f"no {self.columns.text!r} column ({columns})")
                    return
                if header is not None:  # once for the dump, not once a row
                    cols = self.columns
                    mapped = {cols.text, cols.title, cols.date, cols.url, cols.source, cols.author}
                    _check_field_names(h for h in header if h not in mapped)
                for n, row in rows:
                    where = f"{shown}#row={n}"
                    if isinstance(row, str):
                        yield Rejected(where, "bad-row", row)
                    else:
                        row_key = f"{key}#row={n}"
                        yield self._dump_row(where, fmt, row, root, mtime, label, row_key)
        except (Skip, OSError, UnicodeError) as exc:
            skip = _as_skip(exc, path)
            after = f" (after row {n})" if n else ""
            yield Rejected(shown, skip.reason, skip.detail + after)

    def _dump_row(
        self,
        where: str,
        fmt: str,
        row: dict[str, str],
        root: str,
        mtime: float,
        encoding: str,
        key: str = "",
    ) -> Input | Rejected:
        cols = self.columns
        if cols.text not in row:
            return Rejected(where, "bad-row", f"no {cols.text!r} field")
        mapped = {"title": cols.title, "date": cols.date, "url": cols.url}
        mapped |= {"source": cols.source, "author": cols.author}
        used = {cols.text, *mapped.values()}
        meta = {name: row[col].strip() for name, col in mapped.items() if row.get(col, "").strip()}
        meta |= {k: v for k, v in row.items() if k not in used and v.strip()}
        return Input(
            where,
            fmt,
            None,
            root,
            meta,
            text=row[cols.text],
            mtime=mtime,
            encoding=encoding,
            key=key,
        )
