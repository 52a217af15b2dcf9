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

A corpus in object storage (``s3://bucket/prefix``: :mod:`newsarchive.storage`) has the same
files but no ``.tmp/``: an object appears only when its upload completes, so each part is
uploaded straight to its name; and ``_lease.json`` (a :class:`~newsarchive.storage.Lease`)
stands for the lock.
"""

from __future__ import annotations

import fnmatch
import hashlib
import itertools
import json
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .article import SCHEMA_VERSION, STORED_FIELDS, Article
from .errors import CorpusError, CorpusLocked, NewsarchiveError, os_reason
from .storage import LEASE_FILE, CorpusPath, Lease, ObjectPath, corpus_path

if TYPE_CHECKING:
    import sqlite3
    import tempfile

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
        "crawled_at": utc,
        "content_hash": pa.string(),
        "duplicate_of": pa.string(),
        "near_duplicate_of": pa.string(),
        "near_duplicate_similarity": pa.float32(),
        "ingested_at": utc,
        "ingest_run": pa.string(),
        "encoding": pa.string(),
        "format": pa.string(),
        "fields": pa.map_(pa.string(), strings),
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


def is_corpus(path: str | CorpusPath) -> bool:
    p = corpus_path(path)
    return (p / RUNS_DIR).is_dir() or any(p.glob(PART_GLOB))


def is_started(path: str | CorpusPath) -> bool:
    """An ingest has taken this folder as its corpus (its lock or ``.tmp/`` is there), even if
    it was killed before committing its first batch."""
    p = corpus_path(path)
    if isinstance(p, ObjectPath):
        return (p / LEASE_FILE).exists()
    return (p / LOCK_FILE).exists() or (p / TMP_DIR).is_dir()


def part_files(path: str | CorpusPath) -> list[Any]:
    """The committed part files (``Path`` or ``ObjectPath``), in commit order (names sort by
    run time, then sequence)."""
    p = corpus_path(path)
    if not p.is_dir():
        raise CorpusError(f"no corpus at {p}: run 'newsarchive ingest FILES --corpus {p}' first")
    return sorted(p.glob(PART_GLOB))


def part_run(name: str) -> str:
    """The run that wrote a part file: ``part-<run>-<seq>[.salvaged].parquet``'s ``<run>``."""
    return name.removeprefix("part-").split(".")[0].rsplit("-", 1)[0]


def corpus_state(path: str | CorpusPath) -> str:
    """A short token that changes whenever a part is committed: indexes record the state they reflect."""
    p = corpus_path(path)
    try:  # names only: listing a local folder is a few times quicker than globbing Paths
        found = os.listdir(p) if isinstance(p, Path) else None
    except OSError:
        found = None
    if found is None:
        names = "\n".join(f.name for f in part_files(p))
    else:
        names = "\n".join(sorted(n for n in found if fnmatch.fnmatchcase(n, PART_GLOB)))
    return hashlib.blake2b(names.encode(), digest_size=8).hexdigest()


def open_dataset(path: str | CorpusPath, parts: list[Any] | None = None) -> pads.Dataset:
    """A ``pyarrow.dataset`` over a snapshot of the committed parts (empty corpus: zero rows)."""
    import pyarrow.dataset as ds

    files = part_files(path) if parts is None else parts
    root = corpus_path(path)
    if isinstance(root, ObjectPath):  # fragment paths are keys in the store's filesystem
        keys = [f.key for f in files]
        dataset: pads.Dataset = ds.dataset(
            keys, schema=schema(), format="parquet", filesystem=root.fs
        )
        return dataset
    return ds.dataset([str(f) for f in files], schema=schema(), format="parquet")


def open_part(part: Path | ObjectPath) -> Any:
    """A ``pyarrow.parquet.ParquetFile`` of one part file, local or in object storage."""
    import pyarrow.parquet as pq

    if isinstance(part, ObjectPath):
        return pq.ParquetFile(part.key, filesystem=part.fs)  # closed with the ParquetFile
    return pq.ParquetFile(part)


def read_corpus(
    path: str | CorpusPath = "corpus",
    columns: list[str] | None = None,
    filter: Any = None,
) -> pa.Table:
    """The corpus as an Arrow table (``.to_pandas()`` for a DataFrame).

    >>> table = read_corpus("corpus", columns=["doc_id", "title", "published_at"])  # doctest: +SKIP
    """
    return open_dataset(path).to_table(columns=columns, filter=filter)


def read_dataframe(
    path: str | CorpusPath = "corpus", columns: list[str] | None = None, filter: Any = None
) -> pd.DataFrame:
    return read_corpus(path, columns=columns, filter=filter).to_pandas()


def iter_batches(
    path: str | CorpusPath,
    columns: list[str] | None = None,
    batch_size: int = 2048,
    filter: Any = None,
) -> Iterator[pa.RecordBatch]:
    """Stream the corpus in record batches: memory stays flat however large the corpus."""
    yield from open_dataset(path).to_batches(columns=columns, batch_size=batch_size, filter=filter)


def corpus_version(path: str | CorpusPath, dataset: pads.Dataset | None = None) -> str:
    """The citable version of a corpus: a hash over every stored ``doc_id`` and ``content_hash``
    (of ``dataset``, a snapshot already open, if given).

    Unlike :func:`corpus_state` it does not depend on part file names or on the order articles
    were added: two copies of a corpus with the same articles have the same version.
    """
    import pyarrow.compute as pc

    dataset = open_dataset(path) if dataset is None else dataset
    table = dataset.to_table(columns=["doc_id", "content_hash"])
    table = table.take(pc.sort_indices(table, sort_keys=[("doc_id", "ascending")]))
    h = hashlib.blake2b(digest_size=8)
    for doc_id, content in zip(
        table.column(0).to_pylist(), table.column(1).to_pylist(), strict=True
    ):
        h.update(f"{doc_id}\t{content}\n".encode())
    return h.hexdigest()


@dataclass(slots=True)
class KnownArticles:
    """What a new run must know of the corpus: ids already stored, and the first id of each text."""

    doc_ids: set[str]
    first_by_hash: dict[str, str]


def known_articles(path: str | CorpusPath) -> KnownArticles:
    # Part by part with ParquetFile: pyarrow.dataset (and read_table) imports pandas, 0.5 s,
    # most of what a re-run that finds nothing new costs.
    known = KnownArticles(set(), {})
    for part in part_files(path):
        with open_part(part) as pf:
            table = pf.read(columns=["doc_id", "content_hash"])
        for doc_id, content_hash in zip(
            table.column(0).to_pylist(), table.column(1).to_pylist(), strict=True
        ):
            known.doc_ids.add(str(doc_id))
            known.first_by_hash.setdefault(str(content_hash), str(doc_id))
    return known


def run_records(path: str | CorpusPath) -> list[dict[str, Any]]:
    runs = corpus_path(path) / RUNS_DIR
    if not runs.is_dir():
        return []
    files: list[Path | ObjectPath] = sorted(runs.glob("*.json"), key=lambda f: f.name)
    return [json.loads(f.read_text(encoding="utf-8")) for f in files]


# --- writing -------------------------------------------------------------------------------------


def new_run_id(now: datetime | None = None) -> str:
    """Sortable and unique: ``20261122T041500Z-1a2b3c``."""
    now = now or datetime.now(UTC)
    import secrets  # with random: only when writing

    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def scratch_database(
    prefix: str, folder: str | None, cache_mb: int
) -> tuple[tempfile.TemporaryDirectory[str], sqlite3.Connection]:
    """A run's scratch SQLite file in a new temporary folder (under ``folder``, else TMPDIR):
    no journal and no syncs, since it is rebuilt from the corpus if the run dies, and a page
    cache of ``cache_mb`` so that memory stays bounded. Returns the folder (which removes the
    file when cleaned up) and the connection (autocommit)."""
    import sqlite3
    import tempfile

    scratch = tempfile.TemporaryDirectory(prefix=prefix, dir=folder)
    db = sqlite3.connect(Path(scratch.name) / "scratch.sqlite", isolation_level=None)
    for pragma in (
        "journal_mode = OFF",
        "synchronous = OFF",
        f"cache_size = {-1024 * cache_mb}",
        "temp_store = FILE",
    ):
        db.execute(f"PRAGMA {pragma}")
    return scratch, db


def fsync_dir(path: Path) -> None:
    """Make a rename in ``path`` durable."""
    _fsync_dir(path)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(target: Path | ObjectPath, data: bytes) -> None:
    """Write ``data`` to ``target`` so that readers see the old file or the new one, never half
    (in a bucket one PUT is atomic; on disk a temporary file renamed over it)."""
    if isinstance(target, ObjectPath):
        target.write_bytes(data)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    _fsync_dir(target.parent)


def write_json_atomic(target: Path | ObjectPath, obj: Any) -> None:
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


def writer_lock(path: str | CorpusPath, *, wait: bool = False, timeout: float = -1) -> Any:
    """The corpus's single-writer lock (see :func:`exclusive`; in object storage, a
    :class:`~newsarchive.storage.Lease`); a second writer gets :class:`CorpusLocked` at once
    unless ``wait``."""
    p = corpus_path(path)

    def busy(holder: str) -> NewsarchiveError:
        return CorpusLocked(
            f"corpus {p} is being written by {holder}; wait for it to finish, or pass --wait"
        )

    if isinstance(p, ObjectPath):
        return _leased(Lease(p, busy), wait=wait, timeout=timeout)
    return exclusive(p, busy, wait=wait, timeout=timeout)


_LEASES: dict[str, Lease] = {}  # the leases this process holds, by corpus URI


@contextmanager
def _leased(lease: Lease, *, wait: bool, timeout: float) -> Iterator[None]:
    with lease.held(wait=wait, timeout=timeout):
        _LEASES[str(lease.folder)] = lease
        try:
            yield
        finally:
            _LEASES.pop(str(lease.folder), None)


class CorpusWriter:
    """Buffers rows and commits them as part files of ``batch_rows`` rows each.

    Use inside :func:`writer_lock`. Each :meth:`flush` writes one complete Parquet file in ``.tmp/``
    and renames it into place, so the corpus only ever gains whole batches.
    """

    def __init__(self, path: str | CorpusPath, run_id: str, batch_rows: int = 2000) -> None:
        self.path = corpus_path(path)
        self.run_id = run_id
        self.batch_rows = batch_rows
        self.pending: list[pa.RecordBatch] = []  # rows of the next part file, in order
        self.pending_rows = 0
        self.seq = 0
        self.committed = 0
        if isinstance(self.path, ObjectPath):
            return  # no .tmp/: an upload is invisible until complete
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
        if isinstance(self.path, ObjectPath):
            self._upload(table, self.path / name)
            return
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

    def _upload(self, table: pa.Table, target: ObjectPath) -> None:
        """Upload a part to its final name: S3 shows it only once the upload completes."""
        import pyarrow.parquet as pq

        lease = _LEASES.get(str(self.path))
        if lease is not None:
            lease.check()  # a writer that lost its lease commits nothing more
        with target.open_output() as out:
            pq.write_table(table, out, compression="zstd", row_group_size=ROW_GROUP_ROWS)
        self.committed += self.pending_rows
        self.seq += 1
        self.pending, self.pending_rows = [], 0


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
