"""The structural cleaner: boilerplate lines found by their shape, not by a named phrase.

Real scraped text keeps a page's menus, link lists, comment threads and footers as lines of text.
No phrase list names them all, but their shape gives them away: a run of short lines without
function words, far from the long, stopword-rich paragraphs of the story. Each line of the body
gets a few shallow features of its own (length, stopword density, sentence-final punctuation,
separators, boilerplate keywords) and of its neighbours (the mean length and stopword count of
the three lines either side, the distance to the nearest prose paragraph, the length of the run
of short lines it sits in, where it stands on the page). A small gradient-boosted tree model,
trained on 604 real pages with gold main text (``bench/train_structure.py``), turns them into
the probability that the line is boilerplate; a line above the level's threshold is removed.

The model is shipped as arrays (``data/structure-model.npz``) and evaluated with numpy, level
by level over all the lines and trees at once: no scikit-learn at run time. Ingest reads a
chunk of articles together (:func:`structure_removals_many`): on an article's few dozen lines
numpy's cost per call outweighs the work, on a chunk's thousand it does not.

Each removed line is labelled by what surrounds it, for the reader of ``removed``:
``structure/comments`` (a comment thread's shapes: ``Jane Doe said:``, ``Reply``, ``at 4:47
pm``), ``structure/footer`` (copyright, powered-by, back-to-top, archive counts, and what follows
them), ``structure/related-list`` (the list under a heading such as ``MOST READ``),
``structure/menu`` (a run of short lines) and ``structure/other`` (anything else).

Two kinds of short line are kept whatever their score: the story's headings (the headline, a
live blog's post headings) and tables of figures that belong to the story (a newswire's
earnings, results and election tables; :func:`table_row`).
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from itertools import repeat
from operator import add, itemgetter
from typing import Any

import numpy as np

from .structure import is_heading

# The probability of boilerplate above which a line goes, per level. ``balanced`` is the best F1
# on the development set with recall kept high; the others trade a little F1 for fewer (or
# more) removals. docs/rules.md gives the figures.
THRESHOLDS = {"conservative": 0.85, "balanced": 0.6, "aggressive": 0.35}
MODEL_FILE = "structure-model.npz"
# The longest page read at once (the largest dev-set page has 1,938 lines); a longer text is
# read in pieces of this many lines, so that memory stays bounded.
_MAX_PAGE_LINES = 5000
_CHUNK_ROWS = 1024  # lines scored at once: 1024 x 1,800 node tests is 9 MB

CATEGORY = "structure"
LABELS = ("comments", "footer", "related-list", "menu", "other")

_WORD = re.compile(r"\w+")
_SHORT_WORDS = 6  # a line of at most this many words is "short" (a menu item, a heading)
_GOOD_WORDS = 15  # a prose line: this many words at least, and dense with stopwords
_GOOD_STOP_SHARE = 0.25
_CONTEXT = 3  # neighbours either side whose length and stopwords are averaged
_FAR = 20  # distances are capped here: further is as good as absent
_SENTENCE_END = frozenset(".!?…\"”’')")
_SEPARATOR_CHARS = "|»›·•/>"  # the ASCII ones are counted apart, in bytes
_KEYWORDS = frozenset(
    [
        "share",
        "shares",
        "tweet",
        "facebook",
        "twitter",
        "linkedin",
        "pinterest",
        "whatsapp",
        "email",
        "print",
        "subscribe",
        "subscription",
        "newsletter",
        "login",
        "log",
        "sign",
        "register",
        "account",
        "password",
        "copyright",
        "rights",
        "reserved",
        "privacy",
        "cookie",
        "cookies",
        "terms",
        "policy",
        "advertisement",
        "advertise",
        "advert",
        "sponsored",
        "contact",
        "about",
        "comments",
        "comment",
        "reply",
        "replies",
        "permalink",
        "posted",
        "tags",
        "tagged",
        "categories",
        "category",
        "archive",
        "archives",
        "related",
        "popular",
        "trending",
        "recommended",
        "newest",
        "oldest",
        "next",
        "previous",
        "prev",
        "home",
        "menu",
        "search",
        "navigation",
        "skip",
        "sitemap",
        "rss",
        "feed",
        "follow",
        "like",
        "likes",
        "view",
        "views",
        "click",
        "here",
        "more",
        "photos",
        "video",
        "videos",
        "gallery",
        "watch",
        "listen",
        "download",
        "app",
        "apps",
        "weather",
        "horoscopes",
        "classifieds",
        "jobs",
    ]
)
_COMMENT = re.compile(
    r"\b(?:said|says|wrote|writes):\s*$|^(?:reply|report(?: abuse)?|recommend|flag)\b|"
    r"\bleave a (?:reply|comment)\b|\b\d+\s+(?:comments?|replies)\b|\bcomments?\s*\(\d+\)|"
    r"\b(?:at|@)\s*\d{1,2}:\d{2}\s*(?:[ap]\.?m\.?)\b|\b\d+\s+(?:minutes?|hours?|days?)\s+ago\b|"
    r"\bpost(?:ed)? a comment\b|\bcomments? (?:are|is) closed\b|\bin reply to\b",
    re.IGNORECASE,
)
_FOOTER = re.compile(
    r"©|\(c\)\s*\d{4}|\bcopyright\b|\ball rights reserved\b|\bpowered by\b|\bback to top\b|"
    r"\bprivacy (?:policy|notice)\b|\bterms (?:of|and) (?:use|service|conditions)\b|"
    r"\bcontact us\b|\babout us\b|\bsite ?map\b|^\S+(?: \S+)? \(\d+\)$|"
    r"^(?:archives?|categories|blogroll|meta)$",
    re.IGNORECASE,
)
_RELATED = re.compile(
    r"^(?:most (?:read|popular|viewed|shared|emailed|commented)|related\b|more (?:from|on|in|news|"
    r"stories|top stories|headlines)\b|you (?:may|might) (?:also )?(?:like|be interested)|"
    r"recommended|trending|top stories|latest (?:news|stories|headlines)|also (?:in|on)\b|"
    r"read (?:next|more)\b|editor'?s (?:picks|choice)|what'?s hot|popular\b|other stories|"
    r"see also|in (?:other|this section)|elsewhere)",
    re.IGNORECASE,
)

# Features, in the order of a row (the model file names them and is checked against this).
FEATURES = (
    "log_words",
    "log_chars",
    "stop_share",
    "log_stops",
    "sentence_end",
    "colon_end",
    "caps_share",
    "upper",
    "digit_share",
    "link",
    "separators",
    "keywords",
    "comment_shape",
    "footer_shape",
    "related_heading",
    "commas",
    "mean_word_len",
    "rule_removed",
    "duplicate",
    "position",
    "log_lines",
    "log_page_words",
    "share_of_max",
    "ctx_log_words",
    "ctx_stops",
    "ctx_max_log_words",
    "ctx_keywords",
    "prev_log_words",
    "next_log_words",
    "prev_removed",
    "dist_good_before",
    "dist_good_after",
    "before_first_good",
    "after_last_good",
    "short_run",
    "words_before",
    "words_after",
    "good_share",
)
_LINK = re.compile(r"https?://|www\.|@\w|\.com\b")
_CAPITALISED = re.compile(r"(?<!\S)[^\W\d_a-z]").findall  # a word starting upper-case
_HAS_DIGIT = re.compile(r"\d").search
_DIGITS = "0123456789"
# Words without which neither a comment nor a footer pattern can match
_CUE_WORDS = frozenset(
    [
        "said",
        "says",
        "wrote",
        "writes",
        "reply",
        "report",
        "recommend",
        "flag",
        "leave",
        "comment",
        "comments",
        "replies",
        "ago",
        "posted",
        "post",
        "closed",
        "copyright",
        "c",
        "reserved",
        "powered",
        "back",
        "privacy",
        "terms",
        "contact",
        "about",
        "site",
        "sitemap",
        "map",
        "archive",
        "archives",
        "categories",
        "blogroll",
        "meta",
    ]
)
# at most one word in three like "jobs", "weather", "video": "Bad weather hits Nestle sales"
_HEADLINE_MAX_KEYWORDS = 0.34
_MENU_SEPARATOR = re.compile("[|»›·•]")
_HEADLINE_MIN_WORDS = 3  # "German economy rebounds"
_HEADLINE_REACH = 3  # lines above the first prose paragraph where the headline may stand
_LOG_HEADLINE_MIN_WORDS = math.log1p(_HEADLINE_MIN_WORDS)  # as the features hold word counts
_LOG_GOOD_WORDS = math.log1p(_GOOD_WORDS)
# Comment and footer shapes are short lines; a paragraph is not tested (and is not one).
_SHAPE_WORDS = 25
_LOG_SHAPE_WORDS = math.log1p(_SHAPE_WORDS)


# ASCII bytes -> the lower-cased word character, or a space: ``split()`` then gives \w+ words
_ASCII_WORDS = (
    bytes(ord(chr(c).lower()) if chr(c).isalnum() or c == 95 else 32 for c in range(128))
    + b" " * 128
)


# Stopwords, boilerplate keywords and cue words are counted in one pass over a line's words:
# each word weighs 1 if a stopword, _KEYWORD if a keyword, _CUE if a cue word (a word may be
# more than one), so the sum of the weights holds the three counts in separate bit fields. A
# line has fewer than 2^21 words (max_line_chars is far below 2^21 * 2 characters), so the
# sum fits in 63 bits (the batch reads it as an int64).
_FIELD = 21
_KEYWORD = 1 << _FIELD
_CUE = 1 << 2 * _FIELD
_COUNT_MASK = _KEYWORD - 1


@lru_cache(maxsize=1)
def _WEIGHTS() -> tuple[dict[str, int], dict[bytes, int]]:
    """Word -> weight, as text and as ASCII bytes (for lines split at C speed)."""
    weights: dict[str, int] = {}
    for words, weight in ((stopwords(), 1), (_KEYWORDS, _KEYWORD), (_CUE_WORDS, _CUE)):
        for word in words:
            weights[word] = weights.get(word, 0) + weight
    return weights, {w.encode("ascii"): v for w, v in weights.items() if w.isascii()}


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """English and the other languages' function words (``data/stopwords-*.txt``)."""
    data = resources.files("newsarchive.data")
    words: set[str] = set()
    for name in ("stopwords-en.txt", "stopwords-structure.txt"):
        for line in data.joinpath(name).read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                words.add(line)
    return frozenset(words)


def line_features(lines: Sequence[str], rule_removed: Sequence[bool]) -> np.ndarray:
    """The feature matrix (one row per line, columns as :data:`FEATURES`), float32."""
    rows = _feature_rows(lines, rule_removed)
    return np.array(rows, dtype=np.float32).reshape(len(lines), len(FEATURES))


def _feature_rows(lines: Sequence[str], rule_removed: Sequence[bool]) -> list[tuple[float, ...]]:
    """The features of each line as Python floats (:func:`line_features` makes them an array).

    One pass over the lines with C-speed string calls (set lookups, ``str.count``); the
    costlier regexes run only where a cheap test says they may match.
    """
    counts = Counter(lines)
    str_weights, byte_weights = _WEIGHTS()
    rows: list[tuple[float, ...]] = []
    for line, gone in zip(lines, rule_removed, strict=True):
        if line.isascii():
            # the same words as \w+ on the lower-cased line, split at C speed
            raw = line.encode("ascii")
            words: list[str] | list[bytes] = raw.translate(_ASCII_WORDS).split()
            weight = sum(map(byte_weights.get, words, repeat(0)))  # type: ignore[arg-type]
            digits = len(raw) - len(raw.translate(None, b"0123456789"))
            separators = raw.count(b"|") + raw.count(b"/") + raw.count(b">")
        else:
            words = _WORD.findall(line.lower())
            weight = sum(map(str_weights.get, words, repeat(0)))  # type: ignore[arg-type]
            digits = sum(map(line.count, _DIGITS)) if _HAS_DIGIT(line) else 0
            separators = sum(map(line.count, _SEPARATOR_CHARS))
        nw = len(words) or 1
        nchars = len(line)
        nstop = weight & _COUNT_MASK
        nkeys = (weight >> _FIELD) & _COUNT_MASK
        # the costlier features only where they can be non-zero: short lines, cue words
        short = nw <= _SHAPE_WORDS
        shaped = short and _has_cue(line, weight < _CUE)
        rows.append(
            (
                math.log1p(len(words)),
                math.log1p(nchars),
                nstop / nw,
                math.log1p(nstop),
                line[-1] in _SENTENCE_END,
                line[-1] == ":",
                len(_CAPITALISED(line)) / nw if short else 0.0,
                line.isupper(),
                digits / nchars,
                _maybe_link(line),
                separators + line.count(" - "),
                nkeys / nw,
                shaped and _COMMENT.search(line) is not None,
                shaped and _FOOTER.search(line) is not None,
                nw <= _SHORT_WORDS and _RELATED.match(line) is not None,
                line.count(",") / nw,
                (nchars - line.count(" ")) / nw,
                gone,
                counts[line] > 1,
            )
        )
    return _with_context(rows)


def _maybe_link(line: str) -> bool:
    return ("http" in line or "www." in line or "@" in line or ".com" in line) and bool(
        _LINK.search(line)
    )


def _has_cue(line: str, no_cue_word: bool) -> bool:
    """Whether a comment or footer shape may be in ``line``: the full patterns are slow."""
    return (
        not no_cue_word
        or "©" in line
        or line.endswith(")")
        or (":" in line and _HAS_DIGIT(line) is not None)
    )


def _with_context(local: list[tuple[float, ...]]) -> list[tuple[float, ...]]:
    """Each line's own features followed by those of its page and neighbours.

    Plain Python: an article has a few dozen lines, and on so few numpy's per-call cost is
    larger than the arithmetic (prefix sums make every window O(1)).
    """
    n = len(local)
    log_words = [row[0] for row in local]
    log_stops = [row[3] for row in local]
    keys = [row[11] for row in local]
    words = [math.expm1(v) for v in log_words]
    good = [
        w >= _GOOD_WORDS and row[2] >= _GOOD_STOP_SHARE
        for w, row in zip(words, local, strict=False)
    ]
    total = sum(words)
    denom = max(total, 1.0)
    log_lines = math.log1p(n)
    log_total = math.log1p(total)
    longest_line = max(max(words), 1.0)
    good_words = sum(w for w, g in zip(words, good, strict=False) if g) / denom
    cum_words = list(itertools.accumulate(words, initial=0.0))
    cum_log = list(itertools.accumulate(log_words, initial=0.0))
    cum_stops = list(itertools.accumulate(log_stops, initial=0.0))
    cum_keys = list(itertools.accumulate(keys, initial=0.0))
    before = _distances(good)
    after = _distances(good[::-1])[::-1]
    first_good = good.index(True) if True in good else n
    last_good = n - 1 - good[::-1].index(True) if True in good else -1
    runs = _run_lengths([w <= _SHORT_WORDS for w in words])
    padded = [0.0] * _CONTEXT + log_words + [0.0] * _CONTEXT
    rows = []
    for i, row in enumerate(local):
        lo, hi = max(i - _CONTEXT, 0), min(i + _CONTEXT + 1, n)
        count = max(hi - lo - 1, 1)
        rows.append(
            (
                *row,
                i / n,
                log_lines,
                log_total,
                words[i] / longest_line,
                (cum_log[hi] - cum_log[lo] - log_words[i]) / count,
                (cum_stops[hi] - cum_stops[lo] - log_stops[i]) / count,
                max(padded[i : i + 2 * _CONTEXT + 1]),
                (cum_keys[hi] - cum_keys[lo] - keys[i]) / count,
                log_words[i - 1] if i else 0.0,
                log_words[i + 1] if i + 1 < n else 0.0,
                local[i - 1][17] if i else 0.0,
                before[i],
                after[i],
                i < first_good,
                i > last_good,
                math.log1p(runs[i]),
                cum_words[i] / denom,
                (total - cum_words[i + 1]) / denom,
                good_words,
            )
        )
    return rows


def _distances(flags: list[bool]) -> list[int]:
    """Lines back to the nearest flagged line at or before each line (capped)."""
    out: list[int] = []
    last = -_FAR
    for i, flag in enumerate(flags):
        if flag:
            last = i
        out.append(min(i - last, _FAR))
    return out


def _run_lengths(flags: list[bool]) -> list[int]:
    """For each flagged line, the length of the run of flagged lines it is in (else 0)."""
    out: list[int] = []
    run = 0
    for flag in flags:
        if flag:
            run += 1
        elif run:
            out += [run] * run + [0]
            run = 0
        else:
            out.append(0)
    return out + [run] * run


# --- the model ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TreeModel:
    """Gradient-boosted trees as complete binary trees in heap order, one row per tree.

    ``feature`` and ``threshold`` (trees × 2^depth − 1) are the inner nodes: node ``k`` sends a
    row to ``2k + 1`` when its value is at most the threshold, else to ``2k + 2`` (a leaf above
    the full depth is padded with a split that always goes left). ``leaf`` (trees × 2^depth)
    holds the leaf values; the score is ``bias`` plus the sum over trees.

    Every inner node's test is taken at once (one gather of the features, one comparison); the
    walk down then only looks the answers up, ``depth`` numpy steps for all rows and trees. An
    article has a few lines, so the cost is the number of numpy calls, not the arithmetic.
    """

    feature: np.ndarray
    threshold: np.ndarray
    leaf: np.ndarray
    bias: float
    depth: int
    # flat copies for the walk, made once
    _features: np.ndarray = field(init=False)
    _thresholds: np.ndarray = field(init=False)
    _thresholds32: np.ndarray = field(init=False)
    _leaves: np.ndarray = field(init=False)
    _node_base: np.ndarray = field(init=False)
    _leaf_base: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        trees, inner = self.feature.shape
        flat = {
            "_features": self.feature.ravel(),
            "_thresholds": self.threshold.ravel(),
            "_leaves": self.leaf.ravel(),
            "_node_base": np.arange(trees, dtype=np.intp) * inner,
            # a leaf's index in the flat leaves: its tree's start, plus its heap index - inner
            "_leaf_base": np.arange(trees, dtype=np.intp) * (inner + 1) - inner,
        }
        # x <= threshold goes left, as scikit-learn has it, for float32 x and float64 thresholds:
        # float32 x is above a threshold exactly when it is above the largest float32 at or
        # below it, and comparing float32 with float32 is cheaper
        below = flat["_thresholds"].astype(np.float32)
        over = below.astype(np.float64) > flat["_thresholds"]
        below[over] = np.nextafter(below[over], np.float32(-np.inf))
        flat["_thresholds32"] = below[:, None]
        for name, array in flat.items():
            object.__setattr__(self, name, np.ascontiguousarray(array))

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The probability of boilerplate of each row of ``x`` (float32, features as columns)."""
        if len(x) > _CHUNK_ROWS:  # the tests hold inner nodes x rows: bound their memory
            return np.concatenate(
                [self.predict(x[i : i + _CHUNK_ROWS]) for i in range(0, len(x), _CHUNK_ROWS)]
            )
        n = len(x)
        # each node's test of every row, nodes x rows (gathering whole feature rows is cheap)
        right = (
            np.ascontiguousarray(x.T).take(self._features, axis=0) > self._thresholds32
        ).ravel()
        start = self._node_base[:, None] * n + np.arange(n, dtype=np.intp)  # trees x rows
        node = right.take(start).astype(np.intp) + 1
        for _ in range(self.depth - 1):
            node = 2 * node + 1 + right.take(start + node * n)
        # rows x trees, summed along each row as the model was evaluated when it was trained
        leaves = np.ascontiguousarray(self._leaves.take(self._leaf_base[:, None] + node).T)
        score = leaves.sum(axis=1) + self.bias
        return 1.0 / (1.0 + np.exp(-score))  # type: ignore[no-any-return]

    @classmethod
    def load(cls, data: Any, features: tuple[str, ...] = FEATURES) -> TreeModel:
        """From the arrays of the model file (a mapping of name to array), trained on
        ``features`` (the structural cleaner's, unless another model says otherwise)."""
        names = [str(name) for name in data["features"]]
        if tuple(names) != features:
            raise ValueError("the structure model was trained on other features; retrain it")
        return cls(
            feature=data["feature"].astype(np.intp),
            threshold=data["threshold"].astype(np.float64),
            leaf=data["leaf"].astype(np.float64),
            bias=float(data["bias"]),
            depth=int(data["depth"]),
        )


@lru_cache(maxsize=1)
def model() -> TreeModel:
    """The shipped model (read once per process)."""
    path = resources.files("newsarchive.data").joinpath(MODEL_FILE)
    with path.open("rb") as fh, np.load(fh) as data:
        return TreeModel.load(data)


# --- labels ---------------------------------------------------------------------------------------


def labels(lines: Sequence[str], removed: Sequence[bool]) -> list[str]:
    """A label for each line: what kind of boilerplate a removed line is (``""`` if kept).

    Walks each run of removed lines (rule removals included) top to bottom: a comment-thread
    shape makes the rest of the run ``comments``, a footer shape below the story's last line
    ``footer``, a heading such as ``MOST READ`` the list under it ``related-list``; other short
    lines are ``menu`` (an ``Archive`` or ``Contact`` item above the story is a menu item).
    """
    kept = [i for i, gone in enumerate(removed) if not gone]
    end = kept[-1] if kept else -1
    out: list[str] = []
    context = ""
    for i, (line, gone) in enumerate(zip(lines, removed, strict=True)):
        if not gone:
            context = ""
            out.append("")
            continue
        short = len(_WORD.findall(line)) <= _SHORT_WORDS
        if _COMMENT.search(line):
            context = "comments"
        elif i > end and _FOOTER.search(line):
            context = "footer"
        elif short and _RELATED.match(line):
            context = "related-list"
        out.append(context or ("menu" if short else "other"))
    return out


# --- the stage ------------------------------------------------------------------------------------


def structure_removals(
    lines: Sequence[str], names: Sequence[str | None], level: str
) -> tuple[list[str | None], list[float | None]]:
    """``names`` (the rule that removed each line, or None) with the lines the model scores at
    or above ``level``'s threshold named ``structure/<label>``, and the score of each of those.

    Lines removed by a rule count as evidence (a list under a removed ``MOST READ`` heading) but
    keep their rule. If every surviving line would go, none does: a text that is all boilerplate
    by its shape is one the model does not understand, and losing it whole would be silent.
    The headline is kept (see :func:`_headlines`).
    """
    if len(lines) > _MAX_PAGE_LINES:  # not a page but a dump: read it a page's length at a time
        out_names: list[str | None] = []
        out_scores: list[float | None] = []
        for i in range(0, len(lines), _MAX_PAGE_LINES):
            part = slice(i, i + _MAX_PAGE_LINES)
            more_names, more_scores = structure_removals(lines[part], names[part], level)
            out_names += more_names
            out_scores += more_scores
        return out_names, out_scores
    gone = [name is not None for name in names]
    rows = _feature_rows(lines, gone)
    proba = model().predict(np.array(rows, dtype=np.float32).reshape(len(lines), len(FEATURES)))
    return _decide(lines, names, level, gone, proba, lambda: rows)


def _decide(
    lines: Sequence[str],
    names: Sequence[str | None],
    level: str,
    gone: list[bool],
    proba: np.ndarray,
    features: Callable[[], Sequence[Sequence[float]]],
) -> tuple[list[str | None], list[float | None]]:
    """:func:`structure_removals` once the lines are scored (``proba``); ``features()`` gives
    the lines' features, asked for only when a line may go."""
    threshold = THRESHOLDS[level]
    over = (proba >= threshold).tolist()
    drop = [o and not g for o, g in zip(over, gone, strict=True)]
    # most articles of a clean source: nothing, or only their headline, scores as boilerplate;
    # and if every surviving line would go, none does (see above)
    if True not in drop:
        return list(names), [None] * len(names)
    rows = features()
    if (
        all(d or g for d, g in zip(drop, gone, strict=True))
        or not _keep_tables(lines, rows, drop, gone)
        or not _keep_headings(lines, rows, drop, gone)
    ):
        return list(names), [None] * len(names)
    kinds = labels(lines, [d or g for d, g in zip(drop, gone, strict=True)])
    named: list[str | None] = list(names)
    scores: list[float | None] = [None] * len(names)
    for i, d in enumerate(drop):
        if d:
            named[i] = f"{CATEGORY}/{kinds[i]}"
            scores[i] = round(float(proba[i]), 3)
    return named, scores


# --- many texts at once ---------------------------------------------------------------------------

Page = tuple[Sequence[str], Sequence[str | None], str]
"""One text for :func:`structure_removals_many`: its lines, their rule names, the level."""

_BATCH_LONGEST = 256  # a text with more lines is read alone (the layout is texts x longest)


def structure_removals_many(
    pages: Sequence[Page],
) -> list[tuple[list[str | None], list[float | None]]]:
    """:func:`structure_removals` of each text, the same to the last bit, at a fraction of the
    cost: the features of all their lines are computed with numpy at once and scored in one
    pass, so that numpy's cost per call (which outweighs an article's few dozen lines) is paid
    once per batch, not once per article. Ingest workers read their inputs so, a chunk at a
    time."""
    pieces: list[tuple[int, int]] = []  # (page, first line): a long text in page-long pieces
    for k, (lines, _, _) in enumerate(pages):
        pieces += [(k, i) for i in range(0, len(lines), _MAX_PAGE_LINES)]
    short = [p for p in pieces if _piece_len(pages, p) <= _BATCH_LONGEST]
    groups = [short] if short else []
    groups += [[p] for p in pieces if _piece_len(pages, p) > _BATCH_LONGEST]
    decided: dict[tuple[int, int], tuple[list[str | None], list[float | None]]] = {}
    for group in groups:
        texts = [pages[k][0][i : i + _MAX_PAGE_LINES] for k, i in group]
        ruled = [pages[k][1][i : i + _MAX_PAGE_LINES] for k, i in group]
        gone = [[name is not None for name in part] for part in ruled]
        features = _batch_features(texts, gone)
        proba = model().predict(features.astype(np.float32))
        start = 0
        for (k, i), lines, part, flags in zip(group, texts, ruled, gone, strict=True):
            end = start + len(lines)
            rows = features[start:end]
            decided[k, i] = _decide(lines, part, pages[k][2], flags, proba[start:end], rows.tolist)
            start = end
    out: list[tuple[list[str | None], list[float | None]]] = []
    for k, (lines, names, _) in enumerate(pages):
        named: list[str | None] = [] if lines else list(names)
        scores: list[float | None] = []
        for i in range(0, len(lines), _MAX_PAGE_LINES):
            more_names, more_scores = decided[k, i]
            named += more_names
            scores += more_scores
        out.append((named, scores))
    return out


def _piece_len(pages: Sequence[Page], piece: tuple[int, int]) -> int:
    return min(len(pages[piece[0]][0]) - piece[1], _MAX_PAGE_LINES)


# ASCII bytes -> the lower-cased word character, ``\n`` kept, anything else a space
_ASCII_LINE_WORDS = _ASCII_WORDS[:10] + b"\n" + _ASCII_WORDS[11:]
# ``bytes.translate`` deletion sets that keep only the digits, or only the ASCII separators
_KEEP_DIGITS = bytes(c for c in range(256) if chr(c) not in _DIGITS)
_KEEP_SEPARATORS = bytes(c for c in range(256) if chr(c) not in _SEPARATOR_CHARS)
_FIND_DIGITS = re.compile("[0-9]").findall
_FIND_SEPARATORS = re.compile(f"[{re.escape(_SEPARATOR_CHARS)}]").findall
_LINK_HINTS = ("http", "www.", "@", ".com")  # without one of these, _LINK cannot match
_LOG1P_SIZE = 4096
# log1p of small counts as ``math`` computes it (numpy's may differ in the last bit), and
# expm1 of that (not always the count back): the values :func:`_feature_rows` gives
_LOG1P = np.array([math.log1p(k) for k in range(_LOG1P_SIZE)])
_EXPM1_LOG1P = np.array([math.expm1(v) for v in _LOG1P.tolist()])


def _log1p(counts: np.ndarray, table: np.ndarray = _LOG1P) -> np.ndarray:
    """``math.log1p`` of each count (``table``: of each count's log1p, a function of it)."""
    out: np.ndarray = table.take(np.minimum(counts, _LOG1P_SIZE - 1))
    big = counts >= _LOG1P_SIZE
    if big.any():
        logs = [math.log1p(k) for k in counts[big].tolist()]
        out[big] = logs if table is _LOG1P else [math.expm1(v) for v in logs]
    return out


_SHAPES = [6, 12, 13, 14]  # caps_share, comment_shape, footer_shape, related_heading


def _batch_features(pages: list[Sequence[str]], ruled: list[list[bool]]) -> np.ndarray:
    """The features of every line of ``pages`` (non-empty texts), float64, as
    :func:`_feature_rows` gives them for each text: ``str`` and ``bytes`` methods mapped over
    all the lines, then numpy over all of them at once. Python loops only over the short lines,
    where the costlier regexes may match, and over the texts."""
    lines = list(itertools.chain.from_iterable(pages))
    n = len(lines)
    out = np.zeros((n, len(FEATURES)))
    text = "\n".join(lines)
    if text.isascii():
        ints = _line_counts(lines, ascii_only=True)
    else:  # ASCII lines (most, in most texts) at C speed, the others with regexes
        ascii_lines = list(map(str.isascii, lines))
        ints = np.zeros((7, n), dtype=np.int64)
        for ascii_only in (True, False):
            where = [i for i, a in enumerate(ascii_lines) if a is ascii_only]
            if where:
                ints[:, where] = _line_counts([lines[i] for i in where], ascii_only)
    counts, weights = ints[1].tolist(), ints[2].tolist()
    # the shapes of short lines: capitals, comment, footer and related-list headings
    short = [i for i, c in enumerate(counts) if c <= _SHAPE_WORDS]
    shapes: list[tuple[float, bool, bool, bool]] = []
    for i in short:
        line, count = lines[i], counts[i] or 1
        cue = _has_cue(line, weights[i] < _CUE)
        shapes.append(
            (
                len(_CAPITALISED(line)) / count,
                cue and _COMMENT.search(line) is not None,
                cue and _FOOTER.search(line) is not None,
                count <= _SHORT_WORDS and _RELATED.match(line) is not None,
            )
        )
    if short:
        out[np.ix_(short, _SHAPES)] = shapes
    sizes = np.fromiter(map(len, pages), np.intp, len(pages))
    if any(map(text.__contains__, _LINK_HINTS)):
        line_starts = np.cumsum(ints[0] + 1) - ints[0] - 1
        found = [m.start() for m in _LINK.finditer(text)]
        out[np.searchsorted(line_starts, found, side="right") - 1, 9] = 1.0
    last = list(map(itemgetter(-1), lines))
    nw = np.maximum(ints[1], 1)
    out[:, 0] = _log1p(ints[1])
    out[:, 1] = _log1p(ints[0])
    out[:, 2] = ints[2] & _COUNT_MASK
    out[:, 3] = _log1p(ints[2] & _COUNT_MASK)
    out[:, 2] /= nw
    out[:, 4] = list(map(_SENTENCE_END.__contains__, last))
    out[:, 5] = list(map(":".__eq__, last))
    out[:, 7] = list(map(str.isupper, lines))
    out[:, 8] = ints[3] / ints[0]
    out[:, 10] = ints[4]
    out[:, 11] = ((ints[2] >> _FIELD) & _COUNT_MASK) / nw
    out[:, 15] = ints[6] / nw
    out[:, 16] = (ints[0] - ints[5]) / nw
    out[:, 17] = list(itertools.chain.from_iterable(ruled))
    start = 0
    for page in pages:  # repeated lines, within each text
        if len(set(page)) < len(page):
            repeats = Counter(page)
            out[start : start + len(page), 18] = [repeats[line] > 1 for line in page]
        start += len(page)
    _batch_context(out, ints[1], sizes)
    return out


def _line_counts(lines: Sequence[str], ascii_only: bool) -> np.ndarray:
    """Per line (columns): characters, words, word weights (see :data:`_KEYWORD`), digits,
    separators, spaces and commas, as :func:`_feature_rows` counts them; ``ascii_only`` when
    every line is ASCII, which is split into words at C speed."""
    str_weights, byte_weights = _WEIGHTS()
    zeros = repeat(0)
    raw = "\n".join(lines).encode("ascii") if ascii_only else b""
    parts = raw.split(b"\n") if raw else []
    words: list[list[bytes]] | list[list[str]]
    if len(parts) == len(lines):  # and no line holds a line break
        words = list(map(bytes.split, raw.translate(_ASCII_LINE_WORDS).split(b"\n")))
        weights = [sum(map(byte_weights.get, w, zeros)) for w in words]
        digits = map(len, map(bytes.translate, parts, repeat(None), repeat(_KEEP_DIGITS)))
        separators = map(len, map(bytes.translate, parts, repeat(None), repeat(_KEEP_SEPARATORS)))
        spaces = map(bytes.count, parts, repeat(b" "))
        commas = map(bytes.count, parts, repeat(b","))
    else:
        words = list(map(_WORD.findall, map(str.lower, lines)))
        weights = [sum(map(str_weights.get, w, zeros)) for w in words]  # type: ignore[arg-type]
        digits = map(len, map(_FIND_DIGITS, lines))
        separators = map(len, map(_FIND_SEPARATORS, lines))
        spaces = map(str.count, lines, repeat(" "))
        commas = map(str.count, lines, repeat(","))
    separators = map(add, separators, map(str.count, lines, repeat(" - ")))
    columns = (map(len, lines), map(len, words), weights, digits, separators, spaces, commas)
    return np.array([list(c) for c in columns], dtype=np.int64).reshape(7, len(lines))


def _batch_context(out: np.ndarray, counts: np.ndarray, sizes: np.ndarray) -> None:
    """Fill the columns of each line's text and neighbours (19 on) into ``out``.

    Each text is a row of a texts x longest layout, padded with zeros, so that running sums
    (sequential, as :func:`_with_context` adds) and windows stay within their text.
    """
    texts, longest = len(sizes), int(sizes.max())
    column = np.arange(longest)
    valid = column < sizes[:, None]
    first = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    per_line = np.repeat(sizes, sizes)
    index = np.arange(len(counts)) - np.repeat(first, sizes)

    def layout(values: np.ndarray) -> np.ndarray:
        grid = np.zeros((texts, longest), dtype=values.dtype)
        grid[valid] = values
        return grid

    def running(grid: np.ndarray) -> np.ndarray:
        total = np.zeros((texts, longest + 1))
        np.cumsum(grid, axis=1, out=total[:, 1:])
        return total

    words = _log1p(counts, _EXPM1_LOG1P)
    good = (words >= _GOOD_WORDS) & (out[:, 2] >= _GOOD_STOP_SHARE)
    cum_words = running(layout(words))
    total = cum_words[:, -1]
    denom = np.maximum(total, 1.0)
    out[:, 19] = index / per_line
    out[:, 20] = _log1p(per_line)
    out[:, 21] = np.repeat([math.log1p(t) for t in total.tolist()], sizes)
    out[:, 22] = words / np.repeat(np.maximum(layout(words).max(axis=1), 1.0), sizes)
    # means over the neighbours (at most _CONTEXT either side, the line itself left out)
    lo = np.maximum(column - _CONTEXT, 0)[None, :].repeat(texts, axis=0)
    hi = np.minimum(column + _CONTEXT + 1, sizes[:, None])
    count = np.maximum(hi - lo - 1, 1)
    for own, mean in ((0, 23), (3, 24), (11, 26)):
        grid = layout(out[:, own])
        cum = running(grid)
        window = np.take_along_axis(cum, hi, axis=1) - np.take_along_axis(cum, lo, axis=1)
        out[:, mean] = ((window - grid) / count)[valid]
    log_words = layout(out[:, 0])
    padded = np.zeros((texts, longest + 2 * _CONTEXT))
    padded[:, _CONTEXT : _CONTEXT + longest] = log_words
    out[:, 25] = np.maximum.reduce([padded[:, k : k + longest] for k in range(2 * _CONTEXT + 1)])[
        valid
    ]
    shifted = np.zeros((texts, longest))
    shifted[:, 1:] = log_words[:, :-1]
    out[:, 27] = shifted[valid]
    shifted[:, :-1] = log_words[:, 1:]
    shifted[:, -1] = 0.0
    out[:, 28] = shifted[valid]
    gone = layout(out[:, 17])
    shifted[:, 0] = 0.0
    shifted[:, 1:] = gone[:, :-1]
    out[:, 29] = shifted[valid]
    flags = layout(good)
    before = np.maximum.accumulate(np.where(flags, column, -_FAR), axis=1)
    out[:, 30] = np.minimum(column - before, _FAR)[valid]
    after = np.minimum.accumulate(np.where(flags, column, longest + _FAR)[:, ::-1], axis=1)
    out[:, 31] = np.minimum(after[:, ::-1] - column, _FAR)[valid]
    has_good = flags.any(axis=1)
    first_good = np.where(has_good, flags.argmax(axis=1), sizes)
    last_good = np.where(has_good, longest - 1 - flags[:, ::-1].argmax(axis=1), -1)
    out[:, 32] = (column < first_good[:, None])[valid]
    out[:, 33] = (column > last_good[:, None])[valid]
    # runs of short lines, broken at each text's start
    short = words <= _SHORT_WORDS
    opens = short.copy()
    opens[1:] &= ~short[:-1]
    opens[first] = short[first]
    run = np.cumsum(opens)
    out[:, 34] = _log1p(np.where(short, np.bincount(run[short], minlength=run[-1] + 1)[run], 0))
    out[:, 35] = (cum_words[:, :-1] / denom[:, None])[valid]
    out[:, 36] = ((total[:, None] - cum_words[:, 1:]) / denom[:, None])[valid]
    good_words = running(layout(np.where(good, words, 0.0)))[:, -1]
    out[:, 37] = np.repeat(good_words / denom, sizes)


# --- tables ---------------------------------------------------------------------------------------

# A figure: ``86``, ``1,742,000``, ``12.5``, ``-2.8``, ``(10.0)``, ``52.1%``, ``$4``, ``1986/87``,
# ``7.67p``; a range (``100-499``, ``'06-07``) is one.
_FIGURE = re.compile(r"(?<![\w.,/-])[-+(]?[$£€]?\d[\d,.]*(?:[-/]\d[\d,.]*)?(?:%|p\b)?\)?(?![\w-])")
# Dates, times and page counts are figures a menu or a comment header has too (``January 12,
# 2009``, ``4:47 pm``, ``12/03/2009``, ``Page 1 of 3``): taken out before figures are counted.
_DATE_OR_TIME = re.compile(
    r"\bpage \d+(?: of \d+)?|"
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.? \d{1,2}(?:st|nd|rd|th)?"
    r"(?:,? \d{4})?\b|\b\d{1,2}(?:st|nd|rd|th)? (?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|"
    r"dec)[a-z]*\.?(?:,? \d{4})?\b|\b\d{1,2}:\d{2}(?::\d{2})?\b|\b\d{1,4}[/.-]\d{1,2}[/.-]\d{2,4}\b",
    re.IGNORECASE,
)
# What makes a row of figures a table row and not a line that merely holds numbers: a
# comparison (``Net 1.2 mln vs 900,000``), an amount's unit (``mln``, ``cts``, ``pct``), columns
# aligned with runs of spaces, a result (two names, each with a score), or figures making up
# most of the line (a league table's row).
_TABLE_SHAPE = re.compile(
    r"\bvs?\b\.?|\bversus\b|\b(?:mln|bln|billion|million|cts?|pct|percent|dlrs?|stg|pence|"
    r"shrs?|revs|avg|net|loss|profit|votes?)\b|[%$£€]|\S {2,}\S"
    # a result, "Rovers 2 City 1": names of words one space apart (no backtracking to speak of)
    r"|^[^\W\d][\w'.&-]*(?: [^\W\d][\w'.&-]*)* \d{1,3} [^\W\d][\w'.&-]*(?: [^\W\d][\w'.&-]*)* \d{1,3}\b",
    re.IGNORECASE,
)
_COMPARISON = re.compile(r"\bvs?\b\.?|\bversus\b", re.IGNORECASE)
_TABLE_GAP = 1  # label lines (``Nine mths``, ``Year``) a table may have between its rows
_TABLE_LABEL_WORDS = 5
_TABLE_MIN_ROWS = 2
# digits per character of a row: "Shr profit two cts vs loss 58 cts" has 0.06; a sentence with
# a year and a figure in it, "Sales rose 12% in 2004, the company said on Tuesday", has less
_TABLE_MIN_DIGITS = 0.05


def table_row(line: str) -> bool:
    """Whether ``line`` reads as a row of a table of figures (results, earnings, votes).

    >>> [table_row(s) for s in ("Shr loss 86 cts vs shr profit 42 cts", "Chelsea 20 14 4 2 43",
    ...  "Revs 12.5 mln vs 10.1 mln", "Smith (Lab) 12,345 52.1%", "Nine mths")]
    [True, True, True, True, False]
    >>> [table_row(s) for s in ("Posted January 12, 2009 at 4:47 pm", "Page 1 of 3",
    ...  "5520 posts (23 new)", "1,000-2,499")]
    [False, False, False, False]
    """
    figures = len(_FIGURE.findall(line))
    if figures > 1 or (figures and _COMPARISON.search(line)):
        # dates are figures too, but rarely: the slower count only where there are any
        figures = len(_FIGURE.findall(_DATE_OR_TIME.sub(" ", line)))
    else:
        return False
    if figures >= 2:
        return _TABLE_SHAPE.search(line) is not None or figures * 2 > len(_WORD.findall(line))
    return figures == 1 and _COMPARISON.search(line) is not None


def _keep_tables(
    lines: Sequence[str], rows: Sequence[Sequence[float]], drop: list[bool], ruled: list[bool]
) -> bool:
    """Take the lines of tables of figures out of ``drop`` (in place); whether any line is left.
    ``rows`` are the lines' features, ``ruled`` marks the lines a named rule removed.

    A run of short lines scores like a menu, but a newswire's earnings, results and election
    tables are content. At least two table rows (:func:`table_row`), at most one label line
    apart (``Nine mths``, ``Year``), make a table. It is the story's when it touches what stays
    (one of its rows, or the line right above it or its heading, or right below it, is kept) or
    has twice as many lines as all that stays (an earnings report is its table and a note): it
    is kept whole, with its labels, the heading line right above it and a note right below. A
    page's sidebar of scores or prices stands among menus, which go, and goes with them.
    Comment, footer and link shapes are never rows.
    """
    candidates = [
        i
        for i, row in enumerate(rows)
        if row[0] <= _LOG_SHAPE_WORDS
        and not (row[9] or row[12] or row[13])
        and row[8] >= _TABLE_MIN_DIGITS
        and table_row(lines[i])
    ]
    if len(candidates) < _TABLE_MIN_ROWS:
        return True
    groups: list[list[int]] = [[candidates[0]]]
    for i in candidates[1:]:
        last = groups[-1][-1]
        if i - last - 1 <= _TABLE_GAP and all(_table_label(lines[k]) for k in range(last + 1, i)):
            groups[-1].append(i)
        else:
            groups.append([i])
    n = len(lines)

    def stays(k: int) -> bool:
        return 0 <= k < n and not drop[k] and not ruled[k]

    kept = sum(map(stays, range(n)))
    for group in groups:
        first, last = group[0], group[-1]
        top = first - 1 if first and is_heading(lines[first - 1]) else first
        if len(group) < _TABLE_MIN_ROWS or not (
            stays(top - 1)
            or stays(last + 1)
            or any(stays(k) for k in group)
            or last + 1 - first >= 2 * kept  # the table is the bulk of the text
        ):
            continue
        # a sentence right under the table is its note ("Turnout was 31 per cent, ...")
        note = last + 1 < n and _table_note(rows[last + 1])
        for k in range(top, last + 1 + note):
            drop[k] = False  # (a line a named rule removed is not in drop)
    return True in drop


def _table_note(row: Sequence[float]) -> bool:
    """A sentence (ends like one, has function words) without link, comment or footer shape."""
    return bool(
        row[4] and row[3] and row[0] <= _LOG_SHAPE_WORDS and not (row[9] or row[12] or row[13])
    )


def _table_label(line: str) -> bool:
    return len(_WORD.findall(line)) <= _TABLE_LABEL_WORDS and not _LINK.search(line)


def _keep_headings(
    lines: Sequence[str], rows: Sequence[Sequence[float]], drop: list[bool], ruled: list[bool]
) -> bool:
    """Take the story's headings out of ``drop`` (in place); whether any line is left in it.
    ``rows`` are the lines' features, ``ruled`` marks the lines a named rule removed.

    A heading-like line (3 to 25 words, no sentence end, no separator, few boilerplate
    keywords) is kept whatever its score when it is

    * the headline: among the few lines above the first prose paragraph (newsarchive takes the
      first heading of the text as the title, and a headline under a menu scores like the menu);
    * a section or live-blog post heading: directly followed by a prose paragraph that stays,
      below another prose paragraph that stays (``Meet Sully the strike dog`` between two
      posts). A menu or link list is a run of short lines, not one line before a paragraph.

    Plain Python: an article has a few lines, and numpy's per-call cost would outweigh the work.
    """
    shaped = [
        i
        for i, (d, row) in enumerate(zip(drop, rows, strict=True))
        if d
        and _LOG_HEADLINE_MIN_WORDS <= row[0] <= _LOG_SHAPE_WORDS
        and not row[4]
        and row[11] < _HEADLINE_MAX_KEYWORDS
        # a menu's separators; a wire headline's ticker (<BA>), slash or dash are not
        and not _MENU_SEPARATOR.search(lines[i])
    ]
    if not shaped:
        return True
    good = [row[0] >= _LOG_GOOD_WORDS and row[2] >= _GOOD_STOP_SHARE for row in rows]
    if True not in good:
        return True
    first = good.index(True)
    kept_good = {
        i for i, (g, d, r) in enumerate(zip(good, drop, ruled, strict=True)) if g and not (d or r)
    }
    first_kept = min(kept_good, default=len(lines))
    last = len(lines) - 1
    for i in shaped:
        headline = first - _HEADLINE_REACH <= i < first
        # a post heading has no digits (a time, a date, a count: a comment's or a teaser's
        # header), no link, boilerplate keyword, comment or footer shape, and stands between
        # prose that stays
        post = (
            first_kept < i < last
            and i + 1 in kept_good
            and _previous_kept(i, ruled) in kept_good
            and not any(rows[i][k] for k in (8, 9, 11, 12, 13))
        )
        if (headline or post) and is_heading(lines[i]):
            drop[i] = False
    return True in drop


def _previous_kept(i: int, ruled: list[bool]) -> int:
    """The line before ``i`` that no named rule removed (-1 if none)."""
    i -= 1
    while i >= 0 and ruled[i]:
        i -= 1
    return i
