"""The code examples of README.md and docs/*.md, as data: console sessions and Python blocks.

A ```console block is a session: ``$ command`` lines, each followed by the output it prints.
Every ``newsarchive`` command runs (``tests/test_docs_examples.py``); its output is compared
with the printed one when the block says which corpus printed it, in an HTML comment just
above the block:

    <!-- output: examples -->   the corpus `newsarchive ingest examples/` builds (compared here)
    <!-- output: reuters -->    Reuters-21578 as bench/make_readme_chart.py ingests it (compared
                                by the evaluation tests, which have the data)

Without the comment the output is an illustration from another archive (the command still
runs, on the examples corpus). Run ids, times and the folder the session ran in are
normalised; a line ``…`` stands for any number of lines left out.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC_FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_BLOCK = re.compile(
    r"(?:<!-- output: (?P<corpus>\w+) -->\n)?^```(?P<kind>\w*)\n(?P<body>.*?)^```", re.S | re.M
)
# commands of a session that are not newsarchive's: setting up, not examples to check
NOT_RUN = ("make", "pip")


@dataclass
class Command:
    line: str  # as written after "$ "
    output: list[str] = field(default_factory=list)

    @property
    def argv(self) -> list[str]:
        """The words after ``newsarchive``, a trailing comment and ``> file`` removed."""
        words = shlex.split(self.line, comments=True)
        if ">" in words:
            words = words[: words.index(">")]
        return words[1:]

    @property
    def redirect(self) -> str | None:
        words = shlex.split(self.line, comments=True)
        return words[words.index(">") + 1] if ">" in words else None

    @property
    def program(self) -> str:
        return shlex.split(self.line, comments=True)[0]


@dataclass
class Session:
    doc: str
    number: int  # the block's place among the doc's console blocks
    corpus: str | None
    commands: list[Command]

    @property
    def name(self) -> str:
        return f"{self.doc}#{self.number}"


def sessions() -> list[Session]:
    found = []
    for path in DOC_FILES:
        text = path.read_text(encoding="utf-8")
        number = 0
        for m in _BLOCK.finditer(text):
            if m["kind"] != "console":
                continue
            number += 1
            commands: list[Command] = []
            for line in m["body"].splitlines():
                if line.startswith("$ "):
                    commands.append(Command(line[2:]))
                elif commands:
                    commands[-1].output.append(line)
            found.append(Session(path.relative_to(ROOT).as_posix(), number, m["corpus"], commands))
    return found


def python_blocks() -> list[tuple[str, str]]:
    """(name, code) of every ```python block outside the notebook (run by its own test) and
    outside docs whose blocks are doctests (docs/dates.md)."""
    found = []
    for path in DOC_FILES:
        if path.name in ("notebook.md",):
            continue
        text = path.read_text(encoding="utf-8")
        blocks = [m["body"] for m in _BLOCK.finditer(text) if m["kind"] == "python"]
        for number, body in enumerate(blocks, start=1):
            if body.lstrip().startswith(">>>"):
                continue  # a doctest: run by doctest.testfile
            found.append((f"{path.relative_to(ROOT).as_posix()}#py{number}", body))
    return found


_RUN_ID = re.compile(r"\b\d{8}T\d{6}Z-[0-9a-f]{6}\b")
# doc ids hash the file's absolute path: they differ from one checkout to the next
DOC_ID = re.compile(r"(?<![0-9a-z])[0-9a-f]{16}(?![0-9a-z])")
SHORT_ID = re.compile(r"^[0-9a-f]{8,16}$")  # an id (or its prefix) typed as an argument
_SECONDS = re.compile(r"\b\d[\d,]*(?:\.\d+)? s\b")
_RATE = re.compile(r"\b\d[\d,]*(?:\.\d+)? inputs/s\b")
_EXPORTED = re.compile(r"\bexported \d{4}-\d{2}-\d{2}\b")  # a citation's day: the day it ran


def normalise(line: str, workdir: str) -> str:
    """A line with what differs from run to run replaced: run ids, times, days, the folder."""
    if workdir:
        line = line.replace(workdir, "<dir>")
    line = line.replace("/home/me/newsarchive", "<dir>")
    line = _RUN_ID.sub("<run>", line)
    line = DOC_ID.sub("<id>", line)
    line = _RATE.sub("<rate>", line)
    line = _EXPORTED.sub("exported <day>", line)
    return _SECONDS.sub("<secs>", line).rstrip()


def matches(expected: list[str], actual: list[str]) -> bool:
    """Whether ``actual`` reads as ``expected``, where a line ``…`` stands for any lines
    (blank lines at the end, which separate commands in a session, aside)."""
    while expected and not expected[-1].strip():
        expected = expected[:-1]
    while actual and not actual[-1].strip():
        actual = actual[:-1]
    return _matches(expected, actual)


def _matches(expected: list[str], actual: list[str]) -> bool:
    if not expected:
        return not actual
    head, rest = expected[0], expected[1:]
    if head.strip() == "…":
        return any(_matches(rest, actual[i:]) for i in range(len(actual) + 1))
    return bool(actual) and actual[0] == head and _matches(rest, actual[1:])
