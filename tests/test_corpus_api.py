"""The notebook API, ``newsarchive.Corpus``, and the fixture corpus the analysis tests share.

The six fixture articles are short stories written for these tests: two sources in April–June
2016, one undated article, removed spans and tag evidence, so every analysis has something exact
to show. ``build_corpus`` writes them through ``store.CorpusWriter`` and indexes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyarrow.compute as pc
import pytest

from newsarchive import store
from newsarchive.article import Article, Evidence, Removal
from newsarchive.corpus import Corpus
from newsarchive.errors import UsageError

Line = str | tuple[str, str]  # a kept line, or (removed line, rule that removed it)


def story(
    doc_id: str,
    source: str,
    lines: Sequence[Line],
    *,
    published_at: datetime | None,
    date_source: str | None = "header",
    date_text: str | None = None,
    evidence: Sequence[tuple[str, str, str, str]] = (),
    **fields: object,
) -> Article:
    """An article as ingest would store it: body lines joined by blank lines, removals recorded."""
    body, kept, removed = "", [], []
    for line in lines:
        if body:
            body += "\n\n"
        if isinstance(line, tuple):
            text, rule = line
            removed.append(Removal(text, rule, len(body), len(body) + len(text)))
            body += text
        else:
            kept.append(line)
            body += line
    text = "\n\n".join(kept)
    tags: dict[str, list[str]] = {}
    for field, value, _, _ in evidence:
        tags.setdefault(field, []).append(value)
    defaults: dict[str, object] = {"encoding": "utf-8", **tags, **fields}
    return Article(
        doc_id=doc_id,
        source_path=f"/archive/{source}/{doc_id[:6]}.txt",
        source=source,
        content_hash=doc_id[::-1],
        ingested_at=datetime(2026, 1, 5, 12, 0, tzinfo=UTC),
        ingest_run="20260105T120000Z-abc123",
        title=kept[0],
        text=text,
        raw_text=body + "\n",
        removed=removed,
        language="en",
        word_count=len(text.split()),
        published_at=published_at,
        date_source=date_source if published_at else None,
        date_text=date_text if published_at else None,
        date_precision=("minute" if published_at and published_at.hour else "day")
        if published_at
        else None,
        tag_evidence=[Evidence(*e) for e in evidence],
        **defaults,  # type: ignore[arg-type]
    )


def at(day: str, hm: str = "00:00") -> datetime:
    return datetime.fromisoformat(f"{day}T{hm}:00+00:00")


ARTICLES = [
    story(
        "1e2a7c40b5d90f11",
        "wire",
        [
            "Junior doctors strike over contract",
            ("By Ann Clarke", "byline/by"),
            "Junior doctors in England walked out on Tuesday in the first full strike in the "
            "history of the NHS.",
            ("Video Loading", "player/video-loading"),
            "The British Medical Association said the strike would go ahead after talks with "
            "Jeremy Hunt failed.",
            ("READ MORE: Hospitals brace for walkout", "related/read-more"),
        ],
        published_at=at("2016-04-26", "07:34"),
        date_text="26 April 2016 07:34",
        authors=["Ann Clarke"],
        evidence=[
            ("topics", "health", "taxonomy:health", "junior doctors, NHS"),
            ("topics", "industrial-action", "taxonomy:industrial-action", "strike, walked out"),
            ("places", "England", "gazetteer", "England"),
            ("countries", "GB", "place:England", "England"),
            ("people", "Jeremy Hunt", "ner:builtin", "Jeremy Hunt"),
            (
                "organisations",
                "British Medical Association",
                "ner:builtin",
                "British Medical Association",
            ),
            ("organisations", "NHS", "ner:acronym", "NHS"),
        ],
    ),
    story(
        "1e2a99d0c3b4a502",
        "wire",
        [
            "Strike day two: picket lines grow",
            "The picket line outside Leeds General Infirmary grew on the second day of the junior "
            "doctors' strike.",
            "Consultants covered emergency care. A spokesman said strikes were a last resort.",
        ],
        published_at=at("2016-04-27", "09:15"),
        date_text="27 April 2016 09:15",
        kind="liveblog",
        evidence=[
            ("topics", "health", "taxonomy:health", "junior doctors, emergency care"),
            ("topics", "industrial-action", "taxonomy:industrial-action", "strike, picket line"),
            ("places", "Leeds", "gazetteer", "Leeds"),
            ("countries", "GB", "place:Leeds", "Leeds"),
            ("organisations", "Leeds General Infirmary", "ner:builtin", "Leeds General Infirmary"),
        ],
    ),
    story(
        "5b7c1d2e3f405163",
        "gazette",
        [
            "York counts the cost of floods",
            "Shops on the riverside in York reopened on Monday, four months after the River Ouse "
            "burst its banks.",
            ("Share this article", "prompt/share"),
            "Traders said insurance claims were still being settled.",
        ],
        published_at=at("2016-05-03"),
        date_source="manifest",
        date_text="2016-05-03",
        encoding="cp1252",
        evidence=[
            ("topics", "weather", "taxonomy:weather", "floods, burst its banks"),
            ("places", "York", "gazetteer", "York"),
            ("countries", "GB", "place:York", "York"),
        ],
    ),
    story(
        "7c8d9e0f1a2b3c74",
        "gazette",
        [
            "Council budget: nurses and bin workers warn of strike",
            "The council approved a budget of 212 million pounds on Tuesday night.",
            "Unions representing nurses and bin workers said they would ballot for a strike. "
            "Strikes last year closed two depots.",
        ],
        published_at=at("2016-06-14"),
        date_source="manifest",
        date_text="2016-06-14",
        evidence=[
            ("topics", "politics", "taxonomy:politics", "council, budget"),
            ("topics", "industrial-action", "taxonomy:industrial-action", "strike, ballot"),
        ],
    ),
    story(
        "9a0b1c2d3e4f5a85",
        "courier",
        [
            "Ferries cancelled as storm hits coast",
            "All ferries from Dover were cancelled as the storm was forecast to strike the coast "
            "overnight.",
            ("Follow us on Twitter", "prompt/follow"),
        ],
        published_at=None,
        date_note="no date in the text or metadata",
        evidence=[
            ("topics", "weather", "taxonomy:weather", "storm"),
            ("topics", "transport", "taxonomy:transport", "ferries"),
            ("places", "Dover", "gazetteer", "Dover"),
            ("countries", "GB", "place:Dover", "Dover"),
        ],
    ),
    story(
        "b1c2d3e4f5a6b796",
        "courier",
        [
            "Banks agree merger",
            "Two regional banks agreed to merge on Monday, creating the fourth largest lender in "
            "the north.",
            "Shareholders will vote on the deal in September.",
        ],
        published_at=at("2016-06-20", "16:00"),
        date_text="20 June 2016 16:00",
        evidence=[("topics", "business", "taxonomy:business", "banks, merger, shareholders")],
    ),
]


@dataclass(frozen=True)
class Fixture:
    corpus: Path
    index_dir: Path


def build_corpus(
    folder: Path, articles: Sequence[Article] = ARTICLES, index: bool = True, batch_rows: int = 2000
) -> Fixture:
    """The fixture articles as a corpus (one part file, unless ``batch_rows`` is smaller) and,
    with ``index``, its search index."""
    corpus, index_dir = folder / "corpus", folder / "indexes"
    writer = store.CorpusWriter(corpus, "20260105T120000Z-abc123", batch_rows=batch_rows)
    writer.add_all(articles)
    writer.flush()
    if index:
        from newsarchive.index import update_index

        update_index(corpus, index_dir)
    return Fixture(corpus, index_dir)


# --- the notebook API ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    fx = build_corpus(tmp_path_factory.mktemp("api"))
    return Corpus(fx.corpus, index_dir=fx.index_dir)


def test_articles_with_columns_and_where(corpus: Corpus) -> None:
    df = corpus.articles(columns=["doc_id", "source", "word_count"], where={"source": "gazette"})
    assert df.values.tolist() == [
        ["5b7c1d2e3f405163", "gazette", 32],
        ["7c8d9e0f1a2b3c74", "gazette", 40],
    ]
    longer = corpus.articles(columns=["doc_id"], where=pc.field("word_count") >= 40)
    assert longer["doc_id"].tolist() == ["1e2a7c40b5d90f11", "7c8d9e0f1a2b3c74"]
    either = corpus.articles(
        columns=["doc_id"], where={"source": ["wire", "courier"], "kind": "article"}
    )
    assert len(either) == 3
    undated = corpus.articles(columns=["doc_id"], where={"published_at": None})
    assert undated["doc_id"].tolist() == ["9a0b1c2d3e4f5a85"]
    everything = corpus.articles()
    assert (len(everything), "raw_text" in everything.columns, "text" in everything.columns) == (
        6,
        False,
        True,
    )
    assert str(everything["published_at"].dtype) == "datetime64[us, UTC]"
    with pytest.raises(UsageError, match="unknown column"):
        corpus.articles(where={"body": "x"})


def test_len_state_and_repr(corpus: Corpus) -> None:
    assert (len(corpus), corpus.state) == (6, "8b60d167d8c87e34")
    assert repr(corpus).startswith("Corpus('/") and "index_dir=" in repr(corpus)


def test_search_and_kwic_frames(corpus: Corpus) -> None:
    hits = corpus.search("floods OR ferries")
    assert sorted(hits["doc_id"]) == ["5b7c1d2e3f405163", "9a0b1c2d3e4f5a85"]
    lines = corpus.kwic('"junior doctors"', width=15, source="wire")
    assert list(lines.columns) == ["doc_id", "date", "source", "left", "match", "right"]
    assert lines[["date", "left", "match", "right"]].values.tolist() == [
        ["2016-04-26", "", "Junior doctors", " strike over co"],
        ["2016-04-26", " over contract ", "Junior doctors", " in England wal"],
        ["2016-04-27", "ond day of the ", "junior doctors", "' strike. Consu"],
    ]


def test_timeline_frame_and_chart(corpus: Corpus, tmp_path: Path) -> None:
    df = corpus.timeline(["strike", "floods"], by="month")
    wide = df.pivot(index="period", columns="query", values="hits")
    assert wide.to_dict() == {
        "floods": {"2016-04": 0, "2016-05": 1, "2016-06": 0},
        "strike": {"2016-04": 2, "2016-05": 0, "2016-06": 1},
    }
    fig = corpus.plot_timeline("strike", by="week", path=tmp_path / "t.png")
    assert fig.get_size_inches().tolist() == [12.0, 6.0]
    assert (tmp_path / "t.png").read_bytes()[:4] == b"\x89PNG"
    assert corpus.plot_stats(path=tmp_path / "s.svg").axes[0].get_ylabel() == "Articles"
    with pytest.raises(UsageError, match=r"^no chart drawn: no article matching zebra has a date"):
        corpus.plot_timeline("zebra", path=tmp_path / "z.png")
    assert not (tmp_path / "z.png").exists()


def test_top_words_stats_show_and_export(corpus: Corpus, tmp_path: Path) -> None:
    words = corpus.top_words("strike", limit=2, min_count=2)
    assert words.values.tolist() == [["strike", "word", 8, 0, 5.6], ["doctors", "word", 3, 0, 2.1]]
    assert corpus.stats(source="courier").articles == 2
    assert corpus.show("b1c2").startswith(
        "Banks agree merger\n==================\ndoc_id        b1c2d3e4f5a6b796"
    )
    report = corpus.export(tmp_path / "hits.parquet", "strike", date_from="2016-06")
    assert (report.rows, pd.read_parquet(report.path)["doc_id"].tolist()) == (
        1,
        ["7c8d9e0f1a2b3c74"],
    )


def test_unknown_scope_keywords_are_named(corpus: Corpus) -> None:
    with pytest.raises(UsageError, match="unknown option"):
        corpus.kwic("strike", sources="wire")
