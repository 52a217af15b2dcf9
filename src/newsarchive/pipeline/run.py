"""The batch runner: inputs → stages (in worker processes) → the corpus, with a report of everything.

Flow for one run::

    sources.iter_inputs ──► [sample: learn template lines per source]
                       └──► Pipeline (load → clean → structure → dates → tags), on every core
                            └──► main process: ids, duplicates, CorpusWriter (atomic batches)
                                 └──► run record under corpus/_runs/, then the search index

Results come back in input order whatever ``jobs`` is, so a run's output does not depend on the
number of processes. Every input ends up either as a row or as a ``Rejected`` line in the report.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import multiprocessing
import os
import signal
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__, store
from ..article import Article
from ..errors import Skip, SkipReason, WriteFailed, os_reason
from ..progress import ProgressCallback, Step
from ..settings import Settings, load_settings
from ..storage import CorpusPath, corpus_path
from .dedup import NearDuplicates, link_all
from .dedup import save as save_signatures
from .seen import InputStamps
from .sources import DumpColumns, Input, Rejected, iter_inputs, load

if TYPE_CHECKING:
    import pyarrow as pa

    from .cluster import ClusterWriter
    from .dedup import Signature

# Reasons that mean "this file is not an article" rather than "an article was lost".
IGNORED_REASONS: frozenset[SkipReason] = frozenset({"not-an-article"})
# Inputs per task for a worker: large enough that handing over a task costs little, small
# enough that the progress bar moves and the last tasks of a run end together.
CHUNK = 64
IN_FLIGHT = 4  # tasks per process queued or running: enough that no process waits for work

# how often the counting pass reports while it walks the inputs
COUNT_EVERY = 1000


@dataclass(frozen=True, slots=True)
class Already:
    """An input whose exact content is already in the corpus under the same path."""

    source_path: str
    doc_id: str


@dataclass(frozen=True, slots=True)
class Processed:
    """An article a worker finished; its row travels in its :class:`Chunk`'s record batch."""

    source_path: str
    doc_id: str
    content_hash: str
    rules: tuple[str, ...]  # the rule of each removal, for the run's counts
    signature: Any = None  # MinHash signature of the clean text (``dedup.signature``)


Outcome = Article | Rejected | Already


@dataclass(slots=True)
class Chunk:
    """A worker's answer for a run of inputs: one outcome each, in input order, and the rows of
    the processed ones. Rows cross between processes as Arrow (cheap to send, ready to write)
    rather than as Python objects."""

    outcomes: list[Processed | Rejected | Already]
    rows: pa.RecordBatch | None  # one row per Processed outcome, in the same order


@dataclass(slots=True)
class RunOptions:
    """Everything a worker process needs to rebuild the stages for itself."""

    settings: Settings
    source: str | None = None
    cli_date: str | None = None
    use_mtime: bool = False
    ner: str = "builtin"
    corpus_range: tuple[datetime, datetime] | None = None  # what the corpus's sources said


@dataclass(slots=True)
class IngestReport:
    """What a run did. ``exit_code`` is 0 when every article went in, 1 when some were skipped."""

    run_id: str
    corpus: str
    seen: int = 0
    ingested: int = 0
    already: int = 0
    duplicates: int = 0
    near_duplicates: int = 0
    ignored: int = 0
    skipped: list[Rejected] = field(default_factory=list)
    removals: Counter[str] = field(default_factory=Counter)
    templates: dict[str, list[str]] = field(default_factory=dict)
    field_names: set[str] = field(default_factory=set)  # the user fields of the new articles
    elapsed: float = 0.0
    status: str = "running"  # running, complete, interrupted
    index: Any = None  # the index report, when the run updated the index

    @property
    def skipped_by_reason(self) -> Counter[str]:
        return Counter(r.reason for r in self.skipped if r.reason not in IGNORED_REASONS)

    @property
    def exit_code(self) -> int:
        return 1 if self.skipped_by_reason else 0

    @property
    def rate(self) -> float:
        return self.seen / self.elapsed if self.elapsed else 0.0

    def counts(self) -> dict[str, int]:
        """The running tallies, named and counted as the summary names and counts them (the
        manifest is a "not article", never "skipped", in both)."""
        return {
            "ingested": self.ingested,
            "already": self.already,
            "skipped": sum(self.skipped_by_reason.values()),
            "not articles": self.ignored,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "corpus": self.corpus,
            "status": self.status,
            "seen": self.seen,
            "ingested": self.ingested,
            "already": self.already,
            "duplicates": self.duplicates,
            "near_duplicates": self.near_duplicates,
            "ignored": self.ignored,
            "skipped_by_reason": dict(sorted(self.skipped_by_reason.items())),
            "removals_by_rule": dict(self.removals.most_common()),
            "elapsed_s": round(self.elapsed, 3),
            "inputs_per_s": round(self.rate, 1),
            "skipped": [
                {"path": r.source_path, "reason": r.reason, "detail": r.detail}
                for r in self.skipped
            ],
            "templates": self.templates,
        }


# How ``doc_id`` is made, recorded in each run record: 1 hashed the absolute path (before
# newsarchive 0.x; such ids are kept as they are), 2 the path relative to the input root.
DOC_ID_SCHEME = 2


def make_doc_id(key: str, raw_text: str) -> str:
    """Same file, same content → same id, so a re-run adds nothing; a changed file is a new version.

    ``key`` is where the input sits below the folder given on the command line (or the
    manifest's folder): ``business/001.txt``, ``dump.csv#row=7``. Where that folder sits on disk
    does not matter, so a colleague who ingests the same files gets the same ids.
    """
    h = hashlib.blake2b(digest_size=8)
    h.update(key.encode("utf-8", "surrogateescape"))
    h.update(b"\0")
    h.update(raw_text.encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def content_hash(text: str) -> str:
    """Equal for texts that differ only in white space: the same story scraped twice."""
    return hashlib.blake2b(
        " ".join(text.split()).encode("utf-8", "surrogateescape"), digest_size=16
    ).hexdigest()


_WARM_UP = Input(
    source_path="<warm-up>",
    format="txt",
    path=None,
    root="warm-up",
    meta={},
    text="Strike talks resume\n\nLONDON (Reuters) - By Ann Lee. Published 3 March 2014. "
    "Doctors in Leeds and Manchester said on Monday that talks with the British Medical "
    "Association (BMA) would resume.\n\nREAD MORE: Strike dates announced\n",
)


class Pipeline:
    """The per-process stages, built once per worker: load, then the :class:`.stages.Stage`
    list (clean → structure → one-line fields → dates → tags)."""

    def __init__(
        self,
        options: RunOptions,
        templates: dict[str, frozenset[str]],
        known_ids: set[str] | frozenset[str] = frozenset(),
    ) -> None:
        from .dates import Dater
        from .dedup import signature
        from .stages import Cleaner, Stage, Structurer, one_line_fields
        from .tags import Tagger

        self.options = options
        self.settings = settings = options.settings
        self.known_ids = known_ids
        self.run_id = ""
        self.ingested_at: datetime | None = None
        # the two stages the runner tells more later: the templates learnt, the corpus's dates
        self.cleaner = Cleaner.from_settings(settings, templates)
        self.dater = Dater(
            settings,
            cli_date=options.cli_date,
            use_mtime=options.use_mtime,
            corpus_range=options.corpus_range,
        )
        tagger = Tagger(settings, ner=options.ner)
        structurer = Structurer(settings)  # last: a bad --ner or taxonomy is reported first
        self.stages: list[Stage] = [self.cleaner, structurer, one_line_fields, self.dater, tagger]
        self.signature = signature

    @property
    def templates(self) -> dict[str, frozenset[str]]:
        return self.cleaner.templates

    @templates.setter
    def templates(self, templates: dict[str, frozenset[str]]) -> None:
        self.cleaner.templates = templates

    def warm_up(self) -> None:
        """Take a made-up article through every stage here, before workers are forked, so that
        what the stages load on first use (modules, compiled patterns, the gazetteer and the
        language model) is loaded once for all."""
        import pandas  # noqa: F401  (pyarrow imports it on a worker's first conversion)
        import pyarrow  # noqa: F401

        self(_WARM_UP)

    def __call__(self, inp: Input | Rejected) -> Outcome:
        if isinstance(inp, Rejected):
            return inp
        try:
            return self._process(inp)
        except Skip as skip:
            return Rejected(inp.source_path, skip.reason, skip.detail)
        except Exception as exc:  # a bug in a stage must cost one article, never the batch
            return Rejected(inp.source_path, "error", f"{type(exc).__name__}: {exc}")

    def run_chunk(self, inputs: list[Input | Rejected]) -> Chunk:
        """Process a run of inputs; the stored rows come back as one record batch."""
        outcomes: list[Processed | Rejected | Already] = []
        articles: list[Article] = []
        for inp in inputs:
            outcome = self(inp)
            if not isinstance(outcome, Article):
                outcomes.append(outcome)
                continue
            outcome.ingest_run, outcome.ingested_at = self.run_id, self.ingested_at
            articles.append(outcome)
            rules = tuple(r.rule for r in outcome.removed)
            try:
                sig = self.signature(outcome.text)
            except Exception:  # the article is stored all the same, only never linked as a copy
                sig = None
            outcomes.append(
                Processed(outcome.source_path, outcome.doc_id, outcome.content_hash, rules, sig)
            )
        return Chunk(outcomes, store.to_batch(articles) if articles else None)

    def _process(self, inp: Input) -> Outcome:
        article = load(inp, self.settings, source=self.options.source)
        article.doc_id = make_doc_id(inp.key or article.source_path, article.raw_text)
        if article.doc_id in self.known_ids:
            return Already(article.source_path, article.doc_id)
        if self.known_ids:  # stored by a run of the first id scheme (absolute path): kept as is
            legacy = make_doc_id(article.source_path, article.raw_text)
            if legacy in self.known_ids:
                return Already(article.source_path, legacy)
        for stage in self.stages:
            article = stage(article)
        article.body = ""  # consumed by the stages; not worth sending back to the main process
        return article


class _SampleLoader:
    """Loads an input only to learn template lines from its body; failures are reported later."""

    def __init__(self, settings: Settings, source: str | None) -> None:
        self.settings, self.source = settings, source

    def __call__(self, inputs: list[Input | Rejected]) -> list[tuple[str, str]]:
        """``(source, body)`` of each input that loads."""
        samples = []
        for inp in inputs:
            if isinstance(inp, Rejected):
                continue
            try:
                article = load(inp, self.settings, source=self.source)
            except Exception:  # the main pass reports it
                continue
            samples.append((article.source, article.body))
        return samples


# --- worker-process plumbing ----------------------------------------------------------------------

_worker: Callable[[Any], Any] | None = None


_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def _init_worker(func: Callable[[Any], Any]) -> None:
    # Ctrl-C goes to the whole process group: only the main process handles it. SIGTERM is how
    # the pool ends its workers, whatever handler the parent installed for itself. Both arrive
    # blocked (see _map) and are let through only once these handlers are in place.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
    _die_with_parent()
    # Arrow's default allocator reserves 1 GiB of address space in each process that uses it;
    # workers only build small batches, and with the system allocator they stay well inside
    # address-space limits (ulimit -v, batch schedulers) even on a 10 MB article.
    import pyarrow as pa

    pa.set_memory_pool(pa.system_memory_pool())
    global _worker
    _worker = func


def _die_with_parent() -> None:
    """Ask Linux to kill this worker when the main process dies, however it dies (a SIGKILL to
    the main process alone would otherwise leave workers waiting for tasks forever)."""
    import ctypes
    import ctypes.util

    parent = os.getppid()
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the pool's own checks remain
        return
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def _call_worker(item: Any) -> Any:
    assert _worker is not None
    return _worker(item)


def _chunks(items: Iterable[Any]) -> Iterator[list[Any]]:
    it = iter(items)
    while chunk := list(itertools.islice(it, CHUNK)):
        yield chunk


class WorkerDied(Exception):
    """A worker process ended without answering (killed alone, out of memory); ``detail`` says how."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def _map(func: Callable[[Any], Any], tasks: Iterable[Any], jobs: int) -> Iterator[Any]:
    """``map(func, tasks)`` in order, on ``jobs`` processes.

    A few tasks per process are in flight at a time, so memory stays bounded however many
    inputs a run has, and no process waits for another's task to end before starting the next.
    Workers are forked, so they inherit ``func`` (compiled rules, gazetteer, known ids) as built
    in the main process instead of rebuilding or unpickling it.

    A worker that dies raises :class:`WorkerDied` here instead of leaving its task unanswered;
    however the caller stops (Ctrl-C, SIGTERM, an error), the workers are killed, never waited
    for: a ``multiprocessing.Pool`` could hang its parent on a queue lock a dead worker held.
    """
    if jobs <= 1:
        yield from map(func, tasks)
        return
    from concurrent.futures import Future, ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    ctx = multiprocessing.get_context("fork")
    pool = ProcessPoolExecutor(jobs, mp_context=ctx, initializer=_init_worker, initargs=(func,))
    workers: list[Any] = []
    in_flight: deque[Future[Any]] = deque()

    def result(future: Future[Any]) -> Any:
        try:
            return future.result()
        except BrokenProcessPool:
            raise WorkerDied(_how_workers_died(workers)) from None

    finished = False
    try:
        for task in tasks:
            if not workers:
                in_flight.append(_start(pool, task))
                workers = list(getattr(pool, "_processes", {}).values())
            else:
                in_flight.append(pool.submit(_call_worker, task))
            if len(in_flight) > IN_FLIGHT * jobs:
                yield result(in_flight.popleft())
        while in_flight:
            yield result(in_flight.popleft())
        finished = True
    finally:
        if not finished:  # stopped, or a worker died: end the others now, whatever they do
            for future in in_flight:
                future.cancel()
            for worker in workers:
                if worker.is_alive():
                    worker.kill()
        pool.shutdown(wait=True, cancel_futures=True)


def _start(pool: Any, task: Any) -> Any:
    """Submit the first task, which forks the workers (all at once, in this thread)."""
    import gc

    # A pool ended moments after it started could otherwise send SIGTERM to a worker still
    # running the parent's handler, which swallows it: the worker lives on and the pool waits
    # for it forever. Workers start with stop signals blocked; the main thread gets them back
    # as soon as they are forked.
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    # Objects built so far (rules, gazetteer, models) are shared with the forked workers until
    # written; a collection in a worker would write to every one of them and copy the heap.
    # Frozen only while forking: the caller's process (a notebook) keeps collecting as before.
    gc.freeze()
    try:
        return pool.submit(_call_worker, task)
    finally:
        gc.unfreeze()
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


def _how_workers_died(workers: list[Any]) -> str:
    for worker in workers:
        worker.join(timeout=1)
    # The pool ends the others with SIGTERM once one is gone: name the first one that died.
    first = [w for w in workers if w.exitcode not in (None, 0, -signal.SIGTERM)]
    for worker in first or workers:
        code = worker.exitcode
        if code is not None and code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            return f"a worker process (pid {worker.pid}) was killed by {name}"
        if code not in (None, 0):
            return f"a worker process (pid {worker.pid}) exited with status {code}"
    return "a worker process ended without answering"


# --- templates ------------------------------------------------------------------------------------


def _learn_templates(
    corpus: CorpusPath,
    head: list[Input | Rejected],
    options: RunOptions,
    jobs: int,
    client: Any = None,
) -> dict[str, frozenset[str]]:
    from .clean import TemplateLearner

    learner = TemplateLearner(options.settings)
    sources: set[str] = set()
    loaded: Iterable[list[tuple[str, str]]]
    if client is None:
        loaded = _map(_SampleLoader(options.settings, options.source), _chunks(head), jobs)
    else:
        from . import cluster

        tasks = ((options.settings, options.source, chunk) for chunk in _chunks(head))
        loaded = cluster.map_in_order(client, cluster.load_samples_task, tasks)
    for samples in loaded:
        for src, body in samples:
            learner.add(src, body)
            sources.add(src)
    saved = _saved_templates(corpus)
    learned = {s: learner.templates(s) for s in sources}
    merged = {
        s: frozenset(saved.get(s, ())) | learned.get(s, frozenset()) for s in set(saved) | sources
    }
    return {s: lines for s, lines in merged.items() if lines}


def _saved_templates(corpus: CorpusPath) -> dict[str, list[str]]:
    path = corpus / store.STATE_DIR / "templates.json"
    if not path.exists():
        return {}
    data: dict[str, list[str]] = json.loads(path.read_text(encoding="utf-8"))
    return data


# --- the run --------------------------------------------------------------------------------------


def ingest(
    paths: Sequence[str | Path],
    *,
    corpus: str | CorpusPath = "corpus",
    manifest: str | Path | None = None,
    source: str | None = None,
    columns: DumpColumns | None = None,
    jobs: int | None = None,
    settings: Settings | None = None,
    config: str | Path | None = None,
    date: str | None = None,
    date_from_mtime: bool = False,
    ner: str = "builtin",
    languages: Sequence[str] | None = None,
    index: bool = True,
    index_dir: str | Path = "indexes",
    engine: str | None = None,
    wait: bool = False,
    follow_links: bool = False,
    progress: ProgressCallback | None = None,
    cluster: Any = None,
) -> IngestReport:
    """Ingest files, folders or globs into the corpus at ``corpus``; returns an :class:`IngestReport`.

    ``languages`` (ISO 639-1 codes) overrides the ``languages`` setting: the languages an
    article may be identified as. With ``index``, the search index in ``index_dir`` is updated
    at the end; ``engine`` (``whoosh``, ``tantivy``) is passed to
    :func:`newsarchive.index.update_index`. Symbolic links that lead out of the PATH folders are
    reported as ``outside-root`` unless ``follow_links``.

    ``progress``, if given, is called with a :class:`newsarchive.progress.Step` through the
    phases reading, cleaning, writing, indexing, merging. To give the cleaning phase a total,
    the inputs are first counted (a walk of the folders, and one more read of any dump), which
    is skipped when nobody watches.

    ``cluster`` runs the stages on Dask instead of the local pool (``jobs`` is then unused):
    ``"local"``, ``"local:N"`` (a ``LocalCluster`` of N worker processes), a scheduler address
    (``"tcp://host:8786"``) or a ``distributed.Client``; see ``docs/cluster.md``.

    >>> report = ingest(["examples/"], corpus="corpus")  # doctest: +SKIP
    >>> report.ingested, dict(report.skipped_by_reason)  # doctest: +SKIP
    (12, {})
    """
    settings = settings or load_settings(config)
    if cluster is not None:
        from .cluster import require_dask, require_local

        require_dask()  # before anything else: a missing extra is a usage error
        require_local(corpus)
    corpus = corpus_path(corpus)
    if languages is not None:
        settings = settings.with_values(languages=[c.strip().lower() for c in languages])
    options = RunOptions(
        settings,
        source=source,
        cli_date=date,
        use_mtime=date_from_mtime,
        ner=ner,
    )
    # Built before touching the corpus: a bad rules file, taxonomy, --date or --ner fails here.
    pipeline = Pipeline(options, {})
    jobs = jobs or os.cpu_count() or 1
    started = time.perf_counter()
    run_id = store.new_run_id()
    report = IngestReport(run_id=run_id, corpus=str(corpus))

    inputs = iter_inputs(
        [str(p) for p in paths],
        manifest=str(manifest) if manifest else None,
        columns=columns or DumpColumns(),
        settings=settings,
        follow_links=follow_links,
    )
    # Pull the first input before taking the lock, so a wrong PATH is a usage error at once.
    head = list(itertools.islice(inputs, settings.template_sample))
    total = None
    if progress is not None:
        total = _count_inputs(paths, manifest, columns or DumpColumns(), settings, progress)

    with store.writer_lock(corpus, wait=wait), _dask_client(cluster) as client:
        # On a cluster the ids stay on disk (cluster.IdTable), never all in this process.
        known = (
            store.known_articles(corpus)
            if client is None and store.is_corpus(corpus)
            else store.KnownArticles(set(), {})
        )
        near = NearDuplicates.load(corpus, settings.near_duplicate_threshold, known.doc_ids)
        # Files with the stamp (path, size, mtime) they had when stored are not read again; the
        # models load only once a file needs reading.
        stamps = InputStamps(corpus, settings)

        def already() -> None:
            report.seen += 1
            report.already += 1

        inputs = stamps.unread(itertools.chain(head, inputs), known.doc_ids, already)
        head = list(itertools.islice(inputs, settings.template_sample))
        to_read = len(head) == settings.template_sample or any(isinstance(i, Input) for i in head)
        if to_read:  # read only then: it imports pyarrow.dataset and pandas (0.5 s)
            options.corpus_range = pipeline.dater.corpus_range = _trusted_range(corpus)
        if jobs > 1 and to_read and client is None:
            pipeline.warm_up()
        try:
            templates = _learn_templates(corpus, head, options, jobs, client)
        except WorkerDied as exc:
            raise WriteFailed(
                f"{exc.detail} while sampling template lines; nothing was written to {corpus}; "
                "run the same command again"
            ) from None
        except KeyboardInterrupt:  # stopped before anything was written: say so as later
            report.status = "interrupted"
            raise IngestInterrupted(report) from None
        pipeline.templates, pipeline.known_ids = templates, known.doc_ids
        report.templates = {s: sorted(lines) for s, lines in sorted(templates.items())}
        pipeline.run_id, pipeline.ingested_at = run_id, datetime.now(UTC)
        writer: store.CorpusWriter | ClusterWriter
        try:
            if client is None:
                writer = store.CorpusWriter(corpus, run_id, settings.batch_rows)
            else:
                from .cluster import ClusterWriter

                assert isinstance(corpus, Path)  # require_local above
                writer = ClusterWriter(client, corpus, run_id, settings.batch_rows)
        except OSError as exc:
            raise WriteFailed(f"cannot write to corpus {corpus}: {os_reason(exc)}") from None
        failure: str | None = None
        try:
            rest = itertools.chain(head, inputs)
            if isinstance(writer, store.CorpusWriter):
                for chunk in _map(pipeline.run_chunk, _chunks(rest), jobs):
                    _take(chunk, report, known, writer, near)
                    stamps.take_all(chunk.outcomes)
                    if progress is not None:
                        progress(Step("cleaning", report.seen, total, report.counts()))
                if progress is not None:
                    progress(Step("writing", report.seen, total, report.counts()))
            else:
                writer.run(pipeline, rest, report, near, stamps, progress, total)
            writer.flush()
            report.status = "complete"
        except KeyboardInterrupt:
            report.status = "interrupted"
            writer.flush()  # articles already processed are complete: keep them
        except WorkerDied as exc:
            report.status, failure = "failed", exc.detail
            writer.flush()  # the chunks answered before it died are complete: keep them
        except OSError as exc:  # disk full, quota, folder made read-only: nothing more fits
            report.status, failure = "failed", f"cannot write to corpus {corpus}: {os_reason(exc)}"
        finally:
            # What is on disk, whatever stopped the run: a Ctrl-C inside add()'s batch write
            # skips the count of an article the flush above commits; a second one stops that flush.
            report.ingested = writer.committed
            report.elapsed = time.perf_counter() - started
            if not isinstance(writer, store.CorpusWriter):
                report.field_names.update(writer.field_names)
                writer.close()
            # Before the record (see dedup.load); one that cannot be written is not lost: the
            # next run computes it again from the stored texts.
            with contextlib.suppress(OSError):
                save_signatures(corpus, run_id, near.new)
            try:
                stamps.save()  # ids not committed (a failed batch) are not trusted next time
                _save_run(corpus, report, paths, options, manifest, jobs, cluster)
            except OSError as exc:  # the record is a summary; the parts are what counts
                failure = failure or f"cannot write the run record: {os_reason(exc)}"
        if failure is not None:
            raise WriteFailed(
                f"{failure}; kept {report.ingested:,} articles committed in whole batches to "
                f"{corpus}; run the same command again to finish (nothing is added twice)"
            )
        # The near-duplicate index (some 3 KB an article) has been saved: freed before the
        # search index is built, the index writer's memory takes its place instead of adding to it.
        del near
        if index and report.status == "complete":
            # Still under the corpus lock: an ingest waiting with --wait waits for the index
            # too, instead of finding it busy and failing after its own articles went in.
            try:
                from ..index import update_index

                report.index = update_index(corpus, index_dir, engine=engine, progress=progress)
            except KeyboardInterrupt:  # the articles are committed; say so, as for a stop mid-run
                raise IngestInterrupted(report) from None
            except (OSError, WorkerDied) as exc:
                why = os_reason(exc) if isinstance(exc, OSError) else str(exc)
                raise WriteFailed(
                    f"cannot update the index at {index_dir}: {why}; all {report.ingested:,} "
                    f"new articles are committed to {corpus}; run 'newsarchive index' when "
                    "this is fixed"
                ) from None
    if report.status == "interrupted":
        raise IngestInterrupted(report)
    return report


@contextmanager
def _dask_client(cluster: Any) -> Iterator[Any]:
    """The Dask client of a cluster run (see :func:`newsarchive.pipeline.cluster.connect`), or None."""
    if cluster is None:
        yield None
        return
    from .cluster import connect

    with connect(cluster) as client:
        yield client


def _describe_cluster(cluster: Any) -> str:
    from .cluster import describe

    return describe(cluster)


TRUSTED_DATE_SOURCES = ("manifest", "html", "url", "path")


def _trusted_range(corpus: CorpusPath) -> tuple[datetime, datetime] | None:
    """First and last publication time the corpus holds from sources other than a header:
    evidence that a header date twenty years off is a date in the body (two narrow columns)."""
    if not store.is_corpus(corpus):
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        table = store.read_corpus(corpus, columns=["published_at", "date_source"])
    except (OSError, pa.ArrowException):  # a damaged part: verify's business, not this run's
        return None
    trusted = pc.is_in(table.column("date_source"), value_set=pa.array(TRUSTED_DATE_SOURCES))
    dated = table.filter(trusted).column("published_at").drop_null()
    if len(dated) == 0:
        return None
    lo, hi = (value.as_py() for value in pc.min_max(dated).values())
    return lo, hi


def _count_inputs(
    paths: Sequence[str | Path],
    manifest: str | Path | None,
    columns: DumpColumns,
    settings: Settings,
    progress: ProgressCallback,
) -> int:
    """How many inputs the run will see (the same walk, so the bar's total is the summary's
    "inputs seen"); reported as the ``reading`` phase while it walks."""
    found = 0
    for found, _ in enumerate(
        iter_inputs(
            [str(p) for p in paths],
            manifest=str(manifest) if manifest else None,
            columns=columns,
            settings=settings,
        ),
        start=1,
    ):
        if found % COUNT_EVERY == 0:
            progress(Step("reading", found))
    progress(Step("reading", found, found))
    return found


class IngestInterrupted(KeyboardInterrupt):
    """Ctrl-C during a run; ``report`` says what was committed before it."""

    def __init__(self, report: IngestReport) -> None:
        super().__init__()
        self.report = report


def _take(
    chunk: Chunk,
    report: IngestReport,
    known: store.KnownArticles,
    writer: store.CorpusWriter,
    near: NearDuplicates,
) -> None:
    """Count a chunk's outcomes, link duplicates and near-duplicates, hand the new rows to the
    writer."""

    def admit(doc_id: str, content_hash: str) -> tuple[bool, str]:
        if doc_id in known.doc_ids:
            return False, ""
        known.doc_ids.add(doc_id)  # one set for the corpus and this run: memory
        return True, known.first_by_hash.setdefault(content_hash, doc_id)

    decision = decide(chunk.outcomes, report, admit, near)
    if chunk.rows is not None and any(decision.keep):
        rows = decision.apply(chunk.rows)
        report.field_names.update(field_names(rows))
        writer.add_batch(rows)


@dataclass(frozen=True, slots=True)
class Decision:
    """What the coordinator decided for one chunk: which rows to keep, and their links."""

    keep: list[bool]  # per row of the chunk's rows
    duplicate_of: list[str | None]  # per kept row
    near: list[tuple[str, float] | None]  # per kept row: (first telling, similarity)

    def apply(self, rows: pa.RecordBatch) -> pa.RecordBatch:
        """The kept rows with their links filled in (where the rows are: in this process, or
        on the cluster worker that made them)."""
        import pyarrow as pa

        kept = rows if all(self.keep) else rows.filter(pa.array(self.keep))
        columns: list[tuple[str, list[Any], pa.DataType]] = []
        if any(self.duplicate_of):
            columns.append(("duplicate_of", self.duplicate_of, pa.string()))
        if any(self.near):
            columns.append(
                ("near_duplicate_of", [n[0] if n else None for n in self.near], pa.string())
            )
            columns.append(
                (
                    "near_duplicate_similarity",
                    [n[1] if n else None for n in self.near],
                    pa.float32(),
                )
            )
        for name, values, kind in columns:
            kept = kept.set_column(kept.schema.get_field_index(name), name, pa.array(values, kind))
        return kept


def decide(
    outcomes: Sequence[Processed | Rejected | Already],
    report: IngestReport,
    admit: Callable[[str, str], tuple[bool, str]],
    near: NearDuplicates,
) -> Decision:
    """Count outcomes (in input order) into ``report`` and decide each row's fate.

    ``admit(doc_id, content_hash)`` says whether the id is new to the corpus and this run
    (recording it) and which id first had the text. The local runner answers from memory, the
    cluster runner from its on-disk id table; the rules are the same, stated once here. A new
    first telling is matched against ``near`` (and added to it) in the same order.
    """
    keep: list[bool] = []
    duplicate_of: list[str | None] = []
    kept_ids: list[str] = []
    signatures: list[Signature | None] = []  # None for an exact duplicate (linked already)
    for outcome in outcomes:
        report.seen += 1
        if isinstance(outcome, Rejected):
            report.skipped.append(outcome)
            if outcome.reason in IGNORED_REASONS:
                report.ignored += 1
            continue
        if isinstance(outcome, Already):
            report.already += 1
            continue
        new, first = admit(outcome.doc_id, outcome.content_hash)
        if not new:
            report.already += 1  # the same file named twice in one run counts once
            keep.append(False)
            continue
        if first == outcome.doc_id:
            duplicate_of.append(None)
            signatures.append(outcome.signature)
        else:
            duplicate_of.append(first)
            signatures.append(None)
            report.duplicates += 1
        kept_ids.append(outcome.doc_id)
        report.removals.update(outcome.rules)
        report.ingested += 1
        keep.append(True)
    links = link_all(near, kept_ids, signatures)
    report.near_duplicates += sum(link is not None for link in links)
    return Decision(keep, duplicate_of, links)


def field_names(rows: pa.RecordBatch) -> set[str]:
    """The names of the researcher's own fields the rows carry."""
    import pyarrow.compute as pc

    column: Any = rows.column(rows.schema.get_field_index("fields"))
    return {str(k) for k in pc.unique(column.keys).to_pylist()}


def _save_run(
    corpus: CorpusPath,
    report: IngestReport,
    paths: Sequence[str | Path],
    options: RunOptions,
    manifest: str | Path | None,
    jobs: int,
    cluster: Any = None,
) -> None:
    record = {
        "newsarchive_version": __version__,
        "finished_at": datetime.now(UTC).isoformat(),
        "paths": [str(p) for p in paths],
        "manifest": str(manifest) if manifest else None,
        "source": options.source,
        "date": options.cli_date,
        "date_from_mtime": options.use_mtime,
        "ner": options.ner,
        "jobs": jobs,
        **({} if cluster is None else {"cluster": _describe_cluster(cluster)}),
        "doc_id_scheme": DOC_ID_SCHEME,
        "settings": options.settings.values,
        "settings_per_source": options.settings.per_source,
        **report.to_dict(),
    }
    store.write_json_atomic(corpus / store.RUNS_DIR / f"{report.run_id}.json", record)
    if report.field_names:
        from ..index.fields import record_user_fields

        record_user_fields(corpus, report.field_names)
    if report.templates:
        saved = _saved_templates(corpus)
        for src, lines in report.templates.items():
            saved[src] = sorted(set(saved.get(src, [])) | set(lines))
        store.write_json_atomic(corpus / store.STATE_DIR / "templates.json", saved)
