"""The one output layer: every command that prints or writes records goes through :data:`FORMATS`.

A command hands over :class:`Records` (column names, rows as dicts, and what the file is) and a
format name; :func:`write_records` does the rest. One row of :data:`FORMATS` per format:

- ``table``: aligned text for a person; each command draws its own (no generic writer).
- ``json``: one JSON array of the rows, indented.
- ``jsonl``: one JSON object per row (JSON Lines), timestamps in ISO 8601.
- ``csv``: a header, then one value per cell: lists joined with ``"; "``, nested records as
  JSON, timestamps in ISO 8601, null as an empty cell; text a spreadsheet would run as a formula
  gets a leading ``'`` (unless ``formula_safe=False``).
- ``parquet``: Arrow batches, zstd, the export record in the schema metadata under
  ``newsarchive.export`` (the one metadata convention of every Parquet file newsarchive writes;
  a schema's own keys, such as ``newsarchive.schema_version``, are kept).
- ``tei``: TEI P5 XML, one document per article (:mod:`newsarchive.analysis.tei`; corpus rows only).

Stored text comes from scrapers, so it may hold what a spreadsheet runs (``=HYPERLINK(…)``) or
what a terminal obeys (ESC and OSC sequences that recolour it, set its title or clear it): CSV
cells are neutralised, and text written to a terminal has its control characters shown escaped.

>>> formula_safe("=HYPERLINK(\\"http://example.com\\")")
'\\'=HYPERLINK("http://example.com")'
>>> on_screen("Evil\\x1b]0;title\\x07 title")
'Evil\\\\x1b]0;title\\\\x07 title'
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    import pyarrow as pa

# OWASP's CSV injection advice: a cell that starts with one of these is a formula in Excel,
# LibreOffice Calc or Google Sheets; a leading single quote makes it text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
LIST_SEPARATOR = "; "
EXPORT_KEY = "newsarchive.export"  # the Parquet schema metadata key of the export record
# C0 controls but tab and newline, DEL, and C1 controls (0x9b is a one-byte CSI): shown escaped.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CONTROL_ALL = re.compile("[\x00-\x1f\x7f-\x9f]")  # the same with tab and newline, for one-liners
# json.dumps escapes C0 controls itself; DEL and C1 pass through with ensure_ascii=False
_JSON_RAW_CONTROL = re.compile("[\x7f-\x9f]")


def formula_safe(value: str) -> str:
    """``value`` with a leading ``'`` if a spreadsheet would read it as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def on_screen(text: str, *, one_line: bool = False) -> str:
    """``text`` with control characters shown as ``\\xNN``, so a terminal prints them, not obeys.

    ``one_line`` escapes tab and newline too (titles, paths: one line each).
    """
    pattern = _CONTROL_ALL if one_line else _CONTROL
    return pattern.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def plain(value: Any) -> Any:
    """A value as JSON has it: timestamps and days in ISO 8601, the rest unchanged."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def csv_cell(value: Any) -> str:
    """One CSV cell: ``""`` for null, lists joined by ``"; "``, records as JSON, times ISO 8601.

    >>> csv_cell(["health", "industrial-action"])
    'health; industrial-action'
    """
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        if any(isinstance(v, dict) for v in value):
            return json.dumps(plain(value), ensure_ascii=False)
        return LIST_SEPARATOR.join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(plain(value), ensure_ascii=False)
    return str(value)


@dataclass(frozen=True, slots=True)
class Records:
    """What a command writes: its columns, its rows (dicts), and what the file is.

    ``record`` describes the output (query, corpus state, version…): Parquet files carry it in
    their metadata, TEI files in their header. ``arrow`` gives the rows as Arrow batches with
    their schema, for Parquet (without it, Parquet is built from ``rows``).
    """

    columns: Sequence[str]
    rows: Iterable[Mapping[str, Any]]
    record: Mapping[str, Any] = field(default_factory=dict)
    arrow: Callable[[], tuple[pa.Schema, Iterable[pa.RecordBatch]]] | None = None


@dataclass(frozen=True, slots=True)
class Options:
    """How text formats write: CSV formula neutralising, CSV line ends, and whether the reader
    is a terminal (control characters shown escaped)."""

    formula_safe: bool = True
    newline: str = "\n"
    terminal: bool = False


TextWriter = Callable[[Records, TextIO, Options], int]
FileWriter = Callable[[Records, Path], int]


@dataclass(frozen=True, slots=True)
class Format:
    """One output format: its name, the file suffix that implies it, and its writer.

    A format has a ``text`` writer (to any text stream: stdout or a file) or a ``file`` writer
    (Parquet, TEI: a file only), or neither (``table``: each command draws its own).
    """

    name: str
    suffix: str | None
    text: TextWriter | None = None
    file: FileWriter | None = None

    @property
    def needs_file(self) -> bool:
        return self.file is not None


def _write_jsonl(records: Records, out: TextIO, options: Options) -> int:
    count = 0
    for row in records.rows:
        line = json.dumps(plain(dict(row)), ensure_ascii=False)
        if options.terminal:  # the same JSON value, with nothing a terminal would obey
            line = _JSON_RAW_CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", line)
        out.write(line + "\n")
        count += 1
    return count


def _write_json(records: Records, out: TextIO, options: Options) -> int:
    rows = [plain(dict(row)) for row in records.rows]
    text = json.dumps(rows, indent=2, ensure_ascii=False)
    if options.terminal:
        text = _JSON_RAW_CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    out.write(text + "\n")
    return len(rows)


def _write_csv(records: Records, out: TextIO, options: Options) -> int:
    import csv

    columns = list(records.columns)
    writer = csv.writer(out, lineterminator=options.newline)
    # With "\n" line ends the csv module leaves a lone CR unquoted, and readers split the row
    # there: such a row is quoted whole.
    quoted = csv.writer(out, lineterminator=options.newline, quoting=csv.QUOTE_ALL)
    guard_cr = "\r" not in options.newline
    writer.writerow(columns)
    count = 0
    for row in records.rows:
        values = [row.get(c) for c in columns]
        cells = [csv_cell(v) for v in values]
        if options.formula_safe:  # text and lists only: numbers and times stay what they are
            cells = [
                formula_safe(cell) if isinstance(v, str | list | tuple) else cell
                for v, cell in zip(values, cells, strict=True)
            ]
        if options.terminal:
            cells = [on_screen(cell) for cell in cells]
        (quoted if guard_cr and any("\r" in c for c in cells) else writer).writerow(cells)
        count += 1
    return count


def write_parquet(records: Records, path: Path) -> int:
    """Arrow batches to ``path`` (zstd), with ``records.record`` under :data:`EXPORT_KEY`."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if records.arrow is not None:
        schema, batches = records.arrow()
    else:
        table = pa.Table.from_pylist([dict(r) for r in records.rows])
        schema, batches = table.schema, table.to_batches()
    meta: dict[bytes | str, bytes | str] = {k: v for k, v in (schema.metadata or {}).items()}
    meta[EXPORT_KEY.encode()] = json.dumps(plain(dict(records.record))).encode()
    count = 0
    with pq.ParquetWriter(path, schema.with_metadata(meta), compression="zstd") as writer:
        for batch in batches:
            writer.write_batch(batch)
            count += batch.num_rows
    return count


def _write_tei(records: Records, path: Path) -> int:
    from .analysis.tei import write_tei

    return write_tei(path, (dict(r) for r in records.rows), dict(records.record))


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("table", None),
        Format("json", ".json", text=_write_json),
        Format("jsonl", ".jsonl", text=_write_jsonl),
        Format("csv", ".csv", text=_write_csv),
        Format("parquet", ".parquet", file=write_parquet),
        Format("tei", ".xml", file=_write_tei),
    )
}


def get_format(name: str) -> Format:
    from .errors import UsageError

    try:
        return FORMATS[name]
    except KeyError:
        raise UsageError(f"unknown format {name!r}; use one of {', '.join(FORMATS)}") from None


def format_of(path: Path, choices: Sequence[str]) -> str:
    """The format among ``choices`` that the file name implies (``.jsonl .csv .parquet .xml``)."""
    from .errors import UsageError

    for name in choices:
        if FORMATS[name].suffix == path.suffix.lower():
            return name
    raise UsageError(f"cannot tell the format of {path.name}: pass --format {'|'.join(choices)}")


def suffixes(choices: Sequence[str]) -> str:
    """``.jsonl .csv .parquet .xml``: the file suffixes of ``choices``."""
    return " ".join(s for name in choices if (s := FORMATS[name].suffix))


def write_records(
    records: Records,
    fmt: str,
    out: TextIO | Path,
    options: Options | None = None,
) -> int:
    """Write ``records`` as ``fmt`` to a text stream or a file; returns the rows written."""
    options = options or Options()
    kind = get_format(fmt)
    if kind.file is not None:
        if not isinstance(out, Path):
            from .errors import UsageError

            raise UsageError(f"--format {fmt} writes a file: add --output FILE")
        return kind.file(records, out)
    if kind.text is None:
        raise ValueError(f"format {fmt!r} is drawn by each command, not written here")
    if isinstance(out, Path):
        with open(out, "w", encoding="utf-8", newline="") as fh:
            return kind.text(records, fh, options)
    return kind.text(records, out, options)


def to_text(records: Records, fmt: str, options: Options | None = None) -> str:
    """``records`` as ``fmt`` text, in one string."""
    import io

    buffer = io.StringIO()
    write_records(records, fmt, buffer, options)
    return buffer.getvalue()
