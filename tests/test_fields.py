"""The researcher's own fields (manifest columns) and comparisons: stored, searchable, facetable,
groupable, filterable, exported, on both engines; --no-duplicates; top-words --against."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import newsarchive
from newsarchive import Corpus, store
from newsarchive.analysis.collocates import collocates
from newsarchive.analysis.common import Scope
from newsarchive.analysis.export import export
from newsarchive.analysis.keyness import top_words
from newsarchive.analysis.kwic import kwic
from newsarchive.analysis.stats import GroupStats, group_stats
from newsarchive.analysis.timeline import timeline
from newsarchive.cli import main
from newsarchive.errors import QuerySyntaxError, UsageError
from newsarchive.index import search, update_index
from newsarchive.index.fields import field_name, user_fields

FAKE = "Senator caught in secret plot, insiders claim. The shocking plot was denied by everyone."
TRUE = "The senate passed the budget bill on Tuesday after a long debate, officials said."
TEXTS = {
    "a.txt": ("2017-01-10", "politicsNews", "true", "Senate passes budget\n\n" + TRUE),
    "b.txt": ("2017-01-20", "politics", "fake", "Secret plot exposed\n\n" + FAKE),
    "c.txt": ("2017-02-03", "politics", "FAKE", "Another plot\n\nA plot again, insiders claim, "
              "and the shocking plot was a secret one."),
    "d.txt": ("2017-02-14", "worldnews", "true", "Talks in Geneva\n\nDiplomats met in Geneva on "
              "Monday to discuss the budget of the aid mission, officials said."),
    # the story of a.txt again, with a new headline: a near-duplicate
    "e.txt": ("2017-02-15", "politicsNews", "true", "Budget bill clears senate\n\n" + TRUE
              + " The vote was close."),
}  # fmt: skip


@pytest.fixture(scope="module", params=["whoosh", "tantivy"])
def fx(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp(f"fields-{request.param}")
    folder = root / "isot"
    folder.mkdir()
    rows = ["path,date,subject,label"]
    for name, (day, subject, label, text) in TEXTS.items():
        (folder / name).write_text(text + "\n", encoding="utf-8")
        rows.append(f"{name},{day},{subject},{label}")
    (folder / "manifest.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    newsarchive.ingest([folder], corpus=root / "corpus", index=False, jobs=1)
    update_index(root / "corpus", root / "indexes", engine=request.param)
    return root


def count(fx: Path, query: str, **kw: object) -> int:
    return search(query, corpus=fx / "corpus", index_dir=fx / "indexes", limit=0, **kw).total  # type: ignore[arg-type]


def test_field_names_are_checked() -> None:
    assert field_name("Label") == "label"
    with pytest.raises(UsageError, match="clashes with the built-in field 'source'"):
        field_name("Source ")
    with pytest.raises(UsageError, match="cannot be a field name"):
        field_name("2nd coder")


def test_fields_are_stored_as_a_map_and_listed(fx: Path) -> None:
    table = store.read_corpus(fx / "corpus", columns=["source_path", "fields"])
    stored = {Path(r["source_path"]).name: dict(r["fields"]) for r in table.to_pylist()}
    assert stored["c.txt"] == {"label": ["FAKE"], "subject": ["politics"]}
    assert user_fields(fx / "corpus") == ["label", "subject"]


def test_fields_are_searchable_whole_and_in_any_case(fx: Path) -> None:
    assert count(fx, "label:fake") == 2
    assert count(fx, "label:FAKE") == 2
    assert count(fx, "subject:politicsNews") == 2
    assert count(fx, "subject:politics") == 2  # whole values: not politicsNews
    assert count(fx, "subject:pol*") == 4
    assert count(fx, "plot AND NOT label:true") == 2
    with pytest.raises(QuerySyntaxError, match=r"fields: title, .*, date, label, subject"):
        count(fx, "lable:fake")


def test_fields_are_facets_as_written(fx: Path) -> None:
    results = search("*", corpus=fx / "corpus", index_dir=fx / "indexes", limit=0)
    assert results.facet("subject") == [("politics", 2), ("politicsNews", 2), ("worldnews", 1)]
    assert results.facet("label") == [("true", 3), ("FAKE", 1), ("fake", 1)]


def test_near_duplicate_and_no_duplicates(fx: Path) -> None:
    table = store.read_corpus(fx / "corpus", columns=["source_path", "doc_id", "near_duplicate_of"])
    by_name = {Path(r["source_path"]).name: r for r in table.to_pylist()}
    assert by_name["e.txt"]["near_duplicate_of"] == by_name["a.txt"]["doc_id"]
    assert count(fx, "budget") == 3
    assert count(fx, "budget", no_duplicates=True) == 2
    lines = kwic("budget", corpus=fx / "corpus", index_dir=fx / "indexes",
                 scope=Scope(no_duplicates=True))  # fmt: skip
    assert sorted({ln.doc_id for ln in lines}) == sorted(
        [by_name["a.txt"]["doc_id"], by_name["d.txt"]["doc_id"]]
    )


def test_timeline_grouped_by_a_field(fx: Path) -> None:
    tl = timeline("*", corpus=fx / "corpus", index_dir=fx / "indexes", group_by="label",
                  normalise="all")  # fmt: skip
    assert tl.queries == ("label=true", "label=FAKE", "label=fake")
    assert tl.labels == ["2017-01", "2017-02"]
    assert tl.hits == {"label=true": [1, 2], "label=FAKE": [0, 1], "label=fake": [1, 0]}
    assert tl.shares("label=true") == [0.5, 2 / 3]
    within = timeline("plot", corpus=fx / "corpus", index_dir=fx / "indexes", group_by="subject")
    assert within.hits["plot | subject=politics"] == [1, 1]
    assert within.shares("plot | subject=politics") == [1.0, 1.0]  # of the politics articles
    assert within.base("plot | subject=politicsNews") == [1, 1]
    with pytest.raises(UsageError, match="cannot group by 'colour'; fields: source, topic"):
        timeline("*", corpus=fx / "corpus", index_dir=fx / "indexes", group_by="colour")


def test_stats_grouped_by_a_field(fx: Path) -> None:
    assert group_stats(fx / "corpus", "subject") == [
        GroupStats("politics", 2, 0.4, 0, 0, 32, 2, "2017-01-20", "2017-02-03"),
        GroupStats("politicsNews", 2, 0.4, 0, 1, 39, 2, "2017-01-10", "2017-02-15"),
        GroupStats("worldnews", 1, 0.2, 0, 0, 19, 1, "2017-02-14", "2017-02-14"),
    ]


def test_top_words_against_another_query(fx: Path) -> None:
    words = top_words("label:fake", corpus=fx / "corpus", index_dir=fx / "indexes",
                      against="label:true", min_count=2, kind="word")  # fmt: skip
    assert [(w.term, w.hits, w.rest) for w in words] == [
        ("plot", 6, 0),
        ("secret", 3, 0),
        ("claim", 2, 0),
        ("insiders", 2, 0),
        ("shocking", 2, 0),
    ]


def test_export_writes_fields_as_columns_and_an_object(fx: Path, tmp_path: Path) -> None:
    out = tmp_path / "fake.csv"
    export(out, corpus=fx / "corpus", index_dir=fx / "indexes", query="label:fake",
           columns=["title", "fields"])  # fmt: skip
    assert sorted(out.read_text(encoding="utf-8").splitlines()) == [
        "Another plot,FAKE,politics",
        "Secret plot exposed,fake,politics",
        "title,label,subject",
    ]
    jl = tmp_path / "fake.jsonl"
    export(jl, corpus=fx / "corpus", index_dir=fx / "indexes", query="label:fake",
           columns=["fields"], scope=Scope(no_duplicates=True))  # fmt: skip
    rows = [json.loads(line) for line in jl.read_text(encoding="utf-8").splitlines()]
    assert sorted(r["fields"]["label"][0] for r in rows) == ["FAKE", "fake"]


def test_cli_facet_group_by_and_against(fx: Path) -> None:
    base = ["--corpus", str(fx / "corpus"), "--index-dir", str(fx / "indexes")]
    out = CliRunner().invoke(main, ["search", "*", *base, "--facet", "label"])
    assert out.stdout == "true\t3\nFAKE\t1\nfake\t1\n"
    out = CliRunner().invoke(main, ["search", "*", *base, "--facet", "colour"])
    assert out.exit_code == 2 and "unknown facet 'colour'" in out.output
    out = CliRunner().invoke(main, ["timeline", *base, "--group-by", "label", "--format", "csv"])
    assert out.stdout.splitlines()[:3] == [
        "period,query,hits,articles,share",
        "2017-01,label=true,1,2,0.5",
        "2017-02,label=true,2,3,0.6666666666666666",
    ]
    out = CliRunner().invoke(main, ["stats", *base[:2], "--group-by", "label", "--format", "csv"])
    assert out.stdout.splitlines()[1] == "true,3,0.6,0,1,58,3,2017-01-10,2017-02-15"
    out = CliRunner().invoke(
        main, ["top-words", "label:fake", *base, "--against", "label:true", "--limit", "1"]
    )
    # G² of 6 in 20 content words against 0 in 39: keyness.g2(6, 0, 20, 39)
    assert out.stdout.splitlines()[1].split() == ["plot", "word", "6", "0", "12.98"]


def test_corpus_api_groups_and_collocates_in_a_field(fx: Path) -> None:
    corpus = Corpus(fx / "corpus", fx / "indexes")
    assert corpus.group_stats("label")["value"].tolist() == ["true", "FAKE", "fake"]
    found = collocates("plot", "label:fake", corpus=fx / "corpus", index_dir=fx / "indexes",
                       min_freq=2)  # fmt: skip
    assert [c.term for c in found] == ["secret", "claim", "insiders", "shocking"]


def test_a_column_named_like_a_built_in_field_is_one_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("Ferry strike\n\nFerry workers walked out.\n", encoding="utf-8")
    (tmp_path / "list.csv").write_text("path,Topic\nin/a.txt,ferries\n", encoding="utf-8")
    with pytest.raises(UsageError) as caught:
        newsarchive.ingest([folder], manifest=tmp_path / "list.csv", corpus=tmp_path / "c")
    assert str(caught.value) == (
        f"cannot use manifest {tmp_path / 'list.csv'}: bad-field (field name 'topic' clashes "
        "with the built-in field 'topic'; rename the column (for example 'topic_2'))"
    )
    (tmp_path / "dump.csv").write_text("text,date,source\nFerry workers walked out.,,x\n", "utf-8")
    (tmp_path / "dump2.csv").write_text("text,kind\nFerry workers walked out.,news\n", "utf-8")
    report = newsarchive.ingest(
        [tmp_path / "dump.csv", tmp_path / "dump2.csv"], corpus=tmp_path / "c", index=False, jobs=1
    )
    assert report.ingested == 1
    assert [(Path(r.source_path).name, r.reason, r.detail) for r in report.skipped] == [
        (
            "dump2.csv",
            "bad-field",
            "field name 'kind' clashes with the built-in field 'kind'; rename the column "
            "(for example 'kind_2')",
        )
    ]


def test_field_filters_narrow_every_command(fx: Path) -> None:
    base = ["--corpus", str(fx / "corpus"), "--index-dir", str(fx / "indexes")]
    out = CliRunner().invoke(
        main, ["stats", base[0], base[1], "--field", "label=FAKE", "--format", "json"]
    )
    assert json.loads(out.stdout)["articles"] == 2  # fake and FAKE: any case, as label:fake
    out = CliRunner().invoke(
        main,
        [
            "kwic",
            "plot",
            *base,
            "--field",
            "label=fake",
            "--field",
            "subject=politics",
            "--format",
            "csv",
        ],
    )
    assert len(out.stdout.splitlines()) == 1 + 6  # header, then "plot" three times in b and c
    out = CliRunner().invoke(
        main, ["timeline", "budget", *base, "--field", "subject=worldnews", "--format", "csv"]
    )
    assert out.stdout.splitlines()[1:] == ["2017-02,budget,1,1,1.0"]
    out = CliRunner().invoke(main, ["stats", base[0], base[1], "--field", "colour=red"])
    assert out.exit_code == 2
    assert out.output.strip().splitlines()[-1] == (
        "Error: unknown field 'colour'; this corpus's fields: label, subject"
    )
    corpus = Corpus(fx / "corpus", fx / "indexes")
    assert len(corpus.kwic("budget", label="true")) == 5  # a.txt 2, d.txt 1, e.txt 2
    assert corpus.timeline("budget", label="true")["hits"].tolist() == [1, 2]


def test_show_lists_fields_and_the_near_duplicate_link(fx: Path) -> None:
    table = store.read_corpus(fx / "corpus", columns=["source_path", "doc_id", "near_duplicate_of"])
    e = next(r for r in table.to_pylist() if r["source_path"].endswith("e.txt"))
    page = Corpus(fx / "corpus", fx / "indexes").show(e["doc_id"])
    similarity = store.read_corpus(fx / "corpus", columns=["near_duplicate_similarity"])
    value = max(v for v in similarity.column(0).to_pylist() if v is not None)
    assert f"near_dup_of   {e['near_duplicate_of']} (similarity {value:.2f})" in page.splitlines()
    assert "fields        label=true, subject=politicsNews" in page.splitlines()
