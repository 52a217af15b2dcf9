"""Corpora for the search tests: short made-up news stories, and the BBC set read by path.

The fixture stories are written for these tests (never copied from ../shared/data). Each exists to
make some query form answer a known, exact set of ``doc_id``s.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from newsarchive import store
from newsarchive.article import Article

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
BBC = DATA / "bbc"


def article(
    doc_id: str,
    title: str,
    text: str,
    *,
    published: datetime | None,
    source: str = "northern-echo",
    kind: str = "article",
    language: str = "en",
    topics: Iterable[str] = (),
    places: Iterable[str] = (),
    countries: Iterable[str] = (),
    people: Iterable[str] = (),
    organisations: Iterable[str] = (),
    url: str | None = None,
) -> Article:
    return Article(
        doc_id=doc_id,
        source_path=f"/fixtures/{doc_id}.txt",
        source=source,
        url=url if url is not None else f"https://example.org/{doc_id}",
        content_hash=hashlib.blake2b(text.encode(), digest_size=8).hexdigest(),
        title=title,
        text=text,
        raw_text=text,
        kind=kind,
        language=language,
        word_count=len(text.split()),
        published_at=published,
        topics=list(topics),
        places=list(places),
        countries=list(countries),
        people=list(people),
        organisations=list(organisations),
    )


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


STRIKE = article(
    "strike-jan",
    "Junior doctors begin first strike in 40 years",
    "Junior doctors in England walked out at 8am on Tuesday in the first strike of its kind "
    "for four decades.\n\n"
    "Pickets gathered outside hospitals in Leeds and London. One registrar on the picket line "
    "said the new contract was unsafe for patients.\n\n"
    "Health Secretary Jeremy Hunt said the strike was unnecessary and urged the British Medical "
    "Association to return to talks.",
    published=utc(2016, 1, 12, 8, 0),
    topics=["health", "labour"],
    places=["Leeds", "London"],
    countries=["GB"],
    people=["Jeremy Hunt"],
    organisations=["British Medical Association", "NHS"],
)
WALKOUT = article(
    "walkout-apr",
    "Live: junior doctors walk out of emergency care",
    "Follow the all-out strikes as they happen.\n\n"
    "Marching in Manchester\n\n"
    "Hundreds of striking doctors marched through Manchester city centre this morning.\n\n"
    "Picket lines formed outside St Thomas' hospital before dawn, where consultants covered "
    "emergency care.",
    published=utc(2016, 4, 26, 7, 30),
    kind="liveblog",
    topics=["health"],
    places=["Manchester", "London"],
    countries=["GB"],
    organisations=["NHS"],
)
MERGER = article(
    "merger-mar",
    "Two building societies agree merger",
    "The Yorkshire and Leeds building societies have agreed to merge, creating the second "
    "largest mutual lender in the country.\n\n"
    "Members will vote on the deal in June. The chief executive said no branches would close "
    "in Bradford.",
    published=utc(2016, 3, 3, 12, 0),
    source="City Wire",
    topics=["business"],
    places=["Leeds", "Bradford"],
    countries=["GB"],
    organisations=["Yorkshire Building Society", "Leeds Building Society"],
)
FOOTBALL = article(
    "football-apr",
    "Leeds United edge past Hull City",
    "A late header settled the derby at Elland Road, where Leeds United beat Hull City 2-1.\n\n"
    "Garry Monk praised his side for holding their line in the last ten minutes.",
    published=utc(2016, 4, 2, 17, 0),
    topics=["sport"],
    places=["Leeds", "Hull"],
    countries=["GB"],
    people=["Garry Monk"],
    organisations=["Leeds United", "Hull City"],
)
FLOODS = article(
    "floods-dec",
    "Floods cut off villages in Cumbria",
    "Storm Desmond brought record rainfall to Cumbria, and floods cut off villages north of "
    "Carlisle.\n\n"
    "Soldiers helped to carry sandbags to the worst hit streets.",
    published=utc(2015, 12, 6, 9, 15),
    source="Lakeland Post",
    topics=["weather"],
    places=["Cumbria", "Carlisle"],
    countries=["GB"],
)
CAFE = article(
    "cafe-undated",
    "Café owners strike a deal with the council",
    "The owners of the Café Olé on Micklegate have struck a deal with the council over "
    "pavement seating.\n\n"
    "The picket fence that divided the terrace will go, and a new line of tables will take "
    "its place.",
    published=None,
    source="City Wire",
    topics=["business"],
    places=["York"],
    countries=["GB"],
)
GREVE = article(
    "greve-fr",
    "Grève des médecins à Paris",
    "Les médecins hospitaliers de Paris sont en grève depuis lundi.\n\n"
    "Le ministère de la Santé appelle à la reprise du dialogue.",
    published=utc(2016, 4, 28, 10, 0),
    source="Le Quotidien",
    language="fr",
    topics=["health"],
    places=["Paris"],
    countries=["FR"],
)
TEACHERS = article(
    "teachers-us",
    "Teachers strike across Chicago schools",
    "Teachers in Chicago went on strike on Friday over unpaid wages.\n\n"
    "The picket formed a long line on the steps before the mayor, Rahm Emanuel, spoke.\n\n"
    "The Chicago Teachers Union said the one-day strike would be the first of several.",
    published=utc(2016, 4, 1, 14, 0),
    source="Lakeland Post",
    topics=["education", "labour"],
    places=["Chicago"],
    countries=["US"],
    people=["Rahm Emanuel"],
    organisations=["Chicago Teachers Union"],
)

FIXTURES: list[Article] = [STRIKE, WALKOUT, MERGER, FOOTBALL, FLOODS, CAFE, GREVE, TEACHERS]
LATE = article(
    "strike-may",
    "Doctors vote on a new contract",
    "Junior doctors will vote on the revised contract after the strike talks ended.",
    published=utc(2016, 5, 19, 11, 0),
    topics=["health", "labour"],
    countries=["GB"],
    people=["Jeremy Hunt"],
)


def write_corpus(
    path: Path, articles: Iterable[Article], run_id: str | None = None, batch_rows: int = 2000
) -> str:
    """Commit ``articles`` to the corpus at ``path`` as one run; returns its run id."""
    run_id = run_id or store.new_run_id()
    with store.writer_lock(path):
        writer = store.CorpusWriter(path, run_id, batch_rows=batch_rows)
        writer.add_all(articles)
        writer.flush()
    return run_id


def write_inputs(folder: Path, articles: Iterable[Article]) -> None:
    """Each article as a plain-text input file, ``DOC_ID.txt``: headline, blank line, text."""
    folder.mkdir(parents=True, exist_ok=True)
    for a in articles:
        (folder / f"{a.doc_id}.txt").write_text(f"{a.title}\n\n{a.text}\n", encoding="utf-8")


# --- the BBC set, read by path ---------------------------------------------------------------------

BBC_START = datetime(2004, 1, 1, tzinfo=UTC)


def bbc_articles(root: Path = BBC) -> Iterator[Article]:
    """The BBC set as Articles: title = first line, text = the rest, topic = folder name.

    The set has no dates; each article gets a made-up one from its file number (so date filters
    have something to cut), the same on every run.
    """
    for path in sorted(root.glob("*/*.txt")):
        raw = path.read_bytes().decode("utf-8", errors="replace")
        title, _, body = raw.strip().partition("\n")
        text = body.strip()
        number = int(path.stem)
        yield article(
            f"bbc-{path.parent.name}-{path.stem}",
            title.strip(),
            text,
            published=BBC_START + timedelta(days=number % 700, hours=number % 24),
            source="bbc",
            topics=[path.parent.name],
            url=f"file://{path}",
        )


def council_minutes(n: int, start: int = 0) -> list[Article]:
    """``n`` small look-alike articles, for tests that need volume rather than variety."""
    return [
        article(
            f"minutes-{i:05d}",
            f"Council minutes, item {i}",
            f"The council met to discuss budget item {i}. Councillors voted on the proposal.",
            published=utc(2016, 1 + i % 12, 1 + i % 28),
            source="council",
            topics=["local"],
        )
        for i in range(start, start + n)
    ]
