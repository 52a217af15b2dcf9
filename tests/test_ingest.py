"""The ingest run end to end: identity, duplicates, skips, run records, interruption, --jobs."""

from __future__ import annotations

import gzip
import json
import signal
from pathlib import Path

import pytest

import newsarchive
from newsarchive import store
from newsarchive.pipeline import run as pipeline_run
from newsarchive.pipeline.run import IngestInterrupted, IngestReport, make_doc_id
from newsarchive.progress import Step

STORY = (
    "Bus drivers in Leeds vote to strike\n\n"
    "Bus drivers in Leeds have voted to strike over pay, their union said on Monday.\n\n"
    "The drivers rejected a 3% offer from the operator.\n"
)
OTHER = (
    "Library reopens after flood repairs\n\n"
    "The central library in Hebden Bridge reopened on Saturday, eight months after the flood.\n"
)


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def run(paths: list[Path], corpus: Path, **kw: object) -> IngestReport:
    return newsarchive.ingest(paths, corpus=corpus, index=False, jobs=1, **kw)  # type: ignore[arg-type]


def rows(corpus: Path, *columns: str) -> list[dict[str, object]]:
    table = store.read_corpus(corpus, columns=list(columns) or None)
    return sorted(table.to_pylist(), key=lambda r: str(r.get("source_path", r.get("doc_id"))))


def test_ingest_stores_one_row_per_article_with_provenance(tmp_path: Path) -> None:
    src = tmp_path / "leeds"
    a = write(src, "a.txt", STORY)
    write(src, "b.txt", OTHER)
    report = run([src], tmp_path / "corpus")
    assert (report.seen, report.ingested, report.exit_code) == (2, 2, 0)
    first = rows(tmp_path / "corpus")[0]
    assert first["doc_id"] == make_doc_id("a.txt", STORY)  # the path below the folder given
    assert first["source_path"] == str(a.resolve())
    assert first["source"] == "leeds"  # the folder named on the command line
    assert first["raw_text"] == STORY
    assert first["title"] == "Bus drivers in Leeds vote to strike"
    assert first["encoding"] == "utf-8"
    assert first["ingest_run"] == report.run_id
    text = first["text"]
    assert isinstance(text, str)
    assert text.startswith("Bus drivers in Leeds vote to strike\n\nBus drivers")


def test_same_files_again_add_nothing(tmp_path: Path) -> None:
    src = tmp_path / "in"
    write(src, "a.txt", STORY)
    write(src, "b.txt", OTHER)
    run([src], tmp_path / "corpus")
    again = run([src], tmp_path / "corpus")
    assert (again.ingested, again.already) == (0, 2)
    assert len(rows(tmp_path / "corpus", "doc_id")) == 2


def test_identical_text_in_two_files_is_linked_not_lost(tmp_path: Path) -> None:
    src = tmp_path / "in"
    write(src, "a.txt", STORY)
    write(src, "copy/a-again.txt", STORY.replace("\n\n", "\n\n\n"))  # only white space differs
    report = run([src], tmp_path / "corpus")
    assert (report.ingested, report.duplicates) == (2, 1)
    first, second = rows(tmp_path / "corpus", "source_path", "doc_id", "duplicate_of")
    assert first["duplicate_of"] is None
    assert second["duplicate_of"] == first["doc_id"]


def test_bad_inputs_are_reported_and_the_rest_goes_in(tmp_path: Path) -> None:
    src = tmp_path / "in"
    write(src, "good.txt", STORY)
    write(src, "empty.txt", "")
    write(src, "binary.txt", bytes(range(256)) * 8)
    write(src, "fake.txt.gz", b"this is not gzip")
    (src / "dangling.txt").symlink_to(src / "missing.txt")
    report = run([src], tmp_path / "corpus")
    assert report.ingested == 1
    assert report.exit_code == 1
    assert dict(report.skipped_by_reason) == {
        "binary": 1,
        "bad-gzip": 1,
        "broken-link": 1,
        "empty": 1,
    }
    record = store.run_records(tmp_path / "corpus")[0]
    assert record["status"] == "complete"
    assert sorted((Path(s["path"]).name, s["reason"]) for s in record["skipped"]) == [
        ("binary.txt", "binary"),
        ("dangling.txt", "broken-link"),
        ("empty.txt", "empty"),
        ("fake.txt.gz", "bad-gzip"),
    ]


def test_gz_and_manifest_metadata(tmp_path: Path) -> None:
    src = tmp_path / "in"
    write(src, "a.txt.gz", gzip.compress(STORY.encode()))
    write(
        src,
        "manifest.csv",
        "path,url,date,source,label\na.txt.gz,https://example.org/a,,buses,true\n",
    )
    report = run([src], tmp_path / "corpus")
    assert (report.ingested, report.ignored, report.exit_code) == (1, 1, 0)  # the manifest
    row = rows(tmp_path / "corpus", "source", "url", "fields", "raw_text")[0]
    assert row == {
        "source": "buses",
        "url": "https://example.org/a",
        "fields": [("label", ["true"])],
        "raw_text": STORY,
    }


def test_run_record_says_how_the_corpus_was_made(tmp_path: Path) -> None:
    src = tmp_path / "in"
    write(src, "a.txt", STORY)
    report = run([src], tmp_path / "corpus", source="leeds-news")
    record = json.loads((tmp_path / "corpus" / "_runs" / f"{report.run_id}.json").read_text())
    assert record["source"] == "leeds-news"
    assert record["newsarchive_version"] == newsarchive.__version__
    assert record["settings"]["max_file_mb"] == 50
    assert (record["seen"], record["ingested"], record["skipped"]) == (1, 1, [])


def test_interrupted_run_keeps_whole_batches_and_a_rerun_finishes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline_run, "CHUNK", 1)  # progress after every article
    src = tmp_path / "in"
    for n in range(7):
        write(src, f"{n}.txt", STORY.replace("Leeds", f"Leeds {n}"))
    corpus = tmp_path / "corpus"
    settings = newsarchive.load_settings().with_values(batch_rows=2)

    def stop_after_five(step: Step) -> None:
        if step.phase == "cleaning" and step.done == 5:
            raise KeyboardInterrupt

    with pytest.raises(IngestInterrupted) as stop:
        run([src], corpus, settings=settings, progress=stop_after_five)
    assert stop.value.report.status == "interrupted"
    assert len(rows(corpus, "doc_id")) == 5  # two full batches and the flushed remainder
    assert store.run_records(corpus)[0]["status"] == "interrupted"
    again = run([src], corpus, settings=settings)
    assert (again.ingested, again.already) == (2, 5)
    ids = [r["doc_id"] for r in rows(corpus, "doc_id")]
    assert len(ids) == len(set(ids)) == 7


def test_two_processes_give_the_same_corpus_as_one(tmp_path: Path) -> None:
    src = tmp_path / "in"
    for n in range(40):
        write(src, f"{n:02d}.txt", STORY.replace("Leeds", f"Leeds {n}") if n % 3 else OTHER)
    one = newsarchive.ingest([src], corpus=tmp_path / "c1", index=False, jobs=1)
    two = newsarchive.ingest([src], corpus=tmp_path / "c2", index=False, jobs=2)
    assert (one.ingested, one.duplicates) == (two.ingested, two.duplicates)
    drop = {"ingested_at", "ingest_run"}
    t1 = [{k: v for k, v in r.items() if k not in drop} for r in rows(tmp_path / "c1")]
    t2 = [{k: v for k, v in r.items() if k not in drop} for r in rows(tmp_path / "c2")]
    assert t1 == t2


def test_a_path_that_does_not_exist_is_a_usage_error(tmp_path: Path) -> None:
    from newsarchive.errors import UsageError

    with pytest.raises(UsageError, match="no such file or folder"):
        run([tmp_path / "nope"], tmp_path / "corpus")
    assert not (tmp_path / "corpus" / "_runs").exists()


_MASK_ON_START: set[signal.Signals | int] = set()


def _recording_init(func: object) -> None:
    # runs in the worker: what was blocked the moment it started, before any handler was set
    global _MASK_ON_START
    _MASK_ON_START = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    REAL_INIT(func)  # type: ignore[arg-type]


REAL_INIT = pipeline_run._init_worker


def _signal_state(_task: object) -> tuple[object, bool, bool, bool]:
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    sigterm = signal.getsignal(signal.SIGTERM)
    started_blocked = {signal.SIGINT, signal.SIGTERM} <= _MASK_ON_START
    return sigterm, signal.SIGTERM in blocked, signal.SIGINT in blocked, started_blocked


def test_workers_take_sigterm_from_the_start_whatever_the_parent_handles(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The CLI turns SIGTERM into Ctrl-C in the main process. A worker that inherited that
    # handler and got the pool's SIGTERM before resetting it swallowed it, and the pool waited
    # for it forever; workers now start with stop signals blocked until their handlers are set.
    monkeypatch.setattr(pipeline_run, "_init_worker", _recording_init)
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: None)
    try:
        states = list(pipeline_run._map(_signal_state, range(4), jobs=2))
        parent_blocked = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert states == [(signal.SIG_DFL, False, False, True)] * 4
    assert signal.SIGTERM not in parent_blocked and signal.SIGINT not in parent_blocked
