"""Text analysis per language: what a *word* is, for the index, queries, kwic, snippets and top words.

One definition, used everywhere, so that a query finds what kwic then shows:

- **Words** are runs of letters and digits (with the combining marks inside them, so Arabic
  diacritics and Indic vowel signs never split a word), joined across a dot between two word
  characters (*U.S.*, *3.5*), as whoosh has always split them.
- **Chinese, Japanese and Korean** have no spaces between words: each run of their characters
  becomes overlapping character bigrams, as Lucene's CJK analyser does (*老龄化* -> 老龄 龄化).
  The index also keeps the run's last character alone, so that every character starts one token
  and a one-character query is a prefix search. A query word of two or more characters is the
  phrase of its bigrams: it matches exactly where the characters stand together. Word
  segmentation (jieba) was measured against bigrams on ../shared/data/chinese and missed words
  that its dictionary cuts otherwise (``bench/bench_cjk.py``).
- **Normalisation**: lower case; Latin, Greek and Cyrillic accents folded (*café* = *cafe*, after
  stemming, which needs them); Arabic alef and hamza-on-alef forms, alef maqsura, ta marbuta,
  diacritics and tatweel folded (*أمير* = *امير*, *مكتبة* = *مكتبه*).
- **Stemming** by the article's language with Snowball (PyStemmer) where Snowball has the
  language, English included; Arabic by a light stemmer (the definite article with its attached
  prepositions, and common suffixes: Larkey's light10 as Lucene's ArabicStemmer has it, with
  *wa-lil* added), which
  keeps a stem a substring of its word; other languages are not stemmed. Words with digits or
  dots (*3.5*, *U.S.*) are never stemmed. A query word is analysed in every
  language of its script that the index holds, plus unstemmed, and any of those forms matches.
- **Stopwords** (top words only; the index keeps every word so that phrases stay exact) per
  language from stopwords-iso (``stopwordsiso``, MIT), English from the shipped list.

>>> [t.norm for t in tokens("Nurses' strikes in the U.S.", "en")]
['nurs', 'strike', 'in', 'the', 'u.s']
>>> [t.norm for t in tokens("人口老龄化", "zh")]
['人口', '口老', '老龄', '龄化', '化']
>>> [t.norm for t in tokens("وقال بالأمير", "ar")]
['وقال', 'امير']
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

ANALYSIS_VERSION = 2  # bump when any word's analysed form changes: indexes are then rebuilt

# Chinese, Japanese and Korean characters: Hiragana, Katakana, CJK ideographs (and extension A,
# compatibility ideographs), Hangul syllables and jamo.
_CJK_CLASS = (
    "\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
)
_ARABIC_CLASS = "\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff"
# Text of these characters alone (Latin letters, general punctuation, currency signs) holds no
# combining mark, Arabic or CJK letter: its words are _PLAIN_WORDS. The patterns with the large
# classes are compiled only for other text: compiling them took 60 ms of each process.
_PLAIN_CLASS = "\x00-\u02ff\u2000-\u206f\u20a0-\u20cf"
_PLAIN_WORDS = re.compile(r"\w+(?:\.\w+)*")


@functools.cache
def _pattern(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _cjk() -> re.Pattern[str]:
    return _pattern(f"[{_CJK_CLASS}]")


def _arabic() -> re.Pattern[str]:
    return _pattern(f"[{_ARABIC_CLASS}]")


def is_plain(text: str) -> bool:
    """Whether ``text`` holds only characters of :data:`_PLAIN_CLASS` (no combining mark, Arabic
    or CJK letter), whose words :data:`_PLAIN_WORDS` finds."""
    return text.isascii() or _pattern(f"[{_PLAIN_CLASS}]*").fullmatch(text) is not None


# ISO 639-1 code -> Snowball algorithm in PyStemmer
SNOWBALL: dict[str, str] = {
    "hy": "armenian", "eu": "basque", "ca": "catalan", "cs": "czech",
    "da": "danish", "nl": "dutch", "en": "english", "eo": "esperanto", "et": "estonian",
    "fi": "finnish", "fr": "french", "de": "german", "el": "greek", "hi": "hindi",
    "hu": "hungarian", "id": "indonesian", "ga": "irish", "it": "italian", "lt": "lithuanian",
    "ne": "nepali", "no": "norwegian", "nb": "norwegian", "nn": "norwegian", "fa": "persian",
    "pl": "polish", "pt": "portuguese", "ro": "romanian", "ru": "russian", "sr": "serbian",
    "st": "sesotho", "es": "spanish", "sv": "swedish", "ta": "tamil", "tr": "turkish",
    "yi": "yiddish",
}  # fmt: skip

# The script a language is written in, for choosing which languages a query word belongs to.
# Languages not listed are written in Latin letters.
SCRIPTS: dict[str, str] = {
    **dict.fromkeys(("ar", "fa", "ur", "ps", "ku", "sd", "ug"), "arabic"),
    **dict.fromkeys(("zh", "ja", "ko"), "cjk"),
    **dict.fromkeys(("ru", "uk", "bg", "sr", "mk", "be", "kk", "ky", "mn", "tg"), "cyrillic"),
    **dict.fromkeys(("he", "yi"), "hebrew"),
    **dict.fromkeys(("hi", "mr", "ne", "sa"), "devanagari"),
    "el": "greek",
    "hy": "armenian",
    "ta": "tamil",
    "th": "thai",
}

# Arabic: hamza-carrying and wasla alefs -> bare alef; alef maqsura -> ya; ta marbuta -> ha;
# diacritics (harakat, tanwin, shadda, sukun, superscript alef, Quranic marks) and tatweel dropped.
_ARABIC_FOLD = str.maketrans(
    {
        "\u0622": "\u0627", "\u0623": "\u0627", "\u0625": "\u0627", "\u0671": "\u0627",
        "\u0649": "\u064a", "\u0629": "\u0647", "\u0640": None,
        **{chr(c): None for c in range(0x064B, 0x0660)},
        "\u0670": None,
        **{chr(c): None for c in range(0x0610, 0x061B)},
        **{chr(c): None for c in range(0x06D6, 0x06EE)},
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Token:
    """A word of a text as the index holds it: ``norm`` at ``pos``, written ``text[start:end]``."""

    norm: str
    pos: int
    start: int
    end: int


@functools.cache
def _word_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Words: letters and digits with combining marks inside them, joined across single dots
    (whoosh's ``\\w+(\\.?\\w+)*``); and, for text holding CJK, runs of CJK characters or
    such words without CJK characters (an alternation per character: twice as slow)."""
    codes = [
        c
        for c in range(0x300, 0x10000)
        if unicodedata.category(chr(c)) in ("Mn", "Mc", "Me") and not chr(c).isalnum()
    ]
    ranges: list[list[int]] = []
    for c in codes:  # as ranges: a class of single characters compiles ten times slower
        if ranges and ranges[-1][1] == c - 1:
            ranges[-1][1] = c
        else:
            ranges.append([c, c])
    marks = "".join(f"\\u{a:04x}-\\u{b:04x}" if a != b else f"\\u{a:04x}" for a, b in ranges)
    plain = f"[\\w{marks}]+"
    mixed = f"(?:[^\\W{_CJK_CLASS}]|[{marks}])+"
    # Arabic has no dotted abbreviations of two-letter parts: a dot between Arabic words is a
    # sentence end whose space was lost in scraping (للمقاول.المشرف), so it splits them.
    arabic = f"[{_ARABIC_CLASS}]"
    dot = f"(?:(?<!{arabic})\\.|\\.(?!{arabic}{{2}}))"
    return (
        re.compile(f"{plain}(?:{dot}{plain})*"),
        re.compile(f"(?P<cjk>[{_CJK_CLASS}]+)|{mixed}(?:{dot}{mixed})*"),
    )


def script_of(text: str) -> str:
    """``cjk``, ``arabic`` or ``other``: the script that decides how ``text`` is analysed."""
    if is_plain(text) or _pattern(f"[{_CJK_CLASS}{_ARABIC_CLASS}]").search(text) is None:
        return "other"
    if _cjk().search(text):
        return "cjk"
    if _arabic().search(text):
        return "arabic"
    return "other"


def is_cjk(norm: str) -> bool:
    return norm[:1] >= "\u1100" and _cjk().match(norm) is not None  # the class starts there


@functools.cache
def _stemmer(language: str) -> object | None:
    algorithm = SNOWBALL.get(language)
    if algorithm is None:
        return None
    import Stemmer

    stemmer: object = Stemmer.Stemmer(algorithm, 100_000)  # with a cache of that many words
    return stemmer


def base_language(language: str | None) -> str:
    """``en`` for ``en``, ``en-GB`` or ``EN``; ``""`` for none or ``und``."""
    code = (language or "").strip().lower().replace("_", "-").split("-")[0]
    return "" if code in ("und", "zxx", "mul") else code


_ARABIC_PREFIXES = (
    "\u0648\u0627\u0644",
    "\u0628\u0627\u0644",
    "\u0643\u0627\u0644",
    "\u0641\u0627\u0644",
    "\u0648\u0644\u0644",  # wa + lil: not in light10, common in news
    "\u0644\u0644",
    "\u0627\u0644",
)
_ARABIC_SUFFIXES = (
    "\u0647\u0627",
    "\u0627\u0646",
    "\u0627\u062a",
    "\u0648\u0646",
    "\u064a\u0646",
    "\u064a\u0647",
    "\u0647",
    "\u064a",
)  # (ta marbuta is already folded to ha)
ARABIC_PROCLITICS = ("\u0648", "\u0641", "\u0628", "\u0643", "\u0644")  # and, so, with, like, for


def _without_article(word: str) -> str:
    """A normalised Arabic word without its article (and the conjunction or preposition before
    it), as :func:`arabic_stem` takes it off, suffixes kept."""
    for prefix in _ARABIC_PREFIXES:
        if word.startswith(prefix) and len(word) >= len(prefix) + 2:
            return word[len(prefix) :]
    return word


def arabic_stem(word: str) -> str:
    """A normalised Arabic word without its article and common suffixes (light10, as Lucene).

    >>> arabic_stem("\u0628\u0627\u0644\u0645\u0644\u0643\u0647") == "\u0645\u0644\u0643"
    True
    """
    word = _without_article(word)
    for suffix in _ARABIC_SUFFIXES:
        if word.endswith(suffix) and len(word) >= len(suffix) + 2:
            word = word[: -len(suffix)]
    return word


def stems(words: list[str], language: str | None) -> list[str]:
    """``words`` stemmed in ``language`` (unchanged where there is no stemmer for it); words
    with digits or dots are left as they are."""
    lang = base_language(language)
    if lang == "ar":
        return [arabic_stem(w) if w.isalpha() else w for w in words]
    stemmer = _stemmer(lang)
    if stemmer is None:
        return words
    stemmed: list[str] = stemmer.stemWords(words)  # type: ignore[attr-defined]
    # words with digits or dots keep their form (one C call for all, then the few put back)
    return [t if w.isalpha() else w for w, t in zip(words, stemmed, strict=True)]


@functools.cache
def _latin_fold() -> dict[int, str]:
    from whoosh.support.charset import accent_map

    return dict(accent_map)


# Stemmers that only ever take letters off a word's end: a stem starts as its word does (lower
# cased, accents folded), so a text's candidates for a word can be found by its first letters
# before anything is stemmed. Arabic (articles, conjunctions), Indonesian, Irish, Greek, Polish
# and Yiddish stemmers take prefixes off too; languages with no stemmer keep the word whole.
SUFFIX_STEMMERS = frozenset(
    {"ca", "da", "de", "en", "es", "fi", "fr", "hu", "it", "nb", "nl", "nn", "no", "pt", "ro"}
    | {"ru", "sv"}
)


def stem_keeps_start(language: str | None) -> bool:
    """Whether every word of ``language`` is indexed under a form that starts as the word's
    lower-cased, accent-folded spelling does (see :data:`SUFFIX_STEMMERS`)."""
    lang = base_language(language)
    return lang in SUFFIX_STEMMERS or (lang not in SNOWBALL and lang != "ar")


def count_words(
    text: str, start: int = 0, end: int | None = None, *, most: int | None = None
) -> int:
    """How many words :func:`tokens` finds in ``text[start:end]`` (no CJK or Arabic in it),
    unanalysed; with ``most``, counting stops there.

    >>> count_words("U.S. talks, e.g. on 5.30pm"), count_words("U.S. talks, e.g. on", most=2)
    (5, 2)
    """
    end = len(text) if end is None else end
    plain = text.isascii() or _pattern(f"[{_PLAIN_CLASS}]*").fullmatch(text, start, end)
    words = _PLAIN_WORDS if plain else _word_patterns()[0]
    if most is None:
        return len(words.findall(text, start, end))
    return sum(1 for _ in itertools.islice(words.finditer(text, start, end), most))


def fold_lower(text: str) -> str:
    """``text`` lower-cased with Latin accents folded, as an analysed word is written."""
    low = text.lower()
    return low if low.isascii() else low.translate(_latin_fold())


# Every character the accent table folds to an ASCII letter or digit lies in these ranges
# (tests/test_snippet_windows.py checks it against the table): a pattern can look for a folded
# ASCII letter without the table, whose module (whoosh's) costs 40 ms of CPU to import.
FOLDING_TO_ASCII = "\u00c0-\u02af\u0300-\u036f\u1d00-\u1eff\u2c60-\u2c7f\uff10-\uff5a"


def folds_to(letter: str) -> frozenset[str]:
    """Every character that :func:`fold_lower` writes as ``letter`` once a text is lower-cased:
    the letter itself (unless it folds to another) and the accented letters folded to it.

    >>> [c in folds_to("n") for c in "nñńx"]
    [True, True, True, False]
    """
    return _unfolded().get(letter, frozenset({letter}))


@functools.cache
def _unfolded() -> dict[str, frozenset[str]]:
    table = _latin_fold()
    sources: dict[str, set[str]] = {}
    for code, folded in table.items():
        if len(folded) == 1:
            sources.setdefault(
                folded, {folded} if table.get(ord(folded), folded) == folded else set()
            )
            sources[folded].add(chr(code))
    return {letter: frozenset(chars) for letter, chars in sources.items()}


def normalise(word: str) -> str:
    """Lower case, Arabic letters folded: the form before stemming.

    >>> normalise("Café"), normalise("الأُمَــراء")
    ('café', 'الامراء')
    """
    word = word.lower()
    if not word.isascii() and _arabic().search(word):
        word = word.translate(_ARABIC_FOLD)
    return word


def fold(word: str) -> str:
    """Accents off Latin, Greek and Cyrillic letters: after stemming (``café`` -> ``cafe``)."""
    if word.isascii():
        return word
    return word.translate(_latin_fold())


def _bigrams(run: str, start: int, query: bool) -> Iterable[tuple[str, int, int]]:
    if len(run) == 1:
        yield run, start, start + 1
        return
    for i in range(len(run) - 1):
        yield run[i : i + 2], start + i, start + i + 2
    if not query:  # the last character on its own: every character starts a token
        yield run[-1], start + len(run) - 1, start + len(run)


def tokens(
    text: str, language: str | None = None, *, query: bool = False, stem: bool = True
) -> list[Token]:
    """The words of ``text`` analysed in ``language`` (``query``: a CJK run as only its bigrams).

    >>> [(t.norm, t.start, t.end) for t in tokens("Cafés", "en")]
    [('cafe', 0, 5)]
    """
    return [
        Token(norm, pos, start, end)
        for pos, (norm, start, end) in enumerate(_pieces(text, language, query, stem))
    ]


def _pieces(text: str, language: str | None, query: bool, stem: bool) -> list[tuple[str, int, int]]:
    low = text.lower()  # once for the whole text, unless a letter lower-cases to two
    lowered = len(low) == len(text)
    if is_plain(text):
        words_of, arabic, has_cjk = _PLAIN_WORDS, False, False
    else:
        plain, mixed = _word_patterns()
        arabic = _arabic().search(text) is not None
        has_cjk = _cjk().search(text) is not None
        words_of = mixed if has_cjk else plain
    pieces: list[tuple[str, int, int]] = []
    words: list[str] = []
    where: list[int] = []
    for m in words_of.finditer(text):
        start, end = m.span()
        if has_cjk and m.group("cjk"):
            pieces.extend(_bigrams(m.group(), start, query))
            continue
        word = low[start:end] if lowered else m.group().lower()
        if arabic and _arabic().search(word):
            word = word.translate(_ARABIC_FOLD)
        where.append(len(pieces))
        words.append(word)
        pieces.append((word, start, end))
    if words:
        stemmed = stems(words, language) if stem else words
        for i, s in zip(where, stemmed, strict=True):
            pieces[i] = (s if s.isascii() else s.translate(_latin_fold()), *pieces[i][1:])
    return pieces


_PIECE_CHARS = 200_000


def _pieces_of(text: str) -> Iterable[str]:
    """``text`` in pieces of about ``_PIECE_CHARS``, each cut at a space or line break."""
    start = 0
    while start < len(text):
        end = start + _PIECE_CHARS
        if end < len(text):
            cut = max(text.rfind(" ", start, end), text.rfind("\n", start, end))
            end = cut + 1 if cut > start else end
        yield text[start:end]
        start = end


def norms(text: str, language: str | None) -> str:
    """The analysed words of ``text`` joined by spaces: what both engines index for it.

    The same words as :func:`tokens` gives; without CJK or Arabic letters (most text) found by
    one ``findall`` over the lower-cased text, three times faster than word by word. A long
    text is analysed a piece at a time, cut at white space (no word spans it), so memory stays
    at a piece's words.
    """
    if len(text) > _PIECE_CHARS:
        return " ".join(filter(None, (norms(piece, language) for piece in _pieces_of(text))))
    low = text.lower()
    plain = is_plain(low)
    if len(low) != len(text) or (not plain and (_cjk().search(text) or _arabic().search(text))):
        return " ".join([p[0] for p in _pieces(text, language, False, True)])
    words = (_PLAIN_WORDS if plain else _word_patterns()[0]).findall(low)
    if not words:
        return ""
    if base_language(language) != "ar":
        words = stems(words, language)
    if not text.isascii():
        table = _latin_fold()
        words = [w if w.isascii() else w.translate(table) for w in words]
    return " ".join(words)


def prefix_norm(text: str) -> str:
    """A prefix as the index holds words, minus the stemming: ``Stri*`` -> ``stri``."""
    return fold(normalise(text.strip()))


def query_languages(text: str, languages: Iterable[str]) -> list[str]:
    """The languages of ``languages`` a query word in ``text`` is analysed in: those written in
    its script (all of them for a word in no known script), always with ``""`` (unstemmed)."""
    script = script_of(text)
    if script == "cjk":
        return [""]  # CJK words are not stemmed: one analysis for all
    wanted = {base_language(lang) for lang in languages} - {""}
    if script == "arabic":
        chosen = [lang for lang in wanted if SCRIPTS.get(lang) == "arabic"]
    else:
        chosen = [lang for lang in wanted if SCRIPTS.get(lang, "latin") not in ("arabic", "cjk")]
    return ["", *sorted(chosen)]


def forms_by_language(text: str, languages: Iterable[str]) -> dict[str, list[tuple[str, ...]]]:
    """How ``text`` stands in the index in each candidate language (``""``: unstemmed, for
    articles in other languages or none).

    >>> forms_by_language("strikes", ["en", "fr"])
    {'': [('strikes',)], 'en': [('strike',)], 'fr': [('strik',)]}
    """
    found: dict[str, list[tuple[str, ...]]] = {}
    for lang in query_languages(text, languages):
        form = tuple(t.norm for t in tokens(text, lang, query=True))
        if not form:
            continue
        forms = [form]
        if lang == "ar" and len(form) == 1 and _arabic().match(form[0]):
            # "and", "so", "with", "like", "for" written onto the word without the article
            # (وملك) stay in the stem: a one-word query matches them too, as the index holds
            # them: stemmed whole, which may cut more than the bare word lost (بشأن -> بش)
            bare = _without_article(normalise(text.strip()))
            for clitic in ARABIC_PROCLITICS:
                for attached in (clitic + form[0], arabic_stem(clitic + bare)):
                    if (attached,) not in forms:
                        forms.append((attached,))
        found[lang] = forms
    return found


def query_forms(text: str, languages: Iterable[str]) -> list[tuple[str, ...]]:
    """Each way ``text`` may stand in the index, in any candidate language, without repeats.

    >>> query_forms("strikes", ["en", "fr"])
    [('strikes',), ('strike',), ('strik',)]
    """
    found: dict[tuple[str, ...], None] = {}
    for forms in forms_by_language(text, languages).values():
        for form in forms:
            found.setdefault(form)
    return list(found)


@dataclass(frozen=True, slots=True)
class Form:
    """One way a query word stands in the index, and the articles it is looked for in: those in
    ``only`` (a language list), or, when ``only`` is None, every article not in ``unless``."""

    words: tuple[str, ...]
    only: tuple[str, ...] | None
    unless: tuple[str, ...]


def normalise_arabic_text(text: str) -> str:
    """Arabic letters of a whole text normalised as :func:`normalise` does a word's."""
    return text.translate(_ARABIC_FOLD) if _arabic().search(text) else text


def cjk_bigrams_spaced(text: str) -> str:
    """Each CJK run replaced by its bigrams, each between `` . `` breaks (top words count them
    as words, never as phrases).

    >>> cjk_bigrams_spaced("GDP增长3%")
    'GDP . 增长 . 3%'
    """
    if text.isascii() or not _cjk().search(text):
        return text
    return (
        _pattern(f"[{_CJK_CLASS}]+")
        .sub(
            lambda m: " . " + " . ".join(b for b, _, _ in _bigrams(m.group(), 0, True)) + " . ",
            text,
        )
        .strip()
    )


@functools.cache
def stopwords(language: str | None) -> frozenset[str]:
    """Stopwords of ``language`` normalised (lower case, Arabic letters folded), not stemmed
    nor accent-folded: English (the shipped list) for none or ``und``; empty when none are kept.

    >>> "the" in stopwords("en"), "les" in stopwords("fr"), "的" in stopwords("zh")
    (True, True, True)
    """
    lang = base_language(language)
    if lang in ("", "en"):
        from importlib.resources import files

        listed = files("newsarchive.data").joinpath("stopwords-en.txt").read_text(encoding="utf-8")
        words = [w for w in listed.splitlines() if w.strip() and not w.startswith("#")]
    else:
        import stopwordsiso

        if not stopwordsiso.has_lang(lang):
            return frozenset()
        words = list(stopwordsiso.stopwords(lang))
    return frozenset(normalise(w.strip()) for w in words if w.strip())


def pinned_languages(tree: object) -> list[str] | None:
    """The languages a query names with ``language:`` beside its words (``strike language:fr``),
    or None: its words are then analysed in every language the index holds."""
    from .query import And, Field, Or, Phrase, Term

    def named(node: object) -> list[str] | None:
        match node:
            case Field("language", Term(text)):
                return [text]
            case Field("language", Phrase(words)):
                return [" ".join(words)]
            case Field("language", Or(children)):
                found = [named(Field("language", c)) for c in children]
                return None if None in found else [v for f in found if f for v in f]
        return None

    if isinstance(tree, And):
        for child in tree.children:
            if (found := named(child)) is not None:
                return found
        return None
    return named(tree)


class QueryAnalyser:
    """Query words analysed as the index analysed the articles' words, in the languages the
    query may be in (``languages``: those the index holds, or those the query pins)."""

    def __init__(self, languages: Iterable[str], tree: object = None) -> None:
        pinned = pinned_languages(tree) if tree is not None else None
        chosen = sorted({v.lower() for v in (pinned if pinned is not None else languages)})
        self.languages = tuple(chosen)
        self.values: dict[str, list[str]] = {}  # base language -> the values indexed for it
        for value in chosen:
            self.values.setdefault(base_language(value), []).append(value)
        self._cache: dict[str, dict[str, list[tuple[str, ...]]]] = {}
        self._scoped: dict[str, list[Form]] = {}  # a sharded index asks once per shard

    def forms(self, text: str, language: str | None = None) -> list[tuple[str, ...]]:
        """The forms of ``text`` in every candidate language, or as an article in ``language``
        holds them."""
        if text not in self._cache:
            self._cache[text] = forms_by_language(text, self.languages)
        by_language = self._cache[text]
        if language is None:
            found: dict[tuple[str, ...], None] = {}
            for forms in by_language.values():
                found.update(dict.fromkeys(forms))
            return list(found)
        lang = base_language(language)
        return by_language.get(lang if lang in by_language else "", [])

    def scoped(self, text: str) -> list[Form]:
        """The forms of ``text``, each with the articles it is looked for in: a stem of one
        language only in that language's articles (French *merger* -> *merg* must not find the
        English *merge*). One form for all languages needs no filter."""
        if text not in self._scoped:
            self._scoped[text] = self._scope(text)
        return self._scoped[text]

    def _scope(self, text: str) -> list[Form]:
        self.forms(text)
        by_language = self._cache[text]
        groups: dict[tuple[str, ...], list[str]] = {}
        for lang, forms in by_language.items():
            for form in forms:
                groups.setdefault(form, []).append(lang)
        if len(groups) == 1:
            return [Form(words, None, ()) for words in groups]
        stemmed = {lang for lang in by_language if lang}
        found = []
        for words, langs in groups.items():
            if "" in langs:  # unstemmed: every article not in a language with another form
                found.append(Form(words, None, self._values(stemmed - set(langs))))
            else:
                found.append(Form(words, self._values(langs), ()))
        return found

    def _values(self, languages: Iterable[str]) -> tuple[str, ...]:
        return tuple(sorted(v for lang in languages for v in self.values.get(lang, [lang])))

    @staticmethod
    def prefix(text: str) -> str:
        return prefix_norm(text)
