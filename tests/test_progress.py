"""One progress display for long work: the library's steps, the drawn bar, -q and pipes."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from newsarchive.cli import display as display_module
from newsarchive.cli import ingest as ingest_cli
from newsarchive.cli import main
from newsarchive.cli import search as search_cli
from newsarchive.cli.display import ProgressDisplay
from newsarchive.pipeline.run import ingest
from newsarchive.progress import PHASES, Step

STORY = (
    "Tram line {n} reopens\n\nThe tram line {n} between Bury and Manchester reopened on Monday.\n"
)


def inputs(tmp_path: Path) -> Path:
    """Three stories, an empty file (skipped) and a manifest (not an article)."""
    folder = tmp_path / "in"
    folder.mkdir()
    for n in range(3):
        (folder / f"tram{n}.txt").write_text(STORY.format(n=n), encoding="utf-8")
    (folder / "empty.txt").write_text("  \n", encoding="utf-8")
    (folder / "manifest.csv").write_text("path,date\ntram0.txt,2016-04-26\n", encoding="utf-8")
    return folder


def fake_terminal() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, force_terminal=True, width=200, color_system=None), out


def test_the_library_reports_each_phase_with_totals_and_the_summarys_counts(
    tmp_path: Path,
) -> None:
    steps: list[Step] = []
    report = ingest(
        [inputs(tmp_path)],
        corpus=tmp_path / "c",
        index_dir=tmp_path / "i",
        jobs=1,
        progress=steps.append,
    )
    phases = list(dict.fromkeys(s.phase for s in steps))
    assert phases == list(PHASES)
    assert steps[0] == Step("reading", 5, 5)  # counted first: the total of the next phase
    cleaning = [s for s in steps if s.phase == "cleaning"]
    assert (cleaning[-1].done, cleaning[-1].total) == (report.seen, 5)
    # the bar's counts are the summary's: the manifest is "not articles", never "skipped"
    assert dict(cleaning[-1].counts) == report.counts()
    assert report.counts() == {"ingested": 3, "already": 0, "skipped": 1, "not articles": 1}
    assert steps[-2:] == [Step("indexing", 3, 3), Step("merging", 0)]


def test_no_callback_no_counting_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from newsarchive.pipeline import run

    def fail(*args: object) -> int:
        raise AssertionError("counted although nobody watches")

    monkeypatch.setattr(run, "_count_inputs", fail)
    report = ingest([inputs(tmp_path)], corpus=tmp_path / "c", jobs=1, index=False)
    assert report.seen == 5


def test_the_display_draws_phase_bar_percentage_total_and_counts(tmp_path: Path) -> None:
    console, out = fake_terminal()
    with ProgressDisplay(enabled=True, console=console) as show:
        ingest(
            [inputs(tmp_path)],
            corpus=tmp_path / "c",
            index_dir=tmp_path / "i",
            jobs=1,
            progress=show,
        )
    # the last frame: one line per phase, each finished
    frame = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", out.getvalue()).split("\r")[-1]
    lines = [" ".join(line.split()) for line in frame.strip("\n").splitlines()[-5:]]
    assert [line.split()[1] for line in lines] == list(PHASES)
    assert all(line.startswith("✓ ") for line in lines)
    assert "100% 5/5" in lines[1]
    assert lines[1].endswith("ingested 3 · already 0 · skipped 1 · not articles 1")
    assert "100% 3/3" in lines[3]


def test_disabled_display_draws_nothing() -> None:
    console, out = fake_terminal()
    with ProgressDisplay(enabled=False, console=console) as show:
        show(Step("cleaning", 1, 2))
    assert out.getvalue() == ""


def test_the_cli_draws_on_a_terminal_and_the_summary_says_wall_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    console, out = fake_terminal()
    monkeypatch.setattr(ingest_cli, "show_progress", lambda quiet: not quiet)
    monkeypatch.setattr(
        display_module, "_make_progress", _wrap(display_module._make_progress, console)
    )
    result = CliRunner().invoke(
        main, ["ingest", str(inputs(tmp_path)), "--corpus", str(tmp_path / "c"), "-j", "1"]
    )
    assert result.exit_code == 1  # the empty file
    assert "cleaning" in out.getvalue() and "merging" in out.getvalue()
    summary_lines = [ln for ln in result.stdout.splitlines() if ln.startswith("  elapsed")]
    assert len(summary_lines) == 1
    assert re.fullmatch(
        r"  elapsed [0-9.]+ s wall clock \(inputs [0-9.]+ s, index [0-9.]+ s\), [0-9,]+ inputs/s",
        summary_lines[0],
    )


def _wrap(make: object, console: Console) -> object:
    def fake(_console: Console | None) -> object:
        return make(console)  # type: ignore[operator]

    return fake


@pytest.mark.parametrize("flag", ["-q", "--quiet"])
def test_quiet_prints_nothing_but_errors(tmp_path: Path, flag: str) -> None:
    folder = inputs(tmp_path)
    runner = CliRunner()
    result = runner.invoke(main, ["ingest", str(folder), "--corpus", str(tmp_path / "c"), flag])
    # one input skipped: exit 1 says so, and the run record lists it; nothing printed
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", "")
    result = runner.invoke(main, ["ingest", str(tmp_path / "nowhere"), flag])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"Error: no such file or folder: {tmp_path / 'nowhere'}\n"


def test_index_rebuild_uses_the_same_display(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest([inputs(tmp_path)], corpus=tmp_path / "c", index=False, jobs=1)
    console, out = fake_terminal()
    monkeypatch.setattr(search_cli, "show_progress", lambda quiet: not quiet)
    monkeypatch.setattr(
        display_module, "_make_progress", _wrap(display_module._make_progress, console)
    )
    result = CliRunner().invoke(
        main,
        ["index", "--rebuild", "--corpus", str(tmp_path / "c"), "--index-dir", str(tmp_path / "i")],
    )
    assert result.exit_code == 0, result.stderr
    drawn = out.getvalue()
    assert "indexing" in drawn and "3/3" in drawn and "merging" in drawn
