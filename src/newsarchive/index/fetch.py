"""Corpus reads for the index: the rows to index, and the texts that snippets are cut from.

The tantivy index stores each article's text, and gives it with the hit. For whoosh's hits (which
carry no text) the index stores each article's part file and row, so a page of hits reads only the
row groups that hold those rows, never the whole corpus.
"""

from __future__ import annotations

import bisect
import functools
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import store
from ..storage import CorpusPath, ObjectPath
from .model import EngineHit

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

    import pyarrow as pa

READERS = 4  # part files read at once for a page of snippets
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
INDEX_COLUMNS: list[str] = [
    "doc_id",
    "title",
    "text",
    "source",
    "url",
    "kind",
    "language",
    "published_at",
    "published_offset",
    "topics",
    "places",
    "countries",
    "people",
    "organisations",
    # the researcher's own fields and the duplicate links (``index.fields.index_values``)
    "fields",
    "duplicate_of",
    "near_duplicate_of",
]


def part_rows(
    part: Path | ObjectPath, batch_size: int = 512
) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(row number, row)`` for every row of one part file, in order, ``batch_size`` at a time."""

    row = 0
    with store.open_part(part) as pf:
        present = set(pf.schema_arrow.names)
        # A part written before a column existed (published_offset) reads it as None.
        absent = dict.fromkeys(c for c in INDEX_COLUMNS if c not in present)
        columns = [c for c in INDEX_COLUMNS if c in present]
        for batch in pf.iter_batches(batch_size=batch_size, columns=columns):
            names = batch.schema.names
            for values in zip(*map(_pylist, batch.columns), strict=True):
                yield row, {**absent, **dict(zip(names, values, strict=True))}
                row += 1


def _pylist(column: pa.Array[Any]) -> list[Any]:
    """``column.to_pylist()``, with UTC timestamps five times faster: pyarrow converts them one
    by one, looking their zone up each time (a third of the cost of converting a row)."""
    import pyarrow as pa

    if column.type != pa.timestamp("us", tz="UTC"):
        return column.to_pylist()
    micros = column.cast(pa.int64()).to_pylist()
    return [None if us is None else _EPOCH + timedelta(microseconds=us) for us in micros]


def part_row_counts(parts: list[Any]) -> int:
    """Rows in the given part files, from their footers (no data read)."""

    total = 0
    for part in parts:
        with store.open_part(part) as pf:
            total += pf.metadata.num_rows
    return total


def fetch_texts(corpus: CorpusPath, hits: list[EngineHit]) -> dict[str, str]:
    """``doc_id -> text`` for the hits: the text the index stored with a hit, else read by
    its part and row (a doc_id scan as a fallback)."""
    texts = {hit.doc_id: hit.text for hit in hits if hit.text is not None}
    lost: list[str] = []
    by_part: dict[str, list[EngineHit]] = defaultdict(list)
    for hit in hits:
        if hit.text is None:
            by_part[hit.part].append(hit)
    readable = {part: h for part, h in by_part.items() if (corpus / part).is_file()}
    for part, part_hits in by_part.items():
        if (
            part not in readable
        ):  # the corpus was rewritten since indexing: the next update rebuilds
            lost.extend(h.doc_id for h in part_hits)
    # pyarrow decompresses without the GIL: parts are read side by side, by threads kept for
    # the next page of hits (starting them anew cost more than a page's reads)
    paths = [corpus / part for part in readable]
    mapper = map if len(paths) < 2 else _readers().map
    answers = mapper(_read_rows, paths, list(readable.values()))
    for found, missing in answers:
        texts.update(found)
        lost.extend(missing)
    if lost:
        texts.update(_scan(corpus, lost))
    return texts


@functools.cache
def _readers() -> ThreadPoolExecutor:
    from concurrent.futures import ThreadPoolExecutor  # imports logging: only when needed

    return ThreadPoolExecutor(max_workers=READERS, thread_name_prefix="newsarchive-fetch")


_FOOTERS: dict[tuple[str, int, int], Any] = {}  # (path, mtime, size) -> a part's metadata
_FOOTERS_MAX = 512


def _open_part(path: Path | ObjectPath) -> Any:
    """``store.open_part``, with the part's footer parsed once for every later page of hits
    (parsing it cost about as much as reading a row group's text)."""
    if isinstance(path, ObjectPath):
        return store.open_part(path)
    import pyarrow.parquet as pq

    st = path.stat()
    key = (str(path), st.st_mtime_ns, st.st_size)
    footer = _FOOTERS.get(key)
    pf = pq.ParquetFile(path, metadata=footer)
    if footer is None:
        if len(_FOOTERS) >= _FOOTERS_MAX:
            _FOOTERS.clear()
        _FOOTERS[key] = pf.metadata
    return pf


def _read_rows(path: Path | ObjectPath, hits: list[EngineHit]) -> tuple[dict[str, str], list[str]]:
    """The hits' texts from one part file, and the doc_ids not found at their row."""

    texts: dict[str, str] = {}
    lost: list[str] = []
    with _open_part(path) as pf:
        sizes = [pf.metadata.row_group(i).num_rows for i in range(pf.num_row_groups)]
        starts = [sum(sizes[:i]) for i in range(len(sizes))]
        by_group: dict[int, list[EngineHit]] = defaultdict(list)
        for hit in hits:
            by_group[bisect.bisect_right(starts, hit.row) - 1].append(hit)
        for group, group_hits in by_group.items():
            table = pf.read_row_group(group, columns=["doc_id", "text"])
            ids, column = table.column("doc_id"), table.column("text")
            for hit in group_hits:
                i = hit.row - starts[group]
                if 0 <= i < len(table) and ids[i].as_py() == hit.doc_id:
                    texts[hit.doc_id] = column[i].as_py()
                else:
                    lost.append(hit.doc_id)
    return texts, lost


def _scan(corpus: CorpusPath, doc_ids: list[str]) -> dict[str, str]:
    import pyarrow.compute as pc

    table = store.read_corpus(
        corpus, columns=["doc_id", "text"], filter=pc.field("doc_id").isin(doc_ids)
    )
    ids = table.column("doc_id").to_pylist()
    found = table.column("text").to_pylist()
    return {i: t for i, t in zip(ids, found, strict=True) if i is not None and t is not None}
