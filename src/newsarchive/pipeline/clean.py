"""The cleaner: boilerplate out of ``Article.body`` by named rules and per-source template lines.

Four kinds of removal, each recorded in ``Article.removed`` with the rule that made it:

* **line rules** remove a whole line (``Video Loading``, ``READ MORE: …``, ``Have your say``);
* **span rules** remove a stretch inside a line (``Scroll down for video.`` mid-paragraph, the
  Daily Mail ``By. … PUBLISHED:. … |. UPDATED:. …`` header); the rest of the line stays;
* **template lines**, learnt per source by :class:`TemplateLearner`, are removed whole and
  recorded as ``template/<source>``;
* **structure**: the lines that survive are read by the structural cleaner
  (:mod:`.clean_structure`), which removes menus, comment threads, footers and link lists by their
  shape, recorded as ``structure/<label>`` with the model's score (``clean.structure`` setting).

Rules are data: the shipped ``data/rules.toml`` plus the user's files (``rules`` setting), minus
``disable_rules``; ``docs/rules.md`` describes the format. Nothing is dropped silently: every
non-space character of ``body`` ends up either in ``text`` or in exactly one removal, in order.

>>> from newsarchive.article import Article
>>> from newsarchive.settings import Settings
>>> article = Article(body="Video Loading\\nStrikers marched. Scroll down for video. Police watched.")
>>> text = clean(article, RuleSet.load(Settings())).text
>>> text
'Strikers marched. Police watched.'
>>> [(r.rule, r.text) for r in article.removed]
[('player/video-loading', 'Video Loading'), ('player/scroll-down', 'Scroll down for video.')]
"""

from __future__ import annotations

import math
import re
import tomllib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from ..article import PAGE_FORMATS, Article, Removal
from ..errors import UsageError
from ..settings import Settings

SCOPES = ("line", "span")
FLAGS = "ix"  # ignore case, verbose; others make no sense for text matched line by line
_FLAG_BITS = {"i": re.IGNORECASE, "x": re.VERBOSE}
TEMPLATE_CATEGORY = "template"

# A template line must be short: a line of the story itself is not repeated across a third of a
# source's articles anyway, and the cap keeps a long paragraph quoted twice from ever qualifying.
TEMPLATE_MAX_CHARS = 120
# Template lines sit at the top and bottom of a page; counting only these bounds the learner's
# memory at template_sample x 2 x TEMPLATE_EDGE_LINES short lines per source.
TEMPLATE_EDGE_LINES = 50

_RULE_KEYS = frozenset({"name", "description", "pattern", "scope", "flags", "requires"})
_NAME = re.compile(r"[a-z0-9][a-z0-9-]*(?:/[a-z0-9][a-z0-9-]*)+")
_BACKREFERENCE = re.compile(r"\\[1-9]|\(\?P=")
# One non-empty line, without its leading and trailing whitespace.
_LINE = re.compile(r"\S(?:[^\n]*\S)?")
_NEVER = re.compile(r"(?!)")


@dataclass(frozen=True, slots=True)
class Rule:
    """One named cleaning rule, as read from a rules file (``origin``)."""

    name: str
    pattern: str
    scope: str
    description: str = ""
    flags: str = ""
    requires: tuple[str, ...] = ()  # a span rule is tried only on a body containing one of these
    origin: str = ""

    @property
    def category(self) -> str:
        """What reports group removals by: ``player`` for ``player/video-loading``."""
        return self.name.split("/", 1)[0]

    def fragment(self, group: str) -> str:
        """The pattern as one named alternative of a combined regex, its flags scoped to it."""
        body = f"{self.pattern}\n" if "x" in self.flags else self.pattern  # a trailing # comment
        scoped = f"(?{self.flags}:{body})" if self.flags else f"(?:{body})"
        return f"(?P<{group}>{scoped})"

    def compile(self) -> re.Pattern[str]:
        """The rule alone, as the cleaner runs it."""
        return re.compile(self.fragment("rule"), re.MULTILINE)


class _LineMatcher:
    """All line rules as one alternation, so a line costs one anchored regex call.

    Each rule is a named group; ``Match.lastindex`` is the outermost group that closed last,
    i.e. the rule that matched, even when the rule's own pattern has capturing groups.
    """

    def __init__(self, rules: Sequence[Rule]) -> None:
        groups = [rule.fragment(f"r{i}") for i, rule in enumerate(rules)]
        self.regex = re.compile("|".join(groups), re.MULTILINE) if groups else _NEVER
        self.names = {self.regex.groupindex[f"r{i}"]: r.name for i, r in enumerate(rules)}

    def __call__(self, body: str, start: int, end: int) -> str | None:
        match = self.regex.fullmatch(body, start, end)
        return self.names[match.lastindex] if match and match.lastindex else None


# (start, end, rule order, rule name) of one span-rule match
Span = tuple[int, int, int, str]


@dataclass(frozen=True, slots=True)
class _SpanRule:
    order: int
    name: str
    regex: re.Pattern[str]

    def finditer(self, body: str, lines: Callable[[], list[tuple[int, int]]]) -> Iterator[Span]:
        """Matches over the whole body (one call), or line by line if one crossed a line end."""
        matches = list(self.regex.finditer(body))
        if any("\n" in m.group() for m in matches):
            matches = [m for start, end in lines() for m in self.regex.finditer(body, start, end)]
        return ((m.start(), m.end(), self.order, self.name) for m in matches if m.end() > m.start())


def _position_then_order(span: Span) -> tuple[int, int]:
    return span[0], span[2]


class _SpanMatcher:
    """Span rules, each its own regex; a rule with ``requires`` only on bodies containing one.

    One alternation of all span rules would be slower: Python's ``re`` skips ahead quickly only
    in a pattern that starts with one literal string, and an alternation of groups never does.
    A rule starting with a literal costs ~1 µs per 2 KB body, others ~10-150 µs; a check for
    a ``requires`` string costs ~1 µs and spares most bodies the rule.
    """

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules = [_SpanRule(order, r.name, r.compile()) for order, r in enumerate(rules)]
        self.requires = [r.requires for r in rules]
        self.gated = any(self.requires)

    def active(self, body: str) -> list[_SpanRule]:
        """The rules worth trying on ``body``, in rule order."""
        if not self.gated:
            return self.rules
        return [
            rule
            for rule, words in zip(self.rules, self.requires, strict=True)
            if not words or any(map(body.__contains__, words))
        ]

    def spans(self, body: str, lines: Callable[[], list[tuple[int, int]]]) -> list[Span]:
        """Non-overlapping matches of all rules in ``body``: the leftmost first, and at one
        position the first rule in order, as one alternation of all the rules would choose."""
        hits = [hit for rule in self.active(body) for hit in rule.finditer(body, lines)]
        hits.sort(key=_position_then_order)
        spans: list[Span] = []
        for hit in hits:
            if not spans or hit[0] >= spans[-1][1]:
                spans.append(hit)
        return spans


class RuleSet:
    """Compiled cleaning rules, built once per process (picklable).

    >>> rules = RuleSet([Rule("prompt/have-your-say", "Have your say", "line")])
    >>> rules.names
    ['prompt/have-your-say']
    """

    def __init__(
        self,
        rules: Iterable[Rule],
        structure: str = "off",
        structure_per_source: dict[str, str] | None = None,
    ) -> None:
        self.rules: tuple[Rule, ...] = tuple(rules)
        # the structural cleaner's level (``clean.structure``), and any source's own
        self.structure = structure
        self.structure_per_source = structure_per_source or {}
        self.names: list[str] = [rule.name for rule in self.rules]
        self.line_rule = _LineMatcher([r for r in self.rules if r.scope == "line"])
        self._span = _SpanMatcher([r for r in self.rules if r.scope == "span"])

    @classmethod
    def load(cls, settings: Settings) -> RuleSet:
        """The shipped rules, the ``rules`` files layered on top, minus ``disable_rules``.

        A user rule with a shipped rule's name replaces it where it stands; new rules follow the
        shipped ones. Raises :class:`UsageError` naming the file and rule for a bad rules file.
        """
        shipped = resources.files("newsarchive").joinpath("data", "rules.toml")
        rules = parse_rules(shipped.read_text(encoding="utf-8"), "the shipped rules.toml")
        for value in settings.rules:
            rules = layer(rules, read_rules(settings.path(value)))
        per_source = {
            source: values["clean.structure"]
            for source, values in settings.per_source.items()
            if "clean.structure" in values
        }
        return cls(
            disable(rules, settings.disable_rules),
            structure=settings.clean_structure,
            structure_per_source=per_source,
        )

    def structure_level(self, source: str) -> str:
        """The structural cleaner's level for articles of ``source``."""
        return self.structure_per_source.get(source, self.structure)

    def spans(self, body: str) -> list[Span]:
        """Span-rule matches ``(start, end, order, rule)`` in ``body``, in order; none crosses
        a line end."""
        return self._span.spans(body, lambda: [m.span() for m in _LINE.finditer(body)])


# --- reading rules files ---------------------------------------------------------------------------


def read_rules(path: Path) -> list[Rule]:
    """The rules of one user file; :class:`UsageError` if it cannot be read or is not valid."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"rules file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"rules file {path} cannot be read: {exc}") from None
    return parse_rules(text, str(path))


def parse_rules(text: str, origin: str) -> list[Rule]:
    """Rules from the TOML ``text`` of a rules file called ``origin`` (used in messages)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"rules file {origin} is not valid TOML: {exc}") from None
    unknown = sorted(set(data) - {"rule"})
    if unknown:
        raise UsageError(
            f"rules file {origin}: unknown table(s) {unknown}; write rules as [[rule]]"
        )
    tables = data.get("rule", [])
    if not isinstance(tables, list):
        raise UsageError(f"rules file {origin}: write each rule as a [[rule]] table")
    rules = [_rule(table, origin, i) for i, table in enumerate(tables, 1)]
    seen: set[str] = set()
    for rule in rules:
        if rule.name in seen:
            raise UsageError(f"rules file {origin}: rule {rule.name!r} is defined twice")
        seen.add(rule.name)
    return rules


def _rule(table: Any, origin: str, number: int) -> Rule:
    where = f"rules file {origin}: rule #{number}"
    if not isinstance(table, dict):
        raise UsageError(f"{where} is not a table")
    name = table.get("name")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise UsageError(
            f"{where}: name should look like 'category/name' (lower case, digits, '-'), got {name!r}"
        )
    where = f"rules file {origin}: rule {name!r}"
    _check_fields(table, where)
    rule = Rule(
        name=name,
        pattern=table["pattern"],
        scope=table.get("scope", ""),
        description=table.get("description", ""),
        flags=table.get("flags", ""),
        requires=tuple(table.get("requires", ())),
        origin=origin,
    )
    _check_rule(rule, where)
    return rule


def _check_fields(table: dict[str, Any], where: str) -> None:
    unknown = sorted(set(table) - _RULE_KEYS)
    if unknown:
        raise UsageError(f"{where}: unknown key(s) {unknown}; known: {sorted(_RULE_KEYS)}")
    for key in _RULE_KEYS - {"name", "requires"}:
        if key in table and not isinstance(table[key], str):
            raise UsageError(f"{where}: {key} should be a string, got {table[key]!r}")
    requires = table.get("requires", [])
    if not isinstance(requires, list) or not all(isinstance(w, str) and w for w in requires):
        raise UsageError(f"{where}: requires should be a list of words, got {requires!r}")
    if not table.get("pattern"):
        raise UsageError(f"{where}: no pattern")


def _check_rule(rule: Rule, where: str) -> None:
    if rule.category == TEMPLATE_CATEGORY:
        raise UsageError(f"{where}: the category 'template' is kept for learnt template lines")
    if rule.scope not in SCOPES:
        raise UsageError(f"{where}: scope should be 'line' or 'span', got {rule.scope!r}")
    if rule.requires and rule.scope != "span":
        raise UsageError(f"{where}: requires is for span rules; line rules need no speed-up")
    if set(rule.flags) - set(FLAGS):
        raise UsageError(f"{where}: flags should be made of {FLAGS!r}, got {rule.flags!r}")
    if _BACKREFERENCE.search(rule.pattern):
        raise UsageError(f"{where}: backreferences (\\1, (?P=name)) are not supported")
    try:  # alone first, so that an error's position is the position in the user's pattern
        re.compile(rule.pattern, _flag_bits(rule.flags))
        compiled = rule.compile()
    except re.error as exc:
        raise UsageError(f"{where}: pattern does not compile: {exc}") from None
    if len(compiled.groupindex) > 1:
        raise UsageError(f"{where}: named groups are not supported; use (?:...)")
    if compiled.fullmatch(""):
        raise UsageError(f"{where}: pattern matches empty text; it would remove nothing")


def _flag_bits(flags: str) -> re.RegexFlag:
    bits = re.NOFLAG
    for letter in flags:
        bits |= _FLAG_BITS[letter]
    return bits


def layer(base: Sequence[Rule], extra: Sequence[Rule]) -> list[Rule]:
    """``base`` with each rule of ``extra`` replacing the rule of the same name, or appended."""
    replaced = {rule.name: rule for rule in extra}
    rules = [replaced.pop(rule.name, rule) for rule in base]
    return rules + [rule for rule in extra if rule.name in replaced]


def disable(rules: Sequence[Rule], names: Sequence[str]) -> list[Rule]:
    """``rules`` without those named, or under a named category (``"credit"``, ``"credit/"``)."""
    prefixes = [name.rstrip("/") for name in names]
    for prefix in prefixes:
        if not any(_under(rule.name, prefix) for rule in rules):
            categories = ", ".join(sorted({rule.category for rule in rules}))
            raise UsageError(
                f"disable_rules: {prefix!r} names no rule; categories are: {categories}"
            )
    return [rule for rule in rules if not any(_under(rule.name, p) for p in prefixes)]


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + "/")


# --- cleaning --------------------------------------------------------------------------------------


# What :func:`clean` reads of a body before cutting: its lines, the rule that removed each (or
# None), and the structural cleaner's score of each line it removed (or None)
Lines = tuple[list[re.Match[str]], list[str | None], list[float | None]]


def _named_lines(
    article: Article, rules: RuleSet, templates: frozenset[str]
) -> tuple[list[re.Match[str]], list[str | None], str | None]:
    """The body's lines, the line rule or template that removes each (or None), and the
    structural cleaner's level for the article (None: it does not read this article)."""
    body = article.body
    template_rule = f"{TEMPLATE_CATEGORY}/{article.source or 'unknown'}"
    lines = list(_LINE.finditer(body))
    names: list[str | None] = []
    for line in lines:
        name = rules.line_rule(body, *line.span())
        if name is None and line.group() in templates:
            name = template_rule
        names.append(name)
    level = rules.structure_level(article.source)
    if level == "off" or not lines or article.format in PAGE_FORMATS:
        return lines, names, None
    return lines, names, level


def read_lines(
    articles: Sequence[Article], rules: RuleSet, templates: Callable[[Article], frozenset[str]]
) -> list[Lines | None]:
    """What :func:`clean` reads of each article (None for one it will leave alone), the
    structural cleaner run over all of them at once (:func:`.clean_structure.structure_removals_many`,
    the same results at a fraction of the cost): pass each to :func:`clean` as ``lines``."""
    from .clean_structure import Page, structure_removals_many

    read = [None if a.text else _named_lines(a, rules, templates(a)) for a in articles]
    pages: list[Page] = []
    for r in read:
        if r is not None and r[2] is not None:
            pages.append(([m.group() for m in r[0]], r[1], r[2]))
    results = iter(structure_removals_many(pages))
    out: list[Lines | None] = []
    for r in read:
        if r is None:
            out.append(None)
        elif r[2] is None:
            out.append((r[0], r[1], [None] * len(r[0])))
        else:
            names, scores = next(results)
            out.append((r[0], names, scores))
    return out


def clean(
    article: Article,
    rules: RuleSet,
    templates: frozenset[str] = frozenset(),
    lines: Lines | None = None,
) -> Article:
    """Fill ``text`` and ``removed`` from ``body``: each surviving line becomes a paragraph.

    Lines are tried against the line rules, then against ``templates`` (stripped lines); then
    the structural cleaner reads all the lines of a plain-text article and removes those it
    scores as boilerplate (at the level of ``rules.structure_level``; an HTML page's structure
    was already read by trafilatura). A line that survives has its span-rule matches cut out,
    the whitespace left at each cut collapsed to one space. ``removed`` lists every cut in order
    with offsets into ``body``; consecutive lines removed by the same rule are one cut (its text
    the body from the first line's start to the last one's end, line breaks included; its score
    the lowest of theirs). Like every stage, it fills only empty fields: an article whose
    ``text`` is already set is left alone. Lines an earlier stage already removed (an HTML
    page's boilerplate) stay removed, as they were. ``lines``: what :func:`read_lines` read of
    this article with the same rules and templates, if it did.
    """
    if article.text:
        return article
    body = article.body
    if lines is None:
        matches, names, level = _named_lines(article, rules, templates)
        scores: list[float | None] = [None] * len(matches)
        if level is not None:
            from .clean_structure import structure_removals

            names, scores = structure_removals([m.group() for m in matches], names, level)
    else:
        matches, names, scores = lines
    spans = rules.spans(body)
    paragraphs: list[str] = []
    earlier = {(r.start, r.end) for r in article.removed}
    removed: list[Removal] = list(article.removed)
    i = 0  # the next span not yet placed
    run_open = False  # whether removed[-1] is a whole line this loop removed, and may grow
    for line, name, score in zip(matches, names, scores, strict=True):
        start, end = line.span()
        if (start, end) in earlier:
            run_open = False
            while i < len(spans) and spans[i][0] < end:
                i += 1
            continue
        first = i
        while i < len(spans) and spans[i][0] < end:
            i += 1
        if name is not None:  # the line goes whole; spans inside it go with it
            last = removed[-1] if run_open else None
            if last is not None and last.rule == name and body[last.end : start].isspace():
                # the next line of a run removed by the same rule: one removal for the run (a
                # million-line menu is one record, not a million), its text the body's verbatim
                removed[-1] = Removal(
                    body[last.start : end], name, last.start, end, _weaker(last.score, score)
                )
            else:
                removed.append(Removal(line.group(), name, start, end, score))
            run_open = True
            continue
        run_open = False
        kept = _cut(body, start, end, spans[first:i], removed)
        if kept:
            paragraphs.append(kept)
    article.text = "\n\n".join(paragraphs)
    article.removed = sorted(removed, key=lambda r: r.start) if earlier else removed
    return article


def _weaker(a: float | None, b: float | None) -> float | None:
    """A run's score: the lowest of its lines' (every line of it scored at least that)."""
    return b if a is None else a if b is None else min(a, b)


def _cut(body: str, start: int, end: int, spans: list[Span], removed: list[Removal]) -> str:
    """The line ``body[start:end]`` without ``spans``, which go to ``removed``."""
    if not spans:
        return body[start:end]
    pieces: list[str] = []
    pos = start
    for span_start, span_end, _, name in spans:
        pieces.append(body[pos:span_start])
        removed.append(Removal(body[span_start:span_end], name, span_start, span_end))
        pos = span_end
    pieces.append(body[pos:end])
    return _join(pieces)


def _join(pieces: list[str]) -> str:
    """Join what is left around the cuts: whitespace at a cut becomes one space.

    Text glued to the cut on both sides stays glued, as it was in the body (``she said.ALSO
    READ: …`` leaves ``she said.``), so no character is added that the body did not have.

    >>> _join(["Marchers. ", " Police watched."])
    'Marchers. Police watched.'
    >>> _join(["End.", ""])
    'End.'
    """
    text = pieces[0]
    for piece in pieces[1:]:
        left, right = text.rstrip(), piece.lstrip()
        spaced = len(left) < len(text) or len(right) < len(piece)
        text = left + (" " if spaced and left and right else "") + right
    return text.strip()


# --- template lines --------------------------------------------------------------------------------


class TemplateLearner:
    """Lines repeated across many articles of one source: menus, footers, sign-up boxes.

    ``add`` counts each short line once per article, for the first ``template_sample`` articles
    of a source (later calls are ignored); ``templates`` returns the lines found in at least
    ``template_share`` of them, once the source has ``template_min_articles``. Only lines of at
    most ``TEMPLATE_MAX_CHARS`` characters among the first and last ``TEMPLATE_EDGE_LINES`` of an
    article count: memory stays bounded, and a sentence of a story never qualifies.

    >>> from newsarchive.settings import Settings
    >>> learner = TemplateLearner(Settings().with_values(template_min_articles=2))
    >>> for story in ("Storm hits coast", "Council tax rises", "Bus fares frozen"):
    ...     learner.add("gazette", f"{story}\\nSign in to the Gazette\\n\\nFull story here.")
    >>> sorted(learner.templates("gazette"))
    ['Full story here.', 'Sign in to the Gazette']
    """

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._counts: dict[str, Counter[str]] = {}
        self._articles: Counter[str] = Counter()
        self._cache: dict[str, frozenset[str]] = {}

    def add(self, source: str, body: str) -> None:
        """Count the short lines of one article of ``source``."""
        if self._articles[source] >= self._settings.for_source(source).template_sample:
            return
        self._articles[source] += 1
        self._cache.pop(source, None)
        lines = [m.group() for m in _LINE.finditer(body)]
        if len(lines) > 2 * TEMPLATE_EDGE_LINES:
            lines = lines[:TEMPLATE_EDGE_LINES] + lines[-TEMPLATE_EDGE_LINES:]
        counts = self._counts.setdefault(source, Counter())
        counts.update({line for line in lines if len(line) <= TEMPLATE_MAX_CHARS})

    def templates(self, source: str) -> frozenset[str]:
        """The template lines of ``source`` (stripped), empty if too few articles were seen."""
        if source not in self._cache:
            self._cache[source] = self._learn(source)
        return self._cache[source]

    def _learn(self, source: str) -> frozenset[str]:
        articles = self._articles[source]
        if articles < max(2, self._settings.for_source(source).template_min_articles):
            return frozenset()
        # A line seen in one article only is never template, however small the share setting.
        needed = max(2, math.ceil(self._settings.for_source(source).template_share * articles))
        counts = self._counts.get(source, Counter())
        return frozenset(line for line, count in counts.items() if count >= needed)
