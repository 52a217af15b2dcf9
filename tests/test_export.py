"""Export: every format's exact content, the export record, the TEI schema, selection by query."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest
from lxml import etree

from newsarchive import __version__
from newsarchive.analysis.common import Scope
from newsarchive.analysis.export import csv_cell, export
from newsarchive.analysis.tei import TEI_NS, validate
from newsarchive.errors import UsageError
from test_corpus_api import ARTICLES, Fixture, build_corpus

TEI = {"t": TEI_NS}
STATE = "8b60d167d8c87e34"


def run(fx: Fixture, output: Path, **kw: Any) -> dict[str, Any]:
    report = export(output, corpus=fx.corpus, index_dir=fx.index_dir, **kw)
    assert report.path == output and report.sidecar.name == output.name + ".export.json"
    record: dict[str, Any] = json.loads(report.sidecar.read_text(encoding="utf-8"))
    assert record == report.record
    return record


def test_jsonl_of_a_query_with_chosen_columns(fx: Fixture, tmp_path: Path) -> None:
    out = tmp_path / "hits.jsonl"
    record = run(fx, out, query="strike", columns=["doc_id", "published_at", "topics", "removed"],
                 scope=Scope(source="wire"))  # fmt: skip
    assert out.read_text(encoding="utf-8").splitlines() == [
        '{"doc_id": "1e2a7c40b5d90f11", "published_at": "2016-04-26T07:34:00+00:00", '
        '"topics": ["health", "industrial-action"], "removed": ['
        '{"text": "By Ann Clarke", "rule": "byline/by", "start": 37, "end": 50, "score": null}, '
        '{"text": "Video Loading", "rule": "player/video-loading", "start": 153, "end": 166, '
        '"score": null}, '
        '{"text": "READ MORE: Hospitals brace for walkout", "rule": "related/read-more", '
        '"start": 269, "end": 307, "score": null}]}',
        '{"doc_id": "1e2a99d0c3b4a502", "published_at": "2016-04-27T09:15:00+00:00", '
        '"topics": ["health", "industrial-action"], "removed": []}',
    ]
    exported_at = record.pop("exported_at")
    assert exported_at.endswith("+00:00")
    day = exported_at[:10]
    assert record.pop("citation") == {
        "corpus_version": "868aa89300ba97fd",  # store.corpus_version: ids and content hashes
        "date": day,
        "query": "strike",
        "text": f"newsarchive corpus 'corpus', version 868aa89300ba97fd; query 'strike' "
        f"(source wire): 2 articles; exported {day} with newsarchive {__version__}",
    }
    assert record == {
        "query": "strike",
        "scope": {"source": "wire"},
        "corpus": str(fx.corpus.resolve()),
        "corpus_state": STATE,
        "newsarchive_version": __version__,
        "format": "jsonl",
        "columns": ["doc_id", "published_at", "topics", "removed"],
        "rows": 2,
        "file": "hits.jsonl",
    }


def test_csv_flattens_lists_and_nested_records(fx: Fixture, tmp_path: Path) -> None:
    out = tmp_path / "undated.csv"
    columns = ["doc_id", "title", "published_at", "places", "tag_evidence", "url"]
    run(fx, out, query="ferries", columns=columns)
    assert out.read_bytes().decode("utf-8") == (  # RFC 4180 line ends
        "doc_id,title,published_at,places,tag_evidence,url\r\n"
        "9a0b1c2d3e4f5a85,Ferries cancelled as storm hits coast,,Dover,"
        '"[{""field"": ""topics"", ""value"": ""weather"", ""rule"": ""taxonomy:weather"", '
        '""matched"": ""storm""}, {""field"": ""topics"", ""value"": ""transport"", '
        '""rule"": ""taxonomy:transport"", ""matched"": ""ferries""}, {""field"": ""places"", '
        '""value"": ""Dover"", ""rule"": ""gazetteer"", ""matched"": ""Dover""}, '
        '{""field"": ""countries"", ""value"": ""GB"", ""rule"": ""place:Dover"", '
        '""matched"": ""Dover""}]",\r\n'
    )
    assert csv_cell(["health", "industrial-action"]) == "health; industrial-action"
    assert csv_cell(None) == "" and csv_cell(7) == "7"


def test_whole_corpus_to_parquet_with_the_record_in_its_metadata(
    fx: Fixture, tmp_path: Path
) -> None:
    out = tmp_path / "all.parquet"
    record = run(fx, out)
    df = pd.read_parquet(out)
    assert len(df) == record["rows"] == 6
    assert list(df.columns) == record["columns"]
    assert str(df["published_at"].dtype) == "datetime64[us, UTC]"
    assert list(df["topics"].iloc[0]) == ["health", "industrial-action"]
    meta = pq.read_schema(out).metadata
    assert json.loads(meta[b"newsarchive.export"]) == record
    assert meta[b"newsarchive.schema_version"] == b"2"


def elements(node: etree._Element, path: str) -> list[etree._Element]:
    """The elements an XPath over the TEI namespace selects (a typed `xpath`)."""
    found = node.xpath(path, namespaces=TEI)
    assert isinstance(found, list) and all(isinstance(e, etree._Element) for e in found)
    return [e for e in found if isinstance(e, etree._Element)]


def test_tei_is_valid_against_the_shipped_schema(fx: Fixture, tmp_path: Path) -> None:
    out = tmp_path / "corpus.xml"
    record = run(fx, out, fmt="tei")
    assert record["rows"] == 6 and validate(out) == []
    root = etree.parse(str(out)).getroot()
    assert root.tag == f"{{{TEI_NS}}}teiCorpus"
    assert root.xpath("t:teiHeader//t:title/text()", namespaces=TEI) == [
        "newsarchive export: whole corpus"
    ]
    assert root.xpath("t:teiHeader//t:idno[@type='corpus-state']/text()", namespaces=TEI) == [STATE]
    first = elements(root, "t:TEI")[0]
    assert first.get("{http://www.w3.org/XML/1998/namespace}id") == "na-1e2a7c40b5d90f11"
    header = first.find("t:teiHeader", TEI)
    assert header is not None
    assert header.xpath(".//t:titleStmt/*/text()", namespaces=TEI) == [
        "Junior doctors strike over contract",
        "Ann Clarke",
    ]
    assert header.xpath(".//t:publicationStmt/t:date/@when", namespaces=TEI) == [
        "2016-04-26T07:34:00+00:00"
    ]
    assert header.xpath(".//t:keywords[@scheme='#topics']/t:term/text()", namespaces=TEI) == [
        "health",
        "industrial-action",
    ]
    assert [p.text for p in first.iterfind("t:text/t:body/t:p", TEI)] == [
        "Junior doctors strike over contract",
        "Junior doctors in England walked out on Tuesday in the first full strike in the "
        "history of the NHS.",
        "The British Medical Association said the strike would go ahead after talks with "
        "Jeremy Hunt failed.",
    ]
    (undated,) = elements(root, "t:TEI[@xml:id='na-9a0b1c2d3e4f5a85']")
    assert undated.xpath(".//t:publicationStmt/t:date", namespaces=TEI) == []


def test_tei_of_a_query_records_it_and_the_schema_rejects_other_shapes(
    fx: Fixture, tmp_path: Path
) -> None:
    out = tmp_path / "floods.xml"
    run(fx, out, query="floods")
    assert validate(out) == []
    text = out.read_text(encoding="utf-8")
    assert '<idno type="query">floods</idno>' in text
    assert "Selection: articles matching the query 'floods'." in text
    broken = tmp_path / "broken.xml"
    broken.write_text(text.replace("<body>", "<body><div/>"), encoding="utf-8")
    assert validate(broken)[0].startswith("line ")
    broken.write_text(text[:-30], encoding="utf-8")
    assert validate(broken)[0].startswith("not well-formed XML")


def test_text_xml_cannot_hold_is_dropped(tmp_path: Path) -> None:

    odd = dataclasses.replace(ARTICLES[5], text="Bell\x07 rang.\x0b\n\nForm feed\x0c here.")
    fx = build_corpus(tmp_path, [odd], index=False)
    out = tmp_path / "odd.xml"
    export(out, corpus=fx.corpus, fmt="tei")
    assert validate(out) == []
    assert "<p>Bell rang.</p>" in out.read_text(encoding="utf-8")


def test_format_from_suffix_and_errors(fx: Fixture, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"cannot tell the format of out\.txt"):
        export(tmp_path / "out.txt", corpus=fx.corpus)
    with pytest.raises(UsageError, match="unknown column"):
        export(tmp_path / "out.csv", corpus=fx.corpus, columns=["doc_id", "body"])
    with pytest.raises(UsageError, match="--columns does not apply to TEI"):
        export(tmp_path / "out.xml", corpus=fx.corpus, columns=["doc_id"])
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # nothing half-written is left
