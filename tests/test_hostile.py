"""Hostile input: a folder of everything a scraper can leave behind, ingested in one run.

No crash, no hang (a timeout), bounded memory (an address-space cap on the process and its
workers), and every file accounted for: ingested, or listed in the run record with its reason.
"""

from __future__ import annotations

import functools
import gzip
import io
import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from crashkit import children as _children
from newsarchive import store
from newsarchive.verify import verify
from testkit import Cli, text_column

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


@pytest.mark.slow
def test_hostile_folder_is_ingested_without_crash_hang_or_loss(tmp_path: Path) -> None:
    folder = tmp_path / "scraped"
    expected = build(folder)
    corpus = tmp_path / "corpus"
    proc = subprocess.run(
        [NA, "ingest", str(folder), "--corpus", str(corpus), "--index-dir", str(tmp_path / "ix")],
        capture_output=True,
        timeout=900,  # a hang fails here (about 50 CPU s of work: minutes on a busy machine)
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
    rows = text_column(corpus, "source_path")
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


# --- issue 19: each hostile or unlucky input closed ----------------------------------------------

FORMULAS = [
    '=HYPERLINK("http://evil.example/","Click for the full report")',
    "=cmd|' /C calc'!A0",
    "+44 pay offer rejected",
    "-2 per cent pay cut",
    "@SUM(1+1) strike days",
    "\tTabbed strike headline",
    "\rReturned strike headline",
]
ESCAPED_TITLE = "\x1b]0;owned\x07Bin strike \x1b[31mcalled off\x1b[0m"


_cli = functools.partial(Cli(), code=None)  # these tests check the exit code themselves


@pytest.fixture(scope="module")
def scraped(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A corpus and index of articles whose titles are formulas or carry terminal escapes,
    written as an older newsarchive (or another tool) could have stored them."""
    from newsarchive.index import update_index
    from searchfixtures import article, utc, write_corpus

    root = tmp_path_factory.mktemp("scraped")
    titles = [*FORMULAS, ESCAPED_TITLE]
    articles = [
        article(
            f"{n:016x}",
            title,
            f"Refuse collectors in Halifax voted to strike over pay, story {n}.\n\n"
            "\x1b[2JThe council said bins would be collected.",
            published=utc(2016, 4, n + 1),
            source="halifax\x1b[5m",
        )
        for n, title in enumerate(titles)
    ]
    write_corpus(root / "corpus", articles)
    update_index(root / "corpus", root / "ix")
    return root / "corpus", root / "ix"


def test_csv_export_neutralises_spreadsheet_formulas(
    scraped: tuple[Path, Path], tmp_path: Path
) -> None:
    import csv

    corpus, ix = scraped
    out = tmp_path / "hits.csv"
    where = ["--corpus", str(corpus), "--index-dir", str(ix)]
    assert _cli("export", *where, "--output", str(out), "--columns", "title").exit_code == 0
    with open(out, newline="", encoding="utf-8") as fh:
        cells = [row[0] for row in csv.reader(fh)][1:]
    assert cells == ["'" + t for t in FORMULAS] + [ESCAPED_TITLE]
    assert json.loads(out.with_name("hits.csv.export.json").read_text())["formula_safe"] is True
    # --csv-raw: verbatim, for programs
    assert _cli("export", *where, "-o", str(out), "--columns", "title", "--csv-raw").exit_code == 0
    with open(out, newline="", encoding="utf-8") as fh:
        assert [row[0] for row in csv.reader(fh)][1:] == [*FORMULAS, ESCAPED_TITLE]


def test_search_csv_neutralises_formulas(scraped: tuple[Path, Path]) -> None:
    import csv

    corpus, ix = scraped
    where = ["--corpus", str(corpus), "--index-dir", str(ix)]
    found = _cli("search", "halifax", *where, "--format", "csv", "--sort", "oldest")
    titles = [row["title"] for row in csv.DictReader(io.StringIO(found.output, newline=""))]
    assert titles[: len(FORMULAS)] == ["'" + t for t in FORMULAS]
    raw = _cli("search", "halifax", *where, "--format", "csv", "--sort", "oldest", "--csv-raw")
    assert [row["title"] for row in csv.DictReader(io.StringIO(raw.output, newline=""))][
        :2
    ] == FORMULAS[:2]
    # the CSV of kwic, timeline and top-words: a query is data too
    counts = _cli("timeline", "+pay", *where, "--format", "csv", "--by", "year")
    assert counts.output.splitlines()[1] == "2016,'+pay,8,8,1.0"
    assert (
        _cli(
            "timeline", "+pay", *where, "--format", "csv", "--by", "year", "--csv-raw"
        ).output.splitlines()[1]
        == "2016,+pay,8,8,1.0"
    )


def test_terminal_escapes_are_shown_not_obeyed(scraped: tuple[Path, Path]) -> None:
    corpus, ix = scraped
    where = ["--corpus", str(corpus), "--index-dir", str(ix)]
    found = _cli("search", "bins", *where, "--sort", "oldest").output
    assert "\x1b" not in found and "\x07" not in found
    assert "halifax\\x1b[5m  \\x1b]0;owned\\x07Bin strike \\x1b[31mcalled off\\x1b[0m" in found
    shown = _cli("show", f"{len(FORMULAS):016x}", "--corpus", str(corpus)).output
    assert "\x1b" not in shown and "\x07" not in shown
    assert shown.startswith("\\x1b]0;owned\\x07Bin strike \\x1b[31mcalled off\\x1b[0m\n")
    assert "\\x1b[2JThe council said bins would be collected." in shown
    assert (
        "\x1b" not in _cli("show", f"{len(FORMULAS):016x}", "--raw", "--corpus", str(corpus)).output
    )
    lines = _cli("kwic", "bins", *where, "--width", "12").output
    assert "\x1b" not in lines and "halifax\\x1b[5m" in lines


def test_titles_lose_control_characters_at_ingest(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "page.html").write_bytes(
        b"<html><head><title>\x1b]0;pwned\x07Council \x1b[31mbudget\x1b[0m agreed</title></head>"
        b"<body><p>The council agreed its budget for the year on Tuesday evening.</p></body></html>"
    )
    (folder / "dump.jsonl").write_text(
        json.dumps({"title": "Ferry\x1b[2J late\x00 again", "text": "The ferry to Hull ran late."})
        + "\n",
        encoding="utf-8",
    )
    corpus = tmp_path / "corpus"
    assert (
        _cli("ingest", str(folder), "--corpus", str(corpus), "--no-index", "-j", "1").exit_code == 0
    )
    titles = text_column(corpus, "title")
    assert sorted(titles) == ["Council budget agreed", "Ferry late again"]


def _ingest(*args: str) -> Result:
    return _cli("ingest", *args, "--no-index", "-j", "1")


def _skipped(corpus: Path) -> dict[str, tuple[str, str]]:
    (record,) = store.run_records(corpus)
    return {s["path"]: (s["reason"], s["detail"]) for s in record["skipped"]}


def test_links_out_of_the_input_folders_are_reported_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(STORY.replace("Halifax", "Ripon"), encoding="utf-8")
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "story.txt").write_text(STORY, encoding="utf-8")
    (folder / "passwd.txt").symlink_to(outside / "secret.txt")
    (folder / "etc").symlink_to(outside)
    (folder / "sub" / "same.txt").symlink_to(folder / "story.txt")  # inside: followed
    corpus = tmp_path / "corpus"
    out = _ingest(str(folder), "--corpus", str(corpus))
    assert out.exit_code == 1
    assert _skipped(corpus) == {
        f"{folder}/etc": (
            "outside-root",
            f"symbolic link to {outside}, outside the input folders (--follow-links reads it)",
        ),
        f"{folder}/passwd.txt": (
            "outside-root",
            f"symbolic link to {outside}/secret.txt, outside the input folders "
            "(--follow-links reads it)",
        ),
    }
    paths = text_column(corpus, "source_path")
    assert sorted(paths) == [f"{folder}/story.txt", f"{folder}/sub/same.txt"]
    followed = tmp_path / "followed"
    assert _ingest(str(folder), "--corpus", str(followed), "--follow-links").exit_code == 0
    assert store.read_corpus(followed).num_rows == 4


def test_manifest_rows_outside_its_folder_are_reported(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "story.txt").write_text(STORY, encoding="utf-8")
    (tmp_path / "outside.txt").write_text(STORY.replace("Halifax", "Ripon"), encoding="utf-8")
    (folder / "manifest.csv").write_text(
        f"path,title\nstory.txt,Bins\n../outside.txt,Up\n{tmp_path}/outside.txt,Absolute\n",
        encoding="utf-8",
    )
    corpus = tmp_path / "corpus"
    assert _ingest(str(folder), "--corpus", str(corpus)).exit_code == 1
    assert _skipped(corpus) == {
        f"{folder}/manifest.csv#row=2": (
            "outside-root",
            "../outside.txt is outside the manifest's folder",
        ),
        f"{folder}/manifest.csv#row=3": (
            "outside-root",
            f"{tmp_path}/outside.txt is outside the manifest's folder",
        ),
        f"{folder}/manifest.csv": ("not-an-article", "a manifest"),
    }


def test_file_names_that_are_not_utf8_round_trip(tmp_path: Path) -> None:
    from newsarchive.pipeline.sources import real_path

    folder = tmp_path / "in"
    folder.mkdir()
    names = [b"latin1-\xe9t\xe9.txt", b"back\\xe9slash.txt"]  # the second: a real backslash
    for n, name in enumerate(names):
        (folder / os.fsdecode(name)).write_text(STORY + f"Story {n}.\n", encoding="utf-8")
    corpus = tmp_path / "corpus"
    assert _ingest(str(folder), "--corpus", str(corpus)).exit_code == 0
    stored = text_column(corpus, "source_path")
    base = str(folder)
    assert sorted(stored) == [f"{base}/back\\\\xe9slash.txt", f"{base}/latin1-\\xe9t\\xe9.txt"]
    assert sorted(os.fsencode(real_path(p)) for p in stored) == sorted(
        os.fsencode(folder) + b"/" + name for name in names
    )
    assert all(os.path.exists(real_path(p)) for p in stored)
    # Ingesting again finds both already stored: the stored path is the file's identity.
    again = _ingest(str(folder), "--corpus", str(corpus))
    assert "already in corpus          2" in again.output


def test_doctype_subset_is_not_text(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "page.html").write_text(
        '<!DOCTYPE html [\n  <!ENTITY council "Calderdale Council">\n]>\n'
        "<html><head><title>Budget agreed</title></head><body>"
        "<p>The council agreed its budget for the year on Tuesday evening after a long debate.</p>"
        "</body></html>\n",
        encoding="utf-8",
    )
    corpus = tmp_path / "corpus"
    assert _ingest(str(folder), "--corpus", str(corpus)).exit_code == 0
    (text,) = text_column(corpus, "text")
    assert text.startswith("The council agreed its budget")
    assert "]>" not in text


def test_gzip_bomb_is_a_bomb_whatever_its_size(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    # 20 MB of zeros in 20 kB: past max_file_mb = 1 as well as past the ratio
    (folder / "bomb.txt.gz").write_bytes(gzip.compress(b"\0" * (20 << 20), 9))
    (folder / "big.txt.gz").write_bytes(gzip.compress(os.urandom(3 << 18).hex().encode(), 9))
    config = tmp_path / "settings.toml"
    config.write_text("[settings]\nmax_file_mb = 1\n", encoding="utf-8")
    corpus = tmp_path / "corpus"
    assert _ingest(str(folder), "--corpus", str(corpus), "--config", str(config)).exit_code == 1
    assert _skipped(corpus) == {
        f"{folder}/big.txt.gz": ("too-large", "more than max_file_mb = 1 MB once decompressed"),
        f"{folder}/bomb.txt.gz": (
            "decompression-bomb",
            "expands more than 100× (max_decompression_ratio)",
        ),
    }


def test_verify_right_after_a_kill_before_the_first_batch(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / ".tmp").mkdir(parents=True)  # what a run killed before its first commit leaves
    (corpus / ".lock").touch()
    out = _cli("verify", "--corpus", str(corpus), "--index-dir", str(tmp_path / "ix"))
    assert out.exit_code == 0
    assert out.output == (
        f"Corpus {corpus}: 0 part files, 0 articles, 0 run records\n"
        "  info  parts    no articles yet: an ingest started here and committed no batch (killed "
        "before its first one, or still running); run it again\n"
        "  ok    parts    0 part files read in full, all with the corpus schema\n"
        "  ok    doc_ids  0 articles, each doc_id stored once\n"
        "  ok    runs     0 run records match the articles stored\n"
        f"  info  index    no index at {tmp_path / 'ix'} (build it with 'newsarchive index')\n"
        "No problems found.\n"
    )
    empty = tmp_path / "empty"
    empty.mkdir()
    out = _cli("verify", "--corpus", str(empty))
    assert (out.exit_code, out.output) == (
        1,
        f"Error: no corpus at {empty}: run 'newsarchive ingest FILES --corpus {empty}'\n",
    )


def test_repair_rebuilds_a_deleted_index(tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "story.txt").write_text(STORY, encoding="utf-8")
    corpus, ix = tmp_path / "corpus", tmp_path / "ix"
    assert (
        _cli(
            "ingest", str(folder), "--corpus", str(corpus), "--index-dir", str(ix), "-j", "1"
        ).exit_code
        == 0
    )
    shutil.rmtree(ix)
    out = _cli("verify", "--corpus", str(corpus), "--index-dir", str(ix), "--repair")
    assert out.exit_code == 0
    assert (
        f"Repairs:\n  built the missing index at {ix} from the corpus: 1 documents\n" in out.output
    )
    assert out.output.endswith(
        "  ok    index    1 documents, the same ids as the corpus\nNo problems found.\n"
    )
    found = _cli("search", "refuse", "--corpus", str(corpus), "--index-dir", str(ix), "--count")
    assert found.output == "1\n"


def test_unwritable_corpus_folders_are_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "story.txt").write_text(STORY, encoding="utf-8")
    (tmp_path / "file").write_text("not a folder", encoding="utf-8")
    below = tmp_path / "file" / "corpus"
    out = _ingest(str(folder), "--corpus", str(below))
    assert (out.exit_code, out.output) == (
        1,
        f"Error: cannot write to {below}: Not a directory ({below}); use a folder you can write to\n",
    )
    out = _cli("verify", "--corpus", str(below), "--repair")
    assert out.exit_code == 1 and out.output.startswith(f"Error: cannot write to {below}: ")
    # A read-only folder: root writes anyway, so there the lock's open fails as it would.
    corpus = tmp_path / "corpus"
    assert _ingest(str(folder), "--corpus", str(corpus)).exit_code == 0
    if ROOT:
        from filelock import UnixFileLock

        def denied(self: Any, *args: Any, **kwargs: Any) -> None:
            raise PermissionError(13, "Permission denied", self.lock_file)

        monkeypatch.setattr(UnixFileLock, "_acquire", denied)
    else:
        corpus.chmod(0o555)
    try:
        for args in (["ingest", str(folder), "-j", "1"], ["verify", "--repair"]):
            out = _cli(*args, "--corpus", str(corpus))
            assert (out.exit_code, out.output) == (
                1,
                f"Error: cannot write to {corpus}: Permission denied ({corpus}/.lock); "
                "use a folder you can write to\n",
            )
    finally:
        corpus.chmod(0o755)


@pytest.mark.parametrize(
    "query, message",
    [
        (
            "(" * 200 + "strike" + ")" * 200,
            "Error: the query nests parentheses or NOT more than 50 deep at position 50; "
            "write it flatter\n",
        ),
        (
            "NOT " * 10_000 + "strike",
            "Error: the query nests parentheses or NOT more than 50 deep at position 200; "
            "write it flatter\n",
        ),
        (
            '"' + " ".join(["strike"] * 65) + '"',
            "Error: a phrase of 65 words at position 0; at most 64 are searched as one phrase: "
            "quote a shorter part\n",
        ),
    ],
)
def test_queries_too_deep_or_long_are_one_line(
    scraped: tuple[Path, Path], query: str, message: str
) -> None:
    corpus, ix = scraped
    out = _cli("search", query, "--corpus", str(corpus), "--index-dir", str(ix))
    assert (out.exit_code, out.output) == (2, message)


@pytest.mark.parametrize("engine", ["whoosh", "tantivy"])
def test_phrases_of_one_repeated_word_stay_cheap(tmp_path: Path, engine: str) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "chant.txt").write_text(
        "Picket line chant\n\n" + "Strike! " * 3000 + "\n\nThe chant went on all day.\n",
        encoding="utf-8",
    )
    (folder / "story.txt").write_text(STORY, encoding="utf-8")
    corpus, ix = tmp_path / "corpus", tmp_path / "ix"
    where = ["--corpus", str(corpus), "--index-dir", str(ix)]
    assert _cli("ingest", str(folder), *where, "--engine", engine, "-j", "1").exit_code == 0
    # whoosh's own span check took minutes for 10 words; a timeout here fails the test
    for words, slop, hits in ((30, 30, "1"), (60, 5, "1"), (3, 0, "1"), (2, 40, "2")):
        query = '"' + " ".join(["strike"] * words) + f'"~{slop}'
        proc = subprocess.run(
            [NA, "search", query, *where, "--count"], capture_output=True, text=True, timeout=60
        )
        assert (proc.returncode, proc.stdout.strip()) == (0, hits), proc.stderr
    out = _cli("search", '"strike strike chant"', *where, "--count")
    assert out.output == "0\n"
    out = _cli("search", '"strike chant"~1', *where, "--count")
    assert out.output == "1\n"


def _stories(folder: Path, n: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        text = STORY.replace("Halifax", f"Halifax ward {i}") + f"Ward {i} votes next.\n"
        (folder / f"story-{i:03d}.txt").write_text(text, encoding="utf-8")
    return folder


def _disk_fills_after(monkeypatch: pytest.MonkeyPatch, parts: int) -> None:
    """Writing a Parquet part fails as a full disk makes it fail, after ``parts`` succeed."""
    import errno

    import pyarrow.parquet as pq

    real, calls = pq.write_table, [0]

    def write_table(table: Any, where: Any, **kwargs: Any) -> None:
        calls[0] += 1
        if calls[0] > parts:
            where.write(b"PAR1 half a part")
            raise OSError(errno.ENOSPC, "No space left on device")
        real(table, where, **kwargs)

    monkeypatch.setattr(pq, "write_table", write_table)


def test_full_disk_while_writing_parquet_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _stories(tmp_path / "in", 7)
    config = tmp_path / "settings.toml"
    config.write_text("[settings]\nbatch_rows = 2\n", encoding="utf-8")
    corpus, ix = tmp_path / "corpus", tmp_path / "ix"
    where = ["--corpus", str(corpus), "--index-dir", str(ix), "--config", str(config), "-j", "1"]
    with monkeypatch.context() as patch:
        _disk_fills_after(patch, 2)
        out = _cli("ingest", str(folder), *where)
    assert (out.exit_code, out.output) == (
        1,
        f"Error: cannot write to corpus {corpus}: No space left on device; kept 4 articles "
        f"committed in whole batches to {corpus}; run the same command again to finish "
        "(nothing is added twice)\n",
    )
    assert list((corpus / ".tmp").iterdir()) == []  # the half part gave its space back
    (record,) = store.run_records(corpus)
    assert (record["status"], record["ingested"]) == ("failed", 4)
    assert verify(corpus, ix).exit_code == 0
    assert _cli("ingest", str(folder), *where).exit_code == 0  # the disk has room again
    assert store.read_corpus(corpus).num_rows == 7
    assert verify(corpus, ix).exit_code == 0


def test_full_disk_while_indexing_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    import newsarchive.index

    folder = _stories(tmp_path / "in", 3)
    corpus, ix = tmp_path / "corpus", tmp_path / "ix"

    def full(*args: Any, **kwargs: Any) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(ix / "whoosh" / "seg.pst"))

    with monkeypatch.context() as patch:
        patch.setattr(newsarchive.index, "update_index", full)
        out = _cli(
            "ingest", str(folder), "--corpus", str(corpus), "--index-dir", str(ix), "-j", "1"
        )
    assert (out.exit_code, out.output) == (
        1,
        f"Error: cannot update the index at {ix}: No space left on device ({ix}/whoosh/seg.pst); "
        f"all 3 new articles are committed to {corpus}; run 'newsarchive index' when this is "
        "fixed\n",
    )
    assert _cli("index", "--corpus", str(corpus), "--index-dir", str(ix)).exit_code == 0
    assert verify(corpus, ix).exit_code == 0


@pytest.mark.slow
def test_a_worker_killed_alone_ends_the_run_with_one_line(tmp_path: Path) -> None:
    folder = _stories(tmp_path / "in", 300)
    corpus, ix = tmp_path / "corpus", tmp_path / "ix"
    config = tmp_path / "settings.toml"
    config.write_text("[settings]\nbatch_rows = 50\n", encoding="utf-8")
    cmd = [NA, "ingest", str(folder), "--corpus", str(corpus), "--index-dir", str(ix)]
    cmd += ["--config", str(config), "-j", "2", "--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 60
        # Once a batch is committed, the workers are those of the main pass (not the sampling's).
        while time.monotonic() < deadline and not (
            any(corpus.glob("part-*.parquet")) and (workers := _children(proc.pid))
        ):
            time.sleep(0.005)
        assert workers, "no worker process seen"
        os.kill(workers[0], signal.SIGKILL)  # the worker only, as the out-of-memory killer does
        _, err = proc.communicate(timeout=60)  # a hang fails here
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1, err
    assert len(err.splitlines()) == 1, err
    line = err.strip()
    assert line.startswith(
        f"Error: a worker process (pid {workers[0]}) was killed by SIGKILL; kept "
    )
    assert line.endswith(
        f"articles committed in whole batches to {corpus}; run the same command again to finish "
        "(nothing is added twice)"
    )
    assert _all_gone(workers)  # the other worker too: nothing is left behind
    assert verify(corpus, ix).exit_code == 0
    assert subprocess.run(cmd, capture_output=True, timeout=120).returncode == 0
    assert store.read_corpus(corpus).num_rows == 300
    assert verify(corpus, ix).exit_code == 0


def _all_gone(pids: list[int], wait: float = 10) -> bool:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        alive = [p for p in pids if _alive(p)]
        if not alive:
            return True
        time.sleep(0.05)
    return False


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().split(") ")[1][0] != "Z"  # a zombie has ended
    except (FileNotFoundError, IndexError):
        return False


def _huge(folder: Path, mb: int) -> Path:
    """A text file of ``mb`` MB: one story's paragraphs over and over, as a runaway scraper writes."""
    folder.mkdir(parents=True, exist_ok=True)
    paragraph = (STORY.split("\n\n", 1)[1] + "\n").encode()
    with open(folder / "huge.txt", "wb") as fh:
        fh.write(b"Refuse strike diary\n\n")
        fh.write(paragraph * ((mb << 20) // len(paragraph)))
    return folder


@pytest.mark.slow
def test_one_huge_file_is_cut_to_max_article_chars(tmp_path: Path) -> None:
    folder = _huge(tmp_path / "in", 60)
    config = tmp_path / "settings.toml"
    config.write_text(
        "[settings]\nmax_file_mb = 100\nmax_article_chars = 200000\n", encoding="utf-8"
    )
    corpus = tmp_path / "corpus"
    proc = subprocess.run(
        [NA, "ingest", str(folder), "--corpus", str(corpus), "--no-index", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30)),
    )
    assert proc.returncode == 0, proc.stderr
    assert "    max_article_chars                         1\n" in proc.stdout
    (row,) = store.read_corpus(corpus, columns=["raw_text", "text", "removed"]).to_pylist()
    assert len(row["raw_text"]) <= 200_000 and row["raw_text"].endswith("month.\n")
    assert row["removed"][-1]["rule"] == "max_article_chars"
    assert row["removed"][-1]["start"] == row["removed"][-1]["end"]  # where the text stops


@pytest.mark.slow
def test_sigterm_ends_a_run_busy_on_a_huge_file(tmp_path: Path) -> None:
    folder = _huge(tmp_path / "in", 40)
    (folder / "a-story.txt").write_text(STORY, encoding="utf-8")
    config = tmp_path / "settings.toml"
    # the one sampled input is the small story: the huge file is read in the main pass
    config.write_text("[settings]\nmax_file_mb = 100\ntemplate_sample = 1\n", encoding="utf-8")
    corpus = tmp_path / "corpus"
    cmd = [NA, "ingest", str(folder), "--corpus", str(corpus), "--config", str(config), "-j", "2"]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(workers := _children(proc.pid)) < 2:
            time.sleep(0.01)
        while time.monotonic() < deadline and not (corpus / ".tmp").is_dir():
            time.sleep(0.01)  # the main pass has begun (its writer made .tmp/)
        time.sleep(1)  # a worker is deep in the huge file
        os.killpg(proc.pid, signal.SIGTERM)  # as Slurm does: every process of the job
        _, err = proc.communicate(timeout=60)  # a hang fails here
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert (proc.returncode, err) == (
        130,
        f"Interrupted: kept 0 articles committed in whole batches to {corpus}; run the same "
        "command again to finish (nothing is added twice).\n",
    )
    assert _all_gone(workers)
    assert verify(corpus, None).exit_code == 0


def _flip_bytes(part: Path, row_group: int, column: str) -> None:
    """Three flipped bits in one column chunk of one row group, as a failing disk leaves them."""
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(part).metadata.row_group(row_group)
    (chunk,) = [
        meta.column(i) for i in range(meta.num_columns) if meta.column(i).path_in_schema == column
    ]
    start = chunk.dictionary_page_offset or chunk.data_page_offset
    data = bytearray(part.read_bytes())
    for k in (1, 2, 3):
        data[start + chunk.total_compressed_size * k // 4] ^= 0x10
    part.write_bytes(data)


@pytest.mark.slow
def test_repair_salvages_what_a_damaged_part_still_holds(tmp_path: Path) -> None:
    import shlex

    folder = _stories(tmp_path / "in", 600)
    copies = folder / "zz-copies"
    copies.mkdir()
    for i in (0, 5, 300):  # the first two in row group 0 (to be damaged), the third in group 1
        text = (folder / f"story-{i:03d}.txt").read_text(encoding="utf-8")
        (copies / f"copy-{i:03d}.txt").write_text(text, encoding="utf-8")
    corpus, ix = tmp_path / "corpus", tmp_path / "ix"
    where = ["--corpus", str(corpus), "--index-dir", str(ix)]
    assert _cli("ingest", str(folder), *where, "-j", "1").exit_code == 0
    (part,) = store.part_files(corpus)
    _flip_bytes(part, 0, "text")
    out = _cli("verify", *where, "--repair")
    assert out.exit_code == 0, out.output
    repairs = out.output.split("Repairs:\n", 1)[1].split("After repair:\n")[0].splitlines()
    (record,) = store.run_records(corpus)
    restore = f"newsarchive ingest {folder} --corpus {corpus}"
    assert [line.split(": ", 1)[0] for line in repairs] == [
        f"  moved {part.name} to _quarantine/{part.name}.bad",
        f"  salvaged 347 of 603 articles of {part.name} (the row groups that read in full) into "
        f"{part.name.removesuffix('.parquet')}.salvaged.parquet",
        f"  relinked {part.name.removesuffix('.parquet')}.salvaged.parquet",
        f"  to restore the 256 articles of run {record['run_id']} left in _quarantine/, run "
        "(nothing is added twice)",
        f"  rebuilt the index at {ix} from the corpus",
    ]
    # the copies of stories 0 and 5 named articles of the damaged group: no other copy is left
    assert repairs[2].endswith(
        ": 0 duplicate_of links re-pointed to the first stored copy, 2 cleared (no copy left)"
    )
    assert repairs[3].endswith(restore)
    table = store.read_corpus(corpus, columns=["doc_id", "duplicate_of"]).to_pylist()
    ids = {row["doc_id"] for row in table}
    assert len(table) == 347 and all(r["duplicate_of"] in ids for r in table if r["duplicate_of"])
    # The printed command brings the rest back.
    assert _cli(*shlex.split(restore)[1:], "--index-dir", str(ix), "-j", "1").exit_code == 0
    paths = text_column(corpus, "source_path")
    assert len(paths) == len(set(paths)) == 603
    assert verify(corpus, ix).exit_code == 0
