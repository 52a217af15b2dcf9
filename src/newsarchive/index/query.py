"""The search query language, parsed into a small engine-neutral tree.

One parser for the language; one walk compiles the tree (``compiler.TreeCompiler``) and each
engine supplies only the leaves, so every engine answers the same query the same way. The
language, with examples, is in ``docs/search.md``::

    >>> parse('"junior doctors" strik* NOT title:football')
    And(children=(Phrase(words=('junior', 'doctors'), slop=0), Prefix(text='strik'), Not(child=Field(name='title', node=Term(text='football')))))

Precedence: ``NOT`` (or a leading ``-``) binds tightest, then ``AND`` (also implied between
neighbours), then ``OR``. Operators are upper case; ``and``/``or``/``not`` are ordinary words.
Errors are :class:`~newsarchive.errors.QuerySyntaxError` with a one-line message naming the
0-based character position of the problem.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from types import MappingProxyType

from ..errors import QuerySyntaxError
from . import fields

# --- the tree ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Term:
    """One word (analysed by the engine: case, accents and, in text, word endings are folded)."""

    text: str


@dataclass(frozen=True, slots=True)
class Phrase:
    """Words in this order; ``slop`` is how many other words may stand between neighbours."""

    words: tuple[str, ...]
    slop: int = 0


@dataclass(frozen=True, slots=True)
class Prefix:
    """Words that start with ``text`` (``strik*``)."""

    text: str


@dataclass(frozen=True, slots=True)
class MatchAll:
    """Every article (``*``): the base for pure filters such as ``* --source bbc``."""


@dataclass(frozen=True, slots=True)
class Field:
    """``node`` searched in one field (a name of :data:`FIELDS`, never ``date``)."""

    name: str
    node: Node


@dataclass(frozen=True, slots=True)
class DateRange:
    """Articles published on a day ``d`` with ``start <= d < end`` (UTC); ``None`` is open.

    The end is exclusive, so ``date:2016-04`` is ``DateRange(date(2016, 4, 1), date(2016, 5, 1))``.
    Undated articles never match.
    """

    start: date | None
    end: date | None


@dataclass(frozen=True, slots=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    child: Node


Node = Term | Phrase | Prefix | MatchAll | Field | DateRange | And | Or | Not

# Field names users type, in the order error messages list them (the field table's).
FIELDS: tuple[str, ...] = tuple(f.name for f in fields.BUILTIN if f.query)
FIELD_ALIASES: Mapping[str, str] = MappingProxyType(dict(fields.ALIASES))
"""Other names a field may be written as (``topics:`` is ``topic:``); facets accept them too."""
MIN_PREFIX = 2  # "a*" would expand to most of the vocabulary: slow and meaningless
# Parentheses and NOTs inside each other; the parser and the engines' compilers recurse once per
# level, so a pasted or hostile query 200 levels deep would exhaust Python's stack.
MAX_NESTING = 50
MAX_PHRASE_WORDS = 64  # a quoted paragraph is not a phrase search; its cost grows with its length


# --- dates -----------------------------------------------------------------------------------------

_DATE_RE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")


def period(text: str) -> tuple[date, date] | None:
    """The days a ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` covers, as ``(first, day after last)``.

    >>> period("2016-02")
    (datetime.date(2016, 2, 1), datetime.date(2016, 3, 1))
    >>> period("2016-02-30") is None
    True
    """
    m = _DATE_RE.fullmatch(text.strip())
    if not m:
        return None
    year, month, day = (int(g) if g else None for g in m.groups())
    assert year is not None
    try:
        if month is None:
            return date(year, 1, 1), date(year + 1, 1, 1)
        if day is None:
            first = date(year, month, 1)
            return first, date(year + month // 12, month % 12 + 1, 1)
        first = date(year, month, day)
    except ValueError:
        return None
    return first, first + timedelta(days=1)


def date_filter(date_from: str | date | None, date_to: str | date | None) -> DateRange | None:
    """The range for ``--from``/``--to`` (both inclusive, YYYY, YYYY-MM or YYYY-MM-DD).

    >>> date_filter("2016-01", "2016-04")
    DateRange(start=datetime.date(2016, 1, 1), end=datetime.date(2016, 5, 1))

    Raises :class:`ValueError` naming the bad value.
    """
    if date_from is None and date_to is None:
        return None
    start = _bound(date_from, "from")[0] if date_from is not None else None
    end = _bound(date_to, "to")[1] if date_to is not None else None
    if start is not None and end is not None and start >= end:
        raise ValueError(f"the date range from {date_from} to {date_to} is empty")
    return DateRange(start, end)


def _bound(value: str | date, which: str) -> tuple[date, date]:
    if isinstance(value, date):  # a datetime is a date too: its day counts
        day = date(value.year, value.month, value.day)
        return day, day + timedelta(days=1)
    span = period(value)
    if span is None:
        raise ValueError(f"bad --{which} date {value!r}; use YYYY, YYYY-MM or YYYY-MM-DD")
    return span


# --- lexing ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # WORD PREFIX ALL PHRASE RANGE FIELD LPAREN RPAREN AND OR NOT
    pos: int
    text: str = ""
    slop: int = 0


_FIELD_RE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*):")
_OPERATORS = {"AND", "OR", "NOT"}
_STOP = set('()"') | {"["}


def _lex(query: str, own: Collection[str] = ()) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(query)
    while i < n:
        c = query[i]
        if c.isspace():
            i += 1
        elif c in "()":
            tokens.append(_Token("LPAREN" if c == "(" else "RPAREN", i))
            i += 1
        elif c == '"':
            i = _lex_phrase(query, i, tokens)
        elif c == "[":
            i = _lex_range(query, i, tokens)
        elif c == "-" and i + 1 < n and not query[i + 1].isspace() and query[i + 1] not in "-)":
            tokens.append(_Token("NOT", i, "-"))
            i += 1
        elif m := _FIELD_RE.match(query, i):
            i = _lex_field(query, m, tokens, own)
        else:
            i = _lex_word(query, i, tokens)
    return tokens


def _excerpt(text: str, width: int = 40) -> str:
    """The part of the query an error points at, on one line (a pasted query may hold breaks)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _lex_phrase(query: str, start: int, tokens: list[_Token]) -> int:
    end = query.find('"', start + 1)
    if end < 0:
        raise QuerySyntaxError(
            f"unclosed quote at position {start}: {_excerpt(query[start:])}", start
        )
    i = end + 1
    slop = 0
    if i < len(query) and query[i] == "~":
        digits = re.match(r"\d+", query[i + 1 :])
        if not digits:
            raise QuerySyntaxError(f"proximity needs a number after ~ at position {i}", i)
        slop = int(digits.group())
        i += 1 + len(digits.group())
    tokens.append(_Token("PHRASE", start, query[start + 1 : end], slop))
    return i


def _lex_range(query: str, start: int, tokens: list[_Token]) -> int:
    end = query.find("]", start + 1)
    if end < 0:
        raise QuerySyntaxError(
            f"unclosed '[' at position {start}: {_excerpt(query[start:])}", start
        )
    tokens.append(_Token("RANGE", start, query[start + 1 : end]))
    return end + 1


def _lex_field(
    query: str, m: re.Match[str], tokens: list[_Token], own: Collection[str] = ()
) -> int:
    """A ``field:`` prefix: a built-in field, or one of the corpus's own fields (``own``)."""
    written = m.group(1)
    table = fields.with_own(own)
    name = table.resolve(written)
    if name is None:
        known = ", ".join(table.query_names)
        raise QuerySyntaxError(
            f"unknown field '{written}:' at position {m.start()}; fields: {known}", m.start()
        )
    after = m.end()
    if after >= len(query) or query[after].isspace() or query[after] == ")":
        raise QuerySyntaxError(
            f"'{written}:' needs a value right after the colon at position {m.start()}",
            m.start(),
        )
    tokens.append(_Token("FIELD", m.start(), name))
    return after


def _lex_word(query: str, start: int, tokens: list[_Token]) -> int:
    i = start
    while i < len(query) and not query[i].isspace() and query[i] not in _STOP:
        i += 1
    word = query[start:i]
    if word in _OPERATORS:
        tokens.append(_Token(word, start, word))
    elif word == "*":
        tokens.append(_Token("ALL", start, word))
    elif "*" in word:
        tokens.append(_prefix_token(word, start))
    else:
        tokens.append(_Token("WORD", start, word))
    return i


def _prefix_token(word: str, start: int) -> _Token:
    stem = word[:-1]
    if not word.endswith("*") or "*" in stem:
        at = start + word.index("*")
        raise QuerySyntaxError(f"wildcard * only works at the end of a word at position {at}", at)
    if len(stem) < MIN_PREFIX:
        raise QuerySyntaxError(
            f"prefix '{word}' needs at least {MIN_PREFIX} letters before * at position {start}",
            start,
        )
    return _Token("PREFIX", start, stem)


# --- parsing ---------------------------------------------------------------------------------------

_STARTS = {"WORD", "PREFIX", "ALL", "PHRASE", "FIELD", "LPAREN", "NOT", "RANGE"}


class _Parser:
    def __init__(self, query: str, own: Collection[str] = ()) -> None:
        self.query = query
        self.tokens = _lex(query, own)
        self.i = 0
        self.in_field = False
        self.depth = 0

    def deeper(self, token: _Token) -> None:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise QuerySyntaxError(
                f"the query nests parentheses or NOT more than {MAX_NESTING} deep at position "
                f"{token.pos}; write it flatter",
                token.pos,
            )

    def peek(self) -> _Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def parse(self) -> Node:
        if not self.tokens:
            raise QuerySyntaxError("empty query: give words to search for, or * for everything", 0)
        node = self.parse_or()
        extra = self.peek()
        if extra is not None:  # parse_or stops only at ')' it does not own
            raise QuerySyntaxError(f"unmatched ')' at position {extra.pos}", extra.pos)
        return node

    def parse_or(self) -> Node:
        children = [self.parse_and()]
        while (token := self.peek()) is not None and token.kind == "OR":
            self.take()
            self.need_operand(token)
            children.append(self.parse_and())
        return _join(Or, children)

    def parse_and(self) -> Node:
        children = [self.parse_unary()]
        while (token := self.peek()) is not None:
            if token.kind == "AND":
                self.take()
                self.need_operand(token)
            elif token.kind not in _STARTS:
                break
            children.append(self.parse_unary())
        return _join(And, children)

    def need_operand(self, op: _Token) -> None:
        after = self.peek()
        if after is None or after.kind not in _STARTS:
            if op.kind == "NOT":
                raise QuerySyntaxError(
                    f"NOT needs something to exclude at position {op.pos}", op.pos
                )
            raise QuerySyntaxError(
                f"{op.kind} needs a term on both sides at position {op.pos}", op.pos
            )

    def parse_unary(self) -> Node:
        token = self.peek()
        if token is not None and token.kind == "NOT":
            self.take()
            self.need_operand(token)
            self.deeper(token)
            node = self.parse_unary()
            self.depth -= 1
            return Not(node)
        return self.parse_primary()

    def parse_primary(self) -> Node:
        token = self.take()
        if token.kind in ("AND", "OR"):
            raise QuerySyntaxError(
                f"{token.kind} needs a term on both sides at position {token.pos}", token.pos
            )
        if token.kind == "RPAREN":
            raise QuerySyntaxError(f"unmatched ')' at position {token.pos}", token.pos)
        if token.kind == "LPAREN":
            return self.parse_group(token)
        if token.kind == "FIELD":
            return self.parse_field(token)
        if token.kind == "RANGE":
            raise QuerySyntaxError(
                f"a [START TO END] range only works after date: at position {token.pos}",
                token.pos,
            )
        return self.leaf(token)

    def leaf(self, token: _Token) -> Node:
        if token.kind == "WORD":
            return Term(token.text)
        if token.kind == "PREFIX":
            return Prefix(token.text)
        if token.kind == "ALL":
            return MatchAll()
        words = tuple(token.text.split())
        if not words:
            raise QuerySyntaxError(f"empty phrase at position {token.pos}", token.pos)
        if len(words) > MAX_PHRASE_WORDS:
            raise QuerySyntaxError(
                f"a phrase of {len(words)} words at position {token.pos}; at most "
                f"{MAX_PHRASE_WORDS} are searched as one phrase: quote a shorter part",
                token.pos,
            )
        return Phrase(words, token.slop)

    def parse_group(self, lparen: _Token) -> Node:
        after = self.peek()
        if after is not None and after.kind == "RPAREN":
            raise QuerySyntaxError(f"empty parentheses at position {lparen.pos}", lparen.pos)
        if after is None:
            raise QuerySyntaxError(f"unclosed parenthesis at position {lparen.pos}", lparen.pos)
        self.deeper(lparen)
        node = self.parse_or()
        self.depth -= 1
        closing = self.peek()
        if closing is None or closing.kind != "RPAREN":
            raise QuerySyntaxError(f"unclosed parenthesis at position {lparen.pos}", lparen.pos)
        self.take()
        return node

    def parse_field(self, field: _Token) -> Node:
        if self.in_field:
            raise QuerySyntaxError(
                f"a field inside another field's value at position {field.pos}", field.pos
            )
        value = self.take()  # the lexer guarantees a value follows the colon
        if field.text == "date":
            return self.date_value(value)
        if value.kind == "LPAREN":
            self.in_field = True
            try:
                node = self.parse_group(value)
            finally:
                self.in_field = False
        elif value.kind in ("WORD", "PHRASE", "PREFIX"):
            node = self.leaf(value)
        else:
            raise QuerySyntaxError(
                f"{field.text}: needs a word, phrase or (group) at position {field.pos}",
                field.pos,
            )
        return Field(field.text, node)

    def date_value(self, value: _Token) -> DateRange:
        if value.kind == "WORD":
            span = self.period_at(value.text, value.pos)
            return DateRange(*span)
        if value.kind != "RANGE":
            raise QuerySyntaxError(
                f"date: needs YYYY, YYYY-MM, YYYY-MM-DD or [START TO END] at position {value.pos}",
                value.pos,
            )
        parts = value.text.split()
        if len(parts) != 3 or parts[1].upper() != "TO":
            raise QuerySyntaxError(
                f"a date range is written [START TO END] at position {value.pos}", value.pos
            )
        start_at = value.pos + 1 + value.text.index(parts[0])
        end_at = value.pos + 1 + value.text.rindex(parts[2])
        start = None if parts[0] == "*" else self.period_at(parts[0], start_at)[0]
        end = None if parts[2] == "*" else self.period_at(parts[2], end_at)[1]
        if start is not None and end is not None and start >= end:
            raise QuerySyntaxError(
                f"date range ends before it starts at position {value.pos}", value.pos
            )
        return DateRange(start, end)

    def period_at(self, text: str, pos: int) -> tuple[date, date]:
        span = period(text)
        if span is None:
            raise QuerySyntaxError(
                f"bad date '{text}' at position {pos}; use YYYY, YYYY-MM or YYYY-MM-DD", pos
            )
        return span


def _join(kind: type[And] | type[Or], children: list[Node]) -> Node:
    """One child stands alone; nested nodes of the same kind are flattened."""
    if len(children) == 1:
        return children[0]
    flat: list[Node] = []
    for child in children:
        flat.extend(child.children if isinstance(child, kind) else (child,))
    return kind(tuple(flat))


def parse(query: str, user_fields: Collection[str] = ()) -> Node:
    """Parse ``query`` into a tree; raise :class:`QuerySyntaxError` saying where it went wrong.

    ``user_fields`` are the corpus's own field names (``label``), searched as whole values.

    >>> parse('date:[2016-01 TO 2016-03] "picket line"~3')
    And(children=(DateRange(start=datetime.date(2016, 1, 1), end=datetime.date(2016, 4, 1)), Phrase(words=('picket', 'line'), slop=3)))
    >>> parse("plcae:leeds")
    Traceback (most recent call last):
    ...
    newsarchive.errors.QuerySyntaxError: unknown field 'plcae:' at position 0; fields: title, text, source, topic, place, country, person, org, kind, language, date
    """
    return _Parser(query, user_fields).parse()


def phrase_ends(positions: Sequence[Sequence[int]], slop: int) -> list[int]:
    """Where a phrase can end: the positions of its last word reachable by one position per
    word, each 1 to ``slop + 1`` after the previous one (``positions``: each word's, sorted).

    Only the reachable positions of each word are kept, never the paths to them, so the work
    is O(words × positions × log positions) even for one word repeated many times.

    >>> phrase_ends([[0, 7], [2, 9], [3]], 1), phrase_ends([[0], [2], [5]], 1)
    ([3], [])
    """
    if not positions:
        return []
    reachable = sorted(set(positions[0]))
    for following in positions[1:]:
        if not reachable:
            break
        # p is reachable when some r in reachable has p - slop - 1 <= r < p
        reachable = [
            p
            for p in sorted(set(following))
            if (i := bisect_left(reachable, p - slop - 1)) < len(reachable) and reachable[i] < p
        ]
    return reachable


def conjoin(*nodes: Node | None) -> Node:
    """AND the given nodes together (``None`` skipped): how CLI filters join the query."""
    present = [n for n in nodes if n is not None]
    if not present:
        return MatchAll()
    return _join(And, present)
