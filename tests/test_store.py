"""The Parquet corpus: one schema, atomic batches, readable by every tool researchers use."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsarchive import store
from newsarchive.article import STORED_FIELDS, Article, Evidence, Removal
from newsarchive.errors import CorpusError, CorpusLocked


def article(n: int, **kw: object) -> Article:
    base: dict[str, object] = dict(
        doc_id=f"id{n}",
        source_path=f"/data/{n}.txt",
        source="example",
        text=f"Story number {n}.",
        raw_text=f"Story number {n}.",
        content_hash=f"h{n}",
    )
    base.update(kw)
    return Article(**base)  # type: ignore[arg-type]


def test_schema_matches_article_fields() -> None:
    assert tuple(store.schema().names) == STORED_FIELDS


def test_writer_commits_whole_batches(tmp_path: Path) -> None:
    w = store.CorpusWriter(tmp_path, "run1", batch_rows=2)
    for n in range(5):
        w.add(article(n))
    # two full batches are on disk before flush; the fifth article waits in memory
    assert [f.name for f in store.part_files(tmp_path)] == [
        "part-run1-00000.parquet",
        "part-run1-00001.parquet",
    ]
    w.flush()
    assert store.read_corpus(tmp_path).num_rows == 5
    assert list(w.tmp.iterdir()) == []


def test_round_trip_of_nested_and_timestamp_columns(tmp_path: Path) -> None:
    a = article(
        1,
        published_at=datetime(2016, 4, 26, 7, 34, tzinfo=UTC),
        removed=[Removal("Video Loading", "player/video-loading", 10, 23)],
        tag_evidence=[Evidence("people", "Jeremy Hunt", "title:Health Secretary", "Jeremy Hunt")],
        topics=["health", "industrial-action"],
    )
    w = store.CorpusWriter(tmp_path, "run1")
    w.add(a)
    w.flush()
    row = store.read_corpus(tmp_path).to_pylist()[0]
    assert row["published_at"] == datetime(2016, 4, 26, 7, 34, tzinfo=UTC)
    assert row["removed"] == [
        {
            "text": "Video Loading",
            "rule": "player/video-loading",
            "start": 10,
            "end": 23,
            "score": None,
        }
    ]
    assert row["tag_evidence"][0]["rule"] == "title:Health Secretary"
    assert row["topics"] == ["health", "industrial-action"]


def test_readers_ignore_run_records_and_temp_files(tmp_path: Path) -> None:
    import duckdb
    import pandas as pd
    import polars as pl

    w = store.CorpusWriter(tmp_path, "run1")
    w.add_all([article(1), article(2)])
    w.flush()
    store.write_json_atomic(tmp_path / "_runs" / "run1.json", {"run_id": "run1"})
    (tmp_path / ".tmp" / "part-run2-00000.parquet.tmp").write_bytes(b"half a file")
    assert len(pd.read_parquet(tmp_path)) == 2
    assert pl.read_parquet(str(tmp_path / "*.parquet")).height == 2
    sql = f"SELECT count(*) FROM read_parquet('{tmp_path}/**/*.parquet')"
    counted = duckdb.sql(sql)
    assert counted is not None
    assert counted.fetchall() == [(2,)]


def test_empty_and_missing_corpus(tmp_path: Path) -> None:
    assert store.read_corpus(tmp_path).num_rows == 0
    with pytest.raises(CorpusError, match="no corpus at"):
        store.read_corpus(tmp_path / "nope")


def test_corpus_state_changes_with_each_commit(tmp_path: Path) -> None:
    before = store.corpus_state(tmp_path)
    w = store.CorpusWriter(tmp_path, "run1")
    w.add(article(1))
    w.flush()
    assert store.corpus_state(tmp_path) != before


def test_known_articles_maps_first_id_per_text(tmp_path: Path) -> None:
    w = store.CorpusWriter(tmp_path, "run1")
    w.add_all([article(1, content_hash="same"), article(2, content_hash="same"), article(3)])
    w.flush()
    known = store.known_articles(tmp_path)
    assert known.doc_ids == {"id1", "id2", "id3"}
    assert known.first_by_hash == {"same": "id1", "h3": "id3"}


def test_second_writer_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    with (
        store.writer_lock(tmp_path),
        pytest.raises(CorpusLocked) as err,
        store.writer_lock(tmp_path),
    ):
        pass  # pragma: no cover
    assert str(err.value).startswith(f"corpus {tmp_path} is being written by process ")
    assert str(err.value).endswith("; wait for it to finish, or pass --wait")
    with store.writer_lock(tmp_path):  # released: a new writer gets in
        pass


def test_leftovers_of_a_killed_writer_are_dropped(tmp_path: Path) -> None:
    (tmp_path / ".tmp").mkdir()
    (tmp_path / ".tmp" / "part-old-00000.parquet.tmp").write_bytes(b"partial")
    store.CorpusWriter(tmp_path, "run2")
    assert list((tmp_path / ".tmp").iterdir()) == []
