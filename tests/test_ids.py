"""Ids a colleague can look up: the same files give the same ids wherever they sit; older corpora
(absolute-path ids, schema version 1) keep working."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

import newsarchive
from newsarchive import store
from newsarchive.article import SCHEMA_CHANGES, Article
from newsarchive.pipeline.run import make_doc_id
from newsarchive.verify import verify

STORY = "Ferry workers strike\n\nFerry workers in Dover walked out on Friday over pay.\n"


def ids(corpus: Path) -> list[tuple[str, str]]:
    table = store.read_corpus(corpus, columns=["doc_id", "source_path"])
    return sorted((r["source_path"].rsplit("/", 1)[1], r["doc_id"]) for r in table.to_pylist())


def test_the_same_folder_in_two_places_gives_the_same_ids(tmp_path: Path) -> None:
    mine = tmp_path / "me" / "ferries"
    (mine / "kent").mkdir(parents=True)
    (mine / "kent" / "a.txt").write_text(STORY, encoding="utf-8")
    (mine / "dump.jsonl").write_text('{"text": "Ports reopen after the strike."}\n', "utf-8")
    theirs = tmp_path / "colleague" / "elsewhere" / "ferries-copy"
    shutil.copytree(mine, theirs)
    newsarchive.ingest([mine], corpus=tmp_path / "c1", index=False, jobs=1)
    newsarchive.ingest([theirs], corpus=tmp_path / "c2", index=False, jobs=1)
    assert (
        ids(tmp_path / "c1")
        == ids(tmp_path / "c2")
        == [
            ("a.txt", make_doc_id("kent/a.txt", STORY)),
            ("dump.jsonl#row=1", make_doc_id("dump.jsonl#row=1", "Ports reopen after the strike.")),
        ]
    )


def test_a_manifest_keys_ids_by_paths_relative_to_it(tmp_path: Path) -> None:
    folder = tmp_path / "set"
    (folder / "texts").mkdir(parents=True)
    (folder / "texts" / "a.txt").write_text(STORY, encoding="utf-8")
    (folder / "list.csv").write_text("path,label\ntexts/a.txt,true\n", encoding="utf-8")
    newsarchive.ingest([], manifest=folder / "list.csv", corpus=tmp_path / "c", index=False, jobs=1)
    assert ids(tmp_path / "c") == [("a.txt", make_doc_id("texts/a.txt", STORY))]


def _v1_part(corpus: Path, article: Article) -> None:
    """A part file as newsarchive wrote it before schema version 2 (``extra``, no ``fields``
    nor the other columns version 2 added)."""
    row = article.to_row()
    added, _ = SCHEMA_CHANGES[2]
    for name in added:
        del row[name]
    row["extra"] = '{"label": "true"}'
    now = store.schema()
    old = pa.schema(
        [now.field(n) for n in now.names if n in row] + [pa.field("extra", pa.string())],
        metadata={"newsarchive.schema_version": "1"},
    )
    corpus.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pylist([row], schema=old)
    pq.write_table(table, corpus / "part-20250101T000000Z-aaaaaa-00000.parquet")
    store.write_json_atomic(
        corpus / store.RUNS_DIR / "20250101T000000Z-aaaaaa.json",
        {
            "run_id": "20250101T000000Z-aaaaaa",
            "status": "complete",
            "ingested": 1,
            "newsarchive_version": "0.1.0",
        },
    )


def test_an_older_corpus_reads_verifies_and_is_not_ingested_twice(tmp_path: Path) -> None:
    src = tmp_path / "ferries"
    src.mkdir()
    path = src / "a.txt"
    path.write_text(STORY, encoding="utf-8")
    corpus = tmp_path / "corpus"
    legacy = make_doc_id(str(path), STORY)  # the first scheme hashed the absolute path
    _v1_part(
        corpus,
        Article(
            doc_id=legacy,
            source_path=str(path),
            source="ferries",
            content_hash="0" * 32,
            ingest_run="20250101T000000Z-aaaaaa",
            text=STORY,
            raw_text=STORY,
        ),
    )
    row = store.read_corpus(corpus, columns=["doc_id", "fields", "near_duplicate_of"]).to_pylist()
    assert row == [{"doc_id": legacy, "fields": None, "near_duplicate_of": None}]
    report = verify(corpus, None)
    assert report.exit_code == 0
    assert [(c.status, c.name) for c in report.checks if c.status == "info"] == [
        ("info", "parts"),
        ("info", "doc_ids"),
    ]
    assert "1 part files of an older schema version: readable" in report.checks[2].message
    again = newsarchive.ingest([src], corpus=corpus, index=False, jobs=1)
    assert (again.ingested, again.already) == (0, 1)  # its old id is recognised
