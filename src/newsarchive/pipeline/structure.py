"""Structure of a cleaned article: title, byline authors, kind (article or live blog), language, size.

Each value is filled only if an earlier, more trusted source (manifest, HTML metadata) left it
empty. Nothing here changes ``text``: the headline stays the first paragraph of the text, so the
clean text plus the removals still account for every character of the input.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from ..article import Article

# A heading: short, not ending like a sentence. Used both for the title and for live-blog posts.
_MAX_TITLE_CHARS = 160
_MAX_TITLE_WORDS = 25
_SENTENCE_END = (".", ",", ";", ":", '"', "'", "”", "’")
_HEADING_MAX_WORDS = 9

# "By John Smith", "By John Smith and Jane Doe, Health Correspondent", "Posted by Jane Doe",
# "Our reporter Jane Doe"
_BYLINE = re.compile(
    r"^(?:(?:Posted|Written|Reporting) by:?|By|BY|From)\.?\s+(?P<names>[^\n|]{2,120}?)\s*(?:[,|\n]|\.\s+[A-Z]+:|\.?$)"
    r"|^Our (?:\w+ )?(?:reporter|correspondent)s?\s+(?P<ours>[A-Z][^\n,]{2,60})"
)
_NAME_SPLIT = re.compile(r"\s*(?:,| and | & )\s*")
_NAME_LIKE = re.compile(r"^[A-Z][\w'’.-]*(?:\s+(?:[A-Z][\w'’.-]*|de|van|von|da|bin|al|el|la|le))*$")
_NOT_NAMES = frozenset({"Daily Mail Reporter", "Mail Online Reporter", "Mailonline Reporter"})

# Live-blog evidence: timestamps standing alone ("10:45", "10.45am", "14:02 GMT") or
# the word itself in the title.
_TIMESTAMP_LINE = re.compile(r"^\d{1,2}[:.]\d{2}\s*(?:am|pm|AM|PM)?(?:\s*(?:GMT|BST|UTC|EST|ET))?$")
# "Live: …", "… – live", "live updates", "as it happened"; not "Live cattle futures rally"
_LIVE_TITLE = re.compile(
    r"^live\b\s*[:–—|-]|[:–—|-]\s*live\s*$|\blive (?:updates|blog|coverage|reaction|commentary)\b"
    r"|as it happened",
    re.IGNORECASE,
)
# A row of a table (figures: "Shr 23 cts vs 17 cts", "Net 1,742,000 vs 1,512,000") is short and
# does not end like a sentence, but it is no live blog's post heading.
_NUMBER = re.compile(r"(?<![\w.,])\d[\d,.]*")

_LANGUAGE_SAMPLE = 300  # characters of prose the language is read from
LANGUAGE_FLOOR = 0.7  # below this probability the language is ``und`` (undetermined)
UNDETERMINED = "und"
_MIN_SAMPLE = 20  # fewer letters of prose than this: undetermined
_LETTER_WORD = re.compile(r"[^\W\d_]{2,}")
_WORD = re.compile(r"\w+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def is_heading(line: str) -> bool:
    """A short line that does not end like a sentence: ``Marching in Manchester``."""
    s = line.strip()
    return (
        0 < len(s) <= _MAX_TITLE_CHARS
        and len(s.split()) <= _MAX_TITLE_WORDS
        and not s.endswith(_SENTENCE_END)
        and any(c.isalpha() for c in s)
    )


def _paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n\n") if p.strip()]


def find_title(article: Article) -> str | None:
    """The first paragraph, if it is heading-like and more text follows it."""
    paras = _paragraphs(article.text)
    if len(paras) >= 2 and is_heading(paras[0]):
        return paras[0].strip()
    return None


def _names(raw: str) -> list[str]:
    raw = raw.strip().rstrip(".").replace(". ", " ")
    # "Jane Doe, Health Correspondent": the job title after the comma is not a name.
    names: list[str] = []
    for part in _NAME_SPLIT.split(raw):
        part = part.strip(" .")
        if part and part not in _NOT_NAMES and _NAME_LIKE.match(part) and len(part.split()) <= 5:
            names.append(part)
        elif names:
            break
    return names


def find_authors(article: Article) -> list[str]:
    """Byline names from spans the cleaner removed as ``byline/…``, else a ``By …`` line on top."""
    candidates = [r.text for r in article.removed if r.rule.startswith("byline/")]
    candidates += article.body.split("\n", 3)[:3]
    for text in candidates:
        m = _BYLINE.search(text.strip())
        if m:
            names = _names(m.group("names") or m.group("ours") or "")
            if names:
                return names
    return []


def find_kind(article: Article) -> str:
    """``liveblog`` when the text reads as a series of short posts, else ``article``.

    A scraped live blog keeps its posts' headings and timestamps as short lines between the
    paragraphs; a regular story has at most a title and one or two crossheads.
    """
    if article.title and _LIVE_TITLE.search(article.title):
        return "liveblog"
    paras = _paragraphs(article.text)[1:]  # the title does not count
    stamps = sum(1 for p in paras if _TIMESTAMP_LINE.match(p.strip()))
    heads = [
        is_heading(p) and len(p.split()) <= _HEADING_MAX_WORDS and len(_NUMBER.findall(p)) < 2
        for p in paras
    ]
    headings = sum(heads)
    # posts have text under their headings; a table's rows (figures, notices) have none, and a
    # note paragraph at a table's foot follows one row at most
    led = sum(
        1
        for head, after in zip(heads, paras[1:], strict=False)
        if head and after.rstrip().endswith(_SENTENCE_END) and len(after.split()) >= 8
    )
    if stamps >= 3 or (headings >= 3 and headings * 4 >= len(paras) and led * 2 >= headings):
        return "liveblog"
    return "article"


@lru_cache(maxsize=4)
def _classify(languages: tuple[str, ...] = ()) -> Callable[[str], tuple[str, float]]:
    """py3langid's classifier, with its model read (0.3 s; imported only when ingesting), its
    scores as probabilities, restricted to ``languages`` if any are given."""
    import numpy as np
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    from ..errors import UsageError

    class Identifier(LanguageIdentifier):  # type: ignore[misc]
        def _raw_score(self, text: bytes) -> Any:
            return self.array_walk(text)

    identifier = Identifier.from_model_file(MODEL_FILE, norm_probs=True)
    if languages:
        unknown = sorted(set(languages) - set(identifier.labels))
        if unknown:
            raise UsageError(
                f"unknown language code(s) in the languages setting: {', '.join(unknown)}; "
                "use ISO 639-1 codes such as en, fr, ar, zh"
            )
        identifier.set_languages(list(languages))
    weights = getattr(identifier, "nb_ptc", None)
    if isinstance(weights, np.ndarray) and weights.dtype == np.float16:
        # The model ships float16 weights, which numpy multiplies without BLAS. As float32
        # (28 MB more, shared by the forked workers) the scores are the same to the last bit
        # (tests/test_structure.py) and an article's language takes 40 % less time.
        identifier.nb_ptc = weights.astype(np.float32)
    identifier.array_walk = _ArrayWalk(identifier)
    return identifier.classify  # type: ignore[no-any-return]


class _ArrayWalk:
    """py3langid's ``_raw_score`` with its byte-by-byte Python loop done in numpy: the same
    scores to the last bit (tests/test_structure.py), in half the time.

    The model's scanner is an Aho–Corasick automaton: its state after a byte is the longest
    suffix of the text read that leads to a feature, at most :data:`DEPTH` bytes long (the
    deepest state of the shipped model; tests/test_structure.py checks), so it depends only on
    the last ``DEPTH`` bytes: every position's state is found at once by walking from the start
    state over those. The features found are then counted and scored as the original does.
    """

    DEPTH = 6

    def __init__(self, identifier: Any) -> None:
        import numpy as np
        from py3langid.langid import LanguageIdentifier

        self.identifier = identifier
        self.nextmove = np.asarray(identifier.tk_nextmove, dtype=np.intp)
        self.rowbase = np.asarray(identifier._rowbase, dtype=np.intp)
        self.output = np.asarray(identifier.tk_output, dtype=np.intp)
        self.original = LanguageIdentifier._raw_score

    def __call__(self, text: bytes) -> Any:
        import numpy as np

        data = np.frombuffer(text, dtype=np.uint8).astype(np.intp)
        n = len(data)
        state = np.zeros(n, dtype=np.intp)
        for back in range(self.DEPTH - 1, -1, -1):  # position i reads data[i - back]
            state[back:] = self.nextmove[self.rowbase[state[back:]] + data[: n - back]]
        features = self.output[state]
        features = features[features >= 0]
        if not len(features):
            return self.original(self.identifier, text)
        ident = self.identifier
        return ident._sparse_score(Counter(features.tolist()), ident.nb_ptc)


def load_models(languages: tuple[str, ...] = ()) -> None:
    """Load the language model now: in the parent, so that forked workers share it instead of
    each reading it again. Raises :class:`UsageError` for an unknown language code."""
    _classify(languages)("model")


def prose_sample(text: str, size: int = _LANGUAGE_SAMPLE) -> str:
    """The first ``size`` characters of the text's prose: its words of letters only, from lines
    that are mostly such words (table rows, scores and figures left out), upper-case lines
    lower-cased (a headline in capitals reads as another language).

    >>> prose_sample("OIL PRICES RISE\\nShr 12 cts vs 10 cts\\nNet 1,234 vs 987\\nPrices rose 3% on Monday.")
    'oil prices rise Shr cts vs cts Prices rose on Monday'
    """
    found: list[str] = []
    size_so_far = 0
    for line in text.split("\n"):
        words = _LETTER_WORD.findall(line)
        if len(words) < 2 or sum(map(len, words)) * 2 < len(line.replace(" ", "")):
            continue
        joined = " ".join(words)
        if sum(w.isupper() for w in words) * 2 > len(words):
            joined = joined.lower()
        found.append(joined)
        size_so_far += len(joined) + 1
        if size_so_far >= size:
            break
    return " ".join(found)[:size]


def _script_allowed(sample: str, languages: tuple[str, ...]) -> bool:
    from ..index.analysis import SCRIPTS, script_of

    script = script_of(sample)
    if script == "other":
        return any(SCRIPTS.get(lang, "latin") not in ("arabic", "cjk") for lang in languages)
    return any(SCRIPTS.get(lang) == script for lang in languages)


def find_language(text: str, hint: str = "", languages: tuple[str, ...] = ()) -> str:
    """ISO 639-1 code from py3langid over a sample of the text's prose (``hint`` wins if given),
    or ``und`` when the sample is too short or no language reaches :data:`LANGUAGE_FLOOR`.

    ``languages`` restricts the choice to the plausible ones (``--languages en,fr``): a text
    surely in another language is ``und``, an unsure one the likeliest plausible language.
    py3langid on whole wire stories full of figures and tables gave Nigerian Pidgin (``pcm``) or
    ``zxx`` for 8 % of Reuters-21578; its prose, and a floor, give ``en`` or ``und`` for all but
    a few (tests/eval/test_eval_reuters.py). 300 characters of prose identify a news article's
    language as the whole text does, at a fraction of the cost.
    """
    if hint:
        return hint
    sample = prose_sample(text)
    if sum(map(str.isalpha, sample)) < _MIN_SAMPLE:
        cjk = len(_CJK.findall(text[:_LANGUAGE_SAMPLE]))  # CJK has no spaces: one long "word"
        if cjk < _MIN_SAMPLE // 2:
            return UNDETERMINED
        sample = text[:_LANGUAGE_SAMPLE]
    if languages and not _script_allowed(sample, languages):
        return UNDETERMINED  # Arabic text when only en and fr may occur is none of them
    lang, probability = _classify(())(sample)  # the model load_models() read
    if probability >= LANGUAGE_FLOOR:
        return str(lang) if not languages or lang in languages else UNDETERMINED
    if not languages:
        return UNDETERMINED
    # unsure: the likeliest of the plausible languages, if it is sure among them
    lang, probability = _classify(languages)(sample)
    return str(lang) if probability >= LANGUAGE_FLOOR or len(languages) == 1 else UNDETERMINED


# ASCII word characters (``\w``) -> "a", everything else -> " "; non-ASCII bytes are checked apart
_ASCII_WORDS = bytes(97 if chr(c).isalnum() or c == 95 else 32 for c in range(128)) + b" " * 128
_ASCII = bytes(range(128))


def count_words(text: str) -> int:
    """Words as a reader counts them (``\\w+``); each CJK character counts as one word.

    >>> count_words("Strike day two: “no deal” — £5m"), count_words("Café owners")
    (6, 2)
    """
    if text.isascii() or not any(
        c.isalnum() for c in text.encode("utf-8").translate(None, _ASCII).decode("utf-8")
    ):
        # Only ASCII letters and digits make words (curly quotes, dashes, £ do not): counted in
        # C, as runs of "a" in a translated copy, five times faster than listing the words.
        marks = text.encode("ascii", "replace").translate(_ASCII_WORDS)
        return marks.count(b" a") + marks.startswith(b"a")
    if _CJK.search(text) is None:
        return len(_WORD.findall(text))
    cjk = len(_CJK.findall(text))
    return cjk + len(_WORD.findall(_CJK.sub(" ", text)))


def add_structure(
    article: Article, *, language_hint: str = "", languages: tuple[str, ...] = ()
) -> Article:
    """Fill title, authors, kind, language and word_count where still empty."""
    if not article.title:
        article.title = find_title(article)
    if not article.authors:
        article.authors = find_authors(article)
    article.kind = find_kind(article)
    if not article.language:
        article.language = find_language(article.text, language_hint, languages)
    article.word_count = count_words(article.text)
    return article
