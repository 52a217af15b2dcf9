"""WARC input: one article per HTML response, URL and crawl date kept, the rest reported."""

from __future__ import annotations

import gzip
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from warcio.warcwriter import WARCWriter

import newsarchive
from newsarchive import store
from newsarchive.pipeline.run import IngestReport
from newsarchive.pipeline.sources import Input, Rejected, iter_inputs
from newsarchive.settings import Settings
from newsarchive.verify import verify

PAGE = """<!DOCTYPE html><html lang="en"><head><title>Ferry strike ends | Harbour News</title>
<meta property="article:published_time" content="2023-06-01T08:30:00+01:00"></head>
<body><nav>Home | News | Sport</nav><article><h1>Ferry strike ends after pay deal</h1>
<p>Ferry crews on the island routes returned to work on Thursday after accepting a pay offer.</p>
<p>The union said its members had voted by a large majority to accept the two-year deal.</p>
<p>Services were expected to run to the normal timetable from the weekend.</p>
</article><footer>Copyright Harbour News</footer></body></html>"""
# No date in the page: the crawl date must not stand in for one.
UNDATED = """<html><head><title>Council opens new library</title></head><body><article>
<h1>Council opens new library</h1>
<p>The new central library opened its doors to readers with a reading room and a cafe.</p>
<p>Librarians said more than two thousand people visited on the first afternoon.</p>
</article></body></html>"""


def http(status: str, content_type: str, body: bytes) -> bytes:
    head = f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + body


def write_warc(path: Path, records: list[tuple[str, str, bytes]], *, gz: bool = True) -> Path:
    """A WARC of a request and a response record per (url, crawl date, HTTP response)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=gz)
        info = writer.create_warcinfo_record(path.name, {"software": "test"})
        writer.write_record(info)
        for url, date, response in records:
            headers = {"WARC-Date": date}
            request = b"GET / HTTP/1.1\r\nHost: example\r\n\r\n"
            writer.write_record(
                writer.create_warc_record(
                    url, "request", io.BytesIO(request), len(request), warc_headers_dict=headers
                )
            )
            writer.write_record(
                writer.create_warc_record(
                    url, "response", io.BytesIO(response), len(response), warc_headers_dict=headers
                )
            )
    return path


RECORDS = [
    ("https://harbour.example/ferry", "2024-01-02T03:04:05Z", http("200 OK", "text/html; charset=utf-8", PAGE.encode())),
    ("https://harbour.example/gone", "2024-01-02T03:05:00Z", http("404 Not Found", "text/html", b"<p>gone</p>")),
    ("https://harbour.example/logo.png", "2024-01-02T03:06:00Z", http("200 OK", "image/png", b"\x89PNG")),
    ("https://city.example/library", "2024-01-03T10:00:00Z", http("200 OK", "text/html; charset=iso-8859-1", UNDATED.encode("latin-1"))),
]  # fmt: skip


def ingest(paths: list[Path], corpus: Path) -> IngestReport:
    return newsarchive.ingest(paths, corpus=corpus, index=False, jobs=1)


@pytest.mark.parametrize("gz", [True, False])
def test_warc_responses_become_articles_with_url_and_crawl_date(tmp_path: Path, gz: bool) -> None:
    name = "CC-NEWS-20240102030405-00001.warc" + (".gz" if gz else "")
    warc = write_warc(tmp_path / "crawl" / name, RECORDS, gz=gz)
    report = ingest([warc], tmp_path / "corpus")
    assert (report.ingested, report.seen, report.exit_code) == (2, 4, 0)
    skipped = sorted((r.reason, r.detail) for r in report.skipped)
    assert skipped == [
        ("not-an-article", "HTTP status 404, not 200"),
        ("not-an-article", "content type image/png, not HTML"),
    ]
    assert all("#offset=" in r.source_path for r in report.skipped)
    columns = ["url", "crawled_at", "published_at", "date_source", "format", "source", "title"]
    rows = sorted(store.read_corpus(tmp_path / "corpus", columns=columns).to_pylist(), key=str)
    assert rows == [
        {
            "url": "https://city.example/library",
            "crawled_at": datetime(2024, 1, 3, 10, 0, tzinfo=UTC),
            # The file name's date and the crawl date are the crawl's: the page stays undated.
            "published_at": None,
            "date_source": None,
            "format": "warc",
            "source": "crawl",
            "title": "Council opens new library",
        },
        {
            "url": "https://harbour.example/ferry",
            "crawled_at": datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
            "published_at": datetime(2023, 6, 1, 7, 30, tzinfo=UTC),
            "date_source": "html-meta",
            "format": "warc",
            "source": "crawl",
            "title": "Ferry strike ends after pay deal",
        },
    ]
    text = store.read_corpus(tmp_path / "corpus", columns=["text", "encoding"]).to_pylist()
    # the headline is in `title`; the HTML model leaves it out of the text (docs/html.md)
    by_start = {r["text"].split("\n")[0]: r["encoding"] for r in text}
    assert by_start == {
        "Ferry crews on the island routes returned to work on Thursday after accepting a pay offer.": "utf-8",
        # plain ASCII page: UTF-8 reads it exactly
        "The new central library opened its doors to readers with a reading room and a cafe.": "utf-8",
    }
    assert verify(tmp_path / "corpus", index_dir=None).exit_code == 0


def test_same_warc_again_adds_nothing(tmp_path: Path) -> None:
    warc = write_warc(tmp_path / "c" / "a.warc.gz", RECORDS)
    ingest([warc], tmp_path / "corpus")
    again = ingest([warc], tmp_path / "corpus")
    assert (again.ingested, again.already) == (0, 2)


def test_http_charset_decodes_a_page_without_a_meta_charset(tmp_path: Path) -> None:
    page = UNDATED.replace("cafe", "café").encode("cp1252")
    warc = write_warc(
        tmp_path / "c" / "a.warc",
        [("https://x.example/", "2024-01-01T00:00:00Z", http("200 OK", "text/html; charset=windows-1252", page))],
    )  # fmt: skip
    report = ingest([warc], tmp_path / "corpus")
    assert report.ingested == 1
    (row,) = store.read_corpus(tmp_path / "corpus", columns=["text", "encoding"]).to_pylist()
    assert "a reading room and a café." in row["text"]
    assert row["encoding"] == "cp1252"


def walk(path: Path, settings: Settings | None = None) -> list[tuple[str, str]]:
    out = []
    for item in iter_inputs([str(path)], settings=settings or Settings()):
        where = item.source_path.rsplit("/", 1)[1]
        out.append((where, "in" if isinstance(item, Input) else f"{item.reason}: {item.detail}"))
    return out


@pytest.mark.parametrize(
    ("cut_bytes", "expected"),
    [
        # cut inside the third record's headers: that record would vanish without the check
        (700, ["in", "in", "bad-warc: truncated gzip data (after 2 response records)"]),
        (300, ["in", "in", "bad-warc: record cut short", "bad-warc: truncated gzip data (after 3 response records)"]),
        (2, ["in", "in", "in", "bad-warc: truncated gzip data (after 3 response records)"]),
    ],
)  # fmt: skip
def test_truncated_gzip_warc_reads_what_it_can_and_reports_the_cut(
    tmp_path: Path, cut_bytes: int, expected: list[str]
) -> None:
    whole = write_warc(tmp_path / "whole.warc.gz", RECORDS[:1] * 3).read_bytes()
    cut = tmp_path / "c" / "cut.warc.gz"
    cut.parent.mkdir(exist_ok=True)
    cut.write_bytes(whole[: len(whole) - cut_bytes])
    states = [state.split(":")[0] + ": record cut short" if "cut short" in state else state
              for _, state in walk(cut)]  # fmt: skip
    assert states == expected


def test_garbage_named_warc_is_one_report_line(tmp_path: Path) -> None:
    bad = tmp_path / "c" / "junk.warc.gz"
    bad.parent.mkdir()
    bad.write_bytes(gzip.compress(b"this is not a WARC file at all\r\n" * 50))
    items = walk(bad)
    assert len(items) == 1
    assert items[0][0] == "junk.warc.gz"
    assert items[0][1].startswith("bad-warc: ")


def test_record_above_max_file_mb_is_skipped_unread(tmp_path: Path) -> None:
    big = b"<html><body><p>" + b"word " * 300_000 + b"</p></body></html>"
    warc = write_warc(
        tmp_path / "c" / "big.warc.gz",
        [("https://x.example/big", "2024-01-01T00:00:00Z", http("200 OK", "text/html", big)),
         *RECORDS[:1]],
    )  # fmt: skip
    items = walk(warc, Settings().with_values(max_file_mb=1))
    assert [state for _, state in items] == ["too-large: 1.4 MB, above max_file_mb = 1", "in"]


def test_rejected_records_name_their_offset(tmp_path: Path) -> None:
    warc = write_warc(tmp_path / "c" / "a.warc", RECORDS, gz=False)
    items = list(iter_inputs([str(warc)], settings=Settings()))
    offsets = [int(i.source_path.rsplit("#offset=", 1)[1]) for i in items]
    data = warc.read_bytes()
    assert [data[o : o + 10] for o in offsets] == [b"WARC/1.0\r\n"] * 4
    assert [type(i).__name__ for i in items] == ["Input", "Rejected", "Rejected", "Input"]
    assert isinstance(items[1], Rejected)


def test_chunked_gzipped_bodies_are_decoded_and_bombs_refused(tmp_path: Path) -> None:
    page = PAGE.encode()
    gz = gzip.compress(page)
    chunked = b"%x\r\n%s\r\n%x\r\n%s\r\n0\r\n\r\n" % (10, gz[:10], len(gz) - 10, gz[10:])
    head = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\n"
    wire = (head + "Transfer-Encoding: chunked\r\n\r\n").encode() + chunked
    bomb = (head + "\r\n").encode() + gzip.compress(b"<p>" + b" " * 5_000_000)
    # Stored decoded, header kept (as some crawlers do): read as it is.
    kept = (head + "\r\n").encode() + page
    warc = write_warc(
        tmp_path / "c" / "wire.warc.gz",
        [("https://a.example/", "2024-01-01T00:00:00Z", wire),
         ("https://b.example/", "2024-01-01T00:00:00Z", bomb),
         ("https://c.example/", "2024-01-01T00:00:00Z", kept)],
    )  # fmt: skip
    items = list(iter_inputs([str(warc)], settings=Settings()))
    assert [type(i).__name__ for i in items] == ["Input", "Rejected", "Input"]
    first, bombed, last = items
    assert isinstance(first, Input) and isinstance(last, Input) and isinstance(bombed, Rejected)
    assert first.data == page
    assert last.data == page
    assert (bombed.reason, bombed.detail) == (
        "decompression-bomb",
        "expands more than 100× (max_decompression_ratio)",
    )


def test_revisit_records_are_reported_not_read(tmp_path: Path) -> None:
    path = tmp_path / "c" / "r.warc"
    path.parent.mkdir()
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=False)
        head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n"
        record = writer.create_warc_record(
            "https://a.example/", "revisit", io.BytesIO(head), len(head)
        )
        writer.write_record(record)
    assert walk(path) == [
        ("r.warc#offset=0", "not-an-article: revisit record (the page is stored elsewhere)")
    ]
