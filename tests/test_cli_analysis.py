"""The analysis commands end to end: exact output for every command and format, and their errors."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import click
import pytest

from newsarchive import __version__, store
from newsarchive.cli import main
from test_corpus_api import ARTICLES, Fixture, build_corpus
from testkit import Cli


@pytest.fixture
def na(fx: Fixture, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.chdir(fx.corpus.parent)  # the default --corpus corpus and --index-dir indexes
    return cli


# --- kwic -----------------------------------------------------------------------------------------


def test_kwic_table_aligns_the_match(na: Cli) -> None:
    result = na("kwic", "strike", "--width", "20", "--limit", "4")
    assert result.stdout == (
        "1e2a7c40b5d90f11  2016-04-26  wire       Junior doctors strike over contract Junio\n"
        "1e2a7c40b5d90f11  2016-04-26  wire  y in the first full strike in the history of t\n"
        "1e2a7c40b5d90f11  2016-04-26  wire  ssociation said the strike would go ahead afte\n"
        "1e2a99d0c3b4a502  2016-04-27  wire                      Strike day two: picket lin\n"
    )
    assert result.stderr == "4 of 10 occurrences in 4 articles\n"  # the true totals, not the shown


def test_kwic_undated_and_sorted_right(na: Cli) -> None:
    result = na("kwic", "strike", "--width", "12", "--sort", "right", "--source", "courier")
    assert result.stdout == (
        "9a0b1c2d3e4f5a85  undated     courier  forecast to strike the coast o\n"
    )
    assert result.stderr == "1 occurrence in 1 article\n"


def test_kwic_csv_and_jsonl(na: Cli) -> None:
    assert na("kwic", "floods", "--format", "csv").stdout == (
        "doc_id,date,source,left,match,right\n"
        "5b7c1d2e3f405163,2016-05-03,gazette,York counts the cost of ,floods, Shops on the "
        "riverside in York reopened\n"
    )
    line = na("kwic", "floods", "--format", "jsonl", "--width", "8").stdout
    assert json.loads(line) == {
        "doc_id": "5b7c1d2e3f405163",
        "date": "2016-05-03",
        "source": "gazette",
        "left": "cost of ",
        "match": "floods",
        "right": " Shops o",
    }


def test_kwic_errors(na: Cli, tmp_path: Path) -> None:
    assert na("kwic", "topic:health", code=2).stderr == (
        "Error: the query 'topic:health' names no words to find in the text; give a word, a "
        "phrase or a prefix (filters alone have no context to show)\n"
    )
    assert na("kwic", '"open', code=2).stderr == 'Error: unclosed quote at position 0: "open\n'
    missing = tmp_path / "none"
    assert na("kwic", "strike", "--index-dir", str(missing), code=1).stderr == (
        f"Error: no search index in {missing}: run 'newsarchive index --index-dir {missing}' first\n"
    )


# --- timeline -------------------------------------------------------------------------------------


def test_timeline_table_side_by_side(na: Cli) -> None:
    assert na("timeline", "strike", "-q", "floods").stdout == (
        "period      articles  strike   share  floods   share\n"
        "2016-04            2       2  100.0%       0    0.0%\n"
        "2016-05            1       0    0.0%       1  100.0%\n"
        "2016-06            2       1   50.0%       0    0.0%\n"
        "undated            1       1               0\n"
        "(undated articles are counted apart: they have no period)\n"
    )


def test_timeline_csv_jsonl_and_the_undated_note(na: Cli) -> None:
    result = na("timeline", "strike", "--format", "csv", "--source", "wire")
    assert (result.stdout, result.stderr) == (
        "period,query,hits,articles,share\n2016-04,strike,2,2,1.0\n",
        "",
    )
    result = na("timeline", "strike", "--format", "jsonl", "--by", "year")
    assert result.stdout == (
        '{"period": "2016", "query": "strike", "hits": 3, "articles": 5, "share": 0.6}\n'
    )
    assert result.stderr == "Undated, not in the timeline: 1 article; hits: strike 1\n"


def test_timeline_plot(na: Cli, tmp_path: Path) -> None:
    chart = tmp_path / "attention.png"
    result = na("timeline", "--query", "strike", "--query", "floods", "--plot", str(chart))
    assert result.stderr == f"Chart written to {chart}\n"
    data = chart.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", data[16:24]) == (1200, 600)


def test_timeline_plot_of_nothing_is_a_warning(na: Cli, tmp_path: Path) -> None:
    chart = tmp_path / "zebra.png"
    result = na("timeline", "zebra", "--plot", str(chart))
    assert result.stderr == (
        "Warning: no chart drawn: no article matching zebra has a date in this scope.\n"
    )
    assert not chart.exists()


def test_timeline_needs_a_query(na: Cli) -> None:
    assert na("timeline", code=2).stderr.endswith("Error: give a QUERY, or one or more --query\n")
    assert "bad --from date" in na("timeline", "strike", "--from", "May", code=2).stderr


# --- stats ----------------------------------------------------------------------------------------


def test_stats_table_head(na: Cli) -> None:
    assert na("stats", "--top", "1").stdout.splitlines()[:12] == [
        "Corpus corpus (state 8b60d167d8c87e34, version 868aa89300ba97fd)",
        "  articles                             6",
        "  duplicates                           0",
        "  words                              196",
        "  sources                              3",
        "  dated                                5",
        "  undated                              1",
        "  date range                   2016-04-26 to 2016-06-20",
        "",
        "Sources",
        "  courier                              2",
        "",
    ]


def test_stats_json_of_one_source_and_plot(na: Cli, tmp_path: Path) -> None:
    chart = tmp_path / "months.svg"
    result = na(
        "stats", "--format", "json", "--top", "2", "--source", "gazette", "--plot", str(chart)
    )
    assert json.loads(result.stdout) == {
        "corpus": "corpus",
        "corpus_state": "8b60d167d8c87e34",
        "corpus_version": "868aa89300ba97fd",
        "articles": 2,
        "duplicates": 0,
        "words": 72,
        "first": "2016-05-03T00:00:00+00:00",
        "last": "2016-06-14T00:00:00+00:00",
        "undated": 0,
        "sources": {"gazette": 2},
        "source_count": 1,
        "per_month": {"2016-05": 1, "2016-06": 1},
        "date_sources": {"manifest": 2},
        "languages": {"en": 2},
        "kinds": {"article": 2},
        "topics": {"industrial-action": 1, "politics": 1},
        "places": {"York": 1},
        "countries": {"GB": 1},
        "people": {},
        "organisations": {},
        "removal_rules": {"prompt/share": 1},
        "removals": 1,
    }
    assert result.stderr == f"Chart written to {chart}\n"
    assert chart.read_text(encoding="utf-8").startswith("<?xml")


# --- top-words ------------------------------------------------------------------------------------


def test_top_words_in_every_format(na: Cli) -> None:
    assert na("top-words", "strike", "--min-count", "2", "--limit", "3").stdout == (
        "term     kind       hits       rest         G²\n"
        "strike   word          8          0       5.60\n"
        "doctors  word          3          0       2.10\n"
        "junior   word          3          0       2.10\n"
    )
    csv_out = na("top-words", "strike", "--min-count", "2", "--limit", "2", "--format", "csv")
    assert csv_out.stdout == "term,kind,hits,rest,g2\nstrike,word,8,0,5.6\ndoctors,word,3,0,2.1\n"
    jsonl = na(
        "top-words",
        "strike",
        "--min-count",
        "2",
        "--limit",
        "1",
        "--kind",
        "phrase",
        "--format",
        "jsonl",
    )
    assert jsonl.stdout == (
        '{"term": "junior doctors", "kind": "phrase", "hits": 3, "rest": 0, "g2": 2.1}\n'
    )
    assert (
        "Invalid value for '--min-count'" in na("top-words", "x", "--min-count", "1", code=2).stderr
    )


# --- show, tags explain ---------------------------------------------------------------------------


def test_show_by_prefix_and_raw(na: Cli) -> None:
    view = na("show", "b1c2").stdout
    assert view.startswith(
        "Banks agree merger\n==================\ndoc_id        b1c2d3e4f5a6b796\n"
    )
    assert view.endswith("Shareholders will vote on the deal in September.\n")
    raw = na("show", "9a0b", "--raw").stdout
    assert raw.endswith(
        "Raw text (removed spans marked [-…-]{rule})\n"
        "----------------------------------------\n"
        "Ferries cancelled as storm hits coast\n\n"
        "All ferries from Dover were cancelled as the storm was forecast to strike the coast "
        "overnight.\n\n"
        "[-Follow us on Twitter-]{prompt/follow}\n\n"
    )
    assert "\x1b[" not in raw  # colours only on a terminal


def test_show_unknown_or_ambiguous_id(na: Cli) -> None:
    assert na("show", "zz", code=1).stderr == "Error: no article with id 'zz' in this corpus\n"
    assert na("show", "1e2a", code=1).stderr == (
        "Error: id prefix '1e2a' matches 2 articles (1e2a7c40b5d90f11, 1e2a99d0c3b4a502); "
        "give more characters\n"
    )


def test_tags_explain(na: Cli) -> None:
    assert na("tags", "explain", "b1c2").stdout == (
        "b1c2d3e4f5a6b796  Banks agree merger\n"
        "topics\n"
        "  business  taxonomy:business  matched “banks, merger, shareholders”\n"
    )
    assert na("tags", "explain", "0000", code=1).stderr == (
        "Error: no article with id '0000' in this corpus\n"
    )


# --- export ---------------------------------------------------------------------------------------


def test_export_a_query_and_the_corpus(na: Cli, tmp_path: Path) -> None:
    out = tmp_path / "hits.jsonl"
    result = na("export", "strike", "-o", str(out), "--columns", "doc_id, title", "--to", "2016-04")
    day = json.loads(Path(f"{out}.export.json").read_text(encoding="utf-8"))["citation"]["date"]
    assert result.stdout == (
        f"Exported 2 articles to {out} (jsonl); export record in {out}.export.json\n"
        f"Cite as: newsarchive corpus 'corpus', version 868aa89300ba97fd; query 'strike' "
        f"(to 2016-04): 2 articles; exported {day} with newsarchive {__version__}\n"
    )
    assert out.read_text(encoding="utf-8") == (
        '{"doc_id": "1e2a7c40b5d90f11", "title": "Junior doctors strike over contract"}\n'
        '{"doc_id": "1e2a99d0c3b4a502", "title": "Strike day two: picket lines grow"}\n'
    )
    record = json.loads((tmp_path / "hits.jsonl.export.json").read_text(encoding="utf-8"))
    assert (record["query"], record["scope"], record["rows"]) == ("strike", {"to": "2016-04"}, 2)
    tei = tmp_path / "all.tei"
    assert na("export", "--format", "tei", "--output", str(tei)).stdout.startswith(
        f"Exported 6 articles to {tei} (tei)"
    )


def test_export_errors(na: Cli, tmp_path: Path) -> None:
    assert na("export", "-o", str(tmp_path / "x.txt"), code=2).stderr == (
        "Error: cannot tell the format of x.txt: pass --format jsonl|csv|parquet|tei\n"
    )
    assert "Missing option '--output'" in na("export", code=2).stderr


def test_every_analysis_help_page_lists_each_option_with_its_help(na: Cli) -> None:
    # that every option has a help text at all is tests/test_docs.py's check; this one checks
    # that the page a researcher sees shows each option beside it
    for command in ("kwic", "timeline", "stats", "top-words", "show", "export", "tags"):
        text = na(command, "--help").stdout
        assert text.startswith(f"Usage: main {command}")
        flat = " ".join(text.split())  # help texts are wrapped across lines
        cmd = main.get_command(click.Context(main), command)
        assert cmd is not None
        for param in cmd.params:
            if isinstance(param, click.Option) and not param.hidden:
                assert param.opts[0] in flat, (command, param.opts[0])
                assert param.help is not None
                assert " ".join(param.help.split()) in flat, (command, param.opts[0])
    assert "explain" in na("tags", "--help").stdout


def test_a_stale_index_is_pointed_out(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_corpus(tmp_path, ARTICLES[:2])
    writer = store.CorpusWriter(tmp_path / "corpus", "20260106T000000Z-def456")
    writer.add(ARTICLES[3])  # committed, but never indexed
    writer.flush()
    monkeypatch.chdir(tmp_path)
    result = cli("timeline", "strike", "--by", "year")
    assert result.stderr == (
        "Note: the corpus has changed since it was indexed; run 'newsarchive index' for hits "
        "among the new articles.\n"
    )
    # the new article counts in the share's base, not yet as a hit
    assert result.stdout.splitlines()[1] == "2016               3       2   66.7%"
