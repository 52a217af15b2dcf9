"""Finding inputs (files, folders, globs, manifests, dumps) and loading each into an Article."""

from __future__ import annotations

import gzip
import json
import os
import pickle
import random
from collections.abc import Iterable
from pathlib import Path

import pytest

from newsarchive.article import Article
from newsarchive.errors import Skip, UsageError
from newsarchive.pipeline.sources import DumpColumns, Input, Rejected, iter_inputs, load
from newsarchive.settings import Settings

FIXTURES = Path(__file__).parent / "fixtures" / "inputs"
SETTINGS = Settings()

Row = tuple[str, ...]


def summary(items: Iterable[Input | Rejected], base: Path) -> list[Row]:
    """Each item as a short tuple, paths relative to ``base``."""
    rows: list[Row] = []
    for item in items:
        rel = os.path.relpath(item.source_path.split("#")[0], base)
        rel += "#" + item.source_path.split("#")[1] if "#" in item.source_path else ""
        if isinstance(item, Input):
            rows.append(("in", rel, item.format, item.root))
        else:
            rows.append(("rejected", rel, item.reason))
    return rows


def walk(*paths: Path | str, base: Path, manifest: str | None = None) -> list[Row]:
    return summary(iter_inputs([str(p) for p in paths], manifest=manifest, settings=SETTINGS), base)


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


def only_input(path: Path) -> Input:
    (item,) = iter_inputs([str(path)], settings=SETTINGS)
    assert isinstance(item, Input), item
    return item


def texts(path: Path, settings: Settings = SETTINGS) -> list[str | None]:
    """Each dump row's text, or its reject reason."""
    items = iter_inputs([str(path)], settings=settings)
    return [i.text if isinstance(i, Input) else i.reason for i in items]


def skip_reason(inp: Input, settings: Settings = SETTINGS) -> str:
    with pytest.raises(Skip) as info:
        load(inp, settings)
    return info.value.reason


@pytest.fixture
def news(tmp_path: Path) -> Path:
    root = tmp_path / "news"
    write(root / "a.txt", "Bridge reopens\n\nThe bridge reopened on Monday.\n")
    write(root / "b.html", "<html><body><p>Page text.</p></body></html>")
    write(root / "c.txt.gz", gzip.compress(b"Zipped story.\n"))
    write(root / "README.md", "About this folder.")
    write(root / "notes.docx", b"PK\x03\x04")
    write(root / ".hidden.txt", "dot file")
    write(root / ".git" / "config", "[core]")
    write(root / "sub" / "d.htm", "<p>Deeper page.</p>")
    write(root / "sub" / "E.TXT", "Upper-case extension.")
    write(root / "zz.txt", "")
    return root


# --- walking ------------------------------------------------------------------------------------


def test_folder_walk_is_sorted_and_accounts_for_every_file(news: Path) -> None:
    assert walk(news, base=news.parent) == [
        ("rejected", "news/.git", "not-an-article"),
        ("rejected", "news/.hidden.txt", "not-an-article"),
        ("rejected", "news/README.md", "not-an-article"),
        ("in", "news/a.txt", "txt", "news"),
        ("in", "news/b.html", "html", "news"),
        ("in", "news/c.txt.gz", "txt", "news"),
        ("rejected", "news/notes.docx", "unsupported"),
        ("in", "news/sub/E.TXT", "txt", "news"),
        ("in", "news/sub/d.htm", "html", "news"),
        ("in", "news/zz.txt", "txt", "news"),
    ]


def test_file_arguments_take_their_folder_name_as_root(news: Path) -> None:
    assert walk(news / "sub" / "d.htm", news / "a.txt", base=news) == [
        ("in", "sub/d.htm", "html", "sub"),
        ("in", "a.txt", "txt", "news"),
    ]


def test_globs(news: Path) -> None:
    assert walk(news / "*.txt", base=news) == [
        ("in", "a.txt", "txt", "news"),
        ("in", "zz.txt", "txt", "news"),
    ]
    assert walk(f"{news}/**/*.[ht]*", base=news) == [
        ("in", "a.txt", "txt", "news"),
        ("in", "b.html", "html", "news"),
        ("in", "c.txt.gz", "txt", "news"),
        ("in", "sub/d.htm", "html", "news"),
        ("in", "zz.txt", "txt", "news"),
    ]
    assert walk(news / "s?b", base=news) == [
        ("in", "sub/E.TXT", "txt", "news"),
        ("in", "sub/d.htm", "html", "news"),
    ]


def test_missing_paths(news: Path) -> None:
    assert walk(news / "a.txt", news / "nope.txt", news / "*.xml", base=news) == [
        ("in", "a.txt", "txt", "news"),
        ("rejected", "nope.txt", "not-found"),
        ("rejected", "*.xml", "not-found"),
    ]
    with pytest.raises(UsageError, match=r"^no such file or folder: .*/nope.txt, .*/none\*$"):
        iter_inputs([str(news / "nope.txt"), str(news / "none*")], settings=SETTINGS)
    with pytest.raises(UsageError, match=r"^no input paths given$"):
        iter_inputs([], settings=SETTINGS)


def test_inputs_are_picklable_and_carry_mtime(news: Path) -> None:
    os.utime(news / "a.txt", (1_500_000_000, 1_500_000_000))
    inp = only_input(news / "a.txt")
    assert pickle.loads(pickle.dumps(inp)) == inp
    assert inp.mtime == 1_500_000_000


# --- manifests ----------------------------------------------------------------------------------


def test_a_folder_manifest_is_applied_automatically() -> None:
    base = FIXTURES / "gazette"
    items = list(iter_inputs([str(base)], settings=SETTINGS))
    assert summary(items, base) == [
        ("rejected", "manifest.csv#row=4", "bad-row"),
        ("rejected", "README.txt", "not-an-article"),
        ("in", "articles/0001.txt", "txt", "gazette"),
        ("in", "articles/0002.txt", "txt", "gazette"),
        ("rejected", "manifest.csv", "not-an-article"),
        ("rejected", "articles/0003.txt", "not-found"),
    ]
    assert [getattr(i, "detail", None) for i in items if isinstance(i, Rejected)] == [
        "articles/0001.txt is listed twice (first at row 1)",
        "documentation, not an article",
        "a manifest",
        f"listed in {base.resolve()}/manifest.csv (row 3) but missing",
    ]
    assert [i.meta for i in items if isinstance(i, Input)] == [
        {
            "url": "https://gazette.example/news/2016/04/26/bridge",
            "date": "26 Apr 2016",
            "source": "Riverside Gazette",
            "title": "Bridge reopens after repairs",
            "author": "Jane Doe, Sam Patel",
            "section": "local",
        },
        {"date": "April 27, 2016"},
    ]


def test_an_explicit_manifest_alone_lists_the_inputs(tmp_path: Path) -> None:
    base = FIXTURES / "gazette"
    items = summary(iter_inputs([], manifest=str(base / "manifest.csv"), settings=SETTINGS), base)
    assert items == [
        ("rejected", "manifest.csv#row=4", "bad-row"),
        ("in", "articles/0001.txt", "txt", "gazette"),
        ("in", "articles/0002.txt", "txt", "gazette"),
        ("rejected", "articles/0003.txt", "not-found"),
    ]


def test_an_explicit_manifest_replaces_folder_manifests(tmp_path: Path) -> None:
    write(tmp_path / "mine.csv", "path,date\ngazette/articles/0002.txt,2016-04-27\n")
    base = FIXTURES / "gazette"
    items = list(iter_inputs([str(base)], manifest=str(tmp_path / "mine.csv"), settings=SETTINGS))
    metas = {os.path.basename(i.source_path): i.meta for i in items if isinstance(i, Input)}
    assert metas == {"0001.txt": {}, "0002.txt": {}}  # mine.csv's paths are relative to mine.csv
    write(tmp_path / "gazette.csv", f"path,date\n{base}/articles/0002.txt,2016-04-27\n")
    items = list(
        iter_inputs([str(base)], manifest=str(tmp_path / "gazette.csv"), settings=SETTINGS)
    )
    metas = {os.path.basename(i.source_path): i.meta for i in items if isinstance(i, Input)}
    assert metas == {"0001.txt": {}, "0002.txt": {"date": "2016-04-27"}}


def test_bad_manifests_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(
        UsageError, match=r"^cannot use manifest .*nope.csv: not-found \(no such file\)$"
    ):
        iter_inputs([str(tmp_path)], manifest=str(tmp_path / "nope.csv"), settings=SETTINGS)
    write(tmp_path / "m.csv", "file,url\na.txt,https://x.example\n")
    with pytest.raises(
        UsageError, match=r"^manifest .*m.csv has no 'path' column \(its columns: file, url\)$"
    ):
        iter_inputs([str(tmp_path)], manifest=str(tmp_path / "m.csv"), settings=SETTINGS)
    write(tmp_path / "bin.csv", b"\x89PNG\r\n\x1a\n" + bytes(64))
    with pytest.raises(UsageError, match=r"^cannot use manifest .*bin.csv: binary "):
        iter_inputs([str(tmp_path)], manifest=str(tmp_path / "bin.csv"), settings=SETTINGS)


# --- dumps --------------------------------------------------------------------------------------

DUMP_CSV = """headline,body,published,link,outlet,writer,section
Bridge reopens,The bridge reopened on Monday.,2016-04-26,https://g.example/1,Gazette,Jane Doe and Sam Patel,local
"Broken, row",only two fields
"Quoted ""text""\","Line one.
Line two.",2016-04-27,,,,

Last,Final story.,,,,,
"""
COLUMNS = DumpColumns(
    text="body", title="headline", date="published", url="link", source="outlet", author="writer"
)


def test_csv_dump_rows_with_a_broken_row(tmp_path: Path) -> None:
    dump = write(tmp_path / "dump.csv", DUMP_CSV)
    items = list(iter_inputs([str(dump)], columns=COLUMNS, settings=SETTINGS))
    assert summary(items, tmp_path) == [
        ("in", "dump.csv#row=1", "csv", tmp_path.name),
        ("rejected", "dump.csv#row=2", "bad-row"),
        ("in", "dump.csv#row=3", "csv", tmp_path.name),
        ("in", "dump.csv#row=4", "csv", tmp_path.name),
    ]
    first, bad, third, _ = items
    assert isinstance(first, Input) and isinstance(third, Input) and isinstance(bad, Rejected)
    assert bad.detail == "2 fields where the header has 7"
    assert (first.path, first.text, first.encoding) == (
        None,
        "The bridge reopened on Monday.",
        "utf-8",
    )
    assert first.meta == {
        "title": "Bridge reopens",
        "date": "2016-04-26",
        "url": "https://g.example/1",
        "source": "Gazette",
        "author": "Jane Doe and Sam Patel",
        "section": "local",
    }
    assert (third.text, third.meta) == (
        "Line one.\nLine two.",
        {"title": 'Quoted "text"', "date": "2016-04-27"},
    )
    article = load(first, SETTINGS)
    assert (
        article.source_path,
        article.format,
        article.source,
        article.authors,
        article.fields,
    ) == (
        f"{dump}#row=1",
        "csv",
        "Gazette",
        ["Jane Doe", "Sam Patel"],
        {"section": ["local"]},
    )
    assert (article.raw_text, article.body, article.given_date, article.encoding) == (
        "The bridge reopened on Monday.",
        "The bridge reopened on Monday.",
        "2016-04-26",
        "utf-8",
    )


def test_csv_dump_without_its_text_column(tmp_path: Path) -> None:
    dump = write(tmp_path / "dump.csv", DUMP_CSV)
    (item,) = iter_inputs([str(dump)], settings=SETTINGS)
    assert item == Rejected(
        str(dump),
        "no-text",
        "no 'text' column (headline, body, published, link, outlet, writer, section)",
    )


def test_jsonl_dump_with_broken_rows(tmp_path: Path) -> None:
    lines = [
        json.dumps({"text": "First story.", "title": "One", "label": True, "score": 0.5}),
        "{not json",
        "",
        "[1, 2]",
        json.dumps({"title": "No text here"}),
        json.dumps({"text": "Last story.", "date": None}),
    ]
    dump = write(tmp_path / "dump.jsonl", "\n".join(lines) + "\n")
    items = list(iter_inputs([str(dump)], settings=SETTINGS))
    assert [(i.source_path.split("#")[1], getattr(i, "detail", "")) for i in items] == [
        ("row=1", ""),
        (
            "row=2",
            "not valid JSON (Expecting property name enclosed in double quotes: line 1 column 2 (char 1))",
        ),
        ("row=3", "a JSON list, not an object"),
        ("row=4", "no 'text' field"),
        ("row=5", ""),
    ]
    first = items[0]
    assert isinstance(first, Input)
    assert (first.text, first.meta) == (
        "First story.",
        {"title": "One", "label": "true", "score": "0.5"},
    )
    assert load(first, SETTINGS).fields == {"label": ["true"], "score": ["0.5"]}


def test_legacy_encoded_dumps_and_stray_bytes(tmp_path: Path) -> None:
    cp1252 = write(tmp_path / "old.csv", "text,title\n“Quoted” for £5,Prices\n".encode("cp1252"))
    (item,) = iter_inputs([str(cp1252)], settings=SETTINGS)
    assert isinstance(item, Input)
    assert (item.text, item.encoding) == ("“Quoted” for £5", "cp1252")
    assert load(item, SETTINGS).encoding == "cp1252"
    # A UTF-8 dump with one cp1252 byte deep inside: that cell alone is decoded apart.
    mixed = write(tmp_path / "mixed.csv", "text\nCafé news\n".encode() + b"Caf\xe9 bytes\n")
    assert texts(mixed) == ["Café news", "Café bytes"]


def test_a_dump_row_longer_than_max_file_mb_is_one_bad_row(tmp_path: Path) -> None:
    dump = write(tmp_path / "long.csv", "text\nshort\n" + "x" * 1_200_000 + "\nafter\n")
    assert texts(dump, SETTINGS.with_values(max_file_mb=1)) == ["short", "bad-row", "after"]


def test_gzipped_dumps_and_dump_bombs(tmp_path: Path) -> None:
    dump = write(tmp_path / "d.jsonl.gz", gzip.compress(b'{"text": "Zipped row."}\n'))
    assert texts(dump) == ["Zipped row."]
    bomb = write(tmp_path / "bomb.csv.gz", gzip.compress(b"text\n" + b"a,\n" * 200_000))
    (item,) = iter_inputs([str(bomb)], settings=SETTINGS.with_values(max_decompression_ratio=5))
    assert isinstance(item, Rejected) and item.reason == "decompression-bomb"


# --- loading ------------------------------------------------------------------------------------


def test_load_a_text_file(news: Path) -> None:
    os.utime(news / "a.txt", (1_500_000_000, 1_500_000_000))
    article = load(only_input(news / "a.txt"), SETTINGS)
    assert article == Article(
        source_path=str(news / "a.txt"),
        source="news",
        format="txt",
        encoding="utf-8",
        raw_text="Bridge reopens\n\nThe bridge reopened on Monday.\n",
        body="Bridge reopens\n\nThe bridge reopened on Monday.\n",
        mtime=1_500_000_000,
    )


def test_source_comes_from_the_argument_then_manifest_then_folder() -> None:
    inp = only_input(FIXTURES / "gazette" / "articles" / "0001.txt")
    assert load(inp, SETTINGS).source == "articles"
    with_meta = Input(inp.source_path, "txt", inp.path, "articles", {"source": "Gazette"})
    assert load(with_meta, SETTINGS).source == "Gazette"
    assert load(with_meta, SETTINGS, source="cli").source == "cli"


def test_load_with_manifest_metadata() -> None:
    items = iter_inputs([str(FIXTURES / "gazette")], settings=SETTINGS)
    article = load(next(i for i in items if isinstance(i, Input)), SETTINGS)
    assert (article.url, article.title, article.authors, article.given_date, article.fields) == (
        "https://gazette.example/news/2016/04/26/bridge",
        "Bridge reopens after repairs",
        ["Jane Doe", "Sam Patel"],
        "26 Apr 2016",
        {"section": ["local"]},
    )


def test_load_an_html_page() -> None:
    article = load(only_input(FIXTURES / "page.html"), SETTINGS)
    assert (article.format, article.encoding, article.title, article.url, article.authors) == (
        "html",
        "utf-8",
        "Council approves new cycle lanes",
        "https://gazette.example/news/cycle-lanes",
        ["Jane Doe", "Sam Patel"],
    )
    assert article.raw_text == (FIXTURES / "page.html").read_text(encoding="utf-8")
    # body: the page's visible text; what trafilatura left out is already recorded as removed
    assert article.body.startswith("The Riverside Gazette\n\nNews\n\nSport\n\nWe use cookies.")
    assert [r.text for r in article.removed][:5] == [
        "The Riverside Gazette",
        "News",
        "Sport",
        "We use cookies. Accept",
        "By Jane Doe and Sam Patel · 26 April 2016",
    ]
    assert {r.rule for r in article.removed} == {"html/boilerplate"}
    assert article.html_dates[:2] == [
        ("json-ld:datePublished", "2016-04-26T07:34:00Z"),
        ("html-meta:article:published_time", "2016-04-26T08:34:00+01:00"),
    ]
    assert article.given_date is None


def test_html_manifest_metadata_wins_over_the_page(tmp_path: Path) -> None:
    page = write(tmp_path / "p.html", (FIXTURES / "page.html").read_bytes())
    write(tmp_path / "manifest.csv", "path,title,url\np.html,Manifest title,https://m.example/p\n")
    (_, inp) = iter_inputs([str(tmp_path)], settings=SETTINGS)
    assert isinstance(inp, Input) and inp.path == str(page)
    article = load(inp, SETTINGS)
    assert (article.title, article.url) == ("Manifest title", "https://m.example/p")


def test_html_declared_charset_is_used(tmp_path: Path) -> None:
    html = '<html><head><meta charset="windows-1251"></head><body><p>Новости дня</p></body></html>'
    page = write(tmp_path / "ru.html", html.encode("cp1251"))
    article = load(only_input(page), SETTINGS)
    assert (article.body, article.encoding) == ("Новости дня", "cp1251")


def test_gzip_inputs(tmp_path: Path) -> None:
    ok = write(tmp_path / "ok.txt.gz", gzip.compress("Zipped “story”.\n".encode()))
    assert load(only_input(ok), SETTINGS).raw_text == "Zipped “story”.\n"
    two_members = write(tmp_path / "two.txt.gz", gzip.compress(b"One. ") + gzip.compress(b"Two."))
    assert load(only_input(two_members), SETTINGS).raw_text == "One. Two."
    assert (
        skip_reason(only_input(write(tmp_path / "fake.txt.gz", "plain text, not gzip")))
        == "bad-gzip"
    )
    truncated = write(tmp_path / "cut.txt.gz", gzip.compress(b"Some story text. " * 50)[:-30])
    assert skip_reason(only_input(truncated)) == "bad-gzip"
    bomb = write(tmp_path / "bomb.txt.gz", gzip.compress(b"a" * 100_000))
    assert skip_reason(only_input(bomb), SETTINGS.with_values(max_decompression_ratio=5)) == (
        "decompression-bomb"
    )
    text = random.Random(1).randbytes(700_000).hex()  # compresses only about 2:1
    big = write(tmp_path / "big.txt.gz", gzip.compress(text.encode()))
    assert skip_reason(only_input(big), SETTINGS.with_values(max_file_mb=1)) == "too-large"


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.txt", b"  \n\n\t\n", "empty"),
        ("invisible.txt", "\u200b\xa0\n".encode(), "empty"),
        ("image.txt", b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4, "binary"),
        ("script.html", b"<html><script>var x = 1;</script></html>", "no-text"),
        ("utf16.txt", b"\xff\xfe\x00\xd8", "undecodable"),
    ],
)
def test_bad_files_are_skipped_with_a_reason(
    tmp_path: Path, name: str, data: bytes, reason: str
) -> None:
    assert skip_reason(only_input(write(tmp_path / name, data))) == reason


def test_too_large_files_are_not_read(tmp_path: Path) -> None:
    big = write(tmp_path / "big.txt", b"word " * 250_000)
    assert skip_reason(only_input(big), SETTINGS.with_values(max_file_mb=1)) == "too-large"


def test_long_lines_are_broken_at_max_line_chars(tmp_path: Path) -> None:
    inp = only_input(write(tmp_path / "line.txt", "alpha beta gamma delta"))
    article = load(inp, SETTINGS.with_values(max_line_chars=11))
    assert (article.raw_text, article.body) == ("alpha beta gamma delta", "alpha beta\ngamma delta")


# --- hostile file systems -----------------------------------------------------------------------


def test_fifo_is_rejected_without_hanging(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    assert walk(tmp_path, base=tmp_path) == [("rejected", "pipe.txt", "not-a-file")]
    assert walk(fifo, base=tmp_path) == [("rejected", "pipe.txt", "not-a-file")]
    assert skip_reason(Input(str(fifo), "txt", str(fifo), "x", {})) == "not-a-file"


def test_symlinks(tmp_path: Path) -> None:
    write(tmp_path / "real.txt", "Real story.")
    (tmp_path / "link.txt").symlink_to(tmp_path / "real.txt")
    (tmp_path / "broken.txt").symlink_to(tmp_path / "gone.txt")
    (tmp_path / "loop1.txt").symlink_to(tmp_path / "loop2.txt")
    (tmp_path / "loop2.txt").symlink_to(tmp_path / "loop1.txt")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "up").symlink_to(tmp_path)
    assert walk(tmp_path, base=tmp_path) == [
        ("rejected", "broken.txt", "broken-link"),
        ("in", "link.txt", "txt", tmp_path.name),
        ("rejected", "loop1.txt", "symlink-loop"),
        ("rejected", "loop2.txt", "symlink-loop"),
        ("in", "real.txt", "txt", tmp_path.name),
        ("rejected", "sub/up", "symlink-loop"),
    ]
    assert load(only_input(tmp_path / "link.txt"), SETTINGS).raw_text == "Real story."
    gone = Input(str(tmp_path / "broken.txt"), "txt", str(tmp_path / "broken.txt"), "x", {})
    assert skip_reason(gone) == "broken-link"


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file(tmp_path: Path) -> None:
    secret = write(tmp_path / "secret.txt", "Hidden story.")
    secret.chmod(0)
    try:
        assert skip_reason(only_input(secret)) == "unreadable"
    finally:
        secret.chmod(0o644)


def test_odd_file_names(tmp_path: Path) -> None:
    write(tmp_path / "with space.txt", "Spaced.")
    write(tmp_path / "new\nline.txt", "Newline.")
    raw_name = os.path.join(os.fsencode(tmp_path), b"caf\xe9.txt")
    with open(raw_name, "wb") as f:
        f.write(b"Latin-1 name.")
    items = list(iter_inputs([str(tmp_path)], settings=SETTINGS))
    shown = [os.path.basename(i.source_path) for i in items]
    assert shown == ["caf\\xe9.txt", "new\nline.txt", "with space.txt"]
    assert [load(i, SETTINGS).raw_text for i in items if isinstance(i, Input)] == [
        "Latin-1 name.",
        "Newline.",
        "Spaced.",
    ]


def test_deeply_nested_folders(tmp_path: Path) -> None:
    folders = [tmp_path]
    for _ in range(1100):  # deeper than Python's recursion limit
        folders.append(folders[-1] / "d")
        folders[-1].mkdir()
    story = write(folders[-1] / "story.txt", "Deep story.")
    try:
        (item,) = iter_inputs([str(tmp_path)], settings=SETTINGS)
        assert isinstance(item, Input) and item.source_path.endswith("/d/d/story.txt")
    finally:
        # pytest's own clean-up of old temp folders recurses, and would fail on this tree
        story.unlink()
        for folder in reversed(folders[1:]):
            folder.rmdir()
