"""The one output layer (newsarchive.output): each format's exact output for one hostile record.

The record holds what scraped text may hold: a spreadsheet formula, a terminal escape sequence
(OSC title, C1 CSI), a lone CR, a list whose text starts with '-', a negative number, a
timestamp and a null.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from newsarchive.analysis.tei import COLUMNS as TEI_COLUMNS
from newsarchive.errors import UsageError
from newsarchive.output import (
    EXPORT_KEY,
    FORMATS,
    Options,
    Records,
    format_of,
    to_text,
    write_records,
)

ROW: dict[str, Any] = {
    "doc_id": "d1",
    "title": '=HYPERLINK("http://x")\x1b]0;pwn\x07\x9b',
    "n": -3,
    "tags": ["-a", "b"],
    "published_at": datetime(2016, 4, 26, 8, 0, tzinfo=UTC),
    "note": "a\rb",
    "empty": None,
}
RECORDS = Records(list(ROW), [ROW], {"query": "strike", "rows": 1})


def test_the_registry_has_one_row_per_format() -> None:
    assert [(f.name, f.suffix, f.needs_file) for f in FORMATS.values()] == [
        ("table", None, False),
        ("json", ".json", False),
        ("jsonl", ".jsonl", False),
        ("csv", ".csv", False),
        ("parquet", ".parquet", True),
        ("tei", ".xml", True),
    ]


def test_jsonl_escapes_what_a_terminal_obeys_only_on_a_terminal() -> None:
    line = (
        '{"doc_id": "d1", "title": "=HYPERLINK(\\"http://x\\")\\u001b]0;pwn\\u0007%s", '
        '"n": -3, "tags": ["-a", "b"], "published_at": "2016-04-26T08:00:00+00:00", '
        '"note": "a\\rb", "empty": null}\n'
    )
    assert to_text(RECORDS, "jsonl") == line % "\x9b"
    assert to_text(RECORDS, "jsonl", Options(terminal=True)) == line % "\\u009b"
    # the same JSON value either way
    assert json.loads(line % "\\u009b") == json.loads(line % "\x9b")


def test_json_is_one_indented_array() -> None:
    assert to_text(RECORDS, "json", Options(terminal=True)) == (
        "[\n"
        "  {\n"
        '    "doc_id": "d1",\n'
        '    "title": "=HYPERLINK(\\"http://x\\")\\u001b]0;pwn\\u0007\\u009b",\n'
        '    "n": -3,\n'
        '    "tags": [\n'
        '      "-a",\n'
        '      "b"\n'
        "    ],\n"
        '    "published_at": "2016-04-26T08:00:00+00:00",\n'
        '    "note": "a\\rb",\n'
        '    "empty": null\n'
        "  }\n"
        "]\n"
    )


def test_csv_neutralises_formulas_in_text_and_lists_not_in_numbers() -> None:
    # a lone CR with "\n" line ends: the row is quoted whole, so readers keep it one row
    assert to_text(RECORDS, "csv") == (
        "doc_id,title,n,tags,published_at,note,empty\n"
        '"d1","\'=HYPERLINK(""http://x"")\x1b]0;pwn\x07\x9b","-3","\'-a; b",'
        '"2016-04-26T08:00:00+00:00","a\rb",""\n'
    )


def test_csv_on_a_terminal_shows_control_characters_escaped() -> None:
    assert to_text(RECORDS, "csv", Options(terminal=True)) == (
        "doc_id,title,n,tags,published_at,note,empty\n"
        'd1,"\'=HYPERLINK(""http://x"")\\x1b]0;pwn\\x07\\x9b",-3,\'-a; b,'
        "2016-04-26T08:00:00+00:00,a\\x0db,\n"
    )


def test_csv_raw_with_crlf_line_ends() -> None:
    options = Options(formula_safe=False, newline="\r\n")
    assert to_text(RECORDS, "csv", options) == (
        "doc_id,title,n,tags,published_at,note,empty\r\n"
        'd1,"=HYPERLINK(""http://x"")\x1b]0;pwn\x07\x9b",-3,-a; b,'
        '2016-04-26T08:00:00+00:00,"a\rb",\r\n'
    )


def test_parquet_keeps_the_values_and_carries_the_record(tmp_path: Path) -> None:
    out = tmp_path / "hits.parquet"
    schema = pa.schema([("doc_id", pa.string()), ("title", pa.string())], metadata={"own": "kept"})
    batch = pa.RecordBatch.from_pylist([{"doc_id": "d1", "title": ROW["title"]}], schema=schema)
    records = Records(["doc_id", "title"], [], {"query": "strike"}, lambda: (schema, [batch]))
    assert write_records(records, "parquet", out) == 1
    assert pq.read_table(out).to_pylist() == [{"doc_id": "d1", "title": ROW["title"]}]
    meta = pq.read_schema(out).metadata
    assert meta == {b"own": b"kept", EXPORT_KEY.encode(): b'{"query": "strike"}'}
    assert pq.ParquetFile(out).metadata.row_group(0).column(0).compression == "ZSTD"


def test_parquet_from_rows_when_no_arrow_form(tmp_path: Path) -> None:
    out = tmp_path / "rows.parquet"
    assert write_records(RECORDS, "parquet", out) == 1
    assert pq.read_table(out).to_pylist() == [ROW]
    record = json.loads(pq.read_schema(out).metadata[EXPORT_KEY.encode()])
    assert record == {"query": "strike", "rows": 1}


def test_tei_keeps_markup_as_text_and_drops_what_xml_cannot_hold(tmp_path: Path) -> None:
    row = dict.fromkeys(TEI_COLUMNS)
    row.update(
        doc_id="d1",
        title="=cmd|' /C calc'!A0 \x1b[2J",
        source="wire",
        text="First <b>para</b> & more\x00\x1b[31m.\n\nSecond.",
        published_at=datetime(2016, 4, 26, 8, 0, tzinfo=UTC),
    )
    record = {
        "query": None,
        "newsarchive_version": "0.1.0",
        "exported_at": "2026-12-03T10:00:00+00:00",
        "corpus_state": "abc",
        "corpus": "/c",
    }
    out = tmp_path / "out.xml"
    assert write_records(Records(TEI_COLUMNS, [row], record), "tei", out) == 1
    text = out.read_text(encoding="utf-8")
    assert "<title>=cmd|' /C calc'!A0 [2J</title>" in text
    assert (
        "    <body>\n"
        "      <p>First &lt;b&gt;para&lt;/b&gt; &amp; more[31m.</p>\n"
        "      <p>Second.</p>\n"
        "    </body>\n"
    ) in text
    assert "<title>newsarchive export: whole corpus</title>" in text


@pytest.mark.parametrize("fmt", ["parquet", "tei"])
def test_file_formats_refuse_a_stream(fmt: str) -> None:
    import io

    with pytest.raises(UsageError, match=f"--format {fmt} writes a file: add --output FILE"):
        write_records(RECORDS, fmt, io.StringIO())


def test_format_from_the_file_name() -> None:
    choices = ("jsonl", "csv", "parquet", "tei")
    assert [format_of(Path(f"x{s}"), choices) for s in (".JSONL", ".csv", ".parquet", ".xml")] == [
        "jsonl",
        "csv",
        "parquet",
        "tei",
    ]
    with pytest.raises(UsageError, match=r"cannot tell the format of x.json: pass --format"):
        format_of(Path("x.json"), choices)
