"""Hostile input: a folder of everything a scraper can leave behind, ingested in one run.

No crash, no hang (a timeout), bounded memory (an address-space cap on the process and its
workers), and every file accounted for: ingested, or listed in the run record with its reason.
"""

from __future__ import annotations

import gzip
import os
import resource
import subprocess
import sys
from pathlib import Path

from newsarchive import store
from newsarchive.verify import verify

NA = str(Path(sys.executable).with_name("newsarchive"))
MEMORY_CAP = 2 << 30  # bytes of address space for the ingest and each of its workers
STORY = (
    "Refuse collectors in Halifax vote to strike\n\n"
    "Refuse collectors in Halifax have voted to strike over pay, the union said on Tuesday.\n\n"
    "The council said bins would be collected as normal until the end of the month.\n"
)
ROOT = os.geteuid() == 0


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def build(folder: Path) -> dict[bytes, str | None]:
    """Create the nasty folder; returns each file's path (bytes) and the reason it must be
    skipped with, or None where it must be ingested."""
    folder.mkdir()
    expected: dict[bytes, str | None] = {}

    def put(name: str | bytes, content: bytes, reason: str | None) -> Path:
        path = folder / os.fsdecode(name)  # bytes that are not UTF-8 survive as surrogates
        path.write_bytes(content)
        expected[os.fsencode(path)] = reason
        return path

    story = STORY.encode()
    put("empty.txt", b"", "empty")
    with open(folder / "huge.txt", "wb") as fh:  # 200 MB, sparse: instant to make
        fh.truncate(200 << 20)
    expected[os.fsencode(folder / "huge.txt")] = "too-large"
    put("nul-bytes.txt", story.replace(b" the ", b" the\x00", 2), None)
    put("invalid-utf8.txt", story + b"Caf\xc3 au lait \xff\xfe and \xe9t\xe9.\n", None)
    put("utf16-bom.txt", STORY.encode("utf-16"), None)
    put("utf16-le-no-bom.txt", STORY.encode("utf-16-le"), None)
    put("one-long-line.txt", b"Strike talks went on. " * 480_000, None)  # 10 MB, no newline
    put("million-lines.txt", b"Pay.\n" * 1_000_000, None)
    put("html-nested.html", b"<html><body>" + b"<div>" * 10_000 + story + b"</div>" * 10_000, None)
    put("spaces in name.txt", story.replace(b"Halifax", b"Hebden"), None)
    put("new\nline.txt", story.replace(b"Halifax", b"Todmorden"), None)
    put(b"latin1-\xe9t\xe9.txt", story.replace(b"Halifax", b"Brighouse"), None)
    put("fake.txt.gz", story, "bad-gzip")
    put("bomb.txt.gz", gzip.compress(b"\0" * (20 << 20), 9), "decompression-bomb")
    put("binary.txt", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "binary")
    put(
        "dump.csv",
        b'title,text\nFirst,"A first story, about bus fares."\n'
        b'Second,"A second story",with a stray field\nThird,"A third story, about the library."\n',
        None,  # accounted row by row: see DUMP_ROWS
    )
    put(
        "dump.jsonl",
        b'{"title": "Ferry", "text": "The ferry to Hull ran late."}\n'
        b'{"title": "Broken", "text": "no closing brace"\n'
        b'["not", "an", "object"]\n'
        b'{"title": "Bridge", "text": "The bridge reopened after repairs."}\n',
        None,
    )
    no_read = put("no-permission.txt", story.replace(b"Halifax", b"Elland"), None)
    no_read.chmod(0)  # root reads it anyway: then it is ingested
    if not ROOT:
        expected[os.fsencode(no_read)] = "unreadable"
    deep = Path("deep", *["d"] * 120)  # 120 nested folders
    (folder / deep).mkdir(parents=True)
    put(str(deep / "story.txt"), story.replace(b"Halifax", b"Sowerby"), None)
    os.mkfifo(folder / "pipe.txt")
    expected[os.fsencode(folder / "pipe.txt")] = "not-a-file"
    (folder / "loop-a.txt").symlink_to("loop-b.txt")
    (folder / "loop-b.txt").symlink_to("loop-a.txt")
    expected[os.fsencode(folder / "loop-a.txt")] = "symlink-loop"
    expected[os.fsencode(folder / "loop-b.txt")] = "symlink-loop"
    (folder / "sub").mkdir()
    (folder / "sub" / "back-up").symlink_to("..")
    expected[os.fsencode(folder / "sub" / "back-up")] = "symlink-loop"
    return expected


def shown(path: bytes) -> str:
    """A path as the run record shows it (undecodable bytes as ``\\xNN``)."""
    return path.decode("utf-8", "backslashreplace")


# What the dumps' rows must become: ingested (None) or skipped with a reason.
DUMP_ROWS = {
    "dump.csv#row=1": None,
    "dump.csv#row=2": "bad-row",
    "dump.csv#row=3": None,
    "dump.jsonl#row=1": None,
    "dump.jsonl#row=2": "bad-row",
    "dump.jsonl#row=3": "bad-row",
    "dump.jsonl#row=4": None,
}


def test_hostile_folder_is_ingested_without_crash_hang_or_loss(tmp_path: Path) -> None:
    folder = tmp_path / "scraped"
    expected = build(folder)
    corpus = tmp_path / "corpus"
    proc = subprocess.run(
        [NA, "ingest", str(folder), "--corpus", str(corpus), "--index-dir", str(tmp_path / "ix")],
        capture_output=True,
        timeout=240,  # a hang fails here
        preexec_fn=_cap_memory,
    )
    stderr = proc.stderr.decode("utf-8", "replace")
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"\nhostile folder: exit {proc.returncode}, peak resident memory {peak_mb:,.0f} MB")
    assert peak_mb < MEMORY_CAP / 2**20
    assert "Traceback" not in stderr, stderr
    assert proc.returncode == 1, stderr  # 1: some inputs were skipped, and said so

    (record,) = store.run_records(corpus)
    skipped = {s["path"]: s["reason"] for s in record["skipped"]}
    rows = store.read_corpus(corpus, columns=["source_path"]).column("source_path").to_pylist()
    ingested = set(rows)
    assert len(rows) == len(ingested) == record["ingested"]  # one row per input
    assert not ingested & skipped.keys()

    outcome = {p: None for p in ingested} | skipped
    files = {shown(p): reason for p, reason in expected.items()}
    dump_rows = {f"{folder}/{row}": reason for row, reason in DUMP_ROWS.items()}
    dumps = {f"{folder}/dump.csv", f"{folder}/dump.jsonl"}
    # Every input is a row or a skip with the expected reason; nothing else turns up.
    assert outcome == {k: v for k, v in files.items() if k not in dumps} | dump_rows
    assert verify(corpus, tmp_path / "ix").exit_code == 0
