"""The docs' examples printed from Reuters-21578 (``<!-- output: reuters -->`` blocks) print
the same today: the corpus is built as ``bench/make_readme_chart.py`` builds it, every command
of those sessions runs in it, and its output is compared (run ids and times normalised)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from reuters import REUTERS_DIR

from newsarchive.cli import main

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))
from docs_examples import Session, matches, normalise, sessions  # noqa: E402

pytestmark = [
    pytest.mark.eval,
    pytest.mark.skipif(not REUTERS_DIR.is_dir(), reason="no shared data"),
]
REUTERS_SESSIONS = [s for s in sessions() if s.corpus == "reuters"]


@pytest.fixture(scope="module")
def reuters_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from make_readme_chart import write_dump

    folder = tmp_path_factory.mktemp("docs-reuters")
    write_dump(folder / "reuters.jsonl")
    where = ["--corpus", str(folder / "corpus"), "--index-dir", str(folder / "indexes")]
    done = CliRunner().invoke(main, ["ingest", str(folder / "reuters.jsonl"), *where, "-q"])
    assert done.exit_code == 0, done.output
    return folder


def test_there_are_reuters_sessions() -> None:
    assert len(REUTERS_SESSIONS) >= 3


@pytest.mark.parametrize("session", REUTERS_SESSIONS, ids=lambda s: s.name)
def test_reuters_session(
    session: Session, reuters_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(reuters_folder)
    for command in session.commands:
        result = CliRunner().invoke(main, command.argv)
        assert result.exit_code == 0, (command.line, result.output)
        actual = [normalise(line, str(reuters_folder)) for line in result.output.splitlines()]
        expected = [normalise(line, str(reuters_folder)) for line in command.output]
        assert matches(expected, actual), (command.line, "\n".join(actual))
