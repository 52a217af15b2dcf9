"""Ingest on a Dask cluster gives the local pool's corpus, and a killed worker costs no article."""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import newsarchive
from newsarchive import store
from newsarchive.cli import main
from newsarchive.pipeline.run import IngestReport
from newsarchive.progress import Step
from newsarchive.settings import load_settings
from newsarchive.verify import verify

needs_dask = pytest.mark.skipif(
    importlib.util.find_spec("distributed") is None, reason="needs the cluster extra"
)

PLACES = ["Leeds", "Hull", "York", "Bradford", "Wakefield", "Halifax", "Harrogate", "Selby"]
WHAT = ["bus drivers", "nurses", "teachers", "refuse collectors", "rail staff", "porters"]
# 25 inputs per task: the 300 inputs are 12 tasks on two workers, and each copy below lands
# in a later task than its original, so duplicates are found across tasks and workers.
SETTINGS = load_settings().with_values(batch_rows=25)
DROP = {"ingest_run", "ingested_at"}  # the run's own columns


def story(n: int) -> str:
    place, who = PLACES[n % len(PLACES)], WHAT[n % len(WHAT)]
    return (
        f"{who.capitalize()} in {place} vote on offer number {n}\n\n"
        f"{who.capitalize()} in {place} have voted on pay offer {n}, their union said on "
        f"Monday {n % 28 + 1} March 2014.\n\n"
        f"The {who} rejected a {n % 9 + 1}% offer from the council in {place}.\n\n"
        "Follow the Yorkshire Desk on social media for more local news.\n"
    )


def make_inputs(root: Path) -> list[Path]:
    """About 300 articles in two sources: every 10th a copy of one 33 inputs earlier, under
    another name (a duplicate), every 10th another one lightly edited (a near-duplicate), a few
    empty (skipped), and a template line per source."""
    for n in range(300):
        source = "north" if n % 2 else "south"
        folder = root / source
        folder.mkdir(parents=True, exist_ok=True)
        text = story(n - 33 if n % 10 == 5 and n >= 33 else n)
        if n % 10 == 7 and n >= 41:
            text = story(n - 41).replace("their union said", "the union said")
        if n % 97 == 13:
            text = ""
        (folder / f"{n:03d}.txt").write_text(text, encoding="utf-8")
    return [root / "north", root / "south", root / "north"]  # a folder named twice: "already"


def table(corpus: Path) -> list[dict[str, Any]]:
    rows = store.read_corpus(corpus).to_pylist()  # parts in commit order: input order
    return [{k: v for k, v in r.items() if k not in DROP} for r in rows]


def same_report(a: IngestReport, b: IngestReport) -> None:
    da, db = a.to_dict(), b.to_dict()
    for key in ("run_id", "corpus", "elapsed_s", "inputs_per_s"):
        da.pop(key), db.pop(key)
    assert da == db


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    import distributed

    with (
        distributed.LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as c,  # type: ignore[no-untyped-call]
    ):
        yield c


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Path], Path, IngestReport]:
    root = tmp_path_factory.mktemp("cluster")
    paths = make_inputs(root / "in")
    corpus = root / "local"
    report = newsarchive.ingest(paths, corpus=corpus, index=False, jobs=2, settings=SETTINGS)
    return paths, corpus, report


@needs_dask
def test_cluster_ingest_equals_local_ingest(
    client: Any, local: tuple[list[Path], Path, IngestReport], tmp_path: Path
) -> None:
    paths, local_corpus, local_report = local
    # the fixture does its job
    assert local_report.duplicates > 20 and local_report.near_duplicates > 20
    assert local_report.already > 100
    assert local_report.templates  # template lines learned per source
    report = newsarchive.ingest(
        paths, corpus=tmp_path / "c", index=False, cluster=client, settings=SETTINGS
    )
    same_report(report, local_report)
    assert table(tmp_path / "c") == table(local_corpus)
    assert verify(tmp_path / "c", None).exit_code == 0
    assert store.run_records(tmp_path / "c")[0]["cluster"].startswith("client of tcp://")
    # a second run over a grown folder: the corpus's ids are "already", new copies link back
    # to the first run's articles (an exact copy, and an edited one: the index is reloaded)
    shutil.copytree(local_corpus, tmp_path / "l")
    extra = [paths[0] / "300.txt", paths[0] / "301.txt"]
    extra[0].write_text(story(7), encoding="utf-8")
    extra[1].write_text(story(8).replace("have voted", "voted"), encoding="utf-8")
    try:
        again = newsarchive.ingest(
            paths, corpus=tmp_path / "c", index=False, cluster=client, settings=SETTINGS
        )
        local_again = newsarchive.ingest(
            paths, corpus=tmp_path / "l", index=False, jobs=2, settings=SETTINGS
        )
    finally:
        for f in extra:
            f.unlink()
    assert (again.ingested, again.duplicates, again.near_duplicates) == (2, 1, 1)
    same_report(again, local_again)
    assert table(tmp_path / "c") == table(tmp_path / "l")


@needs_dask
def test_a_worker_killed_mid_run_loses_nothing(
    client: Any, local: tuple[list[Path], Path, IngestReport], tmp_path: Path
) -> None:
    paths, local_corpus, local_report = local
    killed: list[int] = []

    def kill_once(step: Step) -> None:
        # the coordinator reports after each task it took; more tasks are out on both workers
        if step.phase == "cleaning" and step.done >= 50 and not killed:
            pid = min(client.run(os.getpid).values())  # {worker address: pid}
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    report = newsarchive.ingest(
        paths,
        corpus=tmp_path / "c",
        index=False,
        cluster=client,
        settings=SETTINGS,
        progress=kill_once,
    )
    assert killed
    same_report(report, local_report)
    assert table(tmp_path / "c") == table(local_corpus)  # 0 lost, 0 twice, the same links
    assert verify(tmp_path / "c", None).exit_code == 0


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stderr


@needs_dask
def test_cli_cluster_local_and_a_bad_address(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(story(1), encoding="utf-8")
    corpus = str(tmp_path / "c")
    code, err = invoke("ingest", str(tmp_path / "a.txt"), "--corpus", corpus, "--cluster", "8786")
    assert (code, err) == (
        2,
        "Error: --cluster '8786': give local, local:N or a scheduler address such as "
        "tcp://host:8786\n",
    )
    code, err = invoke(
        "ingest", str(tmp_path / "a.txt"), "--corpus", corpus, "--no-index", "--cluster", "local:1"
    )
    assert code == 0, err
    record = store.run_records(corpus)[-1]
    assert (record["cluster"], record["ingested"]) == ("local:1", 1)
    code, err = invoke(
        "ingest", str(tmp_path / "a.txt"), "--corpus", "s3://bucket/c", "--cluster", "local:1"
    )
    assert (code, err) == (
        2,
        "Error: --cluster writes to a local or shared folder, not to s3://bucket/c: ingest on "
        "the cluster into a shared folder, then copy the corpus to the bucket (docs/cluster.md)\n",
    )


def test_cluster_without_the_extra_is_a_one_line_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed → ImportError
    (tmp_path / "a.txt").write_text(story(1), encoding="utf-8")
    code, err = invoke(
        "ingest", str(tmp_path / "a.txt"), "--corpus", str(tmp_path / "c"), "--cluster", "local"
    )
    assert (code, err) == (2, "Error: --cluster needs Dask: pip install 'newsarchive[cluster]'\n")
    assert not (tmp_path / "c").exists()
