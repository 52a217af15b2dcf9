"""Re-runs: files with an unchanged stamp (path, size, mtime) are not read again, and the models
load only when a file needs reading (newsarchive.pipeline.seen)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

import newsarchive
from newsarchive.pipeline import run as pipeline_run
from newsarchive.pipeline import sources, structure
from newsarchive.pipeline.run import IngestReport
from newsarchive.pipeline.sources import Input
from newsarchive.pipeline.tagging.places import Gazetteer
from newsarchive.settings import Settings

STORY = "Bus drivers in Leeds vote to strike\n\nBus drivers in Leeds voted to strike over pay.\n"
OTHER = "Library reopens\n\nThe central library in Hebden Bridge reopened on Saturday.\n"


class Watch:
    """Records which files the run reads and which models it builds."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.read: list[str] = []
        self.models: list[str] = []
        self.warm_ups = 0
        load, gazetteer, classify = sources.load, Gazetteer.load, structure._classify

        def reading(inp: Input, *args: Any, **kw: Any) -> Any:
            self.read.append(Path(inp.source_path).name)
            return load(inp, *args, **kw)

        def building(*args: Any) -> Any:
            self.models.append("gazetteer")
            return gazetteer(*args)

        def classifying(*args: Any) -> Any:
            self.models.append("language")
            return classify(*args)

        def warming(pipeline: pipeline_run.Pipeline) -> None:
            self.warm_ups += 1

        monkeypatch.setattr(pipeline_run, "load", reading)
        monkeypatch.setattr(Gazetteer, "load", building)
        monkeypatch.setattr(structure, "_classify", classifying)
        monkeypatch.setattr(pipeline_run.Pipeline, "warm_up", warming)


def ingest(folder: Path, corpus: Path, **kw: Any) -> IngestReport:
    kw.setdefault("jobs", 1)
    return newsarchive.ingest([folder], corpus=corpus, index=False, **kw)


@pytest.fixture()
def stored(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "leeds"
    folder.mkdir()
    (folder / "a.txt").write_text(STORY, encoding="utf-8")
    (folder / "b.txt").write_text(OTHER, encoding="utf-8")
    corpus = tmp_path / "corpus"
    assert ingest(folder, corpus).ingested == 2
    return folder, corpus


@pytest.mark.parametrize("jobs", [1, 2])
def test_unchanged_files_are_not_opened_and_no_model_is_built(
    stored: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    folder, corpus = stored
    watch = Watch(monkeypatch)
    again = ingest(folder, corpus, jobs=jobs)
    assert (again.seen, again.ingested, again.already, again.skipped) == (2, 0, 2, [])
    assert (watch.read, watch.models, watch.warm_ups) == ([], [], 0)


def test_a_touched_file_is_read_once_and_recognised_by_its_content(
    stored: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, corpus = stored
    st = (folder / "a.txt").stat()
    os.utime(folder / "a.txt", (st.st_atime, st.st_mtime + 60))
    watch = Watch(monkeypatch)
    again = ingest(folder, corpus)
    assert (again.ingested, again.already) == (0, 2)
    # read to sample template lines and to hash it; then known by its id, so no stage ran
    assert (watch.read, watch.models) == (["a.txt", "a.txt"], [])
    third = ingest(folder, corpus)
    assert (third.ingested, third.already, len(watch.read)) == (0, 2, 2)  # its new stamp kept


def test_a_changed_file_is_read_and_stored_as_a_new_version(
    stored: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, corpus = stored
    (folder / "b.txt").write_text(OTHER + "It had been closed since the flood.\n", "utf-8")
    watch = Watch(monkeypatch)
    again = ingest(folder, corpus)
    assert (again.ingested, again.already, watch.read) == (1, 1, ["b.txt", "b.txt"])
    assert sorted(set(watch.models)) == ["gazetteer", "language"]


def test_other_settings_read_every_file_again(
    stored: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, corpus = stored
    watch = Watch(monkeypatch)
    settings = Settings().with_values(max_article_chars=100_000)
    again = ingest(folder, corpus, settings=settings)
    assert (again.ingested, again.already, sorted(set(watch.read))) == (0, 2, ["a.txt", "b.txt"])
