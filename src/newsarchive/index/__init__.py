"""Full-text search: one field table (``fields``), one query language (``query``) compiled by one
walk (``compiler``), engines by name (``engines``: ``whoosh_engine``, ``tantivy_engine``), and
the engine-agnostic API below. Importing this package loads no engine."""

from .api import build_query, index_status, indexed_ids, matching_ids, search, update_index
from .model import (
    Hit,
    IndexLocked,
    IndexMissing,
    IndexReport,
    IndexStatus,
    MatchingIds,
    SearchIndexError,
    SearchResults,
)

__all__ = [
    "Hit",
    "IndexLocked",
    "IndexMissing",
    "IndexReport",
    "IndexStatus",
    "MatchingIds",
    "SearchIndexError",
    "SearchResults",
    "build_query",
    "index_status",
    "indexed_ids",
    "matching_ids",
    "search",
    "update_index",
]
