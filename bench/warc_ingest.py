"""The WARC path against the HTML-file path on the same pages (by hand, never in tests).

    .venv/bin/python bench/warc_ingest.py [PAGES]

Packs the first PAGES pages of ``../shared/data/webpages/html`` into one gzipped WARC (a
response record each, as CC-NEWS has) and ingests it, then ingests the same pages as ``.html``
files; both with ``--jobs 1`` and no index, so the figures compare reading, not the machine's
other work (after one warm-up ingest: the first loads models). Prints articles and seconds for each and checks the texts are the same.
"""

from __future__ import annotations

import io
import sys
import tempfile
import time
from pathlib import Path

from warcio.warcwriter import WARCWriter

import newsarchive
from newsarchive import store

PAGES = Path(__file__).resolve().parents[2] / "shared" / "data" / "webpages" / "html"


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    pages = sorted(PAGES.glob("*.html"))[:count]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        files, crawl = root / "files", root / "crawl"
        files.mkdir()
        crawl.mkdir()
        with (crawl / "CC-NEWS-bench.warc.gz").open("wb") as fh:
            writer = WARCWriter(fh, gzip=True)
            for page in pages:
                body = page.read_bytes()
                (files / page.name).write_bytes(body)
                head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                raw = head + b"Content-Length: %d\r\n\r\n" % len(body) + body
                uri = f"https://news.example/{page.stem}"
                record = writer.create_warc_record(uri, "response", io.BytesIO(raw), len(raw))
                writer.write_record(record)
        # A first ingest loads models and rules: done once before timing either path.
        warm = root / "warm"
        warm.mkdir()
        (warm / pages[0].name).write_bytes(pages[0].read_bytes())
        newsarchive.ingest([warm], corpus=root / "warm-corpus", index=False, jobs=1)
        texts = {}
        for name, folder in (("html files", files), ("warc", crawl)):
            start = time.perf_counter()
            report = newsarchive.ingest([folder], corpus=root / name, index=False, jobs=1)
            took = time.perf_counter() - start
            print(
                f"{name:10} {report.ingested:5} articles  {took:6.1f} s  {report.ingested / took:6.1f}/s"
            )
            table = store.read_corpus(root / name, columns=["text"])
            texts[name] = sorted(table.column("text").to_pylist())
        print("same texts:", texts["warc"] == texts["html files"])


if __name__ == "__main__":
    main()
