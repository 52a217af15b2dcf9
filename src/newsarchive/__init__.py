"""newsarchive: turn heaps of scraped news into a clean, dated, tagged, searchable research corpus.

The public API, imported lazily so that ``import newsarchive`` (and the CLI) start fast::

    import newsarchive
    report = newsarchive.ingest(["articles/"], corpus="corpus")
    df = newsarchive.read_corpus("corpus").to_pandas()
    hits = newsarchive.search('"junior doctors" AND strike', corpus="corpus").to_pandas()
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> module that defines it
_LAZY = {
    "ingest": "newsarchive.pipeline.run",
    "IngestReport": "newsarchive.pipeline.run",
    "read_corpus": "newsarchive.store",
    "read_dataframe": "newsarchive.store",
    "search": "newsarchive.index",
    "update_index": "newsarchive.index",
    "load_settings": "newsarchive.settings",
    "Article": "newsarchive.article",
    "Corpus": "newsarchive.corpus",
}

__all__ = [
    "Article",
    "Corpus",
    "IngestReport",
    "__version__",
    "ingest",
    "load_settings",
    "read_corpus",
    "read_dataframe",
    "search",
    "update_index",
]

if TYPE_CHECKING:
    from .article import Article
    from .corpus import Corpus
    from .index import search, update_index
    from .pipeline.run import IngestReport, ingest
    from .settings import load_settings
    from .store import read_corpus, read_dataframe


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'newsarchive' has no attribute {name!r}")
