"""The Parquet corpus on disk: schema, atomic batch writes, consistent reads and the writer's lock.

Layout of a corpus folder (everything a reader must skip starts with ``_`` or ``.``, which
pyarrow, pandas and polars ignore, and none of it ends in ``.parquet``)::

    corpus/
      part-<run>-<seq>.parquet   committed articles, one file per batch
      _runs/<run>.json           one run record per ingest: options, counts, every skipped input
      _state/templates.json      template lines learned per source
      .lock                      held by the one process writing
      .tmp/                      batches being written; renamed into place when complete

A batch becomes visible only by an atomic ``rename`` of a complete, fsynced file, so a crash or
Ctrl-C leaves the earlier corpus intact; readers list the committed parts once and read that set,
so they see a consistent state while a writer adds parts.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import secrets
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .article import SCHEMA_VERSION, STORED_FIELDS, Article
from .errors import CorpusError, CorpusLocked, NewsarchiveError, os_reason

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa
    import pyarrow.dataset as pads

PART_GLOB = "part-*.parquet"
RUNS_DIR = "_runs"
STATE_DIR = "_state"
TMP_DIR = ".tmp"
LOCK_FILE = ".lock"
# Small row groups let a reader fetch a few articles' text (snippets, kwic, show) without
# decompressing a whole part file's text column.
ROW_GROUP_ROWS = 256


@lru_cache(maxsize=1)
def schema() -> pa.Schema:
    """The one Arrow schema of every part file (documented in ``docs/schema.md``)."""
    import pyarrow as pa

    strings = pa.list_(pa.string())
    # ``score`` (the structural cleaner's probability) came later: parts written before it
    # lack the field and read as null there.
    removal = pa.struct(
        [
            ("text", pa.string()),
            ("rule", pa.string()),
            ("start", pa.int32()),
            ("end", pa.int32()),
            ("score", pa.float32()),
        ]
    )
    evidence = pa.struct(
        [
            ("field", pa.string()),
            ("value", pa.string()),
            ("rule", pa.string()),
            ("matched", pa.string()),
        ]
    )
    utc = pa.timestamp("us", tz="UTC")
    types: dict[str, pa.DataType] = {
        "doc_id": pa.string(),
        "source_path": pa.string(),
        "source": pa.string(),
        "url": pa.string(),
        "content_hash": pa.string(),
        "duplicate_of": pa.string(),
        "ingested_at": utc,
        "ingest_run": pa.string(),
        "encoding": pa.string(),
        "format": pa.string(),
        "extra": pa.string(),
        "title": pa.string(),
        "text": pa.string(),
        "raw_text": pa.string(),
        "removed": pa.list_(removal),
        "authors": strings,
        "kind": pa.string(),
        "language": pa.string(),
        "word_count": pa.int32(),
        "structure_note": pa.string(),
        "published_at": utc,
        "published_offset": pa.int16(),
        "date_source": pa.string(),
        "date_text": pa.string(),
        "date_precision": pa.string(),
        "date_note": pa.string(),
        "topics": strings,
        "places": strings,
        "countries": strings,
        "people": strings,
        "organisations": strings,
        "tag_evidence": pa.list_(evidence),
    }
    assert tuple(types) == STORED_FIELDS, "store.schema() and Article must list the same fields"
    not_null = {"doc_id", "source_path", "source", "text", "raw_text", "content_hash", "kind"}
    return pa.schema(
        [pa.field(name, t, nullable=name not in not_null) for name, t in types.items()],
        metadata={"newsarchive.schema_version": str(SCHEMA_VERSION)},
    )


def to_batch(articles: Sequence[Article]) -> pa.RecordBatch:
    """Articles as one Arrow record batch of the corpus schema: a part file's rows.

    Ingest workers build these themselves, so the writing process only filters and writes them.
    """
    import pyarrow as pa

    return pa.RecordBatch.from_pylist([a.to_row() for a in articles], schema=schema())


# --- reading -------------------------------------------------------------------------------------


def is_corpus(path: str | Path) -> bool:
    p = Path(path)
    return (p / RUNS_DIR).is_dir() or any(p.glob(PART_GLOB))


def is_started(path: str | Path) -> bool:
    """An ingest has taken this folder as its corpus (its lock or ``.tmp/`` is there), even if
    it was killed before committing its first batch."""
    p = Path(path)
    return (p / LOCK_FILE).exists() or (p / TMP_DIR).is_dir()


def part_files(path: str | Path) -> list[Path]:
    """The committed part files, in commit order (names sort by run time, then sequence)."""
    p = Path(path)
    if not p.is_dir():
        raise CorpusError(f"no corpus at {p}: run 'newsarchive ingest FILES --corpus {p}' first")
    return sorted(p.glob(PART_GLOB))


def corpus_state(path: str | Path) -> str:
    """A short token that changes whenever a part is committed: indexes record the state they reflect."""
    names = "\n".join(f.name for f in part_files(path))
    return hashlib.blake2b(names.encode(), digest_size=8).hexdigest()


def open_dataset(path: str | Path, parts: list[Path] | None = None) -> pads.Dataset:
    """A ``pyarrow.dataset`` over a snapshot of the committed parts (empty corpus: zero rows)."""
    import pyarrow.dataset as ds

    files = part_files(path) if parts is None else parts
    return ds.dataset([str(f) for f in files], schema=schema(), format="parquet")


def read_corpus(
    path: str | Path = "corpus",
    columns: list[str] | None = None,
    filter: Any = None,
) -> pa.Table:
    """The corpus as an Arrow table (``.to_pandas()`` for a DataFrame).

    >>> table = read_corpus("corpus", columns=["doc_id", "title", "published_at"])  # doctest: +SKIP
    """
    return open_dataset(path).to_table(columns=columns, filter=filter)


def read_dataframe(
    path: str | Path = "corpus", columns: list[str] | None = None, filter: Any = None
) -> pd.DataFrame:
    return read_corpus(path, columns=columns, filter=filter).to_pandas()


def iter_batches(
    path: str | Path, columns: list[str] | None = None, batch_size: int = 2048, filter: Any = None
) -> Iterator[pa.RecordBatch]:
    """Stream the corpus in record batches: memory stays flat however large the corpus."""
    yield from open_dataset(path).to_batches(columns=columns, batch_size=batch_size, filter=filter)


@dataclass(slots=True)
class KnownArticles:
    """What a new run must know of the corpus: ids already stored, and the first id of each text."""

    doc_ids: set[str]
    first_by_hash: dict[str, str]


def known_articles(path: str | Path) -> KnownArticles:
    # Part by part with ParquetFile: pyarrow.dataset (and read_table) imports pandas, 0.5 s,
    # most of what a re-run that finds nothing new costs.
    import pyarrow.parquet as pq

    known = KnownArticles(set(), {})
    for part in part_files(path):
        table = pq.ParquetFile(part).read(columns=["doc_id", "content_hash"])
        for doc_id, content_hash in zip(
            table.column(0).to_pylist(), table.column(1).to_pylist(), strict=True
        ):
            known.doc_ids.add(str(doc_id))
            known.first_by_hash.setdefault(str(content_hash), str(doc_id))
    return known


def run_records(path: str | Path) -> list[dict[str, Any]]:
    runs = Path(path) / RUNS_DIR
    if not runs.is_dir():
        return []
    return [json.loads(f.read_text(encoding="utf-8")) for f in sorted(runs.glob("*.json"))]


# --- writing -------------------------------------------------------------------------------------


def new_run_id(now: datetime | None = None) -> str:
    """Sortable and unique: ``20261122T041500Z-1a2b3c``."""
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def fsync_dir(path: Path) -> None:
    """Make a rename in ``path`` durable."""
    _fsync_dir(path)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` so that readers see the old file or the new one, never half."""
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    _fsync_dir(target.parent)


def write_json_atomic(target: Path, obj: Any) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(target, json.dumps(obj, indent=2, ensure_ascii=False, default=str).encode())


@contextmanager
def exclusive(
    folder: Path,
    busy: Callable[[str], NewsarchiveError],
    *,
    wait: bool = False,
    timeout: float = -1,
) -> Iterator[None]:
    """Hold ``folder``'s one-process lock; the OS frees it if the holder dies (no stale locks).

    Without ``wait`` a second process gets ``busy(holder)`` at once, ``holder`` naming the
    process that has the lock, so its message can say who is writing.
    """
    from filelock import FileLock, Timeout

    info = folder / f"{LOCK_FILE}.pid"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(folder / LOCK_FILE))
        lock.acquire(timeout=timeout if wait else 0)
    except Timeout:
        holder = info.read_text(encoding="utf-8").strip() if info.exists() else "another process"
        raise busy(holder) from None
    except OSError as exc:  # read-only, a file where the folder should be, disk full
        raise CorpusError(
            f"cannot write to {folder}: {os_reason(exc)}; use a folder you can write to"
        ) from None
    try:
        with suppress(OSError):  # only a name for other processes' messages
            info.write_text(f"process {os.getpid()}", encoding="utf-8")
        yield
    finally:
        info.unlink(missing_ok=True)
        lock.release()


def writer_lock(path: str | Path, *, wait: bool = False, timeout: float = -1) -> Any:
    """The corpus's single-writer lock (see :func:`exclusive`); a second writer gets
    :class:`CorpusLocked` at once unless ``wait``."""
    p = Path(path)
    return exclusive(
        p,
        lambda holder: CorpusLocked(
            f"corpus {p} is being written by {holder}; wait for it to finish, or pass --wait"
        ),
        wait=wait,
        timeout=timeout,
    )


class CorpusWriter:
    """Buffers rows and commits them as part files of ``batch_rows`` rows each.

    Use inside :func:`writer_lock`. Each :meth:`flush` writes one complete Parquet file in ``.tmp/``
    and renames it into place, so the corpus only ever gains whole batches.
    """

    def __init__(self, path: str | Path, run_id: str, batch_rows: int = 2000) -> None:
        self.path = Path(path)
        self.run_id = run_id
        self.batch_rows = batch_rows
        self.pending: list[pa.RecordBatch] = []  # rows of the next part file, in order
        self.pending_rows = 0
        self.seq = 0
        self.committed = 0
        self.path.mkdir(parents=True, exist_ok=True)
        self.tmp = self.path / TMP_DIR
        # Leftovers of a killed writer: never visible to readers, safe to drop under the lock.
        if self.tmp.is_dir():
            for f in self.tmp.iterdir():
                f.unlink()
        self.tmp.mkdir(exist_ok=True)

    def add(self, article: Article) -> None:
        self.add_batch(to_batch([article]))

    def add_all(self, articles: Iterable[Article], chunk: int = 1024) -> None:
        it = iter(articles)
        while rows := list(itertools.islice(it, chunk)):
            self.add_batch(to_batch(rows))

    def add_batch(self, batch: pa.RecordBatch) -> None:
        """Add rows of the corpus schema (:func:`to_batch`); full part files are committed."""
        while batch.num_rows:
            room = self.batch_rows - self.pending_rows
            self.pending.append(batch.slice(0, room))
            self.pending_rows += min(room, batch.num_rows)
            batch = batch.slice(room)
            if self.pending_rows >= self.batch_rows:
                self.flush()

    def flush(self) -> None:
        if not self.pending_rows:
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_batches(self.pending, schema=schema())
        name = f"part-{self.run_id}-{self.seq:05d}.parquet"
        tmp = self.tmp / (name + ".tmp")
        try:
            with open(tmp, "wb") as fh:
                pq.write_table(table, fh, compression="zstd", row_group_size=ROW_GROUP_ROWS)
                fh.flush()
                os.fsync(fh.fileno())
        except OSError:  # a full disk: give back the space the half file holds
            tmp.unlink(missing_ok=True)
            raise
        with _ctrl_c_deferred():  # commit and bookkeeping as one step, or a re-flush adds a twin
            os.replace(tmp, self.path / name)
            self.committed += self.pending_rows
            self.seq += 1
            self.pending, self.pending_rows = [], 0
        _fsync_dir(self.path)


@contextmanager
def _ctrl_c_deferred() -> Iterator[None]:
    """Hold back Ctrl-C (SIGINT) until the block is done, then raise it.

    Python handlers run in the main thread only; elsewhere the block runs unprotected.
    """
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if caught:  # delivered again, now to the handler the process had
            signal.raise_signal(signal.SIGINT)
