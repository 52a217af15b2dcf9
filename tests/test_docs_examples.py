"""Every code example in README.md and docs/*.md runs, and prints what the docs show.

Console sessions run command by command in a fresh folder holding ``examples/`` (and the same
files as ``articles/``, the folder the docs' illustrations ingest), through the real command
line; a session that does not start by ingesting gets the examples corpus first. Output is
compared where the block names its corpus (see ``docs_examples.py``). Python blocks run in a
fresh interpreter in such a folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from docs_examples import (
    NOT_RUN,
    ROOT,
    SHORT_ID,
    Session,
    matches,
    normalise,
    python_blocks,
    sessions,
)
from newsarchive.cli import main
from testkit import text_column

SESSIONS = sessions()


def workspace(tmp_path: Path, ingest: bool) -> Path:
    for name in ("examples", "articles"):
        (tmp_path / name).symlink_to(ROOT / "examples", target_is_directory=True)
    if ingest:
        result = CliRunner().invoke(main, ["ingest", "examples/", "-j", "1", "-q"])
        assert result.exit_code == 0, result.output
    return tmp_path


def test_the_docs_have_sessions_and_blocks() -> None:
    assert len(SESSIONS) >= 8 and len(python_blocks()) >= 4
    assert {s.corpus for s in SESSIONS} >= {"examples", "reuters", None}


@pytest.mark.parametrize("session", SESSIONS, ids=lambda s: s.name)
def test_console_session(session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = next((c for c in session.commands if c.program not in NOT_RUN), None)
    if first is None:
        pytest.skip("only set-up commands (make, pip)")
    monkeypatch.chdir(tmp_path)
    work = workspace(tmp_path, ingest=first.argv[:1] != ["ingest"])
    for command in session.commands:
        if command.program in NOT_RUN:
            continue
        assert command.program == "newsarchive", command.line
        argv = [_real_id(a, work) if SHORT_ID.match(a) else a for a in command.argv]
        result = CliRunner().invoke(main, argv)
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            command.line,
            result.output,
        )
        assert result.exit_code in (0, 1, 2), command.line
        if command.redirect:
            Path(command.redirect).write_text(result.stdout, encoding="utf-8")
        if session.corpus == "examples" and command.output:
            actual = [normalise(line, str(work)) for line in result.output.splitlines()]
            expected = [normalise(line, str(work)) for line in command.output]
            assert matches(expected, actual), (command.line, "\n".join(actual))


def _real_id(typed: str, work: Path) -> str:
    """The docs' ids hash another checkout's paths: stand in an article of this corpus."""
    return sorted(text_column(work / "corpus", "doc_id"))[0]


@pytest.mark.parametrize(("name", "code"), python_blocks(), ids=lambda x: x if "#" in x else "")
def test_python_block(name: str, code: str, tmp_path: Path) -> None:
    os.chdir(tmp_path)
    try:
        workspace(tmp_path, ingest=True)
    finally:
        os.chdir(ROOT)
    env = {**os.environ, "MPLBACKEND": "Agg"}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, f"{name}:\n{done.stderr}"
