"""Ingest on a Dask cluster: the same stages and the same corpus as the local pool, on many machines.

Flow of a cluster run (``newsarchive ingest … --cluster ADDRESS``)::

    coordinator: inputs ──► tasks of ``batch_rows`` inputs ──► Dask workers: Pipeline.run_chunk
                                                                  (rows stay on the worker)
    coordinator: each task's outcomes, in input order ──► IdTable (on-disk ids and texts):
                 already? duplicate_of? ──► worker: keeps the new rows, writes its part file
                 atomically into ``.tmp/`` ──► coordinator: renames parts into place, in order

The decisions are taken in input order against the corpus and every earlier input, exactly as
the local runner takes them, so ``duplicate_of``, "already in corpus" and the run's counts do
not depend on which worker processed what. The ids live in an SQLite table on the
coordinator's local disk, not in its memory (a page cache of :data:`ID_CACHE_MB`), so a run
of 50 million articles needs no more coordinator memory than one of a thousand.

A worker killed mid-run loses only what it held: Dask runs its tasks again elsewhere (the
inputs are in the task), a part it half wrote stays a ``.tmp`` leftover, and nothing becomes
visible until the coordinator's rename, so no article is lost or written twice.
"""

from __future__ import annotations

import logging
import os
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import store
from ..errors import UsageError
from ..progress import ProgressCallback, Step
from ..storage import ObjectPath, is_uri
from .sources import Input, Rejected

# distributed is only partly typed: its clients and futures are Any here.
Client = Any
Future = Any

if TYPE_CHECKING:
    from .dedup import NearDuplicates
    from .run import Chunk, Decision, IngestReport, Pipeline, RunOptions
    from .seen import InputStamps

EXTRA_HINT = "pip install 'newsarchive[cluster]'"
# Tasks per worker queued or running: a worker never waits for the coordinator, and the rows
# held on workers stay a few tasks' worth however long the run.
IN_FLIGHT = 3
# SQLite page cache of the id table (MB): the coordinator's memory for ids, whatever their number.
ID_CACHE_MB = 64
# Dask settings for the clusters started here (``local``, ``local:N``): Dask's periodic
# housekeeping (the workers' statistical profiler, the event loops' tick monitor, the system
# monitor, work stealing) serves its dashboard; measured idle on 2 workers it cost 6.6 CPU
# seconds a minute, 1.6 without these. A cluster you run yourself keeps your settings.
LOCAL_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.scheduler.work-stealing": False,  # tasks are queued in input order, a few each
}
_SQL_VARIABLES = 900  # values per IN (...) query: under SQLite's oldest limit of 999
_LOCAL = re.compile(r"local(?::(\d+))?")


def require_dask() -> None:
    """Stop with a one-line error when the ``cluster`` extra is not installed."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise UsageError(f"--cluster needs Dask: {EXTRA_HINT}") from None


@contextmanager
def connect(cluster: str | Client) -> Iterator[Client]:
    """A Dask client for ``cluster``: ``local`` (one worker process per core), ``local:N``,
    a scheduler address (``tcp://host:8786``), or a ``distributed.Client`` the caller owns
    (left open). A cluster started here is closed on the way out."""
    require_dask()
    import dask
    from distributed import Client as DaskClient
    from distributed import LocalCluster

    if isinstance(cluster, DaskClient):
        yield cluster
        return
    address = str(cluster).strip()
    local = _LOCAL.fullmatch(address)
    if local:
        workers = int(local.group(1) or os.cpu_count() or 1)
        if workers < 1:
            raise UsageError(f"--cluster {address}: the number of workers must be at least 1")
        # One thread per worker process: the stages are pure Python, threads would share one GIL.
        with (
            dask.config.set(LOCAL_CONFIG),
            LocalCluster(  # type: ignore[no-untyped-call]
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",
                silence_logs=logging.ERROR,  # a worker restarted is Dask's business, not noise here
            ) as local_cluster,
            DaskClient(local_cluster) as client,  # type: ignore[no-untyped-call]
        ):
            yield client
        return
    if "://" not in address:
        raise UsageError(
            f"--cluster {address!r}: give local, local:N or a scheduler address such as "
            "tcp://host:8786"
        )
    try:
        client = DaskClient(address, timeout="20s")  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError) as exc:
        raise UsageError(f"--cluster {address}: cannot reach the scheduler ({exc})") from None
    with client:
        yield client


def require_local(corpus: str | os.PathLike[str] | ObjectPath) -> None:
    """Stop with a one-line error for a corpus in a bucket (told before any connection to it):
    workers write parts to a folder they share with the coordinator (a local or shared POSIX
    disk)."""
    if isinstance(corpus, ObjectPath) or is_uri(corpus):
        raise UsageError(
            f"--cluster writes to a local or shared folder, not to {corpus}: ingest on the "
            "cluster into a shared folder, then copy the corpus to the bucket (docs/cluster.md)"
        )


def describe(cluster: str | Client) -> str:
    """What the run record says about where the run ran."""
    return cluster if isinstance(cluster, str) else f"client of {cluster.scheduler.address}"


# --- worker side ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RunSpec:
    """What a worker needs to rebuild the run's stages for itself (sent with every task: a few KB)."""

    options: RunOptions
    templates: dict[str, frozenset[str]]
    run_id: str
    ingested_at: datetime
    tmp: str  # the corpus's .tmp folder: where workers leave finished parts


# One Pipeline per worker process, built on its first task of a run and kept for the others.
_PIPELINES: dict[str, Pipeline] = {}


def _pipeline(spec: RunSpec) -> Pipeline:
    pipeline = _PIPELINES.get(spec.run_id)
    if pipeline is None:
        from .run import Pipeline

        _PIPELINES.clear()  # an earlier run's stages: not needed again
        pipeline = Pipeline(spec.options, spec.templates)
        pipeline.run_id, pipeline.ingested_at = spec.run_id, spec.ingested_at
        _PIPELINES[spec.run_id] = pipeline
        # The stages' tables (gazetteer, rules, models) live as long as the worker: keep the
        # garbage collector from walking them again and again, as forked pool workers do
        # (run._start freezes them before forking).
        import gc

        gc.freeze()
    return pipeline


def process_task(spec: RunSpec, inputs: list[Input | Rejected]) -> Chunk:
    return _pipeline(spec).run_chunk(inputs)


def outcomes_task(chunk: Chunk) -> list[Any]:
    """The small part of a chunk the coordinator needs; the rows stay where they are."""
    return chunk.outcomes


def write_task(spec: RunSpec, chunk: Chunk, name: str, decision: Decision) -> tuple[int, set[str]]:
    """Write the chunk's new rows as part file ``name`` in ``.tmp/``, atomically (a retry
    after a kill rewrites the same file). Returns the number of rows and the names of the
    researcher's own fields they carry."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from .run import field_names

    assert chunk.rows is not None
    rows = decision.apply(chunk.rows)
    target = Path(spec.tmp) / name
    partial = target.with_name(f"{name}.{os.getpid()}.partial")
    try:
        with open(partial, "wb") as fh:
            pq.write_table(
                pa.Table.from_batches([rows], schema=store.schema()),
                fh,
                compression="zstd",
                row_group_size=store.ROW_GROUP_ROWS,
            )
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return int(rows.num_rows), field_names(rows)


def load_samples_task(settings: Any, source: str | None, inputs: list[Any]) -> list[Any]:
    from .run import _SampleLoader

    return _SampleLoader(settings, source)(inputs)


# --- coordinator side -----------------------------------------------------------------------------


class IdTable:
    """The ids the corpus and this run hold, and the first id of each text, on disk.

    An SQLite file in a private temporary folder on the coordinator's local disk (``TMPDIR``),
    filled from the corpus at the start of a run and joined with every task's outcomes in input
    order. Its page cache is bounded, so memory stays flat however many ids there are; a
    B-tree lookup per article is far cheaper than the article's stages.
    """

    def __init__(self, folder: str | None = None, cache_mb: int = ID_CACHE_MB) -> None:
        # a scratch table: rebuilt from the corpus if the run dies
        self._dir, self.db = store.scratch_database("newsarchive-ids-", folder, cache_mb)
        self.db.execute("CREATE TABLE ids (id TEXT PRIMARY KEY) WITHOUT ROWID")
        self.db.execute("CREATE TABLE texts (hash TEXT PRIMARY KEY, first TEXT) WITHOUT ROWID")

    def __enter__(self) -> IdTable:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()
        self._dir.cleanup()

    def which(self, ids: Sequence[str]) -> set[str]:
        """The ones of ``ids`` the table holds."""
        return set(self._select("SELECT id FROM ids WHERE id IN ({})", sorted(set(ids))))

    def load_corpus(self, corpus: str | Path) -> int:
        """Add the corpus's ids, reading parts in commit order (the first id of a text is the
        first committed, as the local runner has it). Returns the number of rows read.

        Rows are appended as read, then copied into the keyed tables in key order: SQLite sorts
        on disk, and sorted inserts fill its B-trees several times faster than random ones.
        """
        import pyarrow.parquet as pq

        n = 0
        self.db.execute("BEGIN")
        self.db.execute("CREATE TABLE corpus (hash TEXT, id TEXT)")  # rowid: commit order
        # One part at a time: a dataset scan reads several parts ahead, and its buffers grew
        # with the corpus (hundreds of MB at a million ids).
        for part in store.part_files(corpus):
            with pq.ParquetFile(part) as parquet:
                for batch in parquet.iter_batches(columns=["doc_id", "content_hash"]):
                    ids = batch.column(0).to_pylist()
                    hashes = batch.column(1).to_pylist()
                    self.db.executemany(
                        "INSERT INTO corpus VALUES (?, ?)", zip(hashes, ids, strict=True)
                    )
                    n += len(ids)
        self.db.execute("INSERT OR IGNORE INTO ids SELECT id FROM corpus ORDER BY id")
        # the first row of each text in commit order goes in first; later ones are ignored
        self.db.execute(
            "INSERT OR IGNORE INTO texts SELECT hash, id FROM corpus ORDER BY hash, rowid"
        )
        self.db.execute("DROP TABLE corpus")
        self.db.execute("COMMIT")
        return n

    @contextmanager
    def batch(
        self, keys: Sequence[tuple[str, str]]
    ) -> Iterator[Callable[[str, str], tuple[bool, str]]]:
        """An ``admit(doc_id, content_hash)`` for one task's ``keys``, taken in input order.

        ``admit`` answers ``(new, first)``: whether ``doc_id`` is new to the corpus and the run
        (then it is recorded), and the first id with the same text (``doc_id`` itself when the
        text is new). The table is read with a few sorted look-ups for the whole task before,
        and written once after: far cheaper than a query per article.
        """
        ids = sorted({k[0] for k in keys})
        hashes = sorted({k[1] for k in keys})
        known = set(self._select("SELECT id FROM ids WHERE id IN ({})", ids))
        first: dict[str, str] = dict(
            self._select("SELECT hash, first FROM texts WHERE hash IN ({})", hashes)
        )
        new_ids: list[str] = []
        new_texts: list[tuple[str, str]] = []

        def admit(doc_id: str, content_hash: str) -> tuple[bool, str]:
            if doc_id in known:
                return False, ""
            known.add(doc_id)
            new_ids.append(doc_id)
            if content_hash not in first:
                first[content_hash] = doc_id
                new_texts.append((content_hash, doc_id))
            return True, first[content_hash]

        yield admit
        self.db.execute("BEGIN")
        self.db.executemany("INSERT INTO ids VALUES (?)", ((i,) for i in sorted(new_ids)))
        self.db.executemany("INSERT INTO texts VALUES (?, ?)", sorted(new_texts))
        self.db.execute("COMMIT")

    def _select(self, sql: str, values: list[str]) -> Iterator[Any]:
        for lo in range(0, len(values), _SQL_VARIABLES):
            part = values[lo : lo + _SQL_VARIABLES]
            yield from (
                row if len(row) > 1 else row[0]
                for row in self.db.execute(sql.format(",".join("?" * len(part))), part)
            )


@dataclass(slots=True)
class _Written:
    name: str
    future: Future


class ClusterWriter:
    """Runs the stages on the cluster and commits the parts the workers write, in input order.

    Has the two things the runner asks of a writer: ``committed`` (articles visible in the
    corpus) and :meth:`flush` (commit every part already written, in order, then stop).
    """

    def __init__(
        self, client: Client, corpus: Path, run_id: str, batch_rows: int, ids: IdTable
    ) -> None:
        self.client, self.corpus, self.run_id = client, corpus, run_id
        self.batch_rows = batch_rows
        self.committed = 0
        self.field_names: set[str] = set()  # the own fields of the committed rows
        self.writes: deque[_Written] = deque()
        corpus.mkdir(parents=True, exist_ok=True)
        self.tmp = corpus / store.TMP_DIR
        if (
            self.tmp.is_dir()
        ):  # a killed run's leftovers: never visible, safe to drop under the lock
            for f in self.tmp.iterdir():
                f.unlink()
        self.tmp.mkdir(exist_ok=True)
        self.ids = ids  # filled from the corpus by the caller, who closes it

    def workers(self) -> int:
        return max(1, len(self.client.scheduler_info(n_workers=-1)["workers"]))

    def run(
        self,
        pipeline: Pipeline,
        inputs: Iterable[Input | Rejected],
        report: IngestReport,
        near: NearDuplicates,
        stamps: InputStamps,
        progress: ProgressCallback | None = None,
        total: int | None = None,
    ) -> None:
        """Take every input through the stages on the cluster and commit the new rows.

        The coordinator decides in input order (:func:`newsarchive.pipeline.run.decide`, as the
        local runner): ids against the on-disk table, near-duplicates against ``near`` from the
        signatures the workers send back with the outcomes (512 bytes an article).
        """
        import itertools

        from .run import Processed, decide

        assert pipeline.ingested_at is not None
        spec = RunSpec(
            pipeline.options, pipeline.templates, self.run_id, pipeline.ingested_at, str(self.tmp)
        )
        pending: deque[tuple[int, Future, Future]] = deque()
        it = iter(inputs)
        seq = 0
        exhausted = False
        while True:
            window = IN_FLIGHT * self.workers()
            while not exhausted and len(pending) < window:
                batch = list(itertools.islice(it, self.batch_rows))
                if not batch:
                    exhausted = True
                    break
                key = f"newsarchive-{self.run_id}-{seq:06d}"
                chunk = self.client.submit(process_task, spec, batch, key=key, pure=False)
                outcomes = self.client.submit(outcomes_task, chunk, key=f"{key}-outcomes")
                pending.append((seq, chunk, outcomes))
                seq += 1
            if not pending:
                break
            number, chunk, outcomes = pending.popleft()
            answer = _result(outcomes)
            keys = [(o.doc_id, o.content_hash) for o in answer if isinstance(o, Processed)]
            with self.ids.batch(keys) as admit:
                decision = decide(answer, report, admit, near)
            stamps.take_all(answer)
            if any(decision.keep):
                name = f"part-{self.run_id}-{number:05d}.parquet"
                future = self.client.submit(
                    write_task, spec, chunk, name, decision, key=f"{name}-write"
                )
                self.writes.append(_Written(name, future))
            del chunk, outcomes  # the rows go once their part is written
            self._commit_done(wait_for=window)
            if progress is not None:
                progress(Step("cleaning", report.seen, total, report.counts()))
        if progress is not None:
            progress(Step("writing", report.seen, total, report.counts()))
        self.flush()

    def _commit_done(self, wait_for: int) -> None:
        """Commit the parts written so far, in order; wait while more than ``wait_for`` are out."""
        while self.writes and (self.writes[0].future.done() or len(self.writes) > wait_for):
            self._commit(self.writes.popleft())

    def _commit(self, written: _Written) -> None:
        rows, names = _result(written.future)
        os.replace(self.tmp / written.name, self.corpus / written.name)
        store.fsync_dir(self.corpus)
        self.committed += rows
        self.field_names.update(names)

    def flush(self) -> None:
        """Commit every part asked for, in order; the first that fails stops the commits, so
        the corpus never holds a later part without an earlier one."""
        while self.writes:
            self._commit(self.writes.popleft())

    def close(self) -> None:
        for written in self.writes:
            written.future.cancel()
        self.writes.clear()


def _result(future: Future) -> Any:
    """A task's result; a task that failed on every worker it was given becomes ``WorkerDied``."""
    from distributed import KilledWorker

    from .run import WorkerDied

    try:
        return future.result()
    except KilledWorker as exc:
        raise WorkerDied(f"the cluster's workers died running a task ({exc})") from None


def map_in_order(client: Client, func: Any, tasks: Iterable[Sequence[Any]]) -> Iterator[Any]:
    """``map(func, tasks)`` on the cluster, in order (for the template sample: a few tasks)."""
    futures = [client.submit(func, *task, pure=False) for task in tasks]
    for future in futures:
        yield _result(future)
