"""`newsarchive ingest` on the command line: exit codes, one-line errors, the summary."""

from __future__ import annotations

from pathlib import Path

from testkit import Cli

STORY = "Tram line reopens\n\nThe tram line between Bury and Manchester reopened on Monday.\n"


def test_ingest_prints_a_summary_and_exits_0(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "tram.txt").write_text(STORY, encoding="utf-8")
    code, out, err = cli.outcome(
        "ingest", str(tmp_path / "in"), "--corpus", str(tmp_path / "c"), "--no-index", "-j", "1"
    )
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith(f"Ingested 1 new article into {tmp_path / 'c'} (run ")
    assert lines[1:8] == [
        "  inputs seen                1",
        "  ingested                   1",
        "  already in corpus          0",
        "  duplicates                 0  (stored, linked by duplicate_of)",
        "  near-duplicates            0  (stored, linked by near_duplicate_of)",
        "  not articles               0",
        "  skipped                    0",
    ]
    assert err == ""  # not a terminal: no progress bar


def test_skipped_inputs_are_listed_and_exit_1(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "tram.txt").write_text(STORY, encoding="utf-8")
    (tmp_path / "in" / "empty.txt").write_bytes(b"")
    code, out, _ = cli.outcome(
        "ingest", str(tmp_path / "in"), "--corpus", str(tmp_path / "c"), "--no-index", "-j", "1"
    )
    assert code == 1
    assert "    empty                    1" in out.splitlines()
    assert f"  empty: {(tmp_path / 'in' / 'empty.txt').resolve()} " in out


def test_missing_path_is_a_one_line_usage_error(cli: Cli, tmp_path: Path) -> None:
    code, out, err = cli.outcome("ingest", str(tmp_path / "nope"), "--corpus", str(tmp_path / "c"))
    assert code == 2
    assert out == ""
    assert err == f"Error: no such file or folder: {tmp_path / 'nope'}\n"


def test_bad_config_is_a_one_line_usage_error(cli: Cli, tmp_path: Path) -> None:
    cfg = tmp_path / "na.toml"
    cfg.write_text("[settings]\nmax_file_gb = 1\n", encoding="utf-8")
    code, _, err = cli.outcome("ingest", str(tmp_path), "--config", str(cfg))
    assert code == 2
    assert err.startswith("Error: unknown setting 'max_file_gb' in ")
    assert err.count("\n") == 1


def test_languages_option(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "tram.txt").write_text(STORY, encoding="utf-8")
    corpus = tmp_path / "c"
    code, _, err = cli.outcome(
        "ingest", str(tmp_path / "in"), "--corpus", str(corpus), "--languages", "en,xx"
    )
    assert code == 2
    assert err == (
        "Error: unknown language code(s) in the languages setting: xx; "
        "use ISO 639-1 codes such as en, fr, ar, zh\n"
    )
    code, _, err = cli.outcome(
        "ingest",
        str(tmp_path / "in"),
        "--corpus",
        str(corpus),
        "--no-index",
        "--languages",
        "de,fr",
    )
    assert code == 0, err
    from newsarchive import read_corpus

    # English, when only German and French may occur: undetermined
    assert read_corpus(corpus, columns=["language"]).column(0).to_pylist() == ["und"]


def test_bad_date_option(cli: Cli, tmp_path: Path) -> None:
    code, _, err = cli.outcome("ingest", str(tmp_path), "--date", "last tuesday")
    assert code == 2
    assert err == "Error: --date: cannot read 'last tuesday' as a date; use YYYY-MM-DD\n"


def test_sigterm_stops_like_ctrl_c_and_keeps_committed_batches(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    src = tmp_path / "in"
    src.mkdir()
    for n in range(2500):
        (src / f"{n:04d}.txt").write_text(STORY.replace("Monday", f"day {n}"), encoding="utf-8")
    cfg = tmp_path / "na.toml"
    cfg.write_text("[settings]\nbatch_rows = 200\n", encoding="utf-8")
    exe = Path(sys.executable).with_name("newsarchive")
    cmd = [str(exe), "ingest", str(src), "--corpus", str(tmp_path / "c"), "--no-index"]
    proc = subprocess.Popen(
        [*cmd, "-j", "1", "--config", str(cfg)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not list((tmp_path / "c").glob("part-*.parquet")) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.startswith("Interrupted: kept ")
    assert "Traceback" not in err
    import newsarchive

    kept = newsarchive.read_corpus(tmp_path / "c", columns=["doc_id"]).num_rows
    assert 0 < kept < 2500
