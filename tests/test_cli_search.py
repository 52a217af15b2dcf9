"""`newsarchive index` and `newsarchive search`: exact output for each format and each mistake."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner, Result

from newsarchive.cli import main
from newsarchive.cli.search import _table
from newsarchive.index import search
from searchfixtures import FIXTURES, LATE, write_corpus
from testkit import Cli

DOCS = Path(__file__).resolve().parents[1] / "docs" / "search.md"


@pytest.fixture(scope="module")
def dirs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("cli")
    write_corpus(root / "corpus", FIXTURES)
    result = CliRunner().invoke(
        main, ["index", "--corpus", str(root / "corpus"), "--index-dir", str(root / "ix")]
    )
    assert result.exit_code == 0, result.output
    return root / "corpus", root / "ix"


def run(dirs: tuple[Path, Path], *args: str) -> Result:
    corpus, index_dir = dirs
    return Cli()("search", *args, "--corpus", corpus, "--index-dir", index_dir, code=None)


def test_index_command(tmp_path: Path) -> None:
    write_corpus(tmp_path / "corpus", FIXTURES)
    where = ["--corpus", str(tmp_path / "corpus"), "--index-dir", str(tmp_path / "ix")]
    first = CliRunner().invoke(main, ["index", *where])
    assert first.exit_code == 0
    assert first.stdout == ""
    assert re.fullmatch(
        r"Rebuilt the index with 8 articles in \d+\.\d s; "
        rf"the index holds 8 articles \(whoosh, {re.escape(str(tmp_path / 'ix'))}\)\.\n",
        first.stderr,
    )
    write_corpus(tmp_path / "corpus", [LATE])
    behind = CliRunner().invoke(main, ["index", "--status", *where])
    assert behind.stdout == (
        f"index:    {tmp_path / 'ix'} (whoosh)\n"
        "articles: 8 indexed, 9 in the corpus\n"
        "state:    behind the corpus: run 'newsarchive index'\n"
    )
    second = CliRunner().invoke(main, ["index", *where])
    assert re.match(r"Indexed 1 article in \d+\.\d s; the index holds 9 articles", second.stderr)
    quiet = CliRunner().invoke(main, ["index", "--quiet", "--rebuild", *where])
    assert (quiet.exit_code, quiet.output) == (0, "")
    status = CliRunner().invoke(main, ["index", "--status", *where])
    assert status.stdout.endswith("articles: 9 indexed, 9 in the corpus\nstate:    up to date\n")
    none = CliRunner().invoke(
        main,
        [
            "index",
            "--status",
            "--corpus",
            str(tmp_path / "corpus"),
            "--index-dir",
            str(tmp_path / "no"),
        ],
    )
    assert (
        none.stdout
        == f"No index in {tmp_path / 'no'}: run 'newsarchive index --corpus {tmp_path / 'corpus'}'.\n"
    )


def test_table(dirs: tuple[Path, Path]) -> None:
    result = run(dirs, '"picket line"~3', "--sort", "oldest")
    assert result.exit_code == 0
    assert result.stderr == ""
    assert result.stdout == (
        "3 articles match.\n"
        "1  2016-01-12  northern-echo  Junior doctors begin first strike in 40 years\n"
        "   …One registrar on the **picket line** said the new contract was unsafe for patients. "
        "Health Secretary Jeremy Hunt said the strike was unnecessary and urged the British "
        "Medical Association to return to…\n"
        "2  2016-04-01  Lakeland Post  Teachers strike across Chicago schools\n"
        "   …The **picket** formed a long **line** on the steps before the mayor, Rahm Emanuel, "
        "spoke. The Chicago Teachers Union said the one-day strike would be the first of several.\n"
        "3  2016-04-26  northern-echo  Live: junior doctors walk out of emergency care\n"
        "   …**Picket lines** formed outside St Thomas' hospital before dawn, where consultants "
        "covered emergency care.\n"
    )


def test_table_paging_and_undated(dirs: tuple[Path, Path]) -> None:
    result = run(dirs, "strike", "--sort", "newest", "--limit", "2", "--offset", "2")
    assert result.stdout.splitlines()[0] == "4 articles match; showing 3–4."
    assert result.stdout.splitlines()[1] == (
        "3  2016-01-12  northern-echo  Junior doctors begin first strike in 40 years"
    )
    assert result.stdout.splitlines()[3] == (
        "4  undated     City Wire      Café owners strike a deal with the council"
    )


def test_page_past_the_end(dirs: tuple[Path, Path]) -> None:
    result = run(dirs, "strike", "--offset", "10")
    assert (result.stdout, result.stderr) == ("4 articles match; none on this page.\n", "")


def test_bold_on_a_terminal(dirs: tuple[Path, Path]) -> None:
    corpus, index_dir = dirs
    results = search("sandbags", corpus=corpus, index_dir=index_dir)
    assert _table(results, terminal=True).splitlines()[2] == (
        "   Storm Desmond brought record rainfall to Cumbria, and floods cut off villages north "
        "of Carlisle. Soldiers helped to carry \x1b[1msandbags\x1b[0m to the worst hit streets."
    )


def test_jsonl(dirs: tuple[Path, Path]) -> None:
    result = run(dirs, "person:hunt OR floods", "--format", "jsonl", "--sort", "oldest")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["doc_id"] for r in rows] == ["floods-dec", "strike-jan"]
    scores = [r.pop("score") for r in rows]
    assert all(isinstance(s, float) and s > 0 for s in scores)
    assert rows[0] == {
        "rank": 1,
        "doc_id": "floods-dec",
        "published_at": "2015-12-06T09:15:00+00:00",
        "source": "Lakeland Post",
        "title": "Floods cut off villages in Cumbria",
        "url": "https://example.org/floods-dec",
        "snippet": "Storm Desmond brought record rainfall to Cumbria, and **floods** cut off villages "
        "north of Carlisle. Soldiers helped to carry sandbags to the worst hit streets.",
    }
    undated = run(dirs, "struck", "--format", "jsonl")
    assert json.loads(undated.stdout)["published_at"] is None


def test_csv(dirs: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "hits.csv"
    result = run(dirs, "merger", "--format", "csv", "--output", str(out))
    assert (result.exit_code, result.output) == (0, "")
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "rank,doc_id,score,published_at,source,title,url,snippet"
    assert re.fullmatch(
        r"1,merger-mar,\d+\.\d+,2016-03-03T12:00:00\+00:00,City Wire,Two building societies "
        r'agree merger,https://example.org/merger-mar,"The Yorkshire and Leeds building .*',
        lines[1],
    )
    assert len(lines) == 2


def test_parquet(dirs: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "hits.parquet"
    result = run(dirs, "strike", "--format", "parquet", "--output", str(out), "--sort", "oldest")
    assert (result.exit_code, result.output) == (0, "")
    frame = pd.read_parquet(out)
    assert list(frame.columns) == [
        "rank",
        "doc_id",
        "score",
        "published_at",
        "source",
        "title",
        "url",
        "snippet",
    ]
    assert frame["doc_id"].tolist() == ["strike-jan", "teachers-us", "walkout-apr", "cafe-undated"]
    assert str(frame["published_at"].dtype) == "datetime64[us, UTC]"


def test_count_and_facets(dirs: tuple[Path, Path]) -> None:
    assert run(dirs, "strike", "--count").stdout == "4\n"
    assert run(dirs, "strike", "--count", "--from", "2016-04").stdout == "2\n"
    assert run(dirs, "*", "--facet", "country").stdout == "GB\t6\nFR\t1\nUS\t1\n"
    assert run(dirs, "strike", "--facet", "topic").stdout == (
        "health\t2\nlabour\t2\nbusiness\t1\neducation\t1\n"
    )
    assert run(dirs, "*", "--facet", "month", "--source", "northern-echo").stdout == (
        "2016-01\t1\n2016-04\t2\n"
    )
    assert run(dirs, "zebra", "--facet", "topic").stdout == ""


def test_facets_take_the_field_names_of_queries(dirs: tuple[Path, Path]) -> None:
    assert run(dirs, "strike", "--facet", "topics").stdout == (
        "health\t2\nlabour\t2\nbusiness\t1\neducation\t1\n"
    )
    assert run(dirs, "*", "--facet", "countries").stdout == "GB\t6\nFR\t1\nUS\t1\n"


def test_empty_result(dirs: tuple[Path, Path]) -> None:
    result = run(dirs, "zebra crossing")
    assert (result.exit_code, result.stdout, result.stderr) == (
        0,
        "",
        "No articles match zebra crossing.\n",
    )
    csv_result = run(dirs, "zebra", "--format", "csv")
    assert csv_result.stdout == "rank,doc_id,score,published_at,source,title,url,snippet\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (['strikes "picket line'], 'Error: unclosed quote at position 8: "picket line\n'),
        (
            ["plcae:leeds"],
            "Error: unknown field 'plcae:' at position 0; fields: title, text, "
            "source, topic, place, country, person, org, kind, language, date\n",
        ),
        (["NOT"], "Error: NOT needs something to exclude at position 0\n"),
        (
            ["strike", "--from", "2016-13"],
            "Error: bad --from date '2016-13'; use YYYY, YYYY-MM or YYYY-MM-DD\n",
        ),
        (
            ["strike", "--format", "parquet"],
            "Error: --format parquet writes a file: add --output FILE\n",
        ),
        (["strike", "--count", "--facet", "topic"], "Error: use --count or --facet, not both\n"),
    ],
)
def test_usage_errors(dirs: tuple[Path, Path], args: list[str], message: str) -> None:
    result = run(dirs, *args)
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", message)


def test_missing_index_and_stale_note(dirs: tuple[Path, Path], tmp_path: Path) -> None:
    corpus, _ = dirs
    missing = run((corpus, tmp_path / "none"), "strike")
    assert missing.exit_code == 1
    assert missing.stderr == (
        f"Error: no search index in {tmp_path / 'none'}: "
        f"run 'newsarchive index --index-dir {tmp_path / 'none'}' first\n"
    )
    write_corpus(tmp_path / "corpus", FIXTURES)
    where = ["--corpus", str(tmp_path / "corpus"), "--index-dir", str(tmp_path / "ix")]
    CliRunner().invoke(main, ["index", *where])
    write_corpus(tmp_path / "corpus", [LATE])
    stale = CliRunner().invoke(main, ["search", "contract vote", "--count", *where])
    assert stale.stdout == "0\n"
    assert stale.stderr == (
        "Note: the corpus has changed since it was indexed; run 'newsarchive index'.\n"
    )


def test_every_option_is_documented() -> None:
    from newsarchive.cli.search import index_cmd, search_cmd

    text = DOCS.read_text(encoding="utf-8")
    for command in (index_cmd, search_cmd):
        for param in command.params:
            for opt in getattr(param, "opts", []):
                if opt.startswith("--"):
                    assert opt in text, f"{opt} of '{command.name}' is not in docs/search.md"
            if isinstance(param, type(index_cmd.params[0])) and param.param_type_name == "option":
                assert param.help, f"{param.name} has no help text"
