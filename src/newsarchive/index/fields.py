"""The field table: every field of the index, one row each, from which the query language's
field names, the facets, the groupable fields and both engines' schemas and documents derive.

A row says which corpus column a field reads, its kind (how it is analysed and matched), its
boost among the fields a bare word searches, whether it is a facet or groupable, and how a
facet shows its values. Adding a facet is adding a row to :data:`BUILTIN`.

Kinds:

- ``words``: text analysed per language (:mod:`.analysis`: stemmed, folded); bare words search
  these fields.
- ``value``: whole values matched in any case (``source:bbc``, ``topic:"trade unions"``).
- ``tag``: names (place, person, organisation): searched by their words, not stemmed, lower-cased
  and accent-folded, with a gap between two values so a phrase never spans two names; counted
  whole as written.
- ``date``: the publication day (``date:``), and the ``month``/``year`` facets read from it.

The researcher's own metadata (manifest and dump columns newsarchive does not map, such as
ISOT's ``label`` and ``subject``, and labels a format carries, such as Reuters'
``reuters_topics``) is stored per article in the ``fields`` map column and becomes a row of its
own at run time (:func:`own_field`, :class:`FieldTable`): a ``value`` field matched whole and in any
case (``label:fake``), countable (``--facet label``) and groupable (``timeline --group-by
label``). The names of a corpus's own fields are kept in ``corpus/_state/fields.json`` so that a
query can be checked without reading the corpus.

>>> field_name("Story Type")
'story_type'
>>> field_name("topic")
Traceback (most recent call last):
...
newsarchive.errors.UsageError: field name 'topic' clashes with the built-in field 'topic'; rename the column (for example 'topic_2')
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from ..errors import UsageError
from ..storage import CorpusPath, corpus_path

if TYPE_CHECKING:
    from .query import Node

Kind = Literal["words", "value", "tag", "date"]
Case = Literal["written", "lower", "upper"]

STATE_FILE = "fields.json"
OWN_COLUMN = "fields"  # the map column holding the researcher's own fields
# Separates an own field's name from its value in the one index field that holds them all, so
# a new name needs no change to either engine's schema.
SEP = "\x1e"
# The two index fields both engines hold every own field in: terms (``index_term``) and the
# values as written (``name SEP value``), counted for facets.
OWN_INDEX_FIELD, OWN_FACET_FIELD = "user", "user_facet"
TAG_GAP = 100  # positions between two values of a tag field: a phrase never spans two names


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One field: the corpus column behind it, how it is analysed and matched, how it counts."""

    name: str  # as typed after ``name:``, ``--facet`` and ``--group-by``
    column: str | None  # the corpus column (None: computed from the date, such as ``month``)
    kind: Kind
    boost: float = 1.0  # weight of a match among the fields a bare word searches
    default: bool = False  # bare words search it
    facet: bool = False  # ``--facet`` counts its values
    group: bool = False  # usable as ``--group-by``
    many: bool = False  # the column holds a list of values
    # how a facet shows values: as written, or as matched (lower case; upper for country codes)
    case: Case = "written"
    stored: bool = False  # every hit carries it (the source shown; the language text is read in)
    query: bool = True  # a query may name it (``month`` and ``year`` are facets only)
    period: int = 0  # a date facet counts the first characters of YYYY-MM: 4 a year, 7 a month
    aliases: tuple[str, ...] = ()  # other names for it (``topics:``, ``lang:``)

    @property
    def own(self) -> bool:
        """A researcher's own field (held in the ``fields`` map column)."""
        return self.column == OWN_COLUMN


BUILTIN: tuple[FieldSpec, ...] = (
    FieldSpec("title", "title", "words", boost=2.0, default=True),
    FieldSpec("text", "text", "words", default=True),
    FieldSpec("source", "source", "value", facet=True, group=True, stored=True),
    FieldSpec("topic", "topics", "value", facet=True, group=True, many=True, aliases=("topics",)),
    FieldSpec("place", "places", "tag", facet=True, group=True, many=True, aliases=("places",)),
    FieldSpec(
        "country",
        "countries",
        "value",
        facet=True,
        group=True,
        many=True,
        case="upper",
        aliases=("countries",),
    ),
    FieldSpec("person", "people", "tag", facet=True, group=True, many=True, aliases=("people",)),
    FieldSpec(
        "org",
        "organisations",
        "tag",
        facet=True,
        group=True,
        many=True,
        aliases=("organisation", "organisations", "organization", "organizations"),
    ),
    FieldSpec("kind", "kind", "value", facet=True, group=True, case="lower"),
    FieldSpec(
        "language",
        "language",
        "value",
        facet=True,
        group=True,
        case="lower",
        stored=True,
        aliases=("lang",),
    ),
    FieldSpec("date", "published_at", "date"),
    FieldSpec("month", None, "date", facet=True, query=False, period=7),
    FieldSpec("year", None, "date", facet=True, query=False, period=4),
)
_BUILTIN = {f.name: f for f in BUILTIN}
ALIASES: Mapping[str, str] = {a: f.name for f in BUILTIN for a in f.aliases}
_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")


def own_field(name: str) -> FieldSpec:
    """The row of a researcher's own field: whole values in any case, counted as written."""
    return FieldSpec(name, OWN_COLUMN, "value", facet=True, group=True)


def spec(name: str) -> FieldSpec:
    """The row of field ``name``: a built-in one, else the researcher's own (the query parser
    has checked the name against the corpus)."""
    return _BUILTIN.get(name) or own_field(name)


def of_kind(*kinds: Kind) -> tuple[FieldSpec, ...]:
    """The built-in rows of these kinds, in table order."""
    return tuple(f for f in BUILTIN if f.kind in kinds)


def default_fields() -> tuple[FieldSpec, ...]:
    """The fields a bare word searches, each with its boost."""
    return tuple(f for f in BUILTIN if f.default)


def tag_columns() -> tuple[str, ...]:
    """The corpus columns of lists of tags (topics, places, countries, people, organisations)."""
    return tuple(f.column for f in BUILTIN if f.many and f.column is not None)


@dataclass(frozen=True, slots=True)
class FieldTable:
    """The built-in rows and a corpus's own: what its queries, facets and groups may name."""

    rows: tuple[FieldSpec, ...] = BUILTIN

    def __iter__(self) -> Iterator[FieldSpec]:
        return iter(self.rows)

    def __contains__(self, name: object) -> bool:
        return any(f.name == name for f in self.rows)

    def __getitem__(self, name: str) -> FieldSpec:
        for f in self.rows:
            if f.name == name:
                return f
        raise KeyError(name)

    def register(self, row: FieldSpec) -> FieldTable:
        """This table with ``row`` added (a researcher's field, at run time)."""
        if row.name in reserved():
            raise UsageError(f"field name {row.name!r} clashes with the built-in field")
        return self if row in self.rows else FieldTable((*self.rows, row))

    def resolve(self, written: str) -> str | None:
        """The field a query's ``written:`` names (any case, an alias allowed), or None."""
        name = ALIASES.get(written.lower(), written.lower())
        return name if name in self.query_names else None

    def facet(self, written: str) -> str:
        """The facet ``--facet written`` names (an alias allowed); a :class:`UsageError` if none.

        >>> with_own(["label"]).facet("topics"), with_own(["label"]).facet("label")
        ('topic', 'label')
        """
        name = ALIASES.get(written, written)
        if name not in self.facets:
            raise UsageError(f"unknown facet {written!r}; facets: {', '.join(self.facets)}")
        return name

    @property
    def own(self) -> list[str]:
        return [f.name for f in self.rows if f.own]

    @property
    def query_names(self) -> list[str]:
        """Names a query may use, built-in first (in table order), then the corpus's own sorted."""
        return [f.name for f in self.rows if f.query and not f.own] + sorted(self.own)

    @property
    def facets(self) -> list[str]:
        return [f.name for f in self.rows if f.facet]

    @property
    def groups(self) -> list[str]:
        return [f.name for f in self.rows if f.group]


def table(corpus: str | CorpusPath | None = None) -> FieldTable:
    """The field table of ``corpus``: the built-in rows and one per field of its own."""
    rows = FieldTable()
    for name in user_fields(corpus) if corpus is not None else ():
        rows = rows.register(own_field(name))
    return rows


def with_own(names: Iterable[str]) -> FieldTable:
    """The built-in rows and one own row per name in ``names``."""
    rows = FieldTable()
    for name in names:
        rows = rows.register(own_field(name))
    return rows


def reserved() -> frozenset[str]:
    """Names a user field may not take: built-in fields, their aliases and stored columns."""
    from ..article import STORED_FIELDS

    return frozenset(_BUILTIN) | frozenset(ALIASES) | frozenset(STORED_FIELDS) | {"date", "path"}


def field_name(column: str) -> str:
    """The field name of a manifest/dump column: lower case, spaces and dashes as ``_``.

    Raises :class:`UsageError` for a name that is not a word or clashes with a built-in field.
    """
    name = re.sub(r"[\s\-.]+", "_", column.strip().lower())
    if not _NAME.fullmatch(name):
        raise UsageError(
            f"column {column!r} cannot be a field name: use letters, digits and '_', "
            "starting with a letter (at most 64)"
        )
    if name in reserved():
        raise UsageError(
            f"field name {name!r} clashes with the built-in field {name!r}; rename the column "
            f"(for example '{name}_2')"
        )
    return name


def index_term(name: str, value: str) -> str:
    """The one index term of a user field's value: name and value, the value in lower case
    with white space collapsed, so that ``label:FAKE`` finds ``fake``."""
    return f"{name}{SEP}{' '.join(value.lower().split())}"


# Indexed for an article linked as a duplicate or near-duplicate: the term of a user field named
# "_", which no column can be named (names start with a letter), so no query spells it.
COPY_FIELD = "_"
COPY_TERM = f"{COPY_FIELD}{SEP}copy"


def no_copies() -> Node:
    """The query node that leaves duplicates and near-duplicates out (``--no-duplicates``)."""
    from . import query as q

    return q.Not(q.Field(COPY_FIELD, q.Term("copy")))


def index_values(row: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """``(terms, facet values)`` both engines index for a corpus row: each user field value as
    :func:`index_term` (plus :data:`COPY_TERM` for a duplicate), and ``name SEP value`` as
    written, for counting. ``row["fields"]`` is the map column as pyarrow gives it."""
    terms: list[str] = []
    shown: list[str] = []
    for name, values in row.get(OWN_COLUMN) or []:
        for value in values or []:
            if value.strip():
                terms.append(index_term(name, value))
                shown.append(f"{name}{SEP}{value.strip()}")
    if row.get("duplicate_of") or row.get("near_duplicate_of"):
        terms.append(COPY_TERM)
    return list(dict.fromkeys(terms)), list(dict.fromkeys(shown))


def facet_value(name: str, value: str) -> str | None:
    """The value of user field ``name`` in an indexed facet value, or None if another field's."""
    prefix = f"{name}{SEP}"
    return value[len(prefix) :] if value.startswith(prefix) else None


def user_fields(corpus: str | CorpusPath) -> list[str]:
    """The names of the corpus's user fields (``_state/fields.json``), sorted."""
    from .. import store

    path = corpus_path(corpus) / store.STATE_DIR / STATE_FILE
    if not path.is_file():
        return []
    try:
        names = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return sorted(str(n) for n in names) if isinstance(names, list) else []


def record_user_fields(corpus: str | CorpusPath, names: Iterable[str]) -> None:
    """Add ``names`` to the corpus's list of user fields (atomic; under the writer's lock)."""
    from .. import store

    known = set(user_fields(corpus))
    new = known | set(names)
    if new != known:
        store.write_json_atomic(corpus_path(corpus) / store.STATE_DIR / STATE_FILE, sorted(new))


def register(corpus: str | CorpusPath, row: FieldSpec) -> FieldTable:
    """Add the researcher's own field ``row`` to the corpus's table, at run time: from then on
    queries may name it, ``--facet`` counts it, ``--group-by`` groups by it and exports write it.
    Returns the corpus's table. Built-in rows are added to :data:`BUILTIN` instead."""
    if not row.own:
        raise UsageError(f"only a field of the {OWN_COLUMN!r} column can be registered at run time")
    record_user_fields(corpus, [field_name(row.name)])
    return table(corpus)


def facet_counts(name: str, counts: dict[str, int]) -> list[tuple[str, int]]:
    """A facet's ``(value, count)`` list from an engine's raw counts: dates in date order; other
    facets by count, then value, shown in the row's case. Shared by every engine."""
    row = spec(name)
    if row.kind == "date":
        periods: dict[str, int] = {}
        for month, n in counts.items():
            periods[month[: row.period]] = periods.get(month[: row.period], 0) + n
        return sorted(periods.items())
    shown = [(v.upper() if row.case == "upper" else v, n) for v, n in counts.items()]
    return sorted(shown, key=lambda vn: (-vn[1], vn[0]))
