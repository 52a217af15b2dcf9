"""Title, byline, kind, language and word count of a cleaned article."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsarchive.article import Article, Removal
from newsarchive.errors import UsageError
from newsarchive.pipeline import structure
from newsarchive.pipeline.structure import add_structure, count_words, find_kind, is_heading

LIVE_BLOG = "\n\n".join(
    [
        "Junior doctors strike: live updates",
        "Marching in Manchester",
        "Hundreds of junior doctors marched through the city centre this afternoon.",
        "Meet Sully the strike dog",
        "Sully has become the unofficial mascot of the picket line outside the hospital.",
        "Scenes outside Leeds General",
        "The picket line grew through the morning as consultants joined.",
    ]
)


def test_heading_lines() -> None:
    assert is_heading("Marching in Manchester")
    assert is_heading("Meet Sully the strike dog")
    assert not is_heading("Hundreds of junior doctors marched through the city centre.")
    assert not is_heading("2016")  # no letters


def test_title_from_first_heading_line_and_kind_liveblog() -> None:
    a = add_structure(Article(text=LIVE_BLOG, body=LIVE_BLOG), language_hint="")
    assert a.title == "Junior doctors strike: live updates"
    assert a.kind == "liveblog"
    assert a.language == "en"
    assert a.word_count == 51


def test_regular_story_is_an_article() -> None:
    text = "Flood defences hold in York\n\nThe river peaked on Sunday.\n\nNo homes were flooded."
    a = add_structure(Article(text=text, body=text))
    assert (a.title, a.kind) == ("Flood defences hold in York", "article")


def test_liveblog_from_timestamps() -> None:
    text = "Strike day\n\n10:45\n\nDoctors gather.\n\n11.30am\n\nMore arrive.\n\n12:15 BST\n\nSpeeches."
    assert find_kind(Article(text=text)) == "liveblog"


def test_single_paragraph_has_no_title() -> None:
    text = "(CNN) A long single paragraph story with no headline at all, as scraped."
    assert add_structure(Article(text=text, body=text)).title is None


def test_title_from_metadata_wins() -> None:
    text = "Some heading\n\nBody text here."
    a = add_structure(Article(text=text, body=text, title="Given title"))
    assert a.title == "Given title"


def test_authors_from_byline_line_and_from_removed_byline() -> None:
    body = "Second day of walkout\nBy Tom Ellis, Health Reporter\nThe second day ended."
    a = add_structure(Article(text="Second day of walkout\n\nThe second day ended.", body=body))
    assert a.authors == ["Tom Ellis"]
    glued = Article(
        text="Ferries cancelled.",
        body="By. Associated Press. PUBLISHED:. 14:11 EST, 25 October 2013. Ferries cancelled.",
        removed=[
            Removal(
                "By. Associated Press. PUBLISHED:. 14:11 EST, 25 October 2013.",
                "byline/dailymail-header",
                0,
                61,
            )
        ],
    )
    assert add_structure(glued).authors == ["Associated Press"]
    two = Article(text="x", body="By Jane Doe and John Roe\nText.")
    assert add_structure(two).authors == ["Jane Doe", "John Roe"]


ARABIC = "قال وزير الصحة إن المستشفيات جاهزة لاستقبال المرضى في جميع المناطق بعد انتشار المرض"
TABLE = "OPEC OIL OUTPUT\n\nShr 12 cts vs 10 cts\nNet 1,234 vs 987\nRevs 12.3 mln vs 11.1 mln"


def test_language_of_arabic_and_chinese_and_hint() -> None:
    assert add_structure(Article(text=ARABIC)).language == "ar"
    assert add_structure(Article(text="今天北京的天气很好，市民纷纷出门。")).language == "zh"
    assert add_structure(Article(text="Bonjour"), language_hint="fr").language == "fr"


def test_language_is_undetermined_without_enough_prose() -> None:
    assert structure.find_language(TABLE) == "und"  # figures: no prose to read
    assert structure.find_language("12-1 (3-0) 45.6 78.9") == "und"
    assert structure.find_language("Video Loading") == "und"  # too little
    assert structure.prose_sample(TABLE) == "opec oil output Shr cts vs cts Revs mln vs mln"


def test_languages_restrict_the_choice() -> None:
    french = "Les médecins ont manifesté devant l'hôpital samedi matin contre la réforme."
    assert structure.find_language(french, languages=("en", "fr")) == "fr"
    assert structure.find_language(french, languages=("en", "de")) == "und"
    assert structure.find_language(ARABIC, languages=("en", "fr")) == "und"  # not their script
    assert (
        structure.find_language("Qtly div 35 cts vs 35 cts prior, payable March", languages=("en",))
        == "en"
    )
    with pytest.raises(UsageError, match="unknown language code"):
        structure.load_models(("en", "xx"))


def test_language_scores_are_py3langids_own() -> None:
    """The classifier with float32 weights gives py3langid's labels and scores, bit for bit."""
    import py3langid

    samples = [
        "Junior doctors marched through Manchester on the first day of the strike.",
        "قال وزير الصحة إن المستشفيات جاهزة لاستقبال المرضى",
        "今天北京的天气很好，市民纷纷出门。",
        "Les médecins ont manifesté devant l'hôpital samedi matin.",
        "Die Ärzte streiken am Montag in ganz Deutschland.",
        "Video Loading",
    ]
    classify = structure._classify()
    assert classify.__self__.nb_ptc.dtype.name == "float32"  # type: ignore[attr-defined]
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    shipped = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)  # float16 weights
    assert [classify(s) for s in samples] == [shipped.classify(s) for s in samples]
    assert [classify(s)[0] for s in samples] == [py3langid.classify(s)[0] for s in samples]


def test_array_walk_sees_every_state_of_the_model() -> None:
    """The numpy walk reads the last DEPTH bytes: no state of the model lies deeper (the
    shortest byte string leading to a state, found breadth first, is its depth)."""
    import numpy as np

    walk = structure._classify(()).__self__.array_walk  # type: ignore[attr-defined]
    depth = np.full(len(walk.rowbase), -1)
    depth[0], frontier, level = 0, np.array([0]), 0
    while len(frontier):
        level += 1
        reached = np.unique(
            walk.nextmove[(walk.rowbase[frontier][:, None] + np.arange(256)).ravel()]
        )
        frontier = reached[depth[reached] < 0]
        depth[frontier] = level
    assert (int(depth.max()), int((depth < 0).sum())) == (structure._ArrayWalk.DEPTH, 0)


def test_array_walk_scores_as_py3langid_on_real_articles() -> None:
    import numpy as np
    from py3langid.langid import LanguageIdentifier

    identifier = structure._classify(()).__self__  # type: ignore[attr-defined]
    data = Path(__file__).resolve().parents[2] / "shared" / "data"
    files = (
        sorted((data / "bbc").rglob("*.txt"))[::50] + sorted((data / "arabic").rglob("*.txt"))[:20]
    )
    texts = [f.read_bytes().decode("utf-8", "replace") for f in files]
    assert len(texts) > 50
    for text in texts:
        encoded = identifier._encode(text[:3000])
        assert np.array_equal(
            identifier._raw_score(encoded), LanguageIdentifier._raw_score(identifier, encoded)
        )


def test_word_count_counts_cjk_characters() -> None:
    assert count_words("今天 weather 很好") == 5
    assert count_words("Junior doctors' strike, day two.") == 5


@given(st.text(alphabet="ab9_ .-’“”—£é\u00a0\t\n\x00今Ω"))
def test_word_count_is_the_number_of_regex_words(text: str) -> None:
    """The quick count of ASCII-worded texts agrees with listing the regex words."""
    if not re.search("[今]", text):
        assert count_words(text) == len(re.findall(r"\w+", text))


def test_docstring_examples() -> None:
    failed, tried = doctest.testmod(structure)
    assert (failed, tried > 0) == (0, True)


def test_posted_by_line_gives_the_author() -> None:
    body = "Strike live\nPosted by Hannah Ward\nMarching in Manchester"
    assert add_structure(Article(text="Strike live\n\nMarching", body=body)).authors == [
        "Hannah Ward"
    ]


def test_tables_and_live_words_in_titles_are_not_live_blogs() -> None:
    table = "\n\n".join(
        [
            "ACME CORP 4TH QTR NET",
            "Shr 23 cts vs 17 cts",
            "Net 1,742,000 vs 1,512,000",
            "Year",
            "Shr 61 cts vs 61 cts",
            "Net 4,469,000 vs 4,039,000",
            "Pay April one",
            "Record March 13",
            "Avg shrs 7.8 mln",
        ]
    )
    assert find_kind(Article(text=table, title="ACME CORP 4TH QTR NET")) == "article"
    # notes under the figures are post-like paragraphs, but no row heads them as a post's heading
    noted = "\n\n".join(
        [
            "ACME CORP 4TH QTR NET",
            "Shr 78 cts vs one dlr",
            "Net 1,413,000 vs 1,776,000",
            "Qtly div six cts vs six cts prior qtr",
            "Pay April 1",
            "Record March 6",
            "NOTE: 1986 net includes charges from accounting changes of 120,000 dlrs in the quarter.",
            "Acme Corp of Kalamazoo, Michigan, is the full name of the company.",
        ]
    )
    assert find_kind(Article(text=noted, title="ACME CORP 4TH QTR NET")) == "article"
    posts = LIVE_BLOG.replace("Junior doctors strike: live updates", "Junior doctors strike")
    assert find_kind(Article(text=posts, title="Junior doctors strike")) == "liveblog"
    cattle = "Live cattle futures rallied on Monday as the plant reopened."
    assert find_kind(Article(text=cattle, title="Live cattle rally")) == "article"
    assert find_kind(Article(text=cattle, title="Live: cattle markets")) == "liveblog"
    assert find_kind(Article(text=cattle, title="Budget day – live")) == "liveblog"
