"""The one walk over a query tree that every engine shares: And/Or/Not/Field/DateRange/MatchAll,
bare words searching the default fields with their boosts, ``NOT`` inside ``AND`` subtracting
from the rest, and the rule that words analysing to nothing are ignored inside ``AND`` (and match
nothing alone). An engine implements only the leaves and how to join them.

:func:`text_leaves` reads the same tree for the words it looks for in the article text (snippets,
concordances).
"""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from datetime import date
from typing import Generic, TypeVar

from . import fields
from . import query as q
from .analysis import QueryAnalyser
from .fields import OWN_INDEX_FIELD, FieldSpec

Q = TypeVar("Q")
Leaf = q.Term | q.Phrase | q.Prefix


class Mark(enum.Enum):
    """A compiled part that the joins treat specially, made an engine query only at the end."""

    ALL = "every article"
    NONE = "words that analyse to nothing: ignored inside AND, matching nothing alone"


class TreeCompiler(ABC, Generic[Q]):
    """One query tree -> one engine query ``Q``, analysing words with ``analyser``."""

    def __init__(self, analyser: QueryAnalyser) -> None:
        self.analyser = analyser

    def compile(self, tree: q.Node) -> Q:
        return self.finish(self.materialise(self.node(tree, None)))

    def node(self, node: q.Node, field: str | None) -> Q | Mark:
        match node:
            case q.And(children):
                # NOT inside AND subtracts from the rest rather than from every article
                keep = [self.node(c, field) for c in children if not isinstance(c, q.Not)]
                drop = [self.node(c.child, field) for c in children if isinstance(c, q.Not)]
                return self.conjunction(keep, drop)
            case q.Or(children):
                return self.disjunction([self.node(c, field) for c in children])
            case q.Not(child):
                return self.conjunction([], [self.node(child, field)])
            case q.Field(name, child):
                return self.node(child, name)
            case q.DateRange(start, end):
                return self.dates(start, end)
            case q.MatchAll():
                return Mark.ALL
        if field is None:
            return self.disjunction([self.leaf(node, f, f.boost) for f in fields.default_fields()])
        return self.leaf(node, fields.spec(field), 1.0)

    def leaf(self, node: Leaf, row: FieldSpec, boost: float) -> Q | Mark:
        if row.kind == "value":
            if isinstance(node, q.Prefix):
                return self.value(*_value_target(row, node.text), prefix=True)
            text = node.text if isinstance(node, q.Term) else " ".join(node.words)
            return self.value(*_value_target(row, text.strip()), prefix=False)
        if isinstance(node, q.Prefix):
            return self.prefix(row, node.text, boost)
        if isinstance(node, q.Term):
            return self.match(row, node.text, 0, boost)
        return self.match(row, " ".join(node.words), node.slop, boost)

    def disjunction(self, parts: list[Q | Mark]) -> Q | Mark:
        if any(p is Mark.ALL for p in parts):
            return Mark.ALL
        real = [p for p in parts if not isinstance(p, Mark)]
        if not real:
            return Mark.NONE
        return real[0] if len(real) == 1 else self.either(real)

    def conjunction(self, keep: list[Q | Mark], drop: list[Q | Mark]) -> Q | Mark:
        keep = [k for k in keep if k is not Mark.ALL]
        if keep and all(k is Mark.NONE for k in keep):
            return Mark.NONE
        base = [k for k in keep if not isinstance(k, Mark)]
        excluded = [self.materialise(d) for d in drop if d is not Mark.NONE]
        if not excluded:
            if not base:
                return Mark.ALL
            return base[0] if len(base) == 1 else self.both(base)
        return self.but_not(base or [self.all()], excluded)

    def materialise(self, part: Q | Mark) -> Q:
        if part is Mark.ALL:
            return self.all()
        if part is Mark.NONE:
            return self.none()
        assert not isinstance(part, Mark)
        return part

    def finish(self, query: Q) -> Q:
        """The engine's last touch on the whole query (whoosh normalises it)."""
        return query

    # --- what each engine implements

    @abstractmethod
    def all(self) -> Q: ...

    @abstractmethod
    def none(self) -> Q: ...

    @abstractmethod
    def either(self, parts: list[Q]) -> Q:
        """Any of two or more parts."""

    @abstractmethod
    def both(self, parts: list[Q]) -> Q:
        """All of two or more parts."""

    @abstractmethod
    def but_not(self, base: list[Q], excluded: list[Q]) -> Q:
        """All of ``base`` and none of ``excluded``."""

    @abstractmethod
    def match(self, row: FieldSpec, text: str, slop: int, boost: float) -> Q | Mark:
        """A word (``slop`` 0) or the words of a phrase in a ``words`` or ``tag`` field."""

    @abstractmethod
    def prefix(self, row: FieldSpec, text: str, boost: float) -> Q | Mark:
        """Words starting with ``text`` in a ``words`` or ``tag`` field."""

    @abstractmethod
    def value(self, field: str, text: str, *, prefix: bool) -> Q | Mark:
        """A whole value (or values starting with it) in index field ``field``, any case."""

    @abstractmethod
    def dates(self, start: date | None, end: date | None) -> Q | Mark:
        """Articles published on a day from ``start`` to before ``end`` (None: open)."""


def _value_target(row: FieldSpec, text: str) -> tuple[str, str]:
    """The index field and term of a value: a researcher's own field's values share one."""
    if row.own:
        return OWN_INDEX_FIELD, fields.index_term(row.name, text)
    return row.name, text


def text_leaves(tree: q.Node) -> list[Leaf]:
    """The words, phrases and prefixes of ``tree`` that search the article text, in order:
    bare ones and those in a ``words`` field (the title heads the text); not those under
    ``NOT`` (excluded words are absent by definition), nor other fields, dates or ``*``."""
    text_fields = {f.name for f in fields.of_kind("words")}
    match tree:
        case q.Term() | q.Phrase() | q.Prefix():
            return [tree]
        case q.And(children) | q.Or(children):
            return [leaf for child in children for leaf in text_leaves(child)]
        case q.Field(name, child) if name in text_fields:
            return text_leaves(child)
        case _:
            return []
