"""Read speed of the two WARC libraries on a synthetic CC-NEWS-like file (by hand, never in tests).

    .venv/bin/python bench/warc_read.py [RECORDS]

Writes RECORDS response records (with a request record before each, as CC-NEWS has) of a
~40 kB HTML page to a temporary .warc.gz and times a full read of every response payload with
warcio and with FastWARC. HTML extraction (trafilatura) costs far more per page than either.
"""

from __future__ import annotations

import io
import sys
import tempfile
import time
from pathlib import Path

from warcio.warcwriter import WARCWriter


def write(path: Path, records: int) -> None:
    body = b"<html><body>" + b"<p>Some paragraph of news text here.</p>" * 1000 + b"</body></html>"
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
    raw = head + b"Content-Length: %d\r\n\r\n" % len(body) + body
    with path.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for i in range(records):
            uri = f"https://news.example/{i}"
            req = b"GET /%d HTTP/1.1\r\nHost: news.example\r\n\r\n" % i
            writer.write_record(writer.create_warc_record(uri, "request", payload=io.BytesIO(req)))
            writer.write_record(writer.create_warc_record(uri, "response", payload=io.BytesIO(raw)))


def with_warcio(path: Path) -> int:
    from warcio.archiveiterator import ArchiveIterator

    total = 0
    with path.open("rb") as fh:
        for record in ArchiveIterator(fh):
            if record.rec_type == "response":
                total += len(record.content_stream().read())
    return total


def with_fastwarc(path: Path) -> int:
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    total = 0
    with path.open("rb") as fh:
        for record in ArchiveIterator(fh, record_types=WarcRecordType.response):
            total += len(record.reader.read())
    return total


def main() -> None:
    records = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.warc.gz"
        write(path, records)
        print(f"{records} responses, {path.stat().st_size / 1e6:.1f} MB gzipped")
        for name, read in (("warcio", with_warcio), ("fastwarc", with_fastwarc)):
            start = time.perf_counter()
            size = read(path)
            took = time.perf_counter() - start
            print(f"{name:9} {took:6.2f} s  {records / took:8.0f} records/s  ({size / 1e6:.0f} MB)")


if __name__ == "__main__":
    main()
