"""Evaluation: whoosh and tantivy give the same answers on the BBC set, query form by query form.

The BBC set is ingested once (with made-up dates from a manifest, every tenth article left
undated) and indexed by both engines. For each query the two must return the same hit set; by
date, the same order (undated hits, ordered by relevance, compared as a set: the engines score
differently); and the same facets and snippets. Prints the figures it checks.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from newsarchive.index import SearchResults, search, update_index
from newsarchive.index.api import ENGINES
from newsarchive.pipeline.run import ingest

BBC = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "bbc"
FLOOR = 1.0  # share of queries on which the engines agree: all of them
QUERIES = [
    "economy",
    "growth AND inflation",
    "mobile phone",
    "chelsea OR arsenal",
    "election NOT labour",
    "(blair OR brown) chancellor",
    "games NOT (xbox OR playstation)",
    "music -download*",
    '"prime minister"',
    '"bank of england"',
    '"the game"',
    '"chief executive"~2',
    '"interest rates rise"~3',
    '"film festival"~5',
    "comput*",
    "film* award*",
    "title:oscar",
    'title:"world cup"',
    "title:(rise OR fall) shares",
    "text:broadband",
    "topic:technology",
    "topic:(economy OR business) euro",
    "source:bbc",
    "place:london",
    'place:"united states" country:us',
    "country:gb -country:us",
    'person:"tony blair"',
    "person:blair OR org:bbc",
    'org:"manchester united"',
    "kind:liveblog",
    "language:en date:2004-05",
    "date:[2004-03 TO 2004-06] economy",
    "date:[2005-01-15 TO *] strike",
    "NOT date:2004 election",
    "u.s. dollar",
    "said",
    "*",
]
FACETS = ("topic", "country", "person", "month")


def manifest(path: Path) -> Path:
    """Dates for the BBC files (which have none): distinct, every tenth file undated."""
    start = datetime(2004, 1, 1, tzinfo=UTC)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["path", "date"])
        for i, file in enumerate(sorted(BBC.glob("*/*.txt"))):
            if i % 10 != 9:
                when = start + timedelta(hours=7 * i, minutes=i % 60)
                writer.writerow([str(file), when.isoformat()])
    return path


pytestmark = [
    pytest.mark.eval,
    pytest.mark.skipif(not BBC.is_dir(), reason="../shared/data/bbc is not present"),
]


@pytest.fixture(scope="module")
def bbc(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Path]]:
    root = tmp_path_factory.mktemp("bbc-engines")
    corpus = root / "corpus"
    ingest([BBC], corpus=corpus, manifest=manifest(root / "manifest.csv"), index=False, jobs=2)
    indexes = {}
    for engine in ENGINES:
        started = time.perf_counter()
        report = update_index(corpus, root / engine, engine=engine, procs=2)
        seconds = time.perf_counter() - started
        print(f"\n{engine}: indexed {report.added:,} articles at {report.added / seconds:,.0f}/s")
        indexes[engine] = root / engine
    return corpus, indexes


def answers(
    bbc: tuple[Path, dict[str, Path]], query: str, **options: object
) -> dict[str, SearchResults]:
    corpus, indexes = bbc
    return {
        engine: search(query, corpus=corpus, index_dir=index_dir, **options)  # type: ignore[arg-type]
        for engine, index_dir in indexes.items()
    }


def by_date(results: SearchResults) -> tuple[list[str], set[str]]:
    """The dated hits in order, and the undated ones (which come last, by relevance)."""
    dated = [h.doc_id for h in results.hits if h.published_at is not None]
    undated = {h.doc_id for h in results.hits if h.published_at is None}
    assert all(h.published_at is None for h in results.hits[len(dated) :])
    return dated, undated


def disagreements(bbc: tuple[Path, dict[str, Path]], query: str) -> Iterator[str]:
    every = answers(bbc, query, limit=None, snippets=False)
    sets = {e: {h.doc_id for h in r.hits} for e, r in every.items()}
    if sets["whoosh"] != sets["tantivy"]:
        only_w, only_t = sets["whoosh"] - sets["tantivy"], sets["tantivy"] - sets["whoosh"]
        yield f"hits: {len(only_w)} only whoosh {sorted(only_w)[:3]}, {len(only_t)} only tantivy"
    for sort in ("newest", "oldest"):
        ordered = answers(bbc, query, limit=None, snippets=False, sort=sort)
        if by_date(ordered["whoosh"]) != by_date(ordered["tantivy"]):
            yield f"order by {sort}"
    page = answers(bbc, query, limit=10, sort="oldest")
    snippets = {e: [(h.doc_id, h.snippet) for h in r.hits] for e, r in page.items()}
    if snippets["whoosh"] != snippets["tantivy"]:
        yield "snippets"
    for facet in FACETS:
        if page["whoosh"].facet(facet) != page["tantivy"].facet(facet):
            yield f"facet {facet}"


def test_engines_agree_on_bbc(bbc: tuple[Path, dict[str, Path]]) -> None:
    agreed, compared, problems = 0, 0, []
    for query in QUERIES:
        found = list(disagreements(bbc, query))
        compared += answers(bbc, query, limit=0)["whoosh"].total
        agreed += not found
        problems += [f"  {query}: {p}" for p in found]
    share = agreed / len(QUERIES)
    print(f"engines agree on {agreed}/{len(QUERIES)} queries ({compared:,} hits compared)")
    print("\n".join(problems))
    assert share >= FLOOR
