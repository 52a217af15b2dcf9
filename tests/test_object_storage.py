"""A corpus in object storage (s3://), against moto's in-process S3 server.

The round trip (ingest into the bucket, search, export, verify) must give what the same run
gives on local disk; the single-writer rule holds through the lease object.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

moto_server = pytest.importorskip("moto.server")
boto3 = pytest.importorskip("boto3")

import newsarchive  # noqa: E402
from newsarchive import store  # noqa: E402
from newsarchive.cli import main  # noqa: E402
from newsarchive.errors import CorpusError, CorpusLocked, UsageError  # noqa: E402
from newsarchive.storage import LEASE_FILE, Lease, ObjectPath, corpus_path  # noqa: E402
from newsarchive.verify import repair, verify  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures" / "inputs"
BUCKET = "news-bucket"
STORIES = {
    "leeds.txt": "Bus drivers in Leeds vote to strike\n\nBus drivers in Leeds have voted to "
    "strike over pay, their union said on Monday.\n\nThe drivers rejected a 3% offer.\n",
    "library.txt": "Library reopens after flood repairs\n\nThe central library in Hebden Bridge "
    "reopened on Saturday, eight months after the flood.\n",
    "copy.txt": "Library reopens after flood repairs\n\nThe central library in Hebden Bridge "
    "reopened on Saturday, eight months after the flood.\n",
    "ferry.html": "<html><head><title>Ferry strike ends</title></head><body><article>"
    "<h1>Ferry strike ends</h1><p>Ferry crews returned to work on Thursday after the union "
    "accepted a pay offer for the island routes.</p></article></body></html>",
}


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh bucket, reached through the standard AWS variables only."""
    for name, value in {
        "AWS_ENDPOINT_URL": s3_endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    client = boto3.client("s3")
    client.create_bucket(Bucket=BUCKET)
    yield BUCKET
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for obj in page.get("Contents", []):
            client.delete_object(Bucket=BUCKET, Key=obj["Key"])
    client.delete_bucket(Bucket=BUCKET)


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    folder = tmp_path / "wire"
    folder.mkdir()
    for name, text in STORIES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def ingest(paths: list[Path], corpus: str | Path, index_dir: Path) -> Any:
    return newsarchive.ingest(paths, corpus=corpus, index_dir=index_dir, jobs=1)


RUN_COLUMNS = ("ingest_run", "ingested_at")  # the run's own: differ between any two runs


def rows(corpus: str | Path) -> list[dict[str, Any]]:
    table = store.read_corpus(corpus)
    table = table.drop_columns(list(RUN_COLUMNS))
    return sorted(table.to_pylist(), key=lambda r: r["doc_id"])


def test_round_trip_equals_the_local_corpus(bucket: str, inputs: Path, tmp_path: Path) -> None:
    paths = [inputs, FIXTURES / "gazette"]
    local = ingest(paths, tmp_path / "local", tmp_path / "ix-local")
    remote_uri = f"s3://{bucket}/archive/corpus"
    remote = ingest(paths, remote_uri, tmp_path / "ix-remote")
    assert (remote.ingested, remote.duplicates, remote.seen) == (
        local.ingested,
        local.duplicates,
        local.seen,
    )
    assert remote.ingested == 6
    assert rows(remote_uri) == rows(tmp_path / "local")

    # Search: the index lives on local disk; hits and snippets read the bucket's parts.
    for query in ("strike", '"central library"', "flood OR ferry"):
        here = newsarchive.search(query, corpus=tmp_path / "local", index_dir=tmp_path / "ix-local")
        there = newsarchive.search(query, corpus=remote_uri, index_dir=tmp_path / "ix-remote")
        assert [(h.doc_id, h.snippet) for h in there.hits] == [
            (h.doc_id, h.snippet) for h in here.hits
        ]
        assert there.hits

    # Export: the same file, the sidecar naming the bucket.
    newsarchive.Corpus(tmp_path / "local", tmp_path / "ix-local").export(tmp_path / "l.jsonl")
    notebook = newsarchive.Corpus(remote_uri, tmp_path / "ix-remote")
    notebook.export(tmp_path / "r.jsonl")
    assert (tmp_path / "r.jsonl").read_text() == (tmp_path / "l.jsonl").read_text()
    sidecar = json.loads(next(tmp_path.glob("r.jsonl*.json")).read_text())
    assert sidecar["corpus"] == remote_uri

    # The notebook API reads the bucket like a folder.
    at_home = newsarchive.Corpus(tmp_path / "local", tmp_path / "ix-local")
    assert len(notebook) == 6
    kwic = notebook.kwic("strike")
    assert kwic["match"].tolist() == ["strike"] * 3
    assert kwic.to_dict("records") == at_home.kwic("strike").to_dict("records")
    # corpus and corpus_state name the place and its part files (named by run): all else equal
    profile = {k: v for k, v in notebook.stats().to_dict().items() if not k.startswith("corpus")}
    assert profile == {
        k: v for k, v in at_home.stats().to_dict().items() if not k.startswith("corpus")
    }
    timeline = notebook.timeline(["strike", "flood"], by="year")
    assert timeline.to_dict("records") == at_home.timeline(["strike", "flood"], by="year").to_dict(
        "records"
    )
    assert notebook.top_words("strike", min_count=2).to_dict("records") == at_home.top_words(
        "strike", min_count=2
    ).to_dict("records")

    first = rows(remote_uri)[0]["doc_id"]
    remote_view, local_view = (c.show(first[:10]).splitlines() for c in (notebook, at_home))
    ingested = [i for i, line in enumerate(local_view) if " UTC, run " in line]
    assert len(ingested) == 1  # the one line naming the run differs
    del remote_view[ingested[0]], local_view[ingested[0]]
    assert remote_view == local_view

    # Verify: the same checks pass.
    here_report = verify(tmp_path / "local", tmp_path / "ix-local")
    there_report = verify(remote_uri, tmp_path / "ix-remote")
    assert [c.message for c in there_report.checks] == [c.message for c in here_report.checks]
    assert there_report.exit_code == 0

    # A second run adds nothing, as locally.
    again = ingest(paths, remote_uri, tmp_path / "ix-remote")
    assert (again.ingested, again.already) == (0, 6)
    client = boto3.client("s3")
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"]]
    assert not [k for k in keys if k.endswith(LEASE_FILE)]  # released after each run
    assert all(k.startswith("archive/corpus/") for k in keys)
    assert (
        sorted(k.removeprefix("archive/corpus/") for k in keys)
        == [
            f"_runs/{remote.run_id}.json",
            f"_runs/{again.run_id}.json",
            "_state/fields.json",  # the own fields' names, the files' stamps, the first tellings' signatures
            "_state/inputs.arrow",
            f"_state/minhash/{remote.run_id}.arrow",
            f"part-{remote.run_id}-00000.parquet",
        ]
    )


def test_cli_reads_and_writes_a_bucket(bucket: str, inputs: Path, tmp_path: Path) -> None:
    uri = f"s3://{bucket}/cli"
    runner = CliRunner()
    args = ["--corpus", uri, "--index-dir", str(tmp_path / "ix")]
    result = runner.invoke(main, ["ingest", str(inputs), *args, "--jobs", "1", "--quiet"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["search", "strike", *args, "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    titles = sorted(json.loads(line)["title"] for line in result.output.splitlines())
    assert titles == ["Bus drivers in Leeds vote to strike", "Ferry strike ends"]
    result = runner.invoke(main, ["verify", *args])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["stats", "--corpus", uri])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:2] == [
        f"Corpus {uri} (state {store.corpus_state(uri)}, version {store.corpus_version(uri)})",
        "  articles                     4",
    ]


def test_a_second_writer_is_refused_while_the_lease_is_held(
    bucket: str, inputs: Path, tmp_path: Path
) -> None:
    uri = f"s3://{bucket}/locked"
    with store.writer_lock(uri):
        with pytest.raises(CorpusLocked) as refused:
            ingest([inputs], uri, tmp_path / "ix")
        assert f"corpus {uri} is being written by process " in str(refused.value)
        with pytest.raises(CorpusLocked), store.writer_lock(uri, wait=True, timeout=0.5):
            pass  # --wait gives up after its timeout while the lease is held
    report = ingest([inputs], uri, tmp_path / "ix")  # released: the next writer goes ahead
    assert report.ingested == 4


def test_a_dead_writers_lease_is_taken_over_once_expired(bucket: str) -> None:
    folder = corpus_path(f"s3://{bucket}/stale")
    assert isinstance(folder, ObjectPath)
    client = boto3.client("s3")
    dead = {"holder": "process 1 on gone", "token": "x", "expires": "2020-01-01T00:00:00+00:00"}
    client.put_object(Bucket=bucket, Key=f"stale/{LEASE_FILE}", Body=json.dumps(dead).encode())
    lease = Lease(folder, lambda holder: CorpusLocked(holder))
    with lease.held():
        body = client.get_object(Bucket=bucket, Key=f"stale/{LEASE_FILE}")["Body"].read()
        assert json.loads(body)["token"] == lease.token
    # A live one is not taken over.
    alive = dict(dead, expires=(datetime.now(UTC) + timedelta(minutes=5)).isoformat())
    client.put_object(Bucket=bucket, Key=f"stale/{LEASE_FILE}", Body=json.dumps(alive).encode())
    with pytest.raises(CorpusLocked, match=r"^process 1 on gone$"):
        Lease(folder, lambda holder: CorpusLocked(holder)).acquire()


def test_a_writer_that_lost_its_lease_commits_nothing_more(bucket: str) -> None:
    uri = f"s3://{bucket}/lost"
    folder = corpus_path(uri)
    assert isinstance(folder, ObjectPath)
    with store.writer_lock(uri):
        writer = store.CorpusWriter(uri, store.new_run_id(), batch_rows=1)
        writer.add(newsarchive.Article(doc_id="a", source_path="/a", text="a", raw_text="a"))
        # Another process takes the lease over (as if this one had stalled past expiry).
        boto3.client("s3").put_object(
            Bucket=bucket, Key=f"lost/{LEASE_FILE}", Body=b'{"holder": "the taker"}'
        )
        store._LEASES[uri].renew()
        with pytest.raises(CorpusLocked, match="lease was lost"):
            writer.add(newsarchive.Article(doc_id="b", source_path="/b", text="b", raw_text="b"))
    assert [p.name for p in store.part_files(uri)] == [f"part-{writer.run_id}-00000.parquet"]


def test_cli_errors_are_one_line(bucket: str, inputs: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(
        main, ["ingest", str(inputs), "--corpus", "s3://no-such-bucket/c", "-j", "1", "-q"]
    )
    assert missing.exit_code != 0
    assert missing.output.startswith("Error: cannot write to s3://no-such-bucket/c: ")
    assert "NoSuchBucket" in missing.output
    assert len(missing.output.splitlines()) == 1
    index_in_bucket = runner.invoke(
        main, ["search", "x", "--corpus", f"s3://{bucket}/c", "--index-dir", f"s3://{bucket}/ix"]
    )
    assert index_in_bucket.exit_code != 0
    assert index_in_bucket.output.splitlines() == [
        f"Error: --index-dir s3://{bucket}/ix: a search index must be on a local or shared disk, "
        "not in object storage; give a folder (the corpus itself may stay in the bucket)"
    ]


def test_writing_needs_s3_and_repair_needs_local_disk(bucket: str, inputs: Path) -> None:
    with pytest.raises(CorpusError, match="writes only to s3://"):
        Lease(ObjectPath.from_uri("mock:///somewhere"), CorpusLocked)
    with pytest.raises(UsageError, match="on local disk only"):
        repair(f"s3://{bucket}/any", index_dir=None)
    with pytest.raises(CorpusError, match=f"no corpus at s3://{bucket}/nothing"):
        verify(f"s3://{bucket}/nothing", index_dir=None)
