"""The field table: every name a researcher types after ``field:``, after ``--facet`` or
``--group-by``, and the researcher's own fields added to it at run time.

Built-in fields are rows of :data:`BUILTIN`. A researcher's own metadata (manifest and dump
columns newsarchive does not map, such as ISOT's ``label`` and ``subject``, and labels a format
carries, such as Reuters' ``reuters_topics``) is stored per article in the ``fields`` map column
and becomes a *user field*: matched whole and in any case (``label:fake``), countable
(``--facet label``) and groupable (``timeline --group-by label``). The names of a corpus's user
fields are kept in ``corpus/_state/fields.json`` so that a query can be checked without reading
the corpus.

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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import UsageError
from ..storage import CorpusPath, corpus_path

STATE_FILE = "fields.json"
# Separates a user field's name from its value in the one index field that holds them all, so
# a new name needs no change to either engine's schema.
SEP = "\x1e"


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One name users type: the stored column behind it, how it matches, whether it counts."""

    name: str
    column: str | None  # the corpus column (None: computed, such as ``month``)
    kind: str  # text (words), value (whole values), date, user (the researcher's own)
    facet: bool = False
    group: bool = False  # usable as ``--group-by``


BUILTIN: tuple[FieldSpec, ...] = (
    FieldSpec("title", "title", "text"),
    FieldSpec("text", "text", "text"),
    FieldSpec("source", "source", "value", facet=True, group=True),
    FieldSpec("topic", "topics", "value", facet=True, group=True),
    FieldSpec("place", "places", "text", facet=True, group=True),
    FieldSpec("country", "countries", "value", facet=True, group=True),
    FieldSpec("person", "people", "text", facet=True, group=True),
    FieldSpec("org", "organisations", "text", facet=True, group=True),
    FieldSpec("kind", "kind", "value", facet=True, group=True),
    FieldSpec("language", "language", "value", facet=True, group=True),
    FieldSpec("date", "published_at", "date"),
    FieldSpec("month", None, "date", facet=True),
    FieldSpec("year", None, "date", facet=True),
)
_BUILTIN_NAMES = frozenset(f.name for f in BUILTIN)
_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")


def reserved() -> frozenset[str]:
    """Names a user field may not take: built-in fields, their aliases and stored columns."""
    from ..article import STORED_FIELDS
    from .query import _ALIASES

    return _BUILTIN_NAMES | frozenset(_ALIASES) | frozenset(STORED_FIELDS) | {"date", "path"}


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


def is_user(name: str) -> bool:
    """Whether ``name`` (as the query parser resolved it) is a researcher's field."""
    return name not in _BUILTIN_NAMES


def index_term(name: str, value: str) -> str:
    """The one index term of a user field's value: name and value, the value in lower case
    with white space collapsed, so that ``label:FAKE`` finds ``fake``."""
    return f"{name}{SEP}{' '.join(value.lower().split())}"


# Indexed for an article linked as a duplicate or near-duplicate: the term of a user field named
# "_", which no column can be named (names start with a letter), so no query spells it.
COPY_FIELD = "_"
COPY_TERM = f"{COPY_FIELD}{SEP}copy"


def no_copies() -> Any:
    """The query node that leaves duplicates and near-duplicates out (``--no-duplicates``)."""
    from . import query as q

    return q.Not(q.Field(COPY_FIELD, q.Term("copy")))


def index_values(row: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """``(terms, facet values)`` both engines index for a corpus row: each user field value as
    :func:`index_term` (plus :data:`COPY_TERM` for a duplicate), and ``name SEP value`` as
    written, for counting. ``row["fields"]`` is the map column as pyarrow gives it."""
    terms: list[str] = []
    shown: list[str] = []
    for name, values in row.get("fields") or []:
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


def facet_names(corpus: str | CorpusPath) -> list[str]:
    """Every facet ``--facet`` accepts on this corpus: built-in, then the user's fields."""
    return [f.name for f in BUILTIN if f.facet] + user_fields(corpus)
