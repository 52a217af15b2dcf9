"""The tagging stage: exact tags and evidence on short articles written for these tests."""

from __future__ import annotations

import pickle
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from newsarchive.article import Article, Evidence
from newsarchive.errors import UsageError
from newsarchive.pipeline.tagging.spacy_ner import MISSING, SpacyNer
from newsarchive.pipeline.tagging.topics import Taxonomy
from newsarchive.pipeline.tags import Tagger
from newsarchive.settings import Settings

sys.path.insert(0, str(Path(__file__).parent / "eval"))
from reuters import parse_records, unwrap

STRIKE_TITLE = "Junior doctors strike: live"
STRIKE = """Junior doctors in England walked out at 8am on Tuesday in the first strike of its kind in 40 years, the British Medical Association (BMA) said.

Marching in Manchester

Hundreds of doctors and nurses marched through Manchester city centre, where picket lines formed outside three hospitals. "We are not doing this lightly," said Dr Priya Shah, a registrar at one of them.

Hunt: the strike puts patients at risk

Health Secretary Jeremy Hunt said the walkout was unnecessary and urged the BMA to return to talks at Acas. Mr Hunt told MPs that NHS trusts had cancelled 4,000 operations. The pay dispute is over a new contract for weekend working.

Meet Sully the strike dog

A spaniel called Sully has become the mascot of the picket line in Manchester, where his owner works in A&E."""

BUSINESS_TITLE = "Harlan Motors profits beat forecasts"
BUSINESS = """Shares in Harlan Motors Inc rose 6% on Wall Street on Thursday after the carmaker reported quarterly profits well ahead of analysts' forecasts.

The Detroit-based company said revenue climbed to $4.2bn in the three months to June, helped by strong sales of its electric pick-up truck in California and Texas. Chief executive Maria Lopez said the firm would spend $300m on a new battery plant in Ohio.

"Demand has never been stronger," Ms Lopez told investors on a call. The company also raised its dividend. Corvane Corp, a rival fighting off a takeover bid, said its own results would follow next week."""

# "Reading" here is the club: no place. (A story set in the town says "in Reading".)
SPORT_TITLE = "Reading 2-1 Leeds United"
SPORT = """Reading came from behind to beat Leeds United 2-1 at the Madejski Stadium on Saturday and climb out of the relegation zone.

Leeds led through a first-half penalty, but Reading captain Tom Ellis levelled after the break and substitute Jack Moore headed the winner in stoppage time.

"The lads showed real character," said Reading manager Sam Clarke. Reading FC have now won three league games in a row."""

DECOYS_TITLE = "Waterproof phone makes a splash"
DECOYS = """Bath time will never be the same: a start-up has launched a mobile phone that is fully waterproof. Mobile phones have long been at risk in the bathroom, said founder Paris Hilton-Jones.

In March, the firm plans to sell the handset in Nice, France, and later in Florence. Most analysts were impressed. Jackson Browne, a technology writer, said the phone was "a real splash". Jordan Henderson, who tested it, said he dropped it in the bath twice."""


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger(Settings())


def tag(tagger: Tagger, title: str, text: str) -> Article:
    return tagger(Article(title=title, text=text))


def fields(article: Article) -> dict[str, list[str]]:
    names = ("topics", "places", "countries", "people", "organisations")
    return {f: getattr(article, f) for f in names}


def evidence(article: Article, field: str) -> list[Evidence]:
    return [e for e in article.tag_evidence if e.field == field]


# --- whole articles -------------------------------------------------------------------------
def test_strike_live_blog(tagger: Tagger) -> None:
    article = tag(tagger, STRIKE_TITLE, STRIKE)
    assert fields(article) == {
        "topics": ["industrial-action", "health"],
        "places": ["Manchester", "England"],
        "countries": ["GB"],
        "people": ["Jeremy Hunt", "Priya Shah"],
        "organisations": ["BMA", "British Medical Association", "NHS"],
    }
    assert article.tag_evidence == [
        Evidence(
            "topics",
            "industrial-action",
            "taxonomy:industrial-action",
            "strike x4, junior doctors x2, BMA x2, picket x2, Acas, pay dispute",
        ),
        Evidence(
            "topics",
            "health",
            "taxonomy:health",
            "doctors x3, junior doctors x2, BMA x2, A&E, NHS, health secretary",
        ),
        Evidence("places", "Manchester", "gazetteer:city", "Manchester x3"),
        Evidence("places", "England", "alias:region", "England"),
        Evidence(
            "countries",
            "GB",
            "city->country",
            "Manchester x3, England, British Medical Association",
        ),
        Evidence(
            "people",
            "Jeremy Hunt",
            "title:Health Secretary",
            "Health Secretary Jeremy Hunt, Mr Hunt, Hunt",
        ),
        Evidence("people", "Priya Shah", "title:Dr", "Dr Priya Shah"),
        Evidence("organisations", "BMA", "acronym", "British Medical Association (BMA), BMA"),
        Evidence(
            "organisations",
            "British Medical Association",
            "org-suffix",
            "British Medical Association",
        ),
        Evidence("organisations", "NHS", "acronym", "NHS"),
    ]


def test_us_business_story(tagger: Tagger) -> None:
    article = tag(tagger, BUSINESS_TITLE, BUSINESS)
    assert fields(article) == {
        "topics": ["business"],
        "places": ["Detroit", "California", "Texas", "Ohio"],
        "countries": ["US"],
        "people": ["Maria Lopez"],
        "organisations": ["Harlan Motors Inc", "Corvane Corp"],
    }
    assert evidence(article, "people") == [
        Evidence("people", "Maria Lopez", "first-name", "Maria Lopez, Ms Lopez")
    ]
    # the headline's "Harlan Motors" and the text's "Harlan Motors Inc" are one firm
    assert evidence(article, "organisations")[0] == Evidence(
        "organisations", "Harlan Motors Inc", "org-suffix", "Harlan Motors Inc, Harlan Motors"
    )
    assert evidence(article, "countries") == [
        Evidence("countries", "US", "region->country", "Detroit, California, Texas, Ohio")
    ]


def test_a_club_named_after_its_town_is_not_a_place(tagger: Tagger) -> None:
    article = tag(tagger, SPORT_TITLE, SPORT)
    assert fields(article) == {
        "topics": ["sport"],
        "places": ["Leeds"],
        "countries": ["GB"],
        "people": ["Tom Ellis", "Jack Moore", "Sam Clarke"],
        "organisations": ["Leeds United", "Reading FC"],
    }
    assert evidence(article, "people")[2] == Evidence(
        "people", "Sam Clarke", "first-name", "Sam Clarke"
    )


def test_decoys_are_not_places(tagger: Tagger) -> None:
    article = tag(tagger, DECOYS_TITLE, DECOYS)
    # not: Bath (bath time), Mobile (phones), March (the month), Most, Paris, Jackson, Jordan
    assert fields(article) == {
        "topics": ["technology"],
        "places": ["Nice", "France", "Florence"],
        "countries": ["FR", "IT"],
        "people": ["Paris Hilton-Jones", "Jordan Henderson"],
        "organisations": [],
    }
    assert evidence(article, "places")[0] == Evidence("places", "Nice", "gazetteer:city", "Nice")


# --- places and countries -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "places", "countries"),
    [
        ("Talks resumed in Reading on Monday.", ["Reading"], ["GB"]),
        ("Reading is a pleasure, she said.", [], []),
        ("The plant is in March, Cambridgeshire.", ["March", "Cambridgeshire"], ["GB"]),
        (
            "Officials in Britain and the U.S. agreed.",
            ["United Kingdom", "United States"],
            ["GB", "US"],
        ),
        ("The UK and the USA signed it.", ["United Kingdom", "United States"], ["GB", "US"]),
        (
            "Grain went to the Soviet Union and West Germany.",
            ["Soviet Union", "West Germany"],
            ["SU", "DE"],
        ),
        ("Exports to Latin America rose.", [], []),
        ("It opened in North London.", ["London"], ["GB"]),
        ("Paris Hilton visited.", [], []),
        ("The Washington Post reported it.", [], []),  # an org's name weighs 0.5
        ("Bank of Japan officials said Japanese exporters lost.", [], ["JP"]),
        ("Shoppers in Zurich and Sao Paulo.", ["Zürich", "São Paulo"], ["CH", "BR"]),
        ("Birmingham, the biggest city in Alabama.", ["Birmingham", "Alabama"], ["US"]),
        ("Birmingham is England's second city.", ["Birmingham", "England"], ["GB"]),
    ],
)
def test_places(tagger: Tagger, text: str, places: list[str], countries: list[str]) -> None:
    article = tag(tagger, "", text)
    assert (article.places, article.countries) == (places, countries)


def test_a_dateline_is_a_place_and_a_state_abbreviation_picks_the_namesake(
    tagger: Tagger,
) -> None:
    text = "SPRINGFIELD, Ill., March 3 - Acme Widgets Inc said profits rose."
    article = tag(tagger, "ACME WIDGETS PROFITS RISE", text)
    assert (article.places, article.countries, article.organisations) == (
        ["Springfield"],
        ["US"],
        ["Acme Widgets Inc"],
    )
    assert evidence(article, "countries") == [
        Evidence("countries", "US", "dateline", "Springfield")
    ]


def test_an_all_capitals_headline_gives_countries_only(tagger: Tagger) -> None:
    article = tag(tagger, "JAPAN TRADE SURPLUS WIDENS", "The surplus grew in February.")
    assert (article.places, article.countries, article.people) == (["Japan"], ["JP"], [])


def test_a_small_town_needs_its_country_named(tagger: Tagger) -> None:
    # Crewe (76,000 people) is a place only with context or its country named too
    alone = tag(tagger, "", "Crewe workers walked out.")
    named = tag(tagger, "", "Crewe workers walked out across Britain.")
    context = tag(tagger, "", "Workers in Crewe walked out.")
    assert (alone.places, named.places, context.places) == (
        [],
        ["Crewe", "United Kingdom"],
        ["Crewe"],
    )


def test_a_person_named_like_a_town_blocks_the_town(tagger: Tagger) -> None:
    article = tag(tagger, "", "Michael Jackson sang. Later Jackson said he was tired.")
    assert (article.people, article.places) == (["Michael Jackson"], [])


# --- people and organisations ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "people"),
    [
        ("Prime Minister Tony Blair spoke.", ["Tony Blair"]),
        ("Prince Charles opened it.", ["Prince Charles"]),
        ("The plan was backed by chairman Ann Okafor.", ["Ann Okafor"]),
        ("It works, said Ade Okafor.", ["Ade Okafor"]),
        ("Ade Okafor said it works.", ["Ade Okafor"]),
        ("US President George W. Bush flew in.", ["George W. Bush"]),
        ("Mr Okafor left. Dr Okafor stayed.", ["Okafor"]),
    ],
)
def test_people(tagger: Tagger, text: str, people: list[str]) -> None:
    assert tag(tagger, "", text).people == people


@pytest.mark.parametrize(
    ("text", "organisations"),
    [
        ("The Bank of England Governor Mervyn King spoke.", ["Bank of England"]),
        ("Ministers met the Department for Education.", ["Department for Education"]),
        ("Marks & Spencer sales fell.", ["Marks & Spencer"]),
        ("A BBC TV show.", ["BBC"]),
        ("NHS England said so.", ["NHS"]),
        ("The USSR and the UAE signed.", []),
        ("NOTE: 1986 net includes a gain of 1.2 mln dlrs.", []),
        ("The OECD expects GNP to grow; bonds rated AAA paid LIBOR plus 1/8.", ["OECD"]),
    ],
)
def test_organisations(tagger: Tagger, text: str, organisations: list[str]) -> None:
    assert tag(tagger, "", text).organisations == organisations


# --- the stage contract ---------------------------------------------------------------------
def test_fields_given_upstream_are_kept(tagger: Tagger) -> None:
    article = Article(title=STRIKE_TITLE, text=STRIKE, topics=["health"], countries=["IE"])
    tagger(article)
    assert (article.topics, article.countries, article.places) == (
        ["health"],
        ["IE"],
        ["Manchester", "England"],
    )
    assert {e.field for e in article.tag_evidence} == {"places", "people", "organisations"}


def test_max_topics(tagger: Tagger) -> None:
    one = Tagger(Settings().with_values(max_topics=1))
    assert tag(one, STRIKE_TITLE, STRIKE).topics == ["industrial-action"]
    per_source = Tagger(Settings(per_source={"wire": {"max_topics": 1}}))
    assert per_source(Article(title=STRIKE_TITLE, text=STRIKE, source="wire")).topics == [
        "industrial-action"
    ]
    assert len(tag(per_source, STRIKE_TITLE, STRIKE).topics) == 2


def test_a_long_run_of_capitals_is_no_name_and_costs_little(tagger: Tagger) -> None:
    menu = " ".join(["Home News Sport John Smith Weather London Bank Of England"] * 400)
    article = tag(tagger, "", f"{menu}. Talks were held in Leeds.")
    assert (article.places, article.people) == (["Leeds"], [])


def test_empty_article(tagger: Tagger) -> None:
    article = tag(tagger, "", "")
    assert fields(article) == {f: [] for f in fields(article)}
    assert article.tag_evidence == []


def test_the_tagger_pickles_by_rebuilding(tagger: Tagger) -> None:
    copy = pickle.loads(pickle.dumps(tagger))
    assert len(pickle.dumps(tagger)) < 2000
    assert fields(tag(copy, SPORT_TITLE, SPORT)) == fields(tag(tagger, SPORT_TITLE, SPORT))


# --- taxonomy files -------------------------------------------------------------------------
def test_extra_taxonomy_adds_a_topic(tmp_path: Path) -> None:
    extra = tmp_path / "farming.toml"
    extra.write_text(
        '[[topic]]\nlabel = "farming"\nname = "agriculture"\ncode = "medtop:20000210"\n'
        'strong = ["harvest", "farmers", "crop"]\n',
        encoding="utf-8",
    )
    tagger = Tagger(Settings(base_dir=tmp_path).with_values(extra_taxonomy=["farming.toml"]))
    article = tag(tagger, "Harvest fails", "Farmers lost the crop to rain; farmers wept.")
    assert article.topics == ["farming"]
    assert article.tag_evidence[0] == Evidence(
        "topics",
        "farming",
        "taxonomy:farming",
        "harvest, farmers x2, crop",  # headline x3
    )


def test_taxonomy_replaces_the_shipped_one(tmp_path: Path) -> None:
    own = tmp_path / "own.toml"
    own.write_text('[[topic]]\nlabel = "weather"\nstrong = ["rain"]\n', encoding="utf-8")
    tagger = Tagger(Settings().with_values(taxonomy=str(own)))
    assert [t.label for t in tagger.taxonomy.topics] == ["weather"]
    assert tag(tagger, "", STRIKE).topics == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "taxonomy file not found: {path}"),
        ("[[topic]\n", "taxonomy file {path} is not valid TOML: "),
        ('title = "no topics"\n', "taxonomy file {path} has no [[topic]] tables"),
        ('[[topic]]\nstrong = ["rain"]\n', "taxonomy file {path}: every [[topic]] needs a label"),
        (
            '[[topic]]\nlabel = "x"\nstrong = "rain"\n',
            "taxonomy file {path}: x.strong should be a list of strings",
        ),
        (
            '[scoring]\nmin_score = "high"\n[[topic]]\nlabel = "x"\n',
            "taxonomy file {path}: [scoring] takes numbers for title_weight, per_words, "
            "length_floor, min_score, min_share",
        ),
    ],
)
def test_a_bad_taxonomy_file_is_one_usage_error(
    tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "bad.toml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(UsageError) as info:
        Tagger(Settings().with_values(taxonomy=str(path)))
    assert str(info.value).startswith(message.format(path=path))
    assert "\n" not in str(info.value)


def test_keyword_forms_and_case() -> None:
    tax = Taxonomy.from_tables(
        [{"label": "politics", "strong": ["Labour", "city"], "weights": {"general election": 2}}]
    )
    scores = tax.score("", "Labour won cities and the General Election; labour is work.")
    assert [(s.label, s.matched()) for s in scores] == [
        ("politics", "Labour, city, general election")
    ]


# --- named entity engines -------------------------------------------------------------------
def test_unknown_ner_engine() -> None:
    with pytest.raises(UsageError, match="unknown --ner 'stanza'; use one of: builtin, spacy"):
        Tagger(Settings(), ner="stanza")


def test_spacy_missing_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "spacy", None)  # makes `import spacy` fail
    with pytest.raises(UsageError) as info:
        Tagger(Settings(), ner="spacy")
    assert (
        str(info.value)
        == MISSING
        == (
            "--ner spacy needs spaCy and an English model: "
            "pip install spacy && python -m spacy download en_core_web_sm"
        )
    )


def test_spacy_entities_go_through_the_gazetteer_and_merging(tagger: Tagger) -> None:
    def ent(label: str, text: str, start: int) -> SimpleNamespace:
        return SimpleNamespace(label_=label, text=text, start_char=start)

    ents = [
        ent("PERSON", "Jeremy Hunt", 0),
        ent("GPE", "Manchester", 20),
        ent("ORG", "the BMA", 40),
        ent("PERSON", "Hunt", 60),
        ent("NORP", "British", 80),
    ]
    ner = SpacyNer(tagger.gazetteer, nlp=lambda text: SimpleNamespace(ents=ents))
    tags = ner.tags("", "(text)")
    assert (tags.people, tags.places, tags.countries, tags.organisations) == (
        ["Jeremy Hunt"],
        ["Manchester"],
        ["GB"],
        ["BMA"],
    )
    assert tags.evidence[0] == Evidence("places", "Manchester", "spacy:GPE", "Manchester")


# --- the Reuters reader the evaluation uses -------------------------------------------------
def test_reuters_reader() -> None:
    sgml = (
        '<REUTERS TOPICS="YES" NEWID="7">\n<DATE> 2-MAR-1987 10:00:00.00</DATE>\n'
        "<TOPICS><D>grain</D></TOPICS>\n<PLACES><D>usa</D><D>ussr</D></PLACES>\n"
        "<TEXT>&#2;\n<TITLE>GRAIN SHIPMENTS &lt;UP&gt;</TITLE>\n"
        "<DATELINE>    CHICAGO, March 2 - </DATELINE><BODY>Grain went\nto Moscow.\n"
        "    It rose.\n Reuter\n&#3;</BODY></TEXT>\n</REUTERS>\n"
    )
    [record] = parse_records(sgml)
    assert record == {
        "newid": "7",
        "date": "2-MAR-1987 10:00:00.00",
        "title": "GRAIN SHIPMENTS <UP>",
        "dateline": "CHICAGO, March 2 -",
        "body": "Grain went\nto Moscow.\n    It rose.",
        "topics": ["grain"],
        "places": ["usa", "ussr"],
    }
    assert unwrap(str(record["body"])) == "Grain went to Moscow.\n\nIt rose."


# --- misfire classes (issue 18): each fixed by kind, not by name ----------------------------

SERMON_TITLE = "Bishop's Christmas message"
SERMON = """The Bishop of Carlow used his Christmas sermon to speak of families kept apart.

"Some of you are far from home tonight, and some have loved ones away at sea or working abroad," he told the congregation. "Home is where we are welcomed."

He asked people to remember neighbours who would spend the season alone, and to open their doors."""

FLOOD_TITLE = "Carlow flood defences breached"
FLOOD = """Residents of Carlow were told to leave their homes on Sunday as the River Barrow rose after a week of rain.

The council said the town's flood defences were its first line of defence. "The defences held along the quay, but the defence wall at the old mill was breached and water poured through," a spokesman said. Engineers fighting to shore up the defences worked through the night.

The Met Office has kept a yellow warning in place for the region."""


def test_home_and_away_alone_are_not_sport(tagger: Tagger) -> None:
    article = tag(tagger, SERMON_TITLE, SERMON)
    assert "sport" not in article.topics
    # the same words beside a match and a league are sport, and earn their points there
    match = tag(
        tagger,
        "Carlow win at home",
        "Carlow beat Athy 2-0 at home on Saturday to go top of the league. The match was "
        "settled by two goals after the break; their away form is the worry.",
    )
    assert match.topics[0] == "sport"
    sport = next(e for e in evidence(match, "topics") if e.value == "sport")
    assert "home" in sport.matched and "away" in sport.matched


def test_flood_defences_are_not_war(tagger: Tagger) -> None:
    article = tag(tagger, FLOOD_TITLE, FLOOD)
    assert article.topics == ["disasters-accidents"]
    # "defence" still counts for war beside a strong war word
    war = tag(tagger, "", "Troops shelled the town; its defence collapsed after the invasion.")
    assert war.topics == ["war-conflict"]


def test_a_context_keyword_must_be_one_of_the_topics_keywords() -> None:
    with pytest.raises(ValueError, match=r"sport.context: 'goal' is not one of its keywords"):
        Taxonomy.from_tables([{"label": "sport", "medium": ["home"], "context": ["goal"]}])
    tax = Taxonomy.from_tables(
        [{"label": "sport", "strong": ["match"], "medium": ["home"], "context": ["home"]}]
    )
    assert tax.score("", "Home, home, home again.") == []
    assert [t.label for t in tax.score("", "A home match.")] == ["sport"]


def test_repeated_keywords_count_less_than_different_ones() -> None:
    tax = Taxonomy.from_tables(
        [{"label": "a", "strong": ["drugs"]}, {"label": "b", "strong": ["race", "medal"]}],
        {"min_share": 0.0, "min_score": 0.0},
    )
    # drugs x4 is 3 x sqrt(4) = 6 points; race + medal are 3 + 3: a tie, ordered by label
    scores = tax.score("", "drugs drugs drugs drugs race medal")
    assert [(t.label, round(t.score, 2)) for t in scores] == [("a", 4.0), ("b", 4.0)]


@pytest.mark.parametrize(
    ("text", "people", "organisations"),
    [
        # a title word before an institution or a document is no person
        (
            "Patients at Leeds General Infirmary were moved. The General Infirmary reopened.",
            [],
            ["Leeds General Infirmary", "General Infirmary"],
        ),
        ("Talks on the General Agreement stalled again on Monday.", [], []),
        # a name set off by commas after a role is a person
        (
            "The BMA's junior doctors' leader, Johann Malawana, said the strike would go ahead.",
            ["Johann Malawana"],
            ["BMA"],
        ),
        (
            "The union's general secretary, Priya Okonjo, said members would vote.",
            ["Priya Okonjo"],
            [],
        ),
        # but not a list of places or a name after an ordinary noun
        ("The train called at Leeds, York, Durham and Newcastle.", [], []),
        ("Her favourite book, Middle England, sold well.", [], []),
    ],
)
def test_people_and_institutions(
    tagger: Tagger, text: str, people: list[str], organisations: list[str]
) -> None:
    article = tag(tagger, "", text)
    assert (article.people, article.organisations) == (people, organisations)


def test_middle_initials_and_titles_name_one_person(tagger: Tagger) -> None:
    article = tag(
        tagger,
        "",
        "President Donald Trump signed the order on Monday. Donald J. Trump had promised it in "
        "March. Donald Trump said the law would pass; Mr Trump left for Ohio.",
    )
    assert article.people == ["Donald Trump"]
    # every form written is kept as evidence, most used first
    assert evidence(article, "people") == [
        Evidence(
            "people",
            "Donald Trump",
            "title:President",
            "President Donald Trump, Donald Trump, Donald J. Trump, Mr Trump",
        )
    ]


def test_a_dateline_after_the_headline_line_is_read(tagger: Tagger) -> None:
    # as ingest stores a file: the text opens with its headline line, the dateline follows
    title = "KORVALE SHIPPING SETS DIVIDEND"
    text = f"{title}\n\nTOKYO, March 3 - Korvale Shipping Co said it would pay a higher dividend."
    article = tag(tagger, title, text)
    assert article.countries == ["JP"]
    assert evidence(article, "countries") == [Evidence("countries", "JP", "dateline", "Tokyo")]
    # a title that only starts the first sentence is no headline line
    assert tag(tagger, "TOKYO", "TOKYO, March 3 - Rates fell.").countries == ["JP"]


def test_topics_with_equal_points_tie_whatever_the_order_of_their_sums() -> None:
    # 0.1 + 0.2 + 0.3 and 0.3 + 0.2 + 0.1 differ in the last bit, and the keywords are summed
    # in set order (salted hashes): rounded, the two topics tie and the label decides.
    tax = Taxonomy.from_tables(
        [
            {"label": "zeta", "weights": {"alpha": 0.1, "beta": 0.2, "gamma": 0.3}},
            {"label": "eta", "weights": {"delta": 0.3, "epsilon": 0.2, "kappa": 0.1}},
        ],
        {"min_score": 0.1},
    )
    scores = tax.score("", "alpha beta gamma delta epsilon kappa")
    assert [(s.label, round(s.score, 6)) for s in scores] == [("eta", 0.4), ("zeta", 0.4)]
