"""newsarchive.index.search on a fixture corpus: sorting, paging, facets, snippets, errors.

The exact hit set of every query form and filter, on both engines, is tests/test_engines.py.
"""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

from newsarchive.errors import QuerySyntaxError, UsageError
from newsarchive.index import IndexMissing, search, snippets, update_index
from newsarchive.index.snippets import HighlightSpec, TextToken, make_snippet
from searchfixtures import FIXTURES, write_corpus


@pytest.fixture(scope="module")
def dirs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("search")
    write_corpus(root / "corpus", FIXTURES)
    update_index(root / "corpus", root / "indexes")
    return root / "corpus", root / "indexes"


def ids(dirs: tuple[Path, Path], query: str, **options: object) -> list[str]:
    corpus, index_dir = dirs
    results = search(query, corpus=corpus, index_dir=index_dir, limit=None, **options)  # type: ignore[arg-type]
    assert results.total == len(results.hits)
    return [h.doc_id for h in results.hits]


def test_sorting(dirs: tuple[Path, Path]) -> None:
    assert ids(dirs, "strike", sort="newest") == [
        "walkout-apr",
        "teachers-us",
        "strike-jan",
        "cafe-undated",  # undated last, both ways
    ]
    assert ids(dirs, "strike", sort="oldest") == [
        "strike-jan",
        "teachers-us",
        "walkout-apr",
        "cafe-undated",
    ]
    # relevance: the title match with the most mentions first
    assert ids(dirs, "strike", sort="relevance") == [
        "teachers-us",
        "strike-jan",
        "walkout-apr",
        "cafe-undated",
    ]


def test_sorted_hits_keep_their_relevance_score(dirs: tuple[Path, Path]) -> None:
    corpus, index_dir = dirs
    by_score = search("strike", corpus=corpus, index_dir=index_dir)
    by_date = search("strike", corpus=corpus, index_dir=index_dir, sort="newest")
    scores = {h.doc_id: h.score for h in by_score.hits}
    assert {h.doc_id: h.score for h in by_date.hits} == pytest.approx(scores)
    assert all(s > 0 for s in scores.values())


def test_paging(dirs: tuple[Path, Path]) -> None:
    corpus, index_dir = dirs
    everything = ids(dirs, "*", sort="oldest")
    assert everything == [
        "floods-dec",
        "strike-jan",
        "merger-mar",
        "teachers-us",
        "football-apr",
        "walkout-apr",
        "greve-fr",
        "cafe-undated",
    ]
    page = search("*", corpus=corpus, index_dir=index_dir, sort="oldest", limit=3, offset=3)
    assert page.total == 8
    assert [(h.rank, h.doc_id) for h in page.hits] == [
        (4, "teachers-us"),
        (5, "football-apr"),
        (6, "walkout-apr"),
    ]
    last = search("*", corpus=corpus, index_dir=index_dir, sort="oldest", limit=3, offset=6)
    assert [h.doc_id for h in last.hits] == ["greve-fr", "cafe-undated"]
    beyond = search("*", corpus=corpus, index_dir=index_dir, limit=3, offset=20)
    assert (beyond.total, beyond.hits) == (8, [])
    counted = search("strike", corpus=corpus, index_dir=index_dir, limit=0)
    assert (counted.total, counted.hits) == (4, [])


def test_facets(dirs: tuple[Path, Path]) -> None:
    corpus, index_dir = dirs
    results = search("*", corpus=corpus, index_dir=index_dir, limit=1)
    assert results.facet("topic") == [
        ("health", 3),
        ("business", 2),
        ("labour", 2),
        ("education", 1),
        ("sport", 1),
        ("weather", 1),
    ]
    assert results.facet("source") == [
        ("northern-echo", 3),
        ("City Wire", 2),
        ("Lakeland Post", 2),
        ("Le Quotidien", 1),
    ]
    assert results.facet("country") == [("GB", 6), ("FR", 1), ("US", 1)]
    assert results.facet("month") == [
        ("2015-12", 1),
        ("2016-01", 1),
        ("2016-03", 1),
        ("2016-04", 4),
    ]
    assert results.facet("year") == [("2015", 1), ("2016", 6)]
    assert results.facet("kind") == [("article", 7), ("liveblog", 1)]
    assert results.facet("language") == [("en", 7), ("fr", 1)]
    assert results.facet("person") == [("Garry Monk", 1), ("Jeremy Hunt", 1), ("Rahm Emanuel", 1)]
    assert results.facet("org")[:2] == [("NHS", 2), ("British Medical Association", 1)]
    strike = search("strike", corpus=corpus, index_dir=index_dir, limit=1)
    # over all four hits, not the one shown
    assert strike.facet("place") == [
        ("London", 2),
        ("Chicago", 1),
        ("Leeds", 1),
        ("Manchester", 1),
        ("York", 1),
    ]
    with pytest.raises(UsageError, match="unknown facet 'colour'; facets: source, topic"):
        strike.facet("colour")


def test_hit_fields_and_snippet(dirs: tuple[Path, Path]) -> None:
    corpus, index_dir = dirs
    hit = search('"picket line"', corpus=corpus, index_dir=index_dir, sort="oldest").hits[0]
    assert hit.doc_id == "strike-jan"
    assert hit.rank == 1
    assert hit.title == "Junior doctors begin first strike in 40 years"
    assert hit.source == "northern-echo"
    assert hit.url == "https://example.org/strike-jan"
    assert hit.published_at is not None
    assert hit.published_at.isoformat() == "2016-01-12T08:00:00+00:00"
    # the phrase is marked where it occurs, not each of its words everywhere
    assert hit.snippet == (
        "…One registrar on the **picket line** said the new contract was unsafe for patients. "
        "Health Secretary Jeremy Hunt said the strike was unnecessary and urged the British "
        "Medical Association to return to…"
    )


@pytest.mark.parametrize(
    ("query", "snippet"),
    [
        (
            "strik* doctors kind:liveblog",
            "Follow the all-out **strikes** as they happen. Marching in Manchester Hundreds of "
            "**striking doctors** marched through Manchester city centre this morning. Picket "
            "lines formed outside St Thomas' hospital…",
        ),
        # a match in the title only, or in tags only: the article's opening
        (
            "kind:liveblog",
            "Follow the all-out strikes as they happen. Marching in Manchester Hundreds of "
            "striking doctors marched through Manchester city centre this morning. Picket lines "
            "formed outside St Thomas' hospital…",
        ),
        # excluded words are not marked
        (
            "walk NOT strike",
            "",
        ),
    ],
)
def test_snippets(dirs: tuple[Path, Path], query: str, snippet: str) -> None:
    corpus, index_dir = dirs
    results = search(query, corpus=corpus, index_dir=index_dir, source="northern-echo")
    if not snippet:
        assert results.hits == []
        return
    assert [h.snippet for h in results.hits] == [snippet]


def test_no_snippets(dirs: tuple[Path, Path]) -> None:
    corpus, index_dir = dirs
    results = search("strike", corpus=corpus, index_dir=index_dir, snippets=False)
    assert {h.snippet for h in results.hits} == {""}


def test_to_pandas(dirs: tuple[Path, Path]) -> None:
    corpus, index_dir = dirs
    frame = search("strike", corpus=corpus, index_dir=index_dir, sort="newest").to_pandas()
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
    assert frame["doc_id"].tolist() == ["walkout-apr", "teachers-us", "strike-jan", "cafe-undated"]
    assert str(frame["published_at"].dtype) == "datetime64[us, UTC]"
    assert frame["published_at"].isna().tolist() == [False, False, False, True]
    assert frame["rank"].tolist() == [1, 2, 3, 4]


def test_errors(dirs: tuple[Path, Path], tmp_path: Path) -> None:
    corpus, index_dir = dirs
    with pytest.raises(QuerySyntaxError, match="unclosed quote at position 0"):
        search('"picket line', corpus=corpus, index_dir=index_dir)
    with pytest.raises(UsageError, match="bad --from date '2016-13'"):
        search("strike", corpus=corpus, index_dir=index_dir, date_from="2016-13")
    with pytest.raises(UsageError, match="unknown sort 'best'"):
        search("strike", corpus=corpus, index_dir=index_dir, sort="best")
    with pytest.raises(IndexMissing) as missing:
        search("strike", corpus=corpus, index_dir=tmp_path / "none")
    assert str(missing.value) == (
        f"no search index in {tmp_path / 'none'}: "
        f"run 'newsarchive index --index-dir {tmp_path / 'none'}' first"
    )


def test_snippet_rules() -> None:
    text = "Strike. " + "word " * 60 + "the strike went on, and on."
    tokens = [
        TextToken(word.lower(), i, start, start + len(word))
        for i, (word, start) in enumerate(_words(text))
    ]
    spec = HighlightSpec(frozenset({"strike"}), (), ())
    # both matches cannot fit: the window opens on the first, at the start of the text
    assert make_snippet(text, tokens, spec, width=30) == "**Strike**. word word word word…"
    assert make_snippet("short text", [], spec) == "short text"
    assert make_snippet("a " * 150, [], spec).endswith("a a…")


def _words(text: str) -> list[tuple[str, int]]:
    import re

    return [(m.group(), m.start()) for m in re.finditer(r"\w+", text)]


def test_docstring_examples() -> None:
    from newsarchive.index import query

    for module in (query, snippets):
        failed, _ = doctest.testmod(module)
        assert failed == 0


def test_snippet_tokens_are_the_index_words() -> None:
    """Snippets analyse the text as the index does, keeping only words that may match."""
    from newsarchive.index.snippets import text_tokens

    text = "Strikers were STRIKING; the Café's cafés, organisations and ties happily stayed."
    spec = HighlightSpec(frozenset({"strike", "cafe", "organis", "tie", "happili"}), (), ())
    fast = [(t.norm, t.pos, t.start, t.end) for t in text_tokens(text, "en", spec)]
    assert fast == [
        ("striker", 0, 0, 8),
        ("strike", 2, 14, 22),
        ("cafe", 4, 28, 32),
        ("cafe", 6, 35, 40),
        ("organis", 7, 42, 55),
        ("tie", 9, 60, 64),
        ("happili", 10, 65, 72),
        ("stay", 11, 73, 79),
    ]
