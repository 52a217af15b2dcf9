"""``.csv``/``.jsonl`` dumps (and manifests), streamed one bounded line at a time: a huge or
broken row costs that row only, never the memory of the run.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

from ..errors import Skip
from ..settings import Settings
from .decode import (
    BOMS,
    SAMPLE_BYTES,
    decode,
)
from .inputs import MB, SURROGATES
from .reading import open_regular, too_big

# A dump sniffed as Latin-1 is read as cp1252: a later row may hold cp1252's quotes.
# Stray bytes in a UTF-8 dump come through escaped and are decoded cell by cell (_fix_cell).
_STREAM_CODECS = {"latin-1": "cp1252", "utf-8+cp1252": "utf-8"}


class _LineTooLong(Exception):
    pass


class Lines:
    """Physical lines of a text stream, each at most ``limit`` characters.

    A longer line is skipped to its end and reported by raising :class:`_LineTooLong` once; the
    iterator stays usable, so the csv reader (which restarts cleanly on the next call) goes on.
    """

    def __init__(self, stream: IO[str], limit: int) -> None:
        self._stream, self._limit = stream, limit

    def __iter__(self) -> Lines:
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
            raise too_big(self._total, self._raw.tell(), self._limit, self._ratio)
        return n

    def close(self) -> None:
        self._gz.close()
        super().close()


@contextmanager
def _binary_stream(path: str, settings: Settings) -> Iterator[IO[bytes]]:
    fd, size = open_regular(path)
    with open(fd, "rb") as raw:
        if not path.lower().endswith(".gz"):
            yield raw
            return
        ratio = settings.max_decompression_ratio
        # A streamed dump may be big; only the expansion ratio bounds it.
        with io.BufferedReader(_CappedGzip(raw, int(ratio * size), ratio, 1 << 62)) as gz:
            yield gz


@contextmanager
def text_lines(path: str, settings: Settings) -> Iterator[tuple[Lines, str, str]]:
    """The file's lines, its encoding label and the codec reading it (undecodable bytes escaped)."""
    with _binary_stream(path, settings) as binary:
        sample = binary.read(SAMPLE_BYTES)
    label = _sniff(sample)
    codec = _STREAM_CODECS.get(label, label)
    with _binary_stream(path, settings) as binary:
        stream = io.TextIOWrapper(binary, encoding=codec, errors="surrogateescape", newline="")
        yield Lines(stream, int(settings.max_file_mb * MB)), label, codec


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


def _csv_records(lines: Lines) -> Iterator[list[str] | str]:
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


def _jsonl_records(lines: Lines) -> Iterator[dict[str, str] | str]:
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


def dump_rows(lines: Lines, fmt: str, codec: str) -> tuple[list[str] | None, Iterator[Row]]:
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
        if isinstance(record, dict) and any(SURROGATES.search(v) for v in record.values()):
            record = {
                k: _fix_cell(v, codec) if SURROGATES.search(v) else v for k, v in record.items()
            }
        yield n, record
