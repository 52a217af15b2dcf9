"""Export the corpus, or a query's hits, as JSON Lines, CSV, Parquet or TEI XML.

Every export says what it is: ``<output>.export.json`` beside it records the query, the scope,
the corpus and its state (``store.corpus_state``), the newsarchive version, the time, the
columns and the row count; Parquet files carry the same record in their schema metadata
(``newsarchive.export``) and TEI files in their ``teiCorpus`` header. Rows are streamed a batch
at a time and the file appears only when complete (written aside, then renamed).

CSV has one value per cell: lists are joined with ``"; "``, nested lists (``removed``,
``tag_evidence``) are written as JSON, timestamps as ISO 8601; text that a spreadsheet would run
as a formula gets a leading ``'`` (``formula_safe=False`` writes it verbatim).
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__, store
from ..errors import UsageError
from ..output import formula_safe
from ..storage import CorpusPath, absolute, corpus_path
from .common import DEFAULT_COLUMNS, Scope, check_columns, in_printed_zone, plain, snapshot
from .hits import hit_ids

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.compute as pc

FORMATS = ("jsonl", "csv", "parquet", "tei")
SUFFIXES = {".jsonl": "jsonl", ".csv": "csv", ".parquet": "parquet", ".xml": "tei"}
SIDECAR_SUFFIX = ".export.json"
LIST_SEPARATOR = "; "
BATCH_ROWS = 1000


@dataclass(frozen=True, slots=True)
class ExportReport:
    """What was written: the file, its format, how many articles, and the export record."""

    path: Path
    format: str
    rows: int
    record: dict[str, Any]

    @property
    def sidecar(self) -> Path:
        return sidecar_path(self.path)


def sidecar_path(output: Path) -> Path:
    """``hits.csv`` → ``hits.csv.export.json``."""
    return output.with_name(output.name + SIDECAR_SUFFIX)


def export_format(output: Path, fmt: str | None) -> str:
    """The format asked for, else the one the file name implies (``.jsonl .csv .parquet .xml``)."""
    if fmt is not None:
        if fmt not in FORMATS:
            raise UsageError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
        return fmt
    guessed = SUFFIXES.get(output.suffix.lower())
    if guessed is None:
        raise UsageError(
            f"cannot tell the format of {output.name}: pass --format {'|'.join(FORMATS)}"
        )
    return guessed


def export(
    output: str | Path,
    *,
    corpus: str | CorpusPath = "corpus",
    index_dir: str | Path = "indexes",
    query: str | None = None,
    fmt: str | None = None,
    columns: Sequence[str] | None = None,
    scope: Scope | None = None,
    formula_safe: bool = True,
) -> ExportReport:
    """Write the corpus (or the articles matching ``query``, in ``scope``) to ``output``.

    In CSV, text cells that a spreadsheet would run as a formula (starting with ``= + - @``, tab
    or CR) get a leading ``'`` unless ``formula_safe`` is False; the export record says which.

    ``columns`` defaults to :data:`~newsarchive.analysis.common.DEFAULT_COLUMNS`; TEI always
    uses its own (:data:`~newsarchive.analysis.tei.COLUMNS`).
    """
    from . import tei

    target = Path(output)
    kind = export_format(target, fmt)
    if kind == "tei" and columns:
        raise UsageError("--columns does not apply to TEI: its header has fixed metadata")
    cols = list(tei.COLUMNS) if kind == "tei" else check_columns(columns or DEFAULT_COLUMNS)
    scope = scope or Scope()
    ids = hit_ids(query, corpus=corpus, index_dir=index_dir) if query is not None else None
    dataset = snapshot(corpus)
    record: dict[str, Any] = {
        "query": query,
        "scope": scope.describe(),
        "corpus": absolute(corpus_path(corpus)),
        "corpus_state": store.corpus_state(corpus),
        "newsarchive_version": __version__,
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "format": kind,
        "columns": cols,
    }
    if kind == "csv":
        record["formula_safe"] = formula_safe
    selection = _selection(ids, scope)
    # Counted first (cheap: no column read) so that every copy of the record holds it.
    record["rows"] = dataset.count_rows(filter=selection)
    record["file"] = target.name
    if "fields" in cols:
        from ..index.fields import user_fields

        record["fields"] = user_fields(corpus)
    record["citation"] = citation(corpus, query=query, scope=scope, rows=record["rows"])
    batches = dataset.to_batches(columns=cols, filter=selection, batch_size=BATCH_ROWS)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        rows = _WRITERS[kind](tmp, batches, record)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    store.write_json_atomic(sidecar_path(target), record)
    return ExportReport(target, kind, rows, record)


def citation(
    corpus: str | CorpusPath, *, query: str | None = None, scope: Scope | None = None, rows: int
) -> dict[str, Any]:
    """What a paper cites: the corpus version (a hash over its ids and content hashes, see
    :func:`store.corpus_version`), the date, the query and the scope, and one line saying so."""
    version = store.corpus_version(corpus)
    day = datetime.now(UTC).date().isoformat()
    limits = ", ".join(f"{k} {v}" for k, v in (scope.describe() if scope else {}).items())
    what = f"query {query!r}" if query is not None else "all articles"
    text = (
        f"newsarchive corpus '{_name(corpus)}', version {version}; {what}"
        f"{f' ({limits})' if limits else ''}: {rows:,} articles; exported {day} "
        f"with newsarchive {__version__}"
    )
    return {"corpus_version": version, "date": day, "query": query, "text": text}


def _name(corpus: str | CorpusPath) -> str:
    """The corpus folder's (or bucket prefix's) own name."""
    return absolute(corpus_path(corpus)).rstrip("/").rsplit("/", 1)[-1]


def _selection(ids: list[str] | None, scope: Scope) -> pc.Expression | None:
    """The filter for the articles to export: in scope, and among ``ids`` when a query gave them."""
    import pyarrow as pa
    import pyarrow.compute as pc

    expr = scope.expression()
    if ids is not None:
        matched = pc.field("doc_id").isin(pa.array(ids, pa.string()))
        expr = matched if expr is None else expr & matched
    return expr


def _rows(batches: Iterator[pa.RecordBatch]) -> Iterator[dict[str, Any]]:
    """Rows as dicts, ``published_at`` in the zone its source printed (the same instant)."""
    for batch in batches:
        for row in batch.to_pylist():
            if "fields" in row:  # a map column reads as (name, values) pairs: as an object
                row["fields"] = dict(row["fields"] or [])
            if row.get("published_at") is not None and row.get("published_offset"):
                row["published_at"] = in_printed_zone(row["published_at"], row["published_offset"])
            yield row


def _write_jsonl(path: Path, batches: Iterator[pa.RecordBatch], record: dict[str, Any]) -> int:
    count = 0
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for row in _rows(batches):
            fh.write(json.dumps(plain(row), ensure_ascii=False) + "\n")
            count += 1
    return count


def _write_csv(path: Path, batches: Iterator[pa.RecordBatch], record: dict[str, Any]) -> int:
    count = 0
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        # the researcher's fields as one column each, named by the field: spreadsheets read them
        own = record.get("fields", [])
        header = [n for c in record["columns"] for n in (own if c == "fields" else [c])]
        writer.writerow(header)
        for row in _rows(batches):
            values: list[Any] = []
            for c in record["columns"]:
                if c == "fields":
                    values += [row["fields"].get(name) for name in own]
                else:
                    values.append(row[c])
            cells = [csv_cell(v) for v in values]
            if record["formula_safe"]:
                # text and lists only: numbers and times stay numbers and times
                cells = [
                    formula_safe(cell) if isinstance(v, str | list) else cell
                    for v, cell in zip(values, cells, strict=True)
                ]
            writer.writerow(cells)
            count += 1
    return count


def csv_cell(value: Any) -> str:
    """One CSV cell: ``""`` for null, lists joined by ``"; "``, records as JSON, times ISO 8601.

    >>> csv_cell(["health", "industrial-action"])
    'health; industrial-action'
    """
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list):
        if any(isinstance(v, dict) for v in value):
            return json.dumps(plain(value), ensure_ascii=False)
        return LIST_SEPARATOR.join(str(v) for v in value)
    return str(value)


def _write_parquet(path: Path, batches: Iterator[pa.RecordBatch], record: dict[str, Any]) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = store.schema()
    meta: dict[bytes | str, bytes | str] = {k: v for k, v in (schema.metadata or {}).items()}
    meta[b"newsarchive.export"] = json.dumps(record).encode()
    out_schema = pa.schema([schema.field(c) for c in record["columns"]], metadata=meta)
    count = 0
    with pq.ParquetWriter(path, out_schema, compression="zstd") as writer:
        for batch in batches:
            writer.write_batch(batch)
            count += batch.num_rows
    return count


def _write_tei(path: Path, batches: Iterator[pa.RecordBatch], record: dict[str, Any]) -> int:
    from .tei import write_tei

    return write_tei(path, _rows(batches), record)


_WRITERS = {
    "jsonl": _write_jsonl,
    "csv": _write_csv,
    "parquet": _write_parquet,
    "tei": _write_tei,
}
