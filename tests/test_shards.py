"""Sharded tantivy indexes: built from fixed sets of parts, searched as one index."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsarchive.analysis.timeline import timeline
from newsarchive.cli import main
from newsarchive.index import api
from newsarchive.index.api import matching_ids, search, update_index
from newsarchive.index.shards import ShardedIndex
from searchfixtures import FIXTURES, LATE, article, utc, write_corpus

pytest.importorskip("tantivy")

needs_dask = pytest.mark.skipif(
    importlib.util.find_spec("distributed") is None, reason="needs the cluster extra"
)

# a few articles in other years, so that shards by year have something to skip
OTHER_YEARS = [
    article(
        f"strike-{year}",
        f"Bus drivers strike in {year}",
        f"Bus drivers in Leeds went on strike in {year} over pay; the picket line held all day.",
        published=utc(year, 1 + year % 12, 10, 9),
        source="City Wire" if year % 2 else "northern-echo",
        topics=["labour", "transport"],
        places=["Leeds"],
    )
    for year in (2012, 2013, 2014, 2017)
]
ARTICLES = [*FIXTURES, *OTHER_YEARS]
QUERIES = [
    "*",
    "strike",
    "strike OR floods",
    "leeds OR picket*",
    '"junior doctors"',
    '"picket line"~3',
    "doctors AND NOT strike",
    "date:2016-04",
    "strike date:[2013 TO 2015]",
    "topic:labour",
    "zebra",
]
FACETS = ["topic", "source", "year", "month", "place", "language"]


@pytest.fixture(scope="module")
def indexes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    """One corpus (in parts of 3 articles), indexed whole, in 3 shards and by year."""
    root = tmp_path_factory.mktemp("shards")
    corpus = root / "corpus"
    write_corpus(corpus, ARTICLES, batch_rows=3)
    built = {}
    for name, options in (
        ("one", {}),
        ("three", {"shards": 3}),
        ("years", {"shard_by": "year"}),
    ):
        report = update_index(corpus, root / name, engine="tantivy", procs=1, **options)
        assert report.total == len(ARTICLES)
        built[name] = (corpus, root / name)
    return built


def layout(index_dir: Path) -> dict[str, list[str]]:
    raw = json.loads((index_dir / "tantivy" / "shards.json").read_text(encoding="utf-8"))
    return {s["name"]: s["parts"] for s in raw["shards"]}


def test_shards_hold_fixed_sets_of_parts(indexes: dict[str, tuple[Path, Path]]) -> None:
    corpus, _ = indexes["one"]
    parts = sorted(p.name for p in corpus.glob("part-*.parquet"))
    assert len(parts) == 4  # 12 articles, 3 a part
    three = layout(indexes["three"][1])
    assert list(three) == ["shard-0", "shard-1", "shard-2"]
    assert sorted(p for ps in three.values() for p in ps) == parts  # each part in one shard
    years = layout(indexes["years"][1])
    assert list(years) == [
        "year-2012",
        "year-2013",
        "year-2014",
        "year-2015",
        "year-2016",
        "year-2017",
        "undated",
    ]


@pytest.mark.parametrize("sharded", ["three", "years"])
@pytest.mark.parametrize("query", QUERIES)
def test_shards_answer_as_one_index(
    indexes: dict[str, tuple[Path, Path]], sharded: str, query: str
) -> None:
    def answers(name: str) -> dict[str, object]:
        corpus, index_dir = indexes[name]
        everything = search(query, corpus=corpus, index_dir=index_dir, limit=None)
        newest = search(query, corpus=corpus, index_dir=index_dir, limit=None, sort="newest")
        oldest = search(query, corpus=corpus, index_dir=index_dir, limit=None, sort="oldest")
        page = search(query, corpus=corpus, index_dir=index_dir, limit=3, offset=2, sort="oldest")
        return {
            "total": everything.total,
            "ids": sorted(h.doc_id for h in everything.hits),
            "matching": sorted(matching_ids(query, corpus=corpus, index_dir=index_dir).ids),
            "facets": {f: everything.facet(f) for f in FACETS},
            "newest": [h.doc_id for h in newest.hits],
            "oldest": [h.doc_id for h in oldest.hits],
            "page": [(h.rank, h.doc_id, h.snippet) for h in page.hits],
            "count": search(query, corpus=corpus, index_dir=index_dir, limit=0).total,
        }

    assert answers(sharded) == answers("one")


def test_timeline_over_shards(indexes: dict[str, tuple[Path, Path]]) -> None:
    found = {
        name: timeline(["strike", "picket*"], corpus=corpus, index_dir=index_dir, by="year")
        for name, (corpus, index_dir) in indexes.items()
    }
    assert found["one"].hits == {"strike": [1, 1, 1, 0, 3, 1], "picket*": [1, 1, 1, 0, 3, 1]}
    for name in ("three", "years"):
        assert (found[name].hits, found[name].undated_hits) == (
            found["one"].hits,
            found["one"].undated_hits,
        )


def test_date_filters_open_only_their_years(indexes: dict[str, tuple[Path, Path]]) -> None:
    corpus, index_dir = indexes["years"]

    def opened(query: str, **options: object) -> list[str]:
        api._OPEN_ENGINES.clear()
        results = search(query, corpus=corpus, index_dir=index_dir, **options)  # type: ignore[arg-type]
        engine = api._open_for_search(index_dir, corpus)
        assert isinstance(engine, ShardedIndex)
        matches = matching_ids(query, corpus=corpus, index_dir=index_dir, **options)  # type: ignore[arg-type]
        assert results.total == len(matches.ids)
        return sorted(engine.opened)

    assert opened("strike", date_from="2016-04") == ["year-2016", "year-2017"]
    assert opened("strike date:2013") == ["year-2013"]
    assert opened("date:2014 OR date:2016-01") == ["year-2014", "year-2015", "year-2016"]
    assert opened("strike", date_from="2030") == []
    assert opened("strike AND NOT date:2016") == sorted(layout(index_dir))  # undated too


def test_incremental_updates_land_in_their_shard(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_corpus(corpus, ARTICLES, batch_rows=3)
    by_year, by_count = tmp_path / "by-year", tmp_path / "by-count"
    update_index(corpus, by_year, engine="tantivy", shard_by="year", procs=1)
    update_index(corpus, by_count, engine="tantivy", shards=3, procs=1)
    later = [
        LATE,
        article("strike-2019", "Rail strike", "A rail strike.", published=utc(2019, 2, 1)),
    ]
    before = {p.name for p in corpus.glob("part-*.parquet")}
    write_corpus(corpus, later)
    # part names are not in commit order: the new part is the one that was not there
    (new_part,) = {p.name for p in corpus.glob("part-*.parquet")} - before

    def held(index_dir: Path) -> dict[str, tuple[int, bool]]:
        """Articles per shard, and whether the shard holds some of the new part."""
        raw = json.loads((index_dir / "tantivy" / "shards.json").read_text(encoding="utf-8"))
        return {s["name"]: (s["articles"], new_part in s["parts"]) for s in raw["shards"]}

    report = update_index(corpus, by_year)  # ingest's call: no options, the index's sharding
    assert (report.added, report.rebuilt, report.shards) == (2, False, 8)
    assert held(by_year) == {
        "year-2012": (1, False),
        "year-2013": (1, False),
        "year-2014": (1, False),
        "year-2015": (1, False),
        "year-2016": (7, True),  # 6 + strike-may
        "year-2017": (1, False),
        "year-2019": (1, True),  # a new year: a new shard
        "undated": (1, False),
    }

    assert held(by_count) == {"shard-0": (3, False), "shard-1": (6, False), "shard-2": (3, False)}
    update_index(corpus, by_count)
    # the smallest shard (the first of two with 3) takes the new part
    assert held(by_count) == {"shard-0": (5, True), "shard-1": (6, False), "shard-2": (3, False)}
    for index_dir in (by_year, by_count):
        found = matching_ids("strike", corpus=corpus, index_dir=index_dir).ids
        assert sorted(found) == [
            "cafe-undated",
            "strike-2012",
            "strike-2013",
            "strike-2014",
            "strike-2017",
            "strike-2019",
            "strike-jan",
            "strike-may",
            "teachers-us",
            "walkout-apr",
        ]


def test_sharding_changes_rebuild(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_corpus(corpus, ARTICLES, batch_rows=3)
    index_dir = tmp_path / "indexes"
    assert update_index(corpus, index_dir, engine="tantivy", shards=2).shards == 2
    again = update_index(corpus, index_dir)
    assert (again.rebuilt, again.shards) == (False, 2)
    one = update_index(corpus, index_dir, shards=1)
    assert (one.rebuilt, one.shards, one.total) == (True, 0, len(ARTICLES))
    assert not (index_dir / "tantivy" / "shards.json").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--shards", "3"], "Error: only tantivy indexes are sharded, not whoosh: add --engine "),
        (["--engine", "tantivy", "--shards", "0"], "Error: --shards must be at least 1, not 0"),
        (
            ["--engine", "tantivy", "--shards", "2", "--shard-by", "year"],
            "Error: give --shards N or --shard-by year, not both",
        ),
        (["--engine", "tantivy", "--cluster", "local:2"], "Error: --cluster builds the shards "),
    ],
)
def test_bad_combinations(tmp_path: Path, args: list[str], message: str) -> None:
    corpus = tmp_path / "corpus"
    write_corpus(corpus, FIXTURES)
    result = CliRunner().invoke(
        main, ["index", "--corpus", str(corpus), "--index-dir", str(tmp_path / "ix"), *args]
    )
    assert result.exit_code == 2, result.output
    assert len(result.output.strip().splitlines()) == 1
    assert result.output.startswith(message)


def test_cli_builds_shards_on_the_pool(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_corpus(corpus, ARTICLES, batch_rows=3)
    args = ["index", "--corpus", str(corpus), "--engine", "tantivy", "--shard-by", "year"]
    result = CliRunner().invoke(main, [*args, "--index-dir", str(tmp_path / "ix"), "--procs", "2"])
    assert result.exit_code == 0, result.output
    assert "the index holds 12 articles (tantivy, 7 shards, " in result.output


@needs_dask
def test_cluster_build_equals_the_pool_build(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_corpus(corpus, ARTICLES, batch_rows=3)
    pool = update_index(corpus, tmp_path / "pool", engine="tantivy", shards=3, procs=2)
    dask = update_index(corpus, tmp_path / "dask", engine="tantivy", shards=3, cluster="local:2")
    assert (dask.total, dask.shards) == (pool.total, pool.shards) == (len(ARTICLES), 3)
    assert json.loads((tmp_path / "dask" / "tantivy" / "shards.json").read_text()) == json.loads(
        (tmp_path / "pool" / "tantivy" / "shards.json").read_text()
    )
    for query in QUERIES:
        found = [
            [
                (h.doc_id, h.score)
                for h in search(query, corpus=corpus, index_dir=tmp_path / name, limit=None).hits
            ]
            for name in ("pool", "dask")
        ]
        assert found[0] == found[1]


def test_an_update_cut_short_between_shards_is_finished_next_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsarchive.index.tantivy_engine import TantivyIndex

    corpus, index_dir = tmp_path / "corpus", tmp_path / "indexes"
    write_corpus(corpus, ARTICLES, batch_rows=3)
    update_index(corpus, index_dir, engine="tantivy", shard_by="year", procs=1)
    late = article("strike-2019", "Rail strike", "A rail strike.", published=utc(2019, 2, 1))
    write_corpus(corpus, [LATE, late])
    collect = TantivyIndex._collect_garbage

    def fail(self: TantivyIndex) -> None:  # after the first shard's commit
        monkeypatch.setattr(TantivyIndex, "_collect_garbage", collect)
        raise OSError("disk full")

    monkeypatch.setattr(TantivyIndex, "_collect_garbage", fail)
    with pytest.raises(OSError, match="disk full"):
        update_index(corpus, index_dir)
    # the new year's shard committed its article, 2016's did not; shards.json lists neither
    assert (index_dir / "tantivy" / "year-2019").is_dir()
    assert "year-2019" not in layout(index_dir)
    assert api.index_status(corpus, index_dir).indexed == len(ARTICLES)
    report = update_index(corpus, index_dir)
    assert (report.total, report.shards) == (len(ARTICLES) + 2, 8)
    ids = api.indexed_ids(index_dir)
    assert ids is not None and sorted(ids) == sorted(
        [a.doc_id for a in ARTICLES] + ["strike-may", "strike-2019"]
    )
