"""The engines by name, and what the API asks of each: mypy checks both against these protocols.

An engine is a class (:class:`EngineClass`) that creates or opens an index folder
(:class:`Engine`); the registry :data:`ENGINES` imports each only when it is asked for, so that
tantivy, an optional extra, is needed only by those who choose it. What an engine needs from the
corpus (the text of articles, for proximity phrases) it asks of a :class:`CorpusTexts`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ..errors import UsageError
from .model import EngineHit

if TYPE_CHECKING:
    from .analysis import QueryAnalyser
    from .query import Node

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
DEFAULT_ENGINE = "whoosh"  # pure Python; tantivy is an optional extra

# One corpus row to index: the row (columns of ``fetch.INDEX_COLUMNS``), its part file's name and
# its row number in that part.
IndexRow = tuple[dict[str, Any], str, int]


class CorpusTexts(Protocol):
    """What an engine may read from the corpus: the clean text of hits (by ``doc_id``)."""

    def texts(self, hits: Sequence[EngineHit]) -> dict[str, str]: ...


class Engine(Protocol):
    """An open index, as the API uses it."""

    engine: str

    def doc_count(self) -> int: ...

    def terms(self, field: str) -> set[str]:
        """Every value indexed in ``field`` (``doc_id``, ``part``, ``language``)."""

    def indexed_ids(self) -> list[str]: ...

    def add(self, rows: Iterable[IndexRow], *, procs: int = 1, limitmb: int = 256) -> int:
        """Index ``rows`` in one commit: all or nothing. Returns how many were added."""

    def search(
        self, tree: Node, *, limit: int | None, offset: int, sort: str
    ) -> tuple[int, list[EngineHit]]: ...

    def matching_ids(self, tree: Node) -> list[str]: ...

    def facet(self, tree: Node, name: str) -> list[tuple[str, int]]: ...

    def query_analyser(self, tree: Node) -> QueryAnalyser: ...


class EngineClass(Protocol):
    """An engine: its name, the version of its schema, and how to make or open an index."""

    @property
    def engine(self) -> str: ...

    @property
    def schema_version(self) -> int:
        """Bumped when the schema or analysers change: older indexes are then rebuilt."""

    def create(self, path: Path, corpus: CorpusTexts) -> Engine: ...

    def open(self, path: Path, corpus: CorpusTexts) -> Engine:
        """Raises ``SearchIndexError`` if there is no readable index at ``path``."""


EngineFactory = Callable[[], EngineClass]


def _whoosh() -> EngineClass:
    from .whoosh_engine import WhooshIndex

    return WhooshIndex


def _tantivy() -> EngineClass:
    from .tantivy_engine import TantivyIndex

    return TantivyIndex


# each engine's index lives in the index folder under its name
ENGINES: dict[str, EngineFactory] = {"whoosh": _whoosh, "tantivy": _tantivy}


def engine_class(name: str) -> EngineClass:
    """The engine called ``name``; a one-line error if it is unknown or not installed."""
    factory = ENGINES.get(name)
    if factory is None:
        raise UsageError(f"unknown search engine {name!r}; use one of: {', '.join(ENGINES)}")
    try:
        return factory()
    except ImportError as exc:
        if exc.name != name:
            raise
        raise UsageError(
            f"the {name} engine needs the {name} package: pip install 'newsarchive[{name}]'"
        ) from None
