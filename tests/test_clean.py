"""The cleaner: named line and span rules, template lines, user rules files, and no lost text."""

from __future__ import annotations

import dataclasses
import functools
import pickle
import re
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsarchive.article import Article
from newsarchive.errors import UsageError
from newsarchive.pipeline.clean import RuleSet, TemplateLearner, clean
from newsarchive.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "clean"
SHIPPED = ROOT / "src" / "newsarchive" / "data" / "rules.toml"
OFF = {"clean.structure": "off"}
INPUTS = sorted(p for p in FIXTURES.glob("*.txt") if p.name.count(".") == 1)


@functools.cache
def shipped() -> RuleSet:
    """The shipped named rules; the structural cleaner has its own tests
    (tests/test_structure_clean.py), which also run these fixtures through it."""
    return RuleSet.load(Settings().with_values(**{"clean.structure": "off"}))


def cleaned(
    body: str, rules: RuleSet | None = None, templates: frozenset[str] = frozenset()
) -> Article:
    return clean(Article(body=body, source="gazette"), rules or shipped(), templates)


def removals(article: Article) -> list[tuple[str, str]]:
    return [(r.rule, r.text) for r in article.removed]


def user_rules(tmp_path: Path, toml: str) -> RuleSet:
    (tmp_path / "my-rules.toml").write_text(toml, encoding="utf-8")
    return RuleSet.load(Settings(base_dir=tmp_path).with_values(rules=["my-rules.toml"], **OFF))


# --- one fixture per family of boilerplate -----------------------------------------------------


@pytest.mark.parametrize("path", INPUTS, ids=[p.stem for p in INPUTS])
def test_fixture_gives_exact_text_and_removals(path: Path) -> None:
    body = path.read_text(encoding="utf-8")
    text = path.with_suffix(".expected.txt").read_text(encoding="utf-8")
    removed = path.with_suffix(".removed.tsv").read_text(encoding="utf-8").splitlines()
    article = cleaned(body)
    assert article.text == text.rstrip("\n")
    # a run of lines removed by one rule is one removal: its line breaks written as \\n
    assert [f"{rule}\t{text}".replace("\n", "\\n") for rule, text in removals(article)] == removed
    for r in article.removed:
        assert body[r.start : r.end] == r.text


def test_live_blog_keeps_its_headings_and_quoted_comments() -> None:
    article = cleaned((FIXTURES / "regional_liveblog.txt").read_text(encoding="utf-8"))
    paragraphs = article.text.split("\n\n")
    assert paragraphs[1:3] == ["Picket line at Salford Royal", "Meet Biscuit the picket-line pup"]
    assert any(p.startswith("'I've been a nurse for 20 years") for p in paragraphs)
    assert "Another reader wrote that the video of the march" in article.text
    assert "READ MORE" not in article.text and "VIDEO" not in article.text


def test_control_text_mentioning_video_photos_and_follow_loses_nothing() -> None:
    body = (FIXTURES / "control.txt").read_text(encoding="utf-8")
    article = cleaned(body)
    assert article.removed == []
    assert article.text == "\n\n".join(line for line in body.splitlines() if line)


# --- text shape ----------------------------------------------------------------------------------


def test_each_surviving_line_is_a_paragraph() -> None:
    article = cleaned("Title\nFirst line.\n\n\n   Second, indented.  \nVideo Loading\nLast.")
    assert article.text == "Title\n\nFirst line.\n\nSecond, indented.\n\nLast."


def test_a_span_cut_leaves_one_space_and_glued_text_stays_glued() -> None:
    article = cleaned("Strikers marched.  Scroll down for video.   Police watched.")
    assert article.text == "Strikers marched. Police watched."
    article = cleaned("Fans cheered, she said.ALSO READ: Star cancels tour")
    assert article.text == "Fans cheered, she said."
    assert removals(article) == [("related/also-read", "ALSO READ: Star cancels tour")]


def test_a_line_made_only_of_spans_disappears() -> None:
    article = cleaned("Story.\nScroll down for video. Like us on Facebook.\nEnd.")
    assert article.text == "Story.\n\nEnd."
    assert [r.rule for r in article.removed] == ["player/scroll-down", "prompt/like-us"]


def test_removal_offsets_point_into_the_body() -> None:
    body = "Headline\n\nBy. Jane Roe. PUBLISHED:. 09:12 EST, 4 March 2013. A story.\nHave your say"
    article = cleaned(body)
    assert [(r.rule, r.start, r.end) for r in article.removed] == [
        ("byline/dailymail-header", 10, 60),
        ("prompt/have-your-say", 70, 83),
    ]
    assert article.text == "Headline\n\nA story."


def test_text_already_filled_by_an_earlier_stage_is_left_alone() -> None:
    article = Article(body="Video Loading\nStory.", text="Supplied clean text.")
    assert clean(article, shipped()) is article
    assert (article.text, article.removed) == ("Supplied clean text.", [])


def test_empty_body_gives_empty_text() -> None:
    assert (cleaned("").text, cleaned(" \n\t\n").text) == ("", "")


# --- never lose text -----------------------------------------------------------------------------

FRAGMENTS = [
    "Scroll down for video.",
    "SCROLL DOWN FOR VIDEO.",
    "VIDEO Fans celebrate title win.",
    "VIDEO: Marchers in the rain",
    "Video Loading",
    "READ MORE: Council tax to rise",
    "Read more: Why buses are late .",
    "ALSO READ:",
    "Follow @gazette for more",
    "(HT Photo)",
    "Photo by Jane Roe/Getty Images.",
    "Featured image via Jane Roe/Getty Images",
    "Image via screen capture.",
    "By. Jane Roe. PUBLISHED:. 09:12 EST, 4 March 2013. |. UPDATED:. 10:00 EST, 4 March 2013.",
    "By. Jane Roe.",
    "CNN's Jane Roe contributed to this report.",
    "©2015 The Gazette. All rights reserved.",
    "Have your say",
    "Want to help?",
    "Sign in",
    "Marching in the rain",
    "'I've been a nurse for 20 years,' said one reader.",
    "The council said.",
    "pollsCongress",
]
SEPARATORS = ["", " ", "  ", ". ", "\n", "\n\n", "\t", " \n "]
bodies = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.sampled_from(SEPARATORS), st.text(max_size=12)),
    max_size=25,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(bodies, st.frozensets(st.sampled_from(["Sign in", "Marching in the rain"]), max_size=2))
def test_clean_text_and_removals_give_back_every_character(
    body: str, templates: frozenset[str]
) -> None:
    article = cleaned(body, templates=templates)
    kept, pos = [], 0
    for r in article.removed:  # in order, not overlapping, each the body's own text
        assert pos <= r.start < r.end <= len(body)
        assert body[r.start : r.end] == r.text
        kept.append(body[pos : r.start])
        pos = r.end
    kept.append(body[pos:])
    assert "".join("".join(kept).split()) == "".join(article.text.split())
    assert all(
        p and p == p.strip() and "\n" not in p for p in article.text.split("\n\n") if article.text
    )


def test_requires_is_only_a_speed_hint() -> None:
    ungated = RuleSet(dataclasses.replace(r, requires=()) for r in shipped().rules)
    for path in INPUTS:
        body = path.read_text(encoding="utf-8")
        assert removals(cleaned(body, ungated)) == removals(cleaned(body))


# --- template lines ------------------------------------------------------------------------------


def learner(**values: object) -> TemplateLearner:
    return TemplateLearner(Settings().with_values(template_min_articles=4, **values))


def story(n: int) -> str:
    return f"Story number {n} is unique\nSign in to the Gazette\nIt happened on day {n}.\nAll content © Gazette"


def test_lines_in_a_share_of_a_sources_articles_are_template() -> None:
    lines = learner()
    for n in range(10):
        lines.add("gazette", story(n))
    lines.add("gazette", "A story with no footer")
    assert lines.templates("gazette") == {"Sign in to the Gazette", "All content © Gazette"}
    assert lines.templates("other") == frozenset()


def test_template_lines_are_removed_and_named_after_the_source() -> None:
    article = cleaned(story(1), templates=frozenset({"Sign in to the Gazette"}))
    assert (
        article.text == "Story number 1 is unique\n\nIt happened on day 1.\n\nAll content © Gazette"
    )
    assert removals(article) == [("template/gazette", "Sign in to the Gazette")]


def test_too_few_articles_or_too_rare_lines_give_no_template() -> None:
    lines = learner()
    for n in range(3):
        lines.add("gazette", story(n))
    assert lines.templates("gazette") == frozenset()  # 3 < template_min_articles
    lines = learner(template_share=0.5)
    for n in range(10):
        lines.add("gazette", story(n) if n < 4 else f"Other story {n}")
    assert lines.templates("gazette") == frozenset()  # 4 of 10 < 0.5


def test_long_lines_are_never_template_and_the_sample_is_capped() -> None:
    long_line = "A sentence of the story that is long enough to be prose rather than a menu. " * 2
    lines = learner(template_sample=5)
    for _ in range(5):
        lines.add("gazette", f"{long_line}\nShort footer")
    for n in range(50):  # beyond the sample: ignored
        lines.add("gazette", f"Late story {n}\nLate footer")
    assert lines.templates("gazette") == {"Short footer"}


def test_template_settings_can_differ_per_source() -> None:
    base = Settings().with_values(template_min_articles=4)
    lines = TemplateLearner(dataclasses.replace(base, per_source={"wire": {"template_share": 0.9}}))
    for n in range(10):
        body = story(n) if n < 5 else f"Other {n}"
        lines.add("gazette", body)
        lines.add("wire", body)
    assert lines.templates("gazette") == {"Sign in to the Gazette", "All content © Gazette"}
    assert lines.templates("wire") == frozenset()


def test_rules_and_learner_survive_pickling() -> None:
    lines = learner()
    for n in range(5):
        lines.add("gazette", story(n))
    rules = pickle.loads(pickle.dumps(shipped()))
    assert rules.names == shipped().names
    assert pickle.loads(pickle.dumps(lines)).templates("gazette") == lines.templates("gazette")
    assert cleaned("Video Loading\nStory.", rules).text == "Story."


# --- rules files ---------------------------------------------------------------------------------

GAZETTE_RULE = """
[[rule]]
name = "gazette/app-promo"
description = "App promotion"
pattern = '''Download the Gazette app.{0,40}'''
scope = "line"
"""


def test_user_rules_are_added_after_the_shipped_ones(tmp_path: Path) -> None:
    rules = user_rules(tmp_path, GAZETTE_RULE)
    assert rules.names == [*shipped().names, "gazette/app-promo"]
    article = cleaned("Story.\nDownload the Gazette app now", rules)
    assert removals(article) == [("gazette/app-promo", "Download the Gazette app now")]


def test_a_user_rule_replaces_the_shipped_rule_of_its_name(tmp_path: Path) -> None:
    rules = user_rules(
        tmp_path,
        """
[[rule]]
name = "prompt/have-your-say"
pattern = '''Have your say!'''
scope = "line"
""",
    )
    assert rules.names == shipped().names
    assert cleaned("Have your say", rules).text == "Have your say"
    assert removals(cleaned("Have your say!", rules)) == [
        ("prompt/have-your-say", "Have your say!")
    ]


def test_at_one_position_the_first_rule_listed_wins(tmp_path: Path) -> None:
    rules = user_rules(
        tmp_path,
        """
[[rule]]
name = "gazette/long"
pattern = '''Scroll down for video\\. Then more\\.'''
scope = "span"
""",
    )
    article = cleaned("Text. Scroll down for video. Then more. End.", rules)
    assert removals(article) == [("player/scroll-down", "Scroll down for video.")]
    assert article.text == "Text. Then more. End."


def test_disable_rules_by_name_or_category() -> None:
    body = "Photo by Jane Roe/Getty Images. Story.\nVideo Loading\nHave your say"
    rules = RuleSet.load(
        Settings().with_values(disable_rules=["credit", "player/video-loading"], **OFF)
    )
    assert not any(n.startswith("credit/") for n in rules.names)
    assert removals(cleaned(body, rules)) == [("prompt/have-your-say", "Have your say")]


def test_disabling_a_rule_that_does_not_exist_is_an_error() -> None:
    with pytest.raises(
        UsageError,
        match=r"^disable_rules: 'credits' names no rule; categories are: byline, caption, ",
    ):
        RuleSet.load(Settings().with_values(disable_rules=["credits"]))


BAD_RULES = [
    ("name = 'NoCategory'\npattern = 'x'\nscope = 'line'",
     "rules file {f}: rule #1: name should look like 'category/name' (lower case, digits, '-'), got 'NoCategory'"),
    ("name = 'a/b'\npattern = '(unclosed'\nscope = 'span'",
     "rules file {f}: rule 'a/b': pattern does not compile: missing ), unterminated subpattern at position 0"),
    ("name = 'a/b'\npattern = 'x'\nscope = 'lines'",
     "rules file {f}: rule 'a/b': scope should be 'line' or 'span', got 'lines'"),
    ("name = 'a/b'\npattern = 'x'\nscope = 'line'\nflags = 'im'",
     "rules file {f}: rule 'a/b': flags should be made of 'ix', got 'im'"),
    ("name = 'a/b'\npattern = 'x'\nscope = 'line'\ncolour = 'red'",
     "rules file {f}: rule 'a/b': unknown key(s) ['colour']; known: ['description', 'flags', 'name', 'pattern', 'requires', 'scope']"),
    ("name = 'a/b'\nscope = 'line'", "rules file {f}: rule 'a/b': no pattern"),
    ("name = 'a/b'\npattern = '(x)\\1'\nscope = 'span'",
     "rules file {f}: rule 'a/b': backreferences (\\1, (?P=name)) are not supported"),
    ("name = 'a/b'\npattern = '(?P<x>y)'\nscope = 'span'",
     "rules file {f}: rule 'a/b': named groups are not supported; use (?:...)"),
    ("name = 'a/b'\npattern = 'x*'\nscope = 'span'",
     "rules file {f}: rule 'a/b': pattern matches empty text; it would remove nothing"),
    ("name = 'a/b'\npattern = 'x'\nscope = 'line'\nrequires = ['x']",
     "rules file {f}: rule 'a/b': requires is for span rules; line rules need no speed-up"),
    ("name = 'a/b'\npattern = 'x'\nscope = 'span'\nrequires = 'x'",
     "rules file {f}: rule 'a/b': requires should be a list of words, got 'x'"),
    ("name = 'template/x'\npattern = 'x'\nscope = 'line'",
     "rules file {f}: rule 'template/x': the category 'template' is kept for learnt template lines"),
]  # fmt: skip


@pytest.mark.parametrize(("rule", "message"), BAD_RULES)
def test_a_bad_rule_is_reported_with_its_file_and_name(
    tmp_path: Path, rule: str, message: str
) -> None:
    with pytest.raises(UsageError) as error:
        user_rules(tmp_path, f"[[rule]]\n{rule}\n")
    assert str(error.value) == message.format(f=tmp_path / "my-rules.toml")


def test_a_rule_defined_twice_in_one_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(
        UsageError, match=r"my-rules.toml: rule 'gazette/app-promo' is defined twice$"
    ):
        user_rules(tmp_path, GAZETTE_RULE * 2)


def test_a_missing_or_broken_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"^rules file not found: .*nowhere.toml$"):
        RuleSet.load(Settings(base_dir=tmp_path).with_values(rules=["nowhere.toml"]))
    with pytest.raises(UsageError, match=r"^rules file .*my-rules.toml is not valid TOML: "):
        user_rules(tmp_path, "[[rule]\n")
    with pytest.raises(
        UsageError, match=r"unknown table\(s\) \['rules'\]; write rules as \[\[rule\]\]$"
    ):
        user_rules(tmp_path, "[[rules]]\nname = 'a/b'\n")


# --- the shipped rules and their documentation ---------------------------------------------------


def test_every_shipped_rule_is_named_described_and_documented() -> None:
    doc = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    table = tomllib.loads(SHIPPED.read_text(encoding="utf-8"))["rule"]
    for rule in table:
        assert rule["description"], rule["name"]
        assert f"| `{rule['name']}` | {rule['scope']} |" in doc, rule["name"]
    assert len(shipped().names) == len(set(shipped().names)) == len(table)


def test_the_example_in_docs_rules_md_works(tmp_path: Path) -> None:
    doc = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```(\w+)\n(.*?)```", doc, re.S)
    rules_file = next(text for lang, text in blocks if lang == "toml" and "[[rule]]" in text)
    body, text, removed = [text for lang, text in blocks if lang == "text"][:3]
    article = cleaned(body, user_rules(tmp_path, rules_file))
    assert article.text == text.rstrip("\n")
    assert [f"{rule}: {t}" for rule, t in removals(article)] == removed.splitlines()
