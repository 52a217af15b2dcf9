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

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__, store
from ..errors import UsageError
from ..output import Options, Records, format_of, write_records
from ..output import csv_cell as csv_cell  # re-exported: part of this module's API
from ..storage import CorpusPath, absolute, corpus_path
from .common import DEFAULT_COLUMNS, Scope, check_columns, in_printed_zone, snapshot
from .hits import hit_ids

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.compute as pc

FORMATS = ("jsonl", "csv", "parquet", "tei")  # rows of newsarchive.output.FORMATS
SIDECAR_SUFFIX = ".export.json"
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


def export_format(target: Path, fmt: str | None) -> str:
    """The format asked for, else the one the file name implies (``.jsonl .csv .parquet .xml``)."""
    if fmt is not None:
        if fmt not in FORMATS:
            raise UsageError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
        return fmt
    return format_of(target, FORMATS)


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
        # CSV files end lines with CRLF, as RFC 4180 and spreadsheets expect
        options = Options(formula_safe=formula_safe, newline="\r\n")
        rows = write_records(_records(kind, batches, record), kind, tmp, options)
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


def _spread_fields(rows: Iterator[dict[str, Any]], own: list[str]) -> Iterator[dict[str, Any]]:
    """The researcher's fields as one column each, named by the field: spreadsheets read them."""
    for row in rows:
        fields = row.pop("fields", None) or {}
        yield {**row, **{name: fields.get(name) for name in own}}


def _records(kind: str, batches: Iterator[pa.RecordBatch], record: dict[str, Any]) -> Records:
    columns: list[str] = record["columns"]
    rows = _rows(batches)
    if kind == "csv" and "fields" in columns:
        own: list[str] = record.get("fields", [])
        columns = [n for c in columns for n in (own if c == "fields" else [c])]
        rows = _spread_fields(rows, own)

    def arrow() -> tuple[pa.Schema, Iterator[pa.RecordBatch]]:
        import pyarrow as pa

        schema = store.schema()
        fields = [schema.field(c) for c in record["columns"]]
        return pa.schema(fields).with_metadata(schema.metadata or {}), batches

    return Records(columns, rows, record, arrow)
