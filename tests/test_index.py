"""update_index: incremental, in agreement with the corpus, safe to interrupt, one writer at a time."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest
from filelock import FileLock

from newsarchive import store
from newsarchive.errors import CorpusError
from newsarchive.index import (
    IndexLocked,
    MatchingIds,
    index_status,
    indexed_ids,
    matching_ids,
    search,
    update_index,
)
from newsarchive.index.api import IndexedCorpus
from newsarchive.index.whoosh_engine import KEEP_SEGMENTS, MAX_SEGMENTS, WhooshIndex, document
from newsarchive.progress import Step
from searchfixtures import FIXTURES, LATE, STRIKE, council_minutes, write_corpus, write_inputs


def corpus_ids(corpus: Path) -> list[str]:
    return sorted(
        str(i) for i in store.read_corpus(corpus, columns=["doc_id"]).column("doc_id").to_pylist()
    )


def agrees(corpus: Path, index_dir: Path) -> bool:
    """The index holds each corpus article exactly once, and knows the corpus state."""
    status = index_status(corpus, index_dir)
    return sorted(indexed_ids(index_dir) or []) == corpus_ids(corpus) and status.up_to_date


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    write_corpus(tmp_path / "corpus", FIXTURES)
    return tmp_path / "corpus"


def test_first_update_builds_the_index(corpus: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "indexes"
    report = update_index(corpus, index_dir)
    assert (report.added, report.total, report.engine, report.rebuilt) == (8, 8, "whoosh", True)
    assert report.corpus_state == store.corpus_state(corpus)
    assert agrees(corpus, index_dir)
    assert sorted(p.name for p in index_dir.iterdir()) == [".lock", "state.json", "whoosh"]
    state = json.loads((index_dir / "state.json").read_text(encoding="utf-8"))
    assert {
        k: state[k] for k in ("engine", "schema_version", "corpus", "corpus_state", "articles")
    } == {
        "engine": "whoosh",
        "schema_version": 3,
        "corpus": str(corpus.resolve()),
        "corpus_state": store.corpus_state(corpus),
        "articles": 8,
    }


def test_updates_add_only_new_articles(corpus: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "indexes"
    update_index(corpus, index_dir)
    again = update_index(corpus, index_dir)
    assert (again.added, again.total, again.rebuilt) == (0, 8, False)

    write_corpus(corpus, [LATE])  # a second ingest run
    status = index_status(corpus, index_dir)
    assert (status.indexed, status.corpus_articles, status.up_to_date) == (8, 9, False)
    assert search("strike", corpus=corpus, index_dir=index_dir).index_behind
    assert matching_ids("strike", corpus=corpus, index_dir=index_dir).index_behind
    report = update_index(corpus, index_dir)
    assert (report.added, report.total, report.rebuilt) == (1, 9, False)
    assert agrees(corpus, index_dir)
    hits = search("contract vote", corpus=corpus, index_dir=index_dir)
    assert [h.doc_id for h in hits.hits] == ["strike-may"]
    assert not hits.index_behind
    assert matching_ids("contract vote", corpus=corpus, index_dir=index_dir) == MatchingIds(
        ["strike-may"], "contract vote", index_behind=False
    )


def test_searches_reuse_the_open_index_until_it_changes(corpus: Path, tmp_path: Path) -> None:
    from newsarchive.index import api

    index_dir = tmp_path / "indexes"
    update_index(corpus, index_dir)
    first = api._open_for_search(index_dir, corpus)
    assert search("strike", corpus=corpus, index_dir=index_dir).total == 4
    assert api._open_for_search(index_dir, corpus) is first  # kept open between searches
    write_corpus(corpus, [LATE])
    update_index(corpus, index_dir)  # rewrites the state: the next search opens it anew
    assert api._open_for_search(index_dir, corpus) is not first
    assert [h.doc_id for h in search("contract vote", corpus=corpus, index_dir=index_dir).hits] == [
        "strike-may"
    ]


def test_an_article_stored_twice_is_indexed_once(corpus: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "indexes"
    update_index(corpus, index_dir)
    write_corpus(corpus, [STRIKE, LATE])  # a re-ingest that repeats an article
    report = update_index(corpus, index_dir)
    assert (report.added, report.total) == (1, 9)
    ids = indexed_ids(index_dir)
    assert ids is not None and len(ids) == len(set(ids)) == 9


def test_rebuild(corpus: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "indexes"
    update_index(corpus, index_dir)
    write_corpus(corpus, [LATE])
    report = update_index(corpus, index_dir, rebuild=True)
    assert (report.added, report.total, report.rebuilt) == (9, 9, True)
    assert agrees(corpus, index_dir)
    assert not (index_dir / "whoosh.new").exists() and not (index_dir / "whoosh.old").exists()


def test_vanished_part_triggers_a_rebuild(corpus: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "indexes"
    run = write_corpus(corpus, [LATE])
    update_index(corpus, index_dir)
    (corpus / f"part-{run}-00000.parquet").unlink()  # as `verify --repair` quarantines a part
    report = update_index(corpus, index_dir)
    assert report.rebuilt and report.total == 8
    assert agrees(corpus, index_dir)


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: (d / "state.json").write_text('{"engine": "whoosh", "schema_version": 0}'),
        lambda d: (d / "state.json").unlink(),
        lambda d: (d / "state.json").write_text("{not json"),
    ],
    ids=["old-schema", "no-state", "bad-state"],
)
def test_unknown_or_old_index_is_rebuilt(corpus: Path, tmp_path: Path, damage: object) -> None:
    index_dir = tmp_path / "indexes"
    update_index(corpus, index_dir)
    damage(index_dir)  # type: ignore[operator]
    report = update_index(corpus, index_dir)
    assert (report.rebuilt, report.added, report.total) == (True, 8, 8)
    assert agrees(corpus, index_dir)


@pytest.mark.parametrize("procs", [1, 2])
def test_interrupted_update_leaves_the_previous_index(
    corpus: Path, tmp_path: Path, procs: int
) -> None:
    index_dir = tmp_path / "indexes"
    update_index(corpus, index_dir)
    write_corpus(corpus, council_minutes(700))

    def interrupt(step: Step) -> None:
        if step.done >= 500:  # with procs=2, worker processes are running by now
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        update_index(corpus, index_dir, procs=procs, progress=interrupt)
    assert multiprocessing.active_children() == []
    assert index_status(corpus, index_dir).indexed == 8
    assert search("strike", corpus=corpus, index_dir=index_dir).total == 4
    report = update_index(corpus, index_dir, procs=procs)  # the lock was released
    assert (report.added, report.total) == (700, 708)
    assert agrees(corpus, index_dir)


def test_crashed_rebuild_is_finished_or_discarded(corpus: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "indexes"
    update_index(corpus, index_dir)
    # a rebuild killed while writing leaves whoosh.new; one killed mid-swap leaves only whoosh.old
    (index_dir / "whoosh.new").mkdir()
    (index_dir / "whoosh.new" / "junk").write_text("half-written")
    (index_dir / "whoosh").rename(index_dir / "whoosh.old")
    assert search("strike", corpus=corpus, index_dir=index_dir).total == 4  # reads whoosh.old
    report = update_index(corpus, index_dir)
    assert (report.added, report.rebuilt) == (0, False)
    assert sorted(p.name for p in index_dir.iterdir()) == [".lock", "state.json", "whoosh"]
    assert agrees(corpus, index_dir)


def test_multiprocess_writer(corpus: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "indexes"
    write_corpus(corpus, council_minutes(600), batch_rows=250)
    calls: list[Step] = []
    report = update_index(corpus, index_dir, procs=2, progress=calls.append)
    assert (report.added, report.total) == (608, 608)
    # every 500 rows, the last, then the commit that merges (no total, so no bar stuck at 100 %)
    assert calls == [Step("indexing", 500, 608), Step("indexing", 608, 608), Step("merging", 0)]
    assert agrees(corpus, index_dir)
    assert (
        WhooshIndex.open(index_dir / "whoosh", IndexedCorpus(None, index_dir)).segment_count() >= 2
    )  # one per worker
    everything = search("*", corpus=corpus, index_dir=index_dir, limit=0)
    assert dict(everything.facet("topic")) == {
        "local": 600,
        "health": 3,
        "labour": 2,
        "business": 2,
        "education": 1,
        "sport": 1,
        "weather": 1,
    }
    results = search('"budget item 417"', corpus=corpus, index_dir=index_dir)
    assert [h.doc_id for h in results.hits] == ["minutes-00417"]
    assert results.hits[0].snippet == (
        "The council met to discuss **budget item 417**. Councillors voted on the proposal."
    )


def test_segments_stay_bounded(corpus: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "indexes"
    update_index(corpus, index_dir)
    engine = WhooshIndex.open(index_dir / "whoosh", IndexedCorpus(None, index_dir))
    for i, a in enumerate(council_minutes(MAX_SEGMENTS + 2)):
        writer = engine.ix.writer()
        writer.add_document(**document(a.to_row(), f"extra-{i}", 0))
        writer.commit(merge=False)  # one new segment each, as multisegment writes leave them
    assert engine.segment_count() == MAX_SEGMENTS + 3
    engine.bound_segments()
    assert engine.segment_count() == KEEP_SEGMENTS + 1
    assert engine.doc_count() == 8 + MAX_SEGMENTS + 2


def test_second_updater_is_refused(corpus: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "indexes"
    update_index(corpus, index_dir)
    (index_dir / ".lock.pid").write_text("process 4242")
    with FileLock(str(index_dir / ".lock")), pytest.raises(IndexLocked) as refused:
        update_index(corpus, index_dir)
    assert str(refused.value) == (
        f"the index in {index_dir} is being updated by process 4242; wait for it to finish"
    )


def test_foreign_whoosh_writer_is_reported(corpus: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "indexes"
    update_index(corpus, index_dir)
    write_corpus(corpus, [LATE])
    engine = WhooshIndex.open(index_dir / "whoosh", IndexedCorpus(None, index_dir))
    writer = engine.ix.writer()
    try:
        with pytest.raises(IndexLocked) as refused:
            update_index(corpus, index_dir)
    finally:
        writer.cancel()
    assert str(refused.value) == (
        f"the whoosh index in {index_dir / 'whoosh'} is being written by another process"
    )
    assert update_index(corpus, index_dir).added == 1


def test_empty_and_missing_corpus(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    report = update_index(tmp_path / "empty", tmp_path / "indexes")
    assert (report.added, report.total) == (0, 0)
    assert search("strike", corpus=tmp_path / "empty", index_dir=tmp_path / "indexes").total == 0
    with pytest.raises(CorpusError, match=r"no corpus at .*nowhere: run 'newsarchive ingest"):
        update_index(tmp_path / "nowhere", tmp_path / "indexes")


def test_status_without_index(corpus: Path, tmp_path: Path) -> None:
    status = index_status(corpus, tmp_path / "none")
    assert (status.exists, status.indexed, status.corpus_articles, status.up_to_date) == (
        False,
        0,
        8,
        False,
    )
    assert indexed_ids(tmp_path / "none") is None


def test_ingest_keeps_the_index_in_step(tmp_path: Path) -> None:
    from newsarchive.pipeline.run import ingest

    inputs, corpus, index_dir = tmp_path / "in", tmp_path / "corpus", tmp_path / "indexes"
    write_inputs(inputs, FIXTURES[:3])
    first = ingest([inputs], corpus=corpus, index_dir=index_dir, jobs=1)
    assert (first.index.added, first.index.total) == (3, 3)

    write_inputs(inputs, [LATE])
    second = ingest([inputs], corpus=corpus, index_dir=index_dir, jobs=1)
    assert (second.index.added, second.index.total) == (1, 4)
    assert agrees(corpus, index_dir)
    assert search('"revised contract"', corpus=corpus, index_dir=index_dir).total == 1
