"""The structural cleaner: labels, scores, levels, the live blog kept, settings, CLI and show."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from newsarchive.analysis.show import load_article, render_article
from newsarchive.article import Article, Removal
from newsarchive.pipeline import clean_structure as cs
from newsarchive.pipeline.clean import RuleSet, clean
from newsarchive.settings import Settings
from testkit import Cli, text_column

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "structure"


def cleaned(name: str, level: str = "balanced") -> Article:
    body = (FIXTURES / f"{name}.txt").read_text(encoding="utf-8")
    rules = RuleSet.load(Settings().with_values(**{"clean.structure": level}))
    return clean(Article(body=body, source="gazette"), rules)


def by_rule(article: Article) -> list[tuple[str, str]]:
    return [(r.rule, r.text) for r in article.removed]


def line_removals(article: Article) -> list[tuple[str, str]]:
    """Each removed line with its rule (a removal may be a run of lines)."""
    return [(r.rule, line) for r in article.removed for line in r.text.splitlines() if line]


@pytest.mark.parametrize("name", ["liveblog", "comments"])
def test_fixture_gives_exact_text_and_labels(name: str) -> None:
    article = cleaned(name)
    expected = (FIXTURES / f"{name}.expected.txt").read_text(encoding="utf-8")
    removed = (FIXTURES / f"{name}.removed.tsv").read_text(encoding="utf-8").splitlines()
    assert article.text == expected.rstrip("\n")
    # a run of lines removed by one rule is one removal: its line breaks written as \\n
    assert [f"{rule}\t{text}".replace("\n", "\\n") for rule, text in by_rule(article)] == removed
    for r in article.removed:
        assert article.body[r.start : r.end] == r.text


def test_live_blog_headings_and_quoted_readers_are_kept() -> None:
    paragraphs = cleaned("liveblog").text.split("\n\n")
    for kept in (
        "Live: Thousands join nurses' strike rally across Greater Manchester",  # the headline
        "Marching in Manchester",
        "Meet Sully the strike dog",
        "'They already work seven days per week'",
        "They have my full support. - Karen Baker",
    ):
        assert kept in paragraphs


def test_post_headings_between_paragraphs_are_kept_at_every_level() -> None:
    """A short live blog with no page around it: its post headings score like menu items
    (over the aggressive threshold, ``Drivers gather…`` over the balanced one), but a
    heading-like line between two kept prose paragraphs is a heading, so only the named rules
    remove anything."""
    body = (FIXTURES / "posts.txt").read_text(encoding="utf-8")
    rules = RuleSet.load(Settings())
    spans = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", body)]
    lines = [body[start:end] for start, end in spans]
    ruled = [rules.line_rule(body, *span) is not None for span in spans]
    scores = dict(zip(lines, cs.model().predict(cs.line_features(lines, ruled)), strict=True))
    assert scores["A cat on the picket line"] >= cs.THRESHOLDS["aggressive"]
    assert scores["Drivers gather at the depot"] >= cs.THRESHOLDS["balanced"]
    for level in ("conservative", "balanced", "aggressive"):
        article = cleaned("posts", level)
        assert by_rule(article) == [
            ("player/video-loading", "Video Loading"),
            ("related/read-more", "READ MORE: Council warns of school run chaos as talks fail"),
            ("prompt/have-your-say", "Have your say"),
        ]
        assert article.text.split("\n\n")[:3] == [
            "Bus strike: live updates from across the county",
            "Posted by Tom Field",
            "Drivers gather at the depot",
        ]
        assert "A cat on the picket line" in article.text.split("\n\n")


def test_each_label_at_work() -> None:
    live, blog = line_removals(cleaned("liveblog")), line_removals(cleaned("comments"))
    assert ("structure/menu", "Sign In") in live
    assert ("structure/related-list", "Council confirms bin collection changes for Easter") in live
    assert ("structure/footer", "Copyright © 2023 Gazette Media Ltd. All rights reserved.") in live
    assert ("structure/comments", "Jane Doe on January 14, 2019 at 4:47 pm said:") in blog
    assert ("structure/comments", "Straw is the answer to most things in my experience!") in blog
    assert ("structure/footer", "Powered by WordPress.com VIP") in blog
    assert ("structure/footer", "November 2018 (3)") in blog
    assert ("structure/menu", "Archive") in blog  # a menu item above the story, not a footer


def test_labels_follow_the_run_they_are_in() -> None:
    lines = ["Story line.", "MOST READ", "A headline", "Reply", "A comment", "© Gazette", "Home"]
    removed = [False, True, True, True, True, True, True]
    assert cs.labels(lines, removed) == [
        "",
        "related-list",
        "related-list",
        "comments",
        "comments",
        "footer",
        "footer",
    ]
    assert cs.labels(["Archive", "Story."], [True, False]) == ["menu", ""]


def test_removals_carry_the_model_score_and_named_rules_none() -> None:
    article = cleaned("liveblog")
    for r in article.removed:
        if r.rule.startswith("structure/"):
            assert r.score is not None and cs.THRESHOLDS["balanced"] <= r.score <= 1
        else:
            assert r.score is None
    assert article.to_row()["removed"][0]["score"] == article.removed[0].score


def test_levels_off_keeps_everything_aggressive_removes_most() -> None:
    body = (FIXTURES / "liveblog.txt").read_text(encoding="utf-8")
    off = cleaned("liveblog", "off")
    # off: the named rules alone (the Subscribe prompt, the MOST READ heading, a copyright span)
    copyright = "Copyright © 2023 Gazette Media Ltd. All rights reserved."
    assert by_rule(off) == [
        ("prompt/newsletter", "Subscribe"),
        ("related/read-more", "MOST READ"),
        ("wire/copyright", copyright),
    ]
    assert off.text == "\n\n".join(
        line
        for line in body.splitlines()
        if line and line not in ("Subscribe", "MOST READ", copyright)
    )
    # two pages saved as one text: the levels differ on the lines the model is unsure of
    page = body + "\n" + (FIXTURES / "comments.txt").read_text(encoding="utf-8")
    gone = {}
    for level in ("conservative", "balanced", "aggressive"):
        rules = RuleSet.load(Settings().with_values(**{"clean.structure": level}))
        gone[level] = [line for _, line in line_removals(clean(Article(body=page), rules))]
    assert [t for t in gone["balanced"] if t not in gone["conservative"]] == [
        "Man charged after crash on M60 near Stockport",
        "Allotment diaries: the leeks that survived the frost",
    ]
    assert [t for t in gone["aggressive"] if t not in gone["balanced"]] == [
        "Nurses, porters and paramedics walked out at hospitals across the region on Tuesday, "
        "with picket lines at every major site from Salford to Stockport.",
        "Marching in Manchester",
    ]
    assert set(gone["conservative"]) < set(gone["balanced"]) < set(gone["aggressive"])


def test_nothing_goes_when_every_line_would() -> None:
    article = clean(
        Article(body="Home\nNews\nSport\nWeather\nContact"),
        RuleSet([], structure="aggressive"),
    )
    assert article.removed == []
    assert article.text == "Home\n\nNews\n\nSport\n\nWeather\n\nContact"


def test_per_source_level(tmp_path: Path) -> None:
    cfg = tmp_path / "na.toml"
    cfg.write_text('[sources.wire]\nclean.structure = "off"\n', encoding="utf-8")
    from newsarchive.settings import load_settings

    rules = RuleSet.load(load_settings(cfg))
    assert (rules.structure_level("wire"), rules.structure_level("gazette")) == (
        "off",
        "balanced",
    )


def test_model_file_matches_the_features() -> None:
    model = cs.model()
    trees, inner = model.feature.shape
    assert model.leaf.shape == (trees, inner + 1) and inner == 2**model.depth - 1
    assert int(model.feature.max()) < len(cs.FEATURES)
    size = (Path(cs.__file__).parents[1] / "data" / cs.MODEL_FILE).stat().st_size
    assert size < 5_000_000


# --- the CLI and show --------------------------------------------------------------------------


def ingest(cli: Cli, tmp_path: Path, *args: str) -> tuple[int, str, str]:
    (tmp_path / "in").mkdir(exist_ok=True)
    body = (FIXTURES / "liveblog.txt").read_text(encoding="utf-8")
    (tmp_path / "in" / "live.txt").write_text(body, encoding="utf-8")
    corpus = tmp_path / "c"
    return cli.outcome(
        "ingest", tmp_path / "in", "--corpus", corpus, "--no-index", "-j", "1", *args
    )


def run_record(tmp_path: Path) -> dict[str, object]:
    (record,) = (tmp_path / "c" / "_runs").glob("*.json")
    return dict(json.loads(record.read_text(encoding="utf-8")))


def test_ingest_clean_option_and_run_record(cli: Cli, tmp_path: Path) -> None:
    code, out, err = ingest(cli, tmp_path, "--clean", "off")
    assert code == 0, err
    assert "structure/" not in out
    assert run_record(tmp_path)["settings"]["clean.structure"] == "off"  # type: ignore[index]


def test_ingest_default_level_reports_structure_removals(cli: Cli, tmp_path: Path) -> None:
    code, out, err = ingest(cli, tmp_path)
    assert code == 0, err
    lines = out.splitlines()
    at = lines.index("  removals by rule")
    # removals, not lines: each run of lines removed by one rule counts once
    assert lines[at + 1 : at + 6] == [
        "    structure/menu                            2",
        "    prompt/newsletter                         1",
        "    related/read-more                         1",
        "    structure/related-list                    1",
        "    structure/footer                          1",
    ]
    assert run_record(tmp_path)["settings"]["clean.structure"] == "balanced"  # type: ignore[index]


def test_ingest_config_file_level_and_bad_values(cli: Cli, tmp_path: Path) -> None:
    cfg = tmp_path / "na.toml"
    cfg.write_text('[settings]\nclean.structure = "conservative"\n', encoding="utf-8")
    code, _, err = ingest(cli, tmp_path, "--config", str(cfg))
    assert code == 0, err
    assert run_record(tmp_path)["settings"]["clean.structure"] == "conservative"  # type: ignore[index]

    cfg.write_text('[settings]\nclean.structure = "strong"\n', encoding="utf-8")
    code, _, err = ingest(cli, tmp_path, "--config", str(cfg))
    assert (code, err) == (
        2,
        f"Error: setting 'clean.structure' in {cfg} should be one of off, conservative, "
        "balanced, aggressive, got 'strong'\n",
    )
    code, _, err = ingest(cli, tmp_path, "--clean", "strong")
    assert code == 2
    assert "Invalid value for '--clean': 'strong' is not one of" in err


def test_show_raw_marks_structure_removals_with_label_and_score(cli: Cli, tmp_path: Path) -> None:
    code, _, err = ingest(cli, tmp_path)
    assert code == 0, err

    (doc_id,) = text_column(tmp_path / "c", "doc_id")
    row = load_article(tmp_path / "c", doc_id)
    view = render_article(row, raw=True)
    menu = next(r for r in row["removed"] if r["text"] == "Sign In")
    assert f"[-Sign In-]{{structure/menu {menu['score']:.2f}}}" in view
    assert "[-MOST READ-]{related/read-more}" in view


def test_regional_live_blog_keeps_its_post_headings() -> None:
    body = (FIXTURES.parent / "clean" / "regional_liveblog.txt").read_text(encoding="utf-8")
    article = clean(Article(body=body, source="gazette"), RuleSet.load(Settings()))
    paragraphs = article.text.split("\n\n")
    assert paragraphs[:3] == [
        "Junior doctors' strike LIVE: pickets outside Salford Royal as walkout enters second day",
        "Picket line at Salford Royal",
        "Meet Biscuit the picket-line pup",
    ]
    # What it still gets wrong: a one-sentence appeal between two removed prompts reads as a
    # promo box (docs/rules.md).
    assert [(r.rule, r.text) for r in article.removed if r.rule.startswith("structure/")] == [
        (
            "structure/other",
            "The strike fund is collecting donations at every picket line until Friday.",
        )
    ]


def test_a_corpus_written_before_scores_reads_with_null_scores(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from newsarchive import store

    schema = store.schema()
    old_removal = pa.struct(
        [("text", pa.string()), ("rule", pa.string()), ("start", pa.int32()), ("end", pa.int32())]
    )
    at = schema.get_field_index("removed")
    old = schema.set(at, pa.field("removed", pa.list_(old_removal)))
    row = Article(
        doc_id="a1", source_path="/in/a.txt", source="s", text="Story.", raw_text="Home\nStory.",
        content_hash="h", removed=[Removal("Home", "template/s", 0, 4)],
    ).to_row()  # fmt: skip
    del row["removed"][0]["score"]
    (tmp_path / "c").mkdir()
    pq.write_table(pa.Table.from_pylist([row], schema=old), tmp_path / "c" / "part-old.parquet")
    removed = store.read_corpus(tmp_path / "c", columns=["removed"]).column(0).to_pylist()
    assert removed == [
        [{"text": "Home", "rule": "template/s", "start": 0, "end": 4, "score": None}]
    ]


def test_tables_of_figures_are_content() -> None:
    """An earnings table (with its ``Nine mths`` label and headline), a results table and an
    election table score like menus line by line, but stay; the page's menu and footer go."""
    article = cleaned("tables")
    assert line_removals(article) == [
        *(("structure/menu", item) for item in ("Home", "News", "Business", "Sport")),
        ("structure/menu", "Markets"),
        ("structure/menu", "Contact"),
        ("prompt/share", "Share this article"),
        ("structure/menu", "Facebook"),
        ("structure/menu", "Twitter"),
        ("prompt/share", "Email"),
        ("structure/footer", "Copyright 2019 Harbour Wire. All rights reserved."),
    ]
    kept = article.text.split("\n\n")
    assert kept[:3] == [
        "HARBOUR FOODS INC <HBF> 3RD QTR LOSS",
        "BRISTOL, March 4 - Shr loss 86 cts vs profit 42 cts",
        "Net loss 1.2 mln vs profit 900,000",
    ]
    for line in ("Nine mths", "Rovers 2 City 1 Att 9,412", "Ann Lee (LD) 437 votes 14.9 pct"):
        assert line in kept
    assert kept[-1].startswith("Turnout was 31 per cent")


def test_a_sidebar_of_figures_among_menus_still_goes() -> None:
    """Prices or scores in a page's sidebar touch no kept line: they go with the menus."""
    story = (
        "Council approves new bus lanes\n\n"
        + "The council voted on Tuesday night to approve three new bus lanes in the city "
        "centre, after a long debate about the cost to local shops and the loss of parking.\n\n" * 3
    )
    sidebar = "Markets\nFTSE 100 7,412.3 +0.4%\nDow Jones 33,102.1 -0.2%\nGold $1,912 +0.1%\n"
    body = (
        "Home\nNews\nSport\nWeather\n"
        + story
        + "Most read\nBus fares to rise\nNew park opens\n"
        + sidebar
        + "About us\nContact us\nJobs\n"
    )
    article = clean(Article(body=body, source="gazette"), RuleSet.load(Settings()))
    gone = [text for _rule, text in line_removals(article)]
    assert gone[gone.index("New park opens") :] == [
        "New park opens",
        "Markets",
        "FTSE 100 7,412.3 +0.4%",
        "Dow Jones 33,102.1 -0.2%",
        "Gold $1,912 +0.1%",
        "About us",
        "Contact us",
        "Jobs",
    ]


@pytest.mark.parametrize(
    ("line", "row"),
    [
        ("Shr loss 86 cts vs shr profit 42 cts", True),
        ("Shr profit two cts vs loss 58 cts", True),
        ("Net profit 1.2 mln vs 900,000", True),
        ("Rovers 2 City 1", True),
        ("Chelsea 20 14 4 2 43", True),
        ("JAN8  7072     6876", True),
        ("Nine mths", False),
        ("Posted January 12, 2009 at 4:47 pm", False),
        ("Page 1 of 3", False),
        ("5520 posts (23 new)", False),
        ("1,000-2,499", False),
        ("Windows 7 review", False),
    ],
)
def test_table_row(line: str, row: bool) -> None:
    assert cs.table_row(line) is row


def test_a_run_of_lines_removed_by_one_rule_is_one_removal() -> None:
    """Exact offsets over the run (the body's text verbatim, blank lines included) and the
    lowest score of its lines; a line of another rule starts a new removal."""
    article = cleaned("comments")
    body = article.body
    menu, dateline = article.removed[:2]
    assert (menu.rule, menu.start, menu.end) == ("structure/menu", 0, 29)
    assert menu.text == body[0:29] == "Home\n\nAbout\n\nArchive\n\nContact"
    lines = [m.group() for m in re.finditer(r"\S(?:[^\n]*\S)?", body)]
    rules = RuleSet.load(Settings())
    names = [rules.line_rule(body, *m.span()) for m in re.finditer(r"\S(?:[^\n]*\S)?", body)]
    _, scores = cs.structure_removals(lines, names, "balanced")
    assert menu.score == min(s for s in scores[:4] if s is not None)
    assert dateline.rule == "dateline/published"
    assert [r.rule for r in article.removed] == [
        "structure/menu",
        "dateline/published",
        "comments/count",
        "structure/comments",
        "structure/footer",
    ]


def _pages(level: str) -> list[cs.Page]:
    """Every fixture, a made-up menu in other scripts and a dump longer than a page."""
    rules = RuleSet.load(Settings())
    bodies = [p.read_text(encoding="utf-8") for p in sorted(FIXTURES.glob("*.txt"))]
    bodies.append(
        "İSTANBUL\nHome | Haberler » Spor\n٣ comments: ٤\n© 2019 Gazete\nCafé owners said:"
    )
    bodies.append("\n".join(["Home", "News", "Sport", "The council met on Monday evening."] * 1300))
    pages: list[cs.Page] = []
    for body in bodies:
        lines = [line for line in body.split("\n") if line.strip()]
        names = [rules.line_rule(line, 0, len(line)) for line in lines]
        pages.append((lines, names, level))
    pages.append(([], [], level))
    return pages


@pytest.mark.parametrize("level", ["conservative", "balanced", "aggressive"])
def test_texts_read_together_give_what_each_gives_alone(level: str) -> None:
    pages = _pages(level)
    together = cs.structure_removals_many(pages)
    alone = [cs.structure_removals(*page) if page[0] else ([], []) for page in pages]
    assert together == alone
    assert any(score is not None for _, scores in together for score in scores)


def test_features_read_together_are_each_texts_to_the_last_bit() -> None:
    pages = [page for page in _pages("balanced") if 0 < len(page[0]) <= 5000]
    gone = [[name is not None for name in names] for _, names, _ in pages]
    together = cs._batch_features([lines for lines, _, _ in pages], gone)
    alone = [cs.line_features(lines, g) for (lines, _, _), g in zip(pages, gone, strict=True)]
    assert together.astype("float32").tobytes() == b"".join(a.tobytes() for a in alone)


def test_a_chunk_of_inputs_is_cleaned_as_each_input_alone(tmp_path: Path) -> None:
    from newsarchive.pipeline.run import Pipeline, Processed, RunOptions
    from newsarchive.pipeline.sources import Input, Rejected, iter_inputs

    for path in sorted(FIXTURES.glob("*.txt")):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    (tmp_path / "empty.txt").write_text("\n\n")  # rejected: nothing to read
    (tmp_path / "prompt.txt").write_text("Have your say\n")  # rejected: nothing left
    settings = Settings()
    inputs = [i for i in iter_inputs([str(tmp_path)], settings=settings) if isinstance(i, Input)]
    pipeline = Pipeline(RunOptions(settings), {})
    chunk = pipeline.run_chunk(list(inputs))
    alone = [pipeline(inp) for inp in inputs]
    assert [isinstance(o, Processed) for o in chunk.outcomes] == [
        isinstance(a, Article) for a in alone
    ]
    assert sorted(o.reason for o in chunk.outcomes if isinstance(o, Rejected)) == [
        "empty",
        "no-text",
    ]
    articles = [a for a in alone if isinstance(a, Article)]
    assert chunk.rows is not None
    assert chunk.rows.column("text").to_pylist() == [a.text for a in articles]
    rules = [o.rules for o in chunk.outcomes if isinstance(o, Processed)]
    assert rules == [tuple(r.rule for r in a.removed) for a in articles]
    assert any(rule.startswith("structure/") for rule_set in rules for rule in rule_set)


def test_model_takes_the_branch_float64_thresholds_give() -> None:
    """Node tests run in float32 against the float32 at or below each threshold: rows on and
    just above the thresholds go where a plain walk with the float64 thresholds sends them."""
    import math

    import numpy as np

    model = cs.model()
    trees, inner = model.feature.shape
    finite = model.threshold[np.isfinite(model.threshold)]
    rows = np.random.default_rng(3).choice(finite, (200, len(cs.FEATURES))).astype(np.float32)
    rows[::2] = np.nextafter(rows[::2], np.float32(np.inf))

    def walk(row: np.ndarray) -> float:
        score = model.bias
        for t in range(trees):
            k = 0
            while k < inner:
                k = 2 * k + (2 if float(row[model.feature[t, k]]) > model.threshold[t, k] else 1)
            score += float(model.leaf[t, k - inner])
        return 1 / (1 + math.exp(-score))

    assert np.allclose(model.predict(rows), [walk(row) for row in rows], rtol=0, atol=1e-12)
