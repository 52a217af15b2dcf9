"""whoosh and tantivy give the same answers: every query form of docs/search.md, on fixtures.

Two fixture corpora, each indexed by both engines: the stories of ``searchfixtures`` (the forms of
docs/search.md) and a few made-up ones written to trip the tantivy engine where it departs from
tantivy's defaults (Porter stems, proximity in order, ties between equal dates, tag gaps).
"""

from __future__ import annotations

import doctest
import json
import random
import re
import sys
from datetime import date
from pathlib import Path
from types import ModuleType

import pytest
from click.testing import CliRunner

from newsarchive.article import Article
from newsarchive.cli import main
from newsarchive.errors import UsageError
from newsarchive.index import (
    IndexLocked,
    index_status,
    indexed_ids,
    matching_ids,
    search,
    update_index,
)
from newsarchive.index import tantivy_compiler as tc
from newsarchive.index import tantivy_engine as te
from newsarchive.index import tantivy_schema as ts
from newsarchive.index.api import ENGINES, IndexedCorpus
from newsarchive.progress import Step
from searchfixtures import (
    FIXTURES,
    LATE,
    article,
    council_minutes,
    utc,
    write_corpus,
    write_inputs,
)

ALL = {a.doc_id for a in FIXTURES}
Built = dict[str, dict[str, tuple[Path, Path]]]  # corpus name -> engine -> (corpus, index dir)

EDGE = [
    article(
        "general-election",
        "General election called",
        "The prime minister called a general election for June. Members of the union voted, "
        "voted to strike on polling day.",
        published=utc(2017, 4, 18, 11, 0),
        source="Westminster Wire",
        people=["Jeremy Hunt", "Theresa May"],
    ),
    article(
        "generous-donors",
        "Generous donors fund the food bank",
        "Generously, local firms gave food and time. The union said its members voted on "
        "strike action again and again.",
        published=utc(2017, 4, 18, 11, 0),  # the same minute as the election: a tie
        source="Westminster Wire",
    ),
    article(
        "employability",
        "Skills scheme to raise employability",
        "The scheme will raise the employability of school leavers; a flamboyancy of "
        "posters advertised it. Happily, 3.5 per cent more found work in Zürich and the U.S.",
        published=utc(2017, 4, 18, 11, 0),  # a three-way tie
        source="Skills Today",
    ),
    article(
        "happy-eyed",
        "Happy, wide-eyed pupils",
        "Pupils were happy with the scheme. A wide-eyed pupil eyed the oxygenator in the lab; "
        "the strike strike strike vote was ignored, and so was the sales_tax.",
        published=utc(2017, 5, 2, 9, 0),
        source="Skills Today",
        people=["J.K. Rowling"],
        places=["Ağrı"],
    ),
    Article(
        doc_id="untitled-undated",
        source_path="/fixtures/untitled-undated.txt",
        source="",
        text="A short item without a headline, a date or a source about the strike vote.",
        raw_text="",
        content_hash="untitled-undated",
    ),
]
EDGE_IDS = {a.doc_id for a in EDGE}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """``{corpus name: {engine: (corpus, index_dir)}}``, every index built through the API."""
    root = tmp_path_factory.mktemp("engines")
    corpora: Built = {}
    for name, articles in (("fixtures", FIXTURES), ("edge", EDGE)):
        corpus = root / name
        write_corpus(corpus, articles)
        corpora[name] = {}
        for engine in ENGINES:
            report = update_index(corpus, root / f"{name}-{engine}", engine=engine)
            assert (report.engine, report.total) == (engine, len(articles))
            corpora[name][engine] = (corpus, root / f"{name}-{engine}")
    return corpora


def results(built: Built, corpus: str, query: str, **options: object) -> dict[str, list[str]]:
    """Each engine's hits for ``query`` (all of them unless ``limit`` is given), as doc_ids."""
    options.setdefault("limit", None)
    found = {}
    for engine, (corpus_dir, index_dir) in built[corpus].items():
        answer = search(query, corpus=corpus_dir, index_dir=index_dir, **options)  # type: ignore[arg-type]
        found[engine] = [h.doc_id for h in answer.hits]
        if options["limit"] is None:
            assert answer.total == len(answer.hits), (engine, query)
    return found


def same_set(built: Built, corpus: str, query: str, **options: object) -> set[str]:
    """The hits both engines find, checked to be the same set, and to be exactly what each
    engine's unranked ``matching_ids`` gives."""
    found = results(built, corpus, query, **options)
    assert set(found["tantivy"]) == set(found["whoosh"]), query
    assert len(found["tantivy"]) == len(set(found["tantivy"]))
    for engine, (corpus_dir, index_dir) in built[corpus].items():
        ids = matching_ids(query, corpus=corpus_dir, index_dir=index_dir, **options).ids  # type: ignore[arg-type]
        assert sorted(ids) == sorted(found[engine]), (engine, query)
    return set(found["whoosh"])


# --- every query form, on the search fixtures --------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # words: case, stems, accents, in title or text
        ("strike", {"strike-jan", "walkout-apr", "teachers-us", "cafe-undated"}),
        ("STRIKES", {"strike-jan", "walkout-apr", "teachers-us", "cafe-undated"}),
        ("lines", {"strike-jan", "walkout-apr", "football-apr", "cafe-undated", "teachers-us"}),
        ("medecins", {"greve-fr"}),
        ("café", {"cafe-undated"}),
        ("CAFE", {"cafe-undated"}),
        ("struck", {"cafe-undated"}),
        # boolean, with precedence and grouping
        ("strike doctors", {"strike-jan", "walkout-apr"}),
        ("strike AND doctors", {"strike-jan", "walkout-apr"}),
        ("merger OR floods", {"merger-mar", "floods-dec"}),
        ("strike NOT doctors", {"teachers-us", "cafe-undated"}),
        ("strike -doctors", {"teachers-us", "cafe-undated"}),
        ("NOT strike", {"merger-mar", "football-apr", "floods-dec", "greve-fr"}),
        ("NOT *", set()),
        # whoosh let the first article of a segment through a NOT when an excluded one came first
        ("merger NOT leeds", set()),
        ("merger -country:gb", set()),
        ("(merger OR floods) cumbria", {"floods-dec"}),
        ("merger OR floods cumbria", {"merger-mar", "floods-dec"}),
        ("strike doctors OR derby", {"strike-jan", "walkout-apr", "football-apr"}),
        ("NOT (strike OR merger) leeds", {"football-apr"}),
        ("strike and doctors", {"strike-jan"}),  # lower-case operators are words
        # phrases and proximity
        ('"picket line"', {"strike-jan", "walkout-apr"}),
        ('"picket lines"', {"strike-jan", "walkout-apr"}),
        ('"picket line"~2', {"strike-jan", "walkout-apr"}),
        ('"picket line"~3', {"strike-jan", "walkout-apr", "teachers-us"}),
        ('"line picket"~5', set()),
        ('"strike a deal"', {"cafe-undated"}),
        ('"Leeds United beat Hull City 2-1"', {"football-apr"}),
        ('"junior doctors" strik*', {"strike-jan", "walkout-apr"}),
        ('"doctors walked out"~1', {"walkout-apr"}),
        ('"doctors out"~1', {"walkout-apr"}),
        ('"doctors out"~3', {"strike-jan", "walkout-apr"}),
        ('"doctors out"~0', set()),
        ('"strik* doctors"', set()),  # * inside a phrase is ignored: "strik" is no word
        # prefixes match the indexed (stemmed) words
        ("strik*", {"strike-jan", "walkout-apr", "teachers-us", "cafe-undated"}),
        ("merg*", {"merger-mar"}),
        ("sandbag*", {"floods-dec"}),
        ("happi*", set()),
        ("hospit*", {"strike-jan", "walkout-apr", "greve-fr"}),
        ("hospitals*", set()),
        # every field
        ("title:strike", {"strike-jan", "teachers-us", "cafe-undated"}),
        ("title:leeds", {"football-apr"}),
        ("text:leeds", {"strike-jan", "merger-mar", "football-apr"}),
        ('title:"junior doctors"', {"strike-jan", "walkout-apr"}),
        ("title:(strike -doctors)", {"teachers-us", "cafe-undated"}),
        ('text:"picket line"~3', {"strike-jan", "walkout-apr", "teachers-us"}),
        ("source:northern-echo", {"strike-jan", "walkout-apr", "football-apr"}),
        ('source:"city wire"', {"merger-mar", "cafe-undated"}),
        ("source:CITY", set()),
        ("source:lakeland*", {"floods-dec", "teachers-us"}),
        ("topic:labour", {"strike-jan", "teachers-us"}),
        ("topics:(sport OR weather)", {"football-apr", "floods-dec"}),
        ("topic:(sport OR weather)", {"football-apr", "floods-dec"}),
        ("topic:heal*", {"strike-jan", "walkout-apr", "greve-fr"}),
        ("place:leeds", {"strike-jan", "merger-mar", "football-apr"}),
        ('place:"new york"', set()),
        ('place:"St Thomas"', set()),
        ("country:gb", ALL - {"greve-fr", "teachers-us"}),
        ("country:FR", {"greve-fr"}),
        ("person:hunt", {"strike-jan"}),
        ("person:emanuel", {"teachers-us"}),
        ('person:"jeremy hunt"', {"strike-jan"}),
        ('person:"hunt jeremy"', set()),
        ('person:"hunt jeremy"~5', set()),
        ("people:emanuel", {"teachers-us"}),
        ('org:"building society"', {"merger-mar"}),
        ('org:"society leeds"', set()),
        ('org:"society leeds"~3', set()),
        ('org:"yorkshire society"~1', {"merger-mar"}),
        ("org:nhs", {"strike-jan", "walkout-apr"}),
        ("org:chic*", {"teachers-us"}),
        ("kind:liveblog", {"walkout-apr"}),
        ("kind:article", ALL - {"walkout-apr"}),
        ("language:fr", {"greve-fr"}),
        ("lang:EN", ALL - {"greve-fr"}),
        ("strike NOT country:gb", {"teachers-us"}),
        # dates
        ("date:2016-04", {"walkout-apr", "football-apr", "greve-fr", "teachers-us"}),
        ("date:2015", {"floods-dec"}),
        ("date:2016-04-26", {"walkout-apr"}),
        ("date:[2016-01-01 TO 2016-03-31]", {"strike-jan", "merger-mar"}),
        ("date:[2016-03-03 TO 2016-03-03]", {"merger-mar"}),
        ("date:[* TO 2016-01]", {"strike-jan", "floods-dec"}),
        ("date:[2016-04-02 TO *]", {"walkout-apr", "football-apr", "greve-fr"}),
        ("date:[* TO *]", ALL - {"cafe-undated"}),
        ("date:2016 date:2016-04", {"walkout-apr", "football-apr", "greve-fr", "teachers-us"}),
        ("strike date:2016-04", {"walkout-apr", "teachers-us"}),
        ("strike NOT date:2016", {"cafe-undated"}),
        (
            "date:2016-04 OR floods",
            {"walkout-apr", "football-apr", "greve-fr", "teachers-us", "floods-dec"},
        ),
        # everything, and words that analyse to nothing
        ("*", ALL),
        ("* --source", set()),  # "--source" is a word, not NOT
        ("strike --", {"strike-jan", "walkout-apr", "teachers-us", "cafe-undated"}),
        ("--", set()),
        ("-- OR merger", {"merger-mar"}),
        ("NOT --", ALL),
        ("zebra", set()),
        ("zebra OR merger", {"merger-mar"}),
    ],
)
def test_same_hits_on_fixtures(built: Built, query: str, expected: set[str]) -> None:
    assert same_set(built, "fixtures", query) == expected


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"date_from": "2016-04"}, {"walkout-apr", "teachers-us"}),
        ({"date_to": "2016-01-12"}, {"strike-jan"}),
        ({"date_from": "2016-04-02", "date_to": "2016-04-30"}, {"walkout-apr"}),
        ({"date_from": date(2016, 4, 1), "date_to": date(2016, 4, 1)}, {"teachers-us"}),
        ({"source": "Lakeland Post"}, {"teachers-us"}),
        ({"topic": "health"}, {"strike-jan", "walkout-apr"}),
        ({"topic": "HEALTH", "date_to": "2016-03"}, {"strike-jan"}),
    ],
)
def test_same_hits_with_filters(
    built: Built, options: dict[str, object], expected: set[str]
) -> None:
    assert same_set(built, "fixtures", "strike", **options) == expected


@pytest.mark.parametrize(
    ("query", "newest"),
    [
        ("strike", ["walkout-apr", "teachers-us", "strike-jan", "cafe-undated"]),
        (
            "*",
            [
                "greve-fr",
                "walkout-apr",
                "football-apr",
                "teachers-us",
                "merger-mar",
                "strike-jan",
                "floods-dec",
                "cafe-undated",
            ],
        ),
        (
            "leeds OR picket*",
            [
                "walkout-apr",
                "football-apr",
                "teachers-us",
                "merger-mar",
                "strike-jan",
                "cafe-undated",
            ],
        ),
    ],
)
def test_same_order_by_date(built: Built, query: str, newest: list[str]) -> None:
    by_newest = results(built, "fixtures", query, sort="newest")
    by_oldest = results(built, "fixtures", query, sort="oldest")
    assert by_newest == {"whoosh": newest, "tantivy": newest}
    oldest = [*reversed(newest[:-1]), newest[-1]] if newest[-1] == "cafe-undated" else newest[::-1]
    assert by_oldest == {"whoosh": oldest, "tantivy": oldest}


@pytest.mark.parametrize("sort", ["relevance", "newest", "oldest"])
def test_paging(built: Built, sort: str) -> None:
    for engine, (corpus, index_dir) in built["fixtures"].items():
        everything = search("*", corpus=corpus, index_dir=index_dir, sort=sort, limit=None)
        pages = [
            search("*", corpus=corpus, index_dir=index_dir, sort=sort, limit=3, offset=offset)
            for offset in (0, 3, 6, 9)
        ]
        assert [p.total for p in pages] == [8, 8, 8, 8], engine
        assert [h.rank for p in pages for h in p.hits] == list(range(1, 9))
        assert [h.doc_id for p in pages for h in p.hits] == [h.doc_id for h in everything.hits]
        counted = search("strike", corpus=corpus, index_dir=index_dir, limit=0)
        assert (counted.total, counted.hits) == (4, [])


def test_sorted_hits_keep_their_relevance_score(
    built: Built,
) -> None:
    corpus, index_dir = built["fixtures"]["tantivy"]
    by_score = search("strike", corpus=corpus, index_dir=index_dir)
    by_date = search("strike", corpus=corpus, index_dir=index_dir, sort="oldest")
    scores = {h.doc_id: h.score for h in by_score.hits}
    assert {h.doc_id: h.score for h in by_date.hits} == pytest.approx(scores)
    assert all(s > 0 for s in scores.values())


@pytest.mark.parametrize("query", ["*", "strike", "leeds OR floods", "NOT strike", "zebra"])
@pytest.mark.parametrize(
    "facet",
    ["topic", "source", "country", "place", "person", "org", "kind", "language", "year", "month"],
)
def test_same_facets(built: Built, query: str, facet: str) -> None:
    counts = {
        engine: search(query, corpus=corpus, index_dir=index_dir, limit=1).facet(facet)
        for engine, (corpus, index_dir) in built["fixtures"].items()
    }
    assert counts["tantivy"] == counts["whoosh"]


def test_blank_and_untrimmed_tag_values(tmp_path: Path) -> None:
    """Tag lists not written by the tagger may hold blanks and untrimmed values: both engines
    index the values trimmed and leave the blanks out."""
    messy = article(
        "messy",
        "Messy tags",
        "A story with untidy tags.",
        published=utc(2016, 1, 1, 9, 0),
        topics=[" Health", ""],
        places=[" Leeds ", "", "York"],
        countries=["gb ", " "],
        people=["Jeremy Hunt\t"],
        organisations=["", "NHS"],
    )
    corpus = tmp_path / "corpus"
    write_corpus(corpus, [messy])
    facets = {}
    for engine in ENGINES:
        index_dir = tmp_path / engine
        update_index(corpus, index_dir, engine=engine)
        query = 'topic:health place:leeds country:gb person:"jeremy hunt" org:nhs'
        assert [h.doc_id for h in search(query, corpus=corpus, index_dir=index_dir).hits] == [
            "messy"
        ]
        every = search("*", corpus=corpus, index_dir=index_dir, limit=1)
        names = ("topic", "place", "country", "person", "org")
        facets[engine] = {name: every.facet(name) for name in names}
    assert (
        facets["tantivy"]
        == facets["whoosh"]
        == {
            "topic": [("Health", 1)],
            "place": [("Leeds", 1), ("York", 1)],
            "country": [("GB", 1)],
            "person": [("Jeremy Hunt", 1)],
            "org": [("NHS", 1)],
        }
    )


@pytest.mark.parametrize(
    "query",
    [
        '"picket line"',
        "strik* doctors",
        '"picket line"~3 OR floods',
        "kind:liveblog",
        "medecins",
        '"Leeds United beat Hull City 2-1"',
        "title:strike",
    ],
)
def test_same_snippets(built: Built, query: str) -> None:
    snippets = {}
    for engine, (corpus, index_dir) in built["fixtures"].items():
        hits = search(query, corpus=corpus, index_dir=index_dir, sort="oldest").hits
        snippets[engine] = [(h.doc_id, h.snippet) for h in hits]
    assert snippets["tantivy"] == snippets["whoosh"]
    assert all(snippet for _, snippet in snippets["tantivy"])


def test_hit_fields(built: Built) -> None:
    hits = {
        engine: search('"picket line"', corpus=corpus, index_dir=index_dir, sort="oldest").hits[0]
        for engine, (corpus, index_dir) in built["fixtures"].items()
    }
    hit = hits["tantivy"]
    assert (hit.rank, hit.doc_id, hit.title, hit.source, hit.url) == (
        1,
        "strike-jan",
        "Junior doctors begin first strike in 40 years",
        "northern-echo",
        "https://example.org/strike-jan",
    )
    assert hit.published_at is not None
    assert hit.published_at.isoformat() == "2016-01-12T08:00:00+00:00"
    assert hit.snippet == hits["whoosh"].snippet


def test_tantivy_hits_carry_their_text(built: Built, monkeypatch: pytest.MonkeyPatch) -> None:
    """The tantivy index stores each article's clean text: its snippets never read the corpus
    (whoosh's hits carry none and read it)."""
    from newsarchive.index import api, fetch

    corpus, index_dir = built["fixtures"]["tantivy"]
    engine = api._open_for_search(index_dir, corpus)
    _, found = engine.search(
        api.build_query("strike OR flood*"), limit=None, offset=0, sort="oldest"
    )
    assert len(found) > 2
    texts = {a.doc_id: a.text for a in FIXTURES}
    assert {h.doc_id: h.text for h in found} == {h.doc_id: texts[h.doc_id] for h in found}

    def no_reading(*args: object) -> object:
        raise AssertionError("the corpus was read")

    whoosh_corpus, whoosh_index = built["fixtures"]["whoosh"]
    expected = search("strike", corpus=whoosh_corpus, index_dir=whoosh_index, sort="oldest")
    monkeypatch.setattr(fetch, "_read_rows", no_reading)
    hits = search("strike", corpus=corpus, index_dir=index_dir, sort="oldest").hits
    assert [h.snippet for h in hits] == [h.snippet for h in expected.hits]
    assert sum("**strik" in h.snippet.lower() for h in hits) >= 2
    with pytest.raises(AssertionError, match="the corpus was read"):
        search("strike", corpus=whoosh_corpus, index_dir=whoosh_index)


# --- where the tantivy engine departs from tantivy's defaults ---------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # Snowball (Porter2) stems from the shared analysis: general != generous, happy != happily
        ("general", {"general-election"}),
        ("generously", {"generous-donors"}),
        ("happy", {"happy-eyed"}),
        ("happily", {"employability"}),
        ("happi*", {"happy-eyed", "employability"}),
        # a stem's last letters may stand for others: the word must still be found
        ("employability", {"employability"}),
        ("employ*", {"employability"}),
        ("employab*", set()),  # prefixes match stems: employability -> employ
        ("flamboyancy", {"employability"}),
        ("eyed", {"happy-eyed"}),
        ("oxygenator", {"happy-eyed"}),
        ("oxygenate", {"happy-eyed"}),
        # words with dots, digits, accents
        ("3.5", {"employability"}),
        ('"3.5 per cent"', {"employability"}),
        ("u.s", {"employability"}),
        ("zurich", {"employability"}),
        # a dot between letters and an underscore join words, as in whoosh
        ("sales_tax", {"happy-eyed"}),
        ("sales", set()),
        ('person:"j.k. rowling"', {"happy-eyed"}),
        ("person:rowling", {"happy-eyed"}),
        ("person:j", set()),
        ("person:j.k*", {"happy-eyed"}),
        ("place:agri", {"happy-eyed"}),
        # proximity: per neighbouring pair, in order, every choice of position tried
        ('"union voted strike"~1', {"general-election"}),
        ('"union voted strike"~0', set()),
        ('"union voted strike"~2', {"general-election"}),
        ('"members voted strike"~2', {"generous-donors"}),
        ('"members voted strike"~3', {"general-election", "generous-donors"}),
        ('"voted union"~3', set()),
        ('"strike strike strike"', {"happy-eyed"}),
        ('"strike strike"~1', {"happy-eyed"}),
        ('"strike vote"~2', {"happy-eyed", "untitled-undated"}),
        # a proximity phrase never spans two names unless the slop reaches across whoosh's gap
        ('person:"hunt theresa"', set()),
        ('person:"hunt theresa"~99', set()),
        ('person:"hunt theresa"~100', {"general-election"}),
        ('person:"may theresa"~200', set()),
        # no title, no date, no source
        ("short item", {"untitled-undated"}),
        ('source:"skills today"', {"employability", "happy-eyed"}),
        ("date:[* TO *]", EDGE_IDS - {"untitled-undated"}),
    ],
)
def test_same_hits_on_edge_cases(built: Built, query: str, expected: set[str]) -> None:
    assert same_set(built, "edge", query) == expected


def test_equal_dates_are_ordered_by_relevance(
    built: Built,
) -> None:
    # three articles share one minute; by date, each engine orders them by relevance
    newest = results(built, "edge", "union OR scheme OR election OR general", sort="newest")
    assert (
        newest["tantivy"]
        == newest["whoosh"]
        == [
            "happy-eyed",
            "general-election",
            "employability",
            "generous-donors",
        ]
    )
    for sort in ("newest", "oldest"):
        for engine, (corpus, index_dir) in built["edge"].items():
            full = search("*", corpus=corpus, index_dir=index_dir, sort=sort, limit=None)
            pages = [
                search("*", corpus=corpus, index_dir=index_dir, sort=sort, limit=2, offset=o)
                for o in (0, 2, 4)
            ]
            assert [h.doc_id for p in pages for h in p.hits] == [h.doc_id for h in full.hits]
            assert full.hits[-1].doc_id == "untitled-undated", engine


def test_random_proximity_agrees_with_whoosh(tmp_path: Path) -> None:
    """Random stories and names over five words (two of one stem), random phrases in every
    field: tantivy's candidates, checked word by word, are whoosh's hits exactly."""
    rng = random.Random(11)
    vocab = ["rail", "rails", "union", "vote", "pay"]
    stories = [
        article(
            f"s{i}",
            "story " + " ".join(rng.choices(vocab, k=2)),
            " ".join(rng.choices(vocab, k=rng.randint(3, 12))),
            published=None,
            people=[" ".join(rng.choices(vocab, k=2)) for _ in range(rng.randint(0, 3))],
        )
        for i in range(60)
    ]
    write_corpus(tmp_path / "corpus", stories)
    for engine in ENGINES:
        update_index(tmp_path / "corpus", tmp_path / engine, engine=engine)
    for _ in range(60):
        words = " ".join(rng.choices(vocab, k=rng.randint(2, 4)))
        query = f'{rng.choice(["", "title:", "text:", "person:"])}"{words}"~{rng.randint(0, 4)}'
        found = [
            {
                h.doc_id
                for h in search(
                    query, corpus=tmp_path / "corpus", index_dir=tmp_path / e, limit=None
                ).hits
            }
            for e in ENGINES
        ]
        assert found[0] == found[1], query


# --- the analysis ------------------------------------------------------------------------------------


def test_analysis_matches_whoosh() -> None:
    """Both engines index the words of .analysis, joined by spaces: tantivy's whitespace
    tokenizer and whoosh's give those words back, in order."""
    import tantivy

    from newsarchive.index.analysis import norms
    from newsarchive.index.whoosh_engine import text_analyzer

    text = (
        "Strikers were STRIKING; the Café's cafés, U.S. 3.5% 2-1 ½ naïve organisations stayed. "
        "sales_tax _x a..b end.Next हिन्दी ⓐⓑ 人口老龄化 الأمير"
    )
    joined = norms(text, "en")
    whoosh = [t.text for t in text_analyzer()(joined)]
    split = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build()
    assert split.analyze(joined) == whoosh == joined.split()
    assert whoosh[:9] == ["striker", "were", "strike", "the", "cafe", "s", "cafe", "u.s", "3.5"]
    assert whoosh[-7:] == ["हिन्दी", "人口", "口老", "老龄", "龄化", "化", "الامير"]
    assert ts.analyse("person", "Jeremy Hunt-Smith") == ["jeremy", "hunt", "smith"]


def test_name_values_are_prepared_one_by_one() -> None:
    """Names are prepared in one call for all; values that need no change come back as given,
    and a value holding the joining newline is still prepared on its own."""
    plain = ["Jeremy Hunt", "Leeds"]
    assert ts._prepared(plain) is plain
    dot, under = ts.DOT, ts.UNDERSCORE
    assert ts._prepared(["J.K. Rowling", "St. Helens", "x_y"]) == [
        f"J{dot}K. Rowling",
        "St. Helens",
        f"x{under}y",
    ]
    assert ts._prepared(["U.S.\nArmy", "a.b"]) == [f"U{dot}S.\nArmy", f"a{dot}b"]


def test_the_characters_only_rust_calls_word_characters() -> None:
    """``RUST_ONLY_WORD_CHARS`` is what tantivy's ``simple`` tokenizer and Python's ``\\w`` say."""
    import tantivy

    simple = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).build()
    chars = [chr(c) for c in range(0x80, 0x110000) if not 0xD800 <= c < 0xE000]
    tokens = iter(simple.analyze(" ".join(f"a{c}b" for c in chars)))
    rust = {c for c in chars if next(tokens) != "a" or next(tokens) != "b"}
    expected = set()
    for item in ts.RUST_ONLY_WORD_CHARS.split():
        first, _, last = item.partition("-")
        expected |= {chr(c) for c in range(int(first, 16), int(last or first, 16) + 1)}
    assert {c for c in rust if not re.match(r"\w", c)} == expected


@pytest.mark.parametrize("module", [ts, tc], ids=["schema", "compiler"])
def test_docstring_examples(module: ModuleType) -> None:
    failed, tried = doctest.testmod(module)
    assert (failed, tried > 0) == (0, True)


# --- choosing the engine, and keeping its index healthy ---------------------------------------------


def test_the_engine_is_recorded_and_followed(tmp_path: Path) -> None:
    corpus, index_dir = tmp_path / "corpus", tmp_path / "indexes"
    write_corpus(corpus, FIXTURES)
    first = update_index(corpus, index_dir)
    assert (first.engine, first.switched_from) == ("whoosh", None)

    switched = update_index(corpus, index_dir, engine="tantivy")
    assert (switched.engine, switched.rebuilt, switched.added, switched.switched_from) == (
        "tantivy",
        True,
        8,
        "whoosh",
    )
    assert sorted(p.name for p in index_dir.iterdir()) == [".lock", "state.json", "tantivy"]
    state = json.loads((index_dir / "state.json").read_text(encoding="utf-8"))
    assert (state["engine"], state["schema_version"]) == ("tantivy", te.SCHEMA_VERSION)

    write_corpus(corpus, [LATE])
    kept = update_index(corpus, index_dir)  # no engine given: the recorded one
    assert (kept.engine, kept.rebuilt, kept.added, kept.total) == ("tantivy", False, 1, 9)
    assert update_index(corpus, index_dir, rebuild=True).engine == "tantivy"
    status = index_status(corpus, index_dir)
    assert (status.engine, status.up_to_date, status.indexed) == ("tantivy", True, 9)
    assert sorted(indexed_ids(index_dir) or []) == sorted([*ALL, "strike-may"])
    assert [h.doc_id for h in search("contract vote", corpus=corpus, index_dir=index_dir).hits] == [
        "strike-may"
    ]

    back = update_index(corpus, index_dir, engine="whoosh")
    assert (back.engine, back.switched_from, back.total) == ("whoosh", "tantivy", 9)
    assert not (index_dir / "tantivy").exists()


def test_unknown_or_missing_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_corpus(tmp_path / "corpus", FIXTURES)
    with pytest.raises(
        UsageError, match="unknown search engine 'lucene'; use one of: whoosh, tantivy"
    ):
        update_index(tmp_path / "corpus", tmp_path / "indexes", engine="lucene")
    monkeypatch.delitem(sys.modules, "newsarchive.index.tantivy_engine")
    monkeypatch.setitem(sys.modules, "tantivy", None)  # as if the extra were not installed
    with pytest.raises(UsageError) as missing:
        update_index(tmp_path / "corpus", tmp_path / "indexes", engine="tantivy")
    assert str(missing.value) == (
        "the tantivy engine needs the tantivy package: pip install 'newsarchive[tantivy]'"
    )


def test_a_foreign_tantivy_writer_is_reported(tmp_path: Path) -> None:
    import tantivy

    corpus, index_dir = tmp_path / "corpus", tmp_path / "indexes"
    write_corpus(corpus, FIXTURES)
    update_index(corpus, index_dir, engine="tantivy")
    write_corpus(corpus, [LATE])
    writer = tantivy.Index.open(str(index_dir / "tantivy")).writer(te.MIN_THREAD_HEAP, 1)
    try:
        with pytest.raises(IndexLocked) as refused:
            update_index(corpus, index_dir)
    finally:
        writer.rollback()
        writer.wait_merging_threads()
    assert str(refused.value) == (
        f"the tantivy index in {index_dir / 'tantivy'} is being written by another process"
    )
    assert update_index(corpus, index_dir).added == 1


def test_indexing_leaves_garbage_collection_as_it_found_it(tmp_path: Path) -> None:
    """Collection is paused while documents are added, then back as it was (a notebook's)."""
    import gc

    corpus, index_dir = tmp_path / "corpus", tmp_path / "indexes"
    write_corpus(corpus, FIXTURES)
    assert gc.isenabled()
    update_index(corpus, index_dir, engine="tantivy")
    assert gc.isenabled()
    write_corpus(corpus, [LATE])
    gc.disable()
    try:
        update_index(corpus, index_dir)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_segments_stay_few_and_old_files_go(tmp_path: Path) -> None:
    corpus, index_dir = tmp_path / "corpus", tmp_path / "indexes"
    write_corpus(corpus, FIXTURES)
    update_index(corpus, index_dir, engine="tantivy")
    for i in range(24):  # one commit, one new segment each
        write_corpus(corpus, council_minutes(1, start=i))
        update_index(corpus, index_dir)
    engine = te.TantivyIndex.open(index_dir / "tantivy", IndexedCorpus(None, index_dir))
    assert engine.doc_count() == 8 + 24
    assert engine.segment_count() <= 8
    meta = json.loads((index_dir / "tantivy" / "meta.json").read_text(encoding="utf-8"))
    live = {s["segment_id"].replace("-", "") for s in meta["segments"]}
    on_disk = {
        f.name.split(".")[0]
        for f in (index_dir / "tantivy").iterdir()
        if re.fullmatch(r"[0-9a-f]{32}\..+", f.name)
    }
    assert on_disk == live


def test_interrupted_update_leaves_the_previous_index(tmp_path: Path) -> None:
    corpus, index_dir = tmp_path / "corpus", tmp_path / "indexes"
    write_corpus(corpus, FIXTURES)
    update_index(corpus, index_dir, engine="tantivy")
    write_corpus(corpus, council_minutes(700))

    def interrupt(step: Step) -> None:
        if step.done >= 500:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt) as stopped:
        update_index(corpus, index_dir, procs=2, progress=interrupt)
    assert stopped.traceback  # kept, as a notebook keeps it: it must not keep the index locked
    assert index_status(corpus, index_dir).indexed == 8
    assert search("strike", corpus=corpus, index_dir=index_dir).total == 4
    report = update_index(corpus, index_dir, procs=2)
    assert (report.engine, report.added, report.total) == ("tantivy", 700, 708)
    hit = search('"budget item 417"', corpus=corpus, index_dir=index_dir).hits
    assert [(h.doc_id, h.snippet) for h in hit] == [
        (
            "minutes-00417",
            "The council met to discuss **budget item 417**. Councillors voted on the proposal.",
        )
    ]


def test_cli_engine_option(tmp_path: Path) -> None:
    write_corpus(tmp_path / "corpus", FIXTURES)
    where = ["--corpus", str(tmp_path / "corpus"), "--index-dir", str(tmp_path / "ix")]
    assert CliRunner().invoke(main, ["index", *where]).exit_code == 0
    switched = CliRunner().invoke(main, ["index", "--engine", "tantivy", *where])
    assert switched.exit_code == 0
    assert re.fullmatch(
        r"Switching the index from whoosh to tantivy: it was rebuilt\.\n"
        r"Rebuilt the index with 8 articles in \d+\.\d s; "
        rf"the index holds 8 articles \(tantivy, {re.escape(str(tmp_path / 'ix'))}\)\.\n",
        switched.stderr,
    )
    status = CliRunner().invoke(main, ["index", "--status", *where])
    assert status.stdout.splitlines()[0] == f"index:    {tmp_path / 'ix'} (tantivy)"
    found = CliRunner().invoke(main, ["search", "org:nhs", "--count", *where])
    assert (found.exit_code, found.stdout) == (0, "2\n")
    bad = CliRunner().invoke(main, ["index", "--engine", "lucene", *where])
    assert bad.exit_code == 2


def test_ingest_chooses_the_engine(tmp_path: Path) -> None:
    from newsarchive.cli.ingest import format_summary, ingest_cmd
    from newsarchive.pipeline.run import ingest

    inputs, corpus, index_dir = tmp_path / "in", tmp_path / "corpus", tmp_path / "indexes"
    write_inputs(inputs, FIXTURES[:3])
    first = ingest([inputs], corpus=corpus, index_dir=index_dir, jobs=1)
    assert first.index.engine == "whoosh"
    write_inputs(inputs, [LATE])
    second = ingest([inputs], corpus=corpus, index_dir=index_dir, jobs=1, engine="tantivy")
    assert (second.index.engine, second.index.total, second.index.switched_from) == (
        "tantivy",
        4,
        "whoosh",
    )
    assert "  index: rebuilt with tantivy (it was whoosh)" in format_summary(second).splitlines()
    assert search('"revised contract"', corpus=corpus, index_dir=index_dir).total == 1
    engine_option = next(p for p in ingest_cmd.params if p.name == "engine")
    assert tuple(engine_option.type.choices) == ENGINES  # type: ignore[attr-defined]
