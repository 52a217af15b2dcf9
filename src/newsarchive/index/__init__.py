"""Full-text search: one query language (``query``), engines that compile it (``whoosh_engine``),
and the engine-agnostic API below. Importing this package loads no engine."""

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
