"""Evaluation: Reuters-21578 as distributed (22 ``.sgm`` files beside their documentation).

Every record with text is an article, dated by its ``<DATE>``, with the distribution's topic and place
labels as the fields ``reuters_topics`` and ``reuters_places``; the documentation files are
reported as not articles. The expected values come from the independent reader in ``reuters.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from reuters import REUTERS_DIR, read_reuters

import newsarchive
from newsarchive import store

pytestmark = [
    pytest.mark.eval,
    pytest.mark.skipif(not REUTERS_DIR.is_dir(), reason="../shared/data is not present"),
]


def _second(text: str) -> datetime | None:
    """``26-FEB-1987 15:01:01.79`` to the second, UTC (the wire's clock); None if malformed or
    annotated (``9-APR-1987 00:00:00.00    # date added by S Finch as guesswork``)."""
    if "#" in text:
        return None
    try:
        return datetime.strptime(text.split(".")[0], "%d-%b-%Y %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def test_reuters_sgml_ingests_every_record_with_its_date_and_labels(tmp_path: Path) -> None:
    report = newsarchive.ingest([REUTERS_DIR], corpus=tmp_path / "c", index=False, jobs=2)
    docs = sorted(Path(r.source_path).name for r in report.skipped if r.reason == "not-an-article")
    table = store.read_corpus(
        tmp_path / "c", columns=["source_path", "published_at", "date_note", "fields"]
    )
    stored = {row["source_path"].rsplit("#newid=", 1)[1]: row for row in table.to_pylist()}
    records = {str(r["newid"]): r for r in read_reuters(REUTERS_DIR)}
    # One record of the distribution (NEWID 12793, an UNPROC record) holds no text at all: it is
    # reported as empty, so all 21,578 records are accounted for.
    empty = [r.source_path.rsplit("#newid=", 1)[1] for r in report.skipped if r.reason == "empty"]
    expected = {k: r for k, r in records.items() if k not in empty}
    wellformed = {k: _second(str(r["date"])) for k, r in expected.items()}
    dates = sum(stored[k]["published_at"] == d for k, d in wellformed.items() if d)
    # two <DATE>s of the distribution are not dates as written: "31-MAR-1987 605:12:19.12", and
    # one annotated as guesswork; they are left undated, with a note saying why
    malformed = [k for k, d in wellformed.items() if d is None]
    labels = {k: dict(row["fields"] or []) for k, row in stored.items()}
    topics = sum(labels[k].get("reuters_topics", []) == r["topics"] for k, r in expected.items())
    places = sum(labels[k].get("reuters_places", []) == r["places"] for k, r in expected.items())
    print(
        f"reuters: {len(records):,} records, {report.ingested:,} articles, {len(empty)} empty, {dates:,} dates, {topics:,} topic lists, "
        f"{places:,} place lists as distributed; not articles: {', '.join(docs)}; "
        f"{report.rate:,.0f} inputs/s"
    )
    assert len(records) == 21_578 and empty == ["12793"]
    assert (report.ingested, len(stored), dict(report.skipped_by_reason)) == (
        21_577,
        21_577,
        {"empty": 1},
    )
    assert set(stored) == set(expected)
    assert (dates, topics, places) == (21_575, 21_577, 21_577)
    assert len(malformed) == 2
    for k in malformed:
        assert "could not be read as a date" in str(stored[k]["date_note"])
    assert docs == [
        "README.txt",
        "all-exchanges-strings.lc.txt",
        "all-orgs-strings.lc.txt",
        "all-people-strings.lc.txt",
        "all-places-strings.lc.txt",
        "all-topics-strings.lc.txt",
        "cat-descriptions_120396.txt",
        "feldman-cia-worldfactbook-data.txt",
        "lewis.dtd",
    ]
