"""Evaluation: publication dates on every set of real news in ../shared/data.

Articles are built the way ingest builds them (body, url, given_date, source_path from each set's
manifest) and dated by one :class:`Dater`. Day-level accuracy is measured against an independent
reading of what each source states: the URL's ``/YYYY/MM/DD/``, the manifest's own format read with
``strptime``, the hand-labelled Daily Mail headers (``gold/dailymail_headers_dates.csv``), and the
HTML pages' metadata read by dateparser. Days are compared as printed, in the source's own zone
(``Dating.reading.local``), not in UTC. Prints the figures it checks.

Run: ``.venv/bin/python -m pytest tests/eval/test_eval_dates.py -m eval -q -s``
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path

import pytest

from newsarchive.article import Article
from newsarchive.pipeline.dates import Dater
from newsarchive.settings import Settings

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
GOLD = Path(__file__).resolve().parent / "gold" / "dailymail_headers_dates.csv"
FLOOR = 0.95  # day accuracy wherever the text, URL or manifest states the date

pytestmark = [
    pytest.mark.eval,
    pytest.mark.skipif(not DATA.is_dir(), reason="../shared/data is not present"),
]


@pytest.fixture(scope="module")
def dater() -> Dater:
    return Dater(Settings())


def _body(path: Path, encoding: str = "utf-8") -> str:
    return path.read_bytes().decode(encoding, errors="replace")


def _manifest(name: str) -> list[dict[str, str]]:
    with (DATA / name / "manifest.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _articles(
    name: str, *, date_column: str | None, encoding: str = "utf-8"
) -> list[tuple[Article, dict[str, str]]]:
    """The set's articles as ingest builds them from its manifest, each with its manifest row."""
    out = []
    for row in _manifest(name):
        path = DATA / name / row["path"]
        article = Article(
            source_path=str(path),
            source=name,
            url=row.get("url") or None,
            given_date=row[date_column] if date_column else None,
            body=_body(path, encoding),
        )
        out.append((article, row))
    return out


def _score(
    name: str,
    dater: Dater,
    items: Iterable[tuple[Article, date | None]],
    sources: set[str] | None = None,
) -> tuple[float, int]:
    """Day accuracy over the items with a gold day; the count of dates given where gold has none.

    Also checks that every stored date is the UTC form of the reading and, if ``sources`` is
    given, that every date came from one of them.
    """
    right = stated = extra = 0
    for article, gold in items:
        dating = dater.find(article)
        reading = dating.reading
        if reading is not None:
            assert dater(article).published_at == reading.utc
            assert sources is None or dating.source in sources, (article.source_path, dating)
        if gold is None:
            extra += reading is not None
            continue
        stated += 1
        right += reading is not None and reading.local.date() == gold
    accuracy = right / stated if stated else 1.0
    print(
        f"{name:<18} stated {stated:>5}  right {right:>5}  accuracy {accuracy:.3f}  extra {extra}"
    )
    return accuracy, extra


def _gold_from(pattern: str, parse: Callable[[str], date]) -> Callable[[str | None], date | None]:
    regex = re.compile(pattern)

    def gold(text: str | None) -> date | None:
        m = regex.search(text or "")
        return parse(m[0]) if m else None

    return gold


def test_cnn_url_dates(dater: Dater) -> None:
    gold = _gold_from(r"\d{4}/\d\d/\d\d", lambda s: datetime.strptime(s, "%Y/%m/%d").date())
    items = [(a, gold(a.url)) for a, _ in _articles("cnn", date_column=None)]
    accuracy, extra = _score("cnn (url)", dater, items, sources={"url"})
    assert accuracy >= FLOOR and extra == 0


def test_chinese_url_dates(dater: Dater) -> None:
    gold = _gold_from(r"(?<=/)\d{8}(?=/)", lambda s: datetime.strptime(s, "%Y%m%d").date())
    items = [(a, gold(a.url)) for a, _ in _articles("chinese", date_column=None)]
    accuracy, extra = _score("chinese (url)", dater, items)
    assert accuracy >= FLOOR and extra == 0  # no URL date: no date (nothing read from the body)


def test_inshorts_manifest_dates(dater: Dater) -> None:
    def gold(s: str) -> date:  # "03 Aug 2017,Thursday"
        return datetime.strptime(s.strip(), "%d %b %Y,%A").date()

    pairs = _articles("inshorts", date_column="date", encoding="cp1252")
    accuracy, _ = _score("inshorts (manifest)", dater, ((a, gold(r["date"])) for a, r in pairs))
    assert accuracy >= FLOOR


def test_isot_manifest_dates(dater: Dater) -> None:
    def gold(s: str) -> date:  # "December 31, 2017 " or "Dec 31, 2017"
        for form in ("%B %d, %Y", "%b %d, %Y"):
            try:
                return datetime.strptime(s.strip(), form).date()
            except ValueError:
                pass
        raise AssertionError(f"unexpected ISOT date {s!r}")

    pairs = _articles("isot", date_column="date")
    accuracy, _ = _score("isot (manifest)", dater, ((a, gold(r["date"])) for a, r in pairs))
    assert accuracy >= FLOOR


def test_arabic_manifest_dates(dater: Dater) -> None:
    def gold(s: str) -> date:  # "2015-08-10 18:52:49", no zone: read as UTC
        return datetime.strptime(s.strip(), "%Y-%m-%d %H:%M:%S").date()

    pairs = _articles("arabic", date_column="date")
    accuracy, _ = _score("arabic (manifest)", dater, ((a, gold(r["date"])) for a, r in pairs))
    assert accuracy >= FLOOR


def test_dailymail_headers_against_hand_labels(dater: Dater) -> None:
    with GOLD.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(line for line in f if not line.startswith("#")))
    assert len(rows) == 200
    root = DATA / "dailymail"
    items = [
        (
            Article(source_path=str(root / r["path"]), body=_body(root / r["path"])),
            date.fromisoformat(r["date"]) if r["date"] else None,
        )
        for r in rows
    ]
    accuracy, extra = _score("dailymail headers", dater, items, sources={"header"})
    assert accuracy >= FLOOR
    assert extra == 0  # no date where the header gives none


def test_dailymail_bodies_without_header_get_no_date(dater: Dater) -> None:
    paths = sorted((DATA / "dailymail" / "train").glob("*.txt"))
    paths += sorted((DATA / "dailymail" / "test").glob("*.txt"))
    dated = [p.name for p in paths if dater.find(Article(body=_body(p))).reading is not None]
    print(f"dailymail train+test: {len(paths)} articles, {len(dated)} dated")
    assert len(paths) == 1100 and dated == []


def test_bbc_gets_no_date(dater: Dater) -> None:
    paths = sorted((DATA / "bbc").rglob("*.txt"))
    articles = [Article(source_path=str(p), source="bbc", body=_body(p)) for p in paths]
    for article in articles:
        dater(article)
    dated = [a.source_path for a in articles if a.published_at is not None]
    noted = [a.date_note for a in articles if a.date_note]
    print(f"bbc: {len(articles)} articles, {len(dated)} dated")
    assert len(articles) == 2225 and dated == [] and noted == []


def _reference_day(value: str) -> date | None:
    """An independent reading of one metadata value (Python's ISO reader, else dateparser with
    language detection), only when it states a four-digit year; the day in the value's own zone."""
    import dateparser

    if not re.search(r"(?<!\d)(?:19|20)\d\d", value):
        return None  # "14-12-29": no reference can say which part is the year
    try:
        return datetime.fromisoformat(value).date()
    except ValueError:
        found = dateparser.parse(value, settings={"RETURN_AS_TIMEZONE_AWARE": True})
    return None if found is None else found.date()


def test_html_metadata_dates(dater: Dater) -> None:
    from newsarchive.pipeline.html import extract

    items: list[tuple[Article, date | None]] = []
    by_htmldate: list[tuple[Article, date | None]] = []  # the same pages, dated by htmldate only
    for path in sorted((DATA / "html_pages" / "html").glob("*.html")):
        page = extract(_body(path))
        metadata = [(origin, v) for origin, v in page.dates if origin != "htmldate"]
        gold = next((d for _, v in metadata if (d := _reference_day(v))), None)
        items.append((Article(source_path=str(path), html_dates=metadata), gold))
        htmldate = [(origin, v) for origin, v in page.dates if origin == "htmldate"]
        if gold is not None and htmldate:
            by_htmldate.append((Article(source_path=str(path), html_dates=htmldate), gold))
    accuracy, extra = _score(
        "html (metadata)", dater, items, sources={"html-meta", "json-ld", "html-rdf", "html-time"}
    )
    assert accuracy >= FLOOR
    assert extra == 0
    # htmldate (markup only, no body text) should agree with the page's own metadata where both
    # give a date; its day may differ where the metadata's zone moves it across midnight.
    htmldate_accuracy, _ = _score("html (htmldate)", dater, by_htmldate, sources={"htmldate"})
    assert len(by_htmldate) >= 90 and htmldate_accuracy >= FLOOR
