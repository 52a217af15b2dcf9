"""Search, snippets and kwic in several languages, on both engines; the index's analysis version.

The stories are written for these tests: a mixed corpus of English, French, Chinese and Arabic.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsarchive.analysis.kwic import kwic
from newsarchive.index import index_status, search, update_index
from newsarchive.index.analysis import (
    ANALYSIS_VERSION,
    QueryAnalyser,
    arabic_stem,
    forms_by_language,
    normalise,
    stopwords,
    tokens,
)
from newsarchive.index.api import ENGINES
from newsarchive.index.model import SearchIndexError
from searchfixtures import article, utc, write_corpus

STORIES = [
    article(
        "en-merge",
        "Two societies agree to merge",
        "The building societies agreed to merge after members voted for it.",
        published=utc(2016, 3, 1),
    ),
    article(
        "fr-merger",
        "Les banques veulent merger",
        "Les deux banques veulent merger avant l'été; les grèves continuent.",
        published=utc(2016, 3, 2),
        language="fr",
    ),
    article(
        "zh-ageing",
        "人口老龄化问题",
        "专家表示，人口老龄化加剧，养老服务需求增加。中国将提高退休年龄。",
        published=utc(2016, 3, 3),
        language="zh",
    ),
    article(
        "zh-city",
        "城市垃圾分类",
        "北京市开始推行生活垃圾分类，市民表示支持。",
        published=utc(2016, 3, 4),
        language="zh",
    ),
    article(
        "ar-king",
        "الملك يستقبل الأمير",
        "استقبل الملك في قصره الأمير، وقال إن المملكة تدعم التعليم. وللملك كلمة في الحفل.",
        published=utc(2016, 3, 5),
        language="ar",
    ),
    article(
        "ar-prince",
        "امير المنطقة يزور المدينة",
        "زار أمير المنطقة المدينة وبالمدينة مكتبة كبيرة، والتقى بالأهالي.",
        published=utc(2016, 3, 6),
        language="ar",
    ),
]

Built = dict[str, tuple[Path, Path]]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = tmp_path_factory.mktemp("languages")
    corpus = root / "corpus"
    write_corpus(corpus, STORIES)
    indexes = {}
    for engine in ENGINES:
        update_index(corpus, root / engine, engine=engine)
        indexes[engine] = (corpus, root / engine)
    return indexes


def hits(built: Built, query: str) -> set[str]:
    found = {
        engine: {h.doc_id for h in search(query, corpus=c, index_dir=i, limit=None).hits}
        for engine, (c, i) in built.items()
    }
    assert found["whoosh"] == found["tantivy"], query
    return found["whoosh"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("老龄化", {"zh-ageing"}),
        ("老", {"zh-ageing"}),  # one character: every article holding it
        ("垃圾分类", {"zh-city"}),
        ("市民", {"zh-city"}),
        ("表示", {"zh-ageing", "zh-city"}),
        ('"退休年龄"', {"zh-ageing"}),
        ("龄化加", {"zh-ageing"}),  # across a word boundary: the characters stand together
        ("化问养", set()),
        ("ملك", {"ar-king"}),  # الملك, وللملك: the article and prepositions come off
        ("الملك", {"ar-king"}),
        ("امير", {"ar-king", "ar-prince"}),  # أمير, الأمير, امير: one word
        ("الأمير", {"ar-king", "ar-prince"}),
        ("مدينة", {"ar-prince"}),  # ta marbuta: المدينة, وبالمدينة
        ("مملكة", {"ar-king"}),
        ("merge", {"en-merge", "fr-merger"}),  # French merge and merger: one stem
        ("merger", {"fr-merger"}),  # its French stem (merg) is looked for in French only
        ("grève", {"fr-merger"}),
        ("greves", {"fr-merger"}),
        ("strike language:zh", set()),
        ("老龄化 language:zh", {"zh-ageing"}),
        ("banques language:fr", {"fr-merger"}),
    ],
)
def test_words_in_every_language(built: Built, query: str, expected: set[str]) -> None:
    assert hits(built, query) == expected


def test_snippets_mark_whole_words_in_every_script(built: Built) -> None:
    for query, doc_id, snippet in [
        ("老龄化", "zh-ageing", "专家表示，人口**老龄化**加剧，养老服务需求增加。中国将提高退休年龄。"),
        ("老", "zh-ageing", "专家表示，人口**老**龄化加剧，养**老**服务需求增加。中国将提高退休年龄。"),
        ("垃圾分类", "zh-city", "北京市开始推行生活**垃圾分类**，市民表示支持。"),
        ("امير", "ar-prince", "زار **أمير** المنطقة المدينة وبالمدينة مكتبة كبيرة، والتقى بالأهالي."),
        ("امير", "ar-king", "استقبل الملك في قصره **الأمير**، وقال إن المملكة تدعم التعليم. وللملك كلمة في الحفل."),
    ]:  # fmt: skip
        for engine, (corpus, index_dir) in built.items():
            [hit] = [
                h
                for h in search(query, corpus=corpus, index_dir=index_dir).hits
                if h.doc_id == doc_id
            ]
            assert hit.snippet == snippet, (engine, query)


def test_kwic_shows_what_the_search_found(built: Built) -> None:
    corpus, index_dir = built["tantivy"]
    lines = [(ln.doc_id, ln.match) for ln in kwic("ملك", corpus=corpus, index_dir=index_dir)]
    assert lines == [("ar-king", "الملك"), ("ar-king", "وللملك")]
    lines = [(ln.doc_id, ln.match) for ln in kwic("老龄化", corpus=corpus, index_dir=index_dir)]
    assert lines == [("zh-ageing", "老龄化")]


def test_analysis_of_words() -> None:
    assert [t.norm for t in tokens("Les grèves continuent", "fr")] == ["le", "grev", "continuent"]
    assert [t.norm for t in tokens("Strikes", None)] == ["strikes"]  # no language: no stems
    assert [t.norm for t in tokens("Strikes", "zh")] == ["strikes"]  # no Snowball stemmer
    assert normalise("الأُمَــراء") == "الامراء"
    assert normalise("مكتبة على") == "مكتبه علي"
    assert arabic_stem("والمكتبات") == "مكتب"
    assert arabic_stem("ملكي") == "ملك"
    assert arabic_stem("في") == "في"  # too short to lose anything
    assert [t.norm for t in tokens("U.S. 3.5 hers", "en")] == ["u.s", "3.5", "her"]


def test_query_forms_follow_the_script_and_the_pinned_language() -> None:
    assert forms_by_language("老龄化", ["en", "zh", "ar"]) == {"": [("老龄", "龄化")]}
    assert list(forms_by_language("strikes", ["en", "ar", "zh"])) == ["", "en"]
    assert list(forms_by_language("ملك", ["en", "ar"])) == ["", "ar"]
    analyser = QueryAnalyser(["en", "fr"])
    assert [(f.words, f.only, f.unless) for f in analyser.scoped("merger")] == [
        (("merger",), None, ("fr",)),
        (("merg",), ("fr",), ()),
    ]
    from newsarchive.index.query import parse

    pinned = QueryAnalyser(["en", "fr"], parse("merger language:fr"))
    assert pinned.languages == ("fr",)


def test_stopwords_per_language() -> None:
    assert {"the", "of"} <= stopwords("en") and "said" not in stopwords("en")
    assert {"les", "des"} <= stopwords("fr")
    assert "في" in stopwords("ar") and "的" in stopwords("zh")
    assert stopwords("und") == stopwords("en")
    assert stopwords("xx") == frozenset()


def test_an_index_of_an_older_analysis_is_rebuilt_or_refused(tmp_path: Path) -> None:
    corpus, index_dir = tmp_path / "corpus", tmp_path / "indexes"
    write_corpus(corpus, STORIES[:2])
    update_index(corpus, index_dir)
    state_file = index_dir / "state.json"
    state = json.loads(state_file.read_text(encoding="utf-8"))
    assert state["analysis_version"] == ANALYSIS_VERSION
    state["analysis_version"] = ANALYSIS_VERSION - 1  # as an older newsarchive left it
    state_file.write_text(json.dumps(state), encoding="utf-8")
    assert not index_status(corpus, index_dir).up_to_date
    with pytest.raises(SearchIndexError) as caught:
        search("merge", corpus=corpus, index_dir=index_dir)
    assert str(caught.value) == (
        f"the index in {index_dir} was built by an older version of newsarchive, which "
        f"analysed words differently: run 'newsarchive index --rebuild --index-dir {index_dir}'"
    )
    report = update_index(corpus, index_dir)
    assert report.rebuilt and report.total == 2
    assert {h.doc_id for h in search("merge", corpus=corpus, index_dir=index_dir).hits} == {
        "en-merge",
        "fr-merger",
    }


def test_a_dot_between_arabic_words_is_a_lost_space_not_an_abbreviation() -> None:
    glued = "تسليم المواقع للمقاول.المشرف العام في ق.م"  # "...to the contractor.The supervisor"
    assert [t.norm for t in tokens(glued, "ar")] == [
        "تسليم",
        "مواقع",
        "مقاول",
        "مشرف",
        "عام",
        "في",
        "ق.م",  # one-letter parts: an abbreviation, joined as before
    ]
    assert [t.norm for t in tokens("U.S. officials e.g. 3.5", "en")] == [
        "u.s",
        "offici",
        "e.g",
        "3.5",
    ]
