"""Consistency checks of a corpus and its index, and repairs that never lose an article.

``verify`` reads every committed part file in full and checks, in order:

* ``parts``: each part file reads to the end and has exactly the schema of :func:`store.schema`;
* ``doc_ids``: no ``doc_id`` is stored twice, and every ``duplicate_of`` names a stored article;
* ``runs``: every run record in ``_runs/`` counts as many articles as the parts hold for that run
  (rows of a run without a record, i.e. a killed or still-running ingest, are only noted);
* ``state``: the learned-template file under ``_state/`` is readable;
* ``index``: the full-text index holds exactly the corpus's ids (an index that is merely behind
  the corpus, as after a killed ingest, is noted, not failed).

``repair`` takes the writer's lock, moves whatever cannot be read (and parts whose every article
is stored in an earlier part) into ``_quarantine/``, and brings the index, which is derived, back
in line with the corpus (a rebuild if it is damaged, an update if it is only behind). It never
deletes a file.

>>> report = verify("corpus", "indexes")  # doctest: +SKIP
>>> report.exit_code, [c.status for c in report.checks]  # doctest: +SKIP
(0, ['ok', 'ok', 'ok', 'ok', 'ok'])
"""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import store
from .errors import CorpusError, UsageError
from .storage import CorpusPath, ObjectPath, corpus_path

OK, FAIL, INFO = "ok", "FAIL", "info"
QUARANTINE_DIR = "_quarantine"
QUARANTINE_SUFFIX = ".bad"  # quarantined files must not end in .parquet: readers would pick them up
QUARANTINE_LOG = "log.jsonl"
TEMPLATES = Path(store.STATE_DIR) / "templates.json"
SHOWN = 5  # names listed per check line; the count says how many more


@dataclass(frozen=True, slots=True)
class Check:
    """One line of the verdict: ``status`` is ``ok``, ``FAIL`` or ``info``."""

    name: str
    status: str
    message: str


@dataclass(slots=True)
class PartScan:
    """What one part file holds, or why it cannot be read (``error``)."""

    path: Any  # Path or ObjectPath
    rows: int = 0
    doc_ids: list[str] = field(default_factory=list)
    runs: list[str] = field(default_factory=list)  # ingest_run of each row, in step with doc_ids
    links: set[str] = field(default_factory=set)  # values of duplicate_of
    error: str | None = None


@dataclass(slots=True)
class Tally:
    """What the readable parts hold together, taken one part at a time in commit order."""

    rows: int = 0
    ids: set[str] = field(default_factory=set)
    repeats: Counter[str] = field(default_factory=Counter)  # doc_id → extra copies
    stored: Counter[str] = field(default_factory=Counter)  # run → articles it stored first
    links: set[str] = field(default_factory=set)
    repeated_parts: list[Any] = field(default_factory=list)  # all of whose rows came earlier

    def take(self, scan: PartScan) -> None:
        repeated = 0
        for doc_id, run in zip(scan.doc_ids, scan.runs, strict=True):
            if doc_id in self.ids:
                self.repeats[doc_id] += 1
                repeated += 1
            else:  # an article counts once, for the run that stored it first
                self.ids.add(doc_id)
                self.stored[run] += 1
        # A part copied or committed twice: every article in it is already stored.
        if scan.rows and repeated == scan.rows and len(set(scan.doc_ids)) == scan.rows:
            self.repeated_parts.append(scan.path)
        self.rows += scan.rows
        self.links |= scan.links


@dataclass(slots=True)
class VerifyReport:
    """The checks, and the findings a repair acts on."""

    corpus: str
    index_dir: str | None
    parts: int = 0
    articles: int = 0
    records: int = 0
    checks: list[Check] = field(default_factory=list)
    unreadable: dict[Any, str] = field(default_factory=dict)  # file → why it cannot be used
    repeated_parts: list[Any] = field(default_factory=list)  # every row also in an earlier part
    index_damaged: bool = False  # unreadable, or ids the corpus lacks: rebuild it
    index_behind: bool = False  # lacks articles of the corpus only: an update catches it up
    index_missing: bool = False  # no index (never built, or its folder deleted): build it
    dangling: bool = False  # duplicate_of links that name no stored article

    @property
    def problems(self) -> list[Check]:
        return [c for c in self.checks if c.status == FAIL]

    @property
    def exit_code(self) -> int:
        return 1 if self.problems else 0

    def add(self, name: str, status: str, message: str) -> None:
        self.checks.append(Check(name, status, message))


@dataclass(slots=True)
class RepairReport:
    """What ``verify --repair`` found, what it did, and the verdict afterwards."""

    before: VerifyReport
    actions: list[str]
    after: VerifyReport

    @property
    def exit_code(self) -> int:
        return self.after.exit_code


# --- verify -----------------------------------------------------------------------------------------


def verify(
    corpus: str | CorpusPath = "corpus", index_dir: str | Path | None = "indexes"
) -> VerifyReport:
    """Check ``corpus`` (and the index in ``index_dir``, unless ``None``); read-only.

    Safe while an ingest runs: run records are read before the parts are listed, and a run
    record is written only after all of its parts, so every record's parts are in the snapshot.
    """
    path = corpus_path(corpus)
    started = not store.is_corpus(path) and store.is_started(path)
    if not (started or store.is_corpus(path)):
        raise CorpusError(f"no corpus at {path}: run 'newsarchive ingest FILES --corpus {path}'")
    report = VerifyReport(str(path), None if index_dir is None else str(index_dir))
    if started:  # a run killed before its first batch: an empty corpus, not a broken one
        report.add(
            "parts",
            INFO,
            "no articles yet: an ingest started here and committed no batch (killed before "
            "its first one, or still running); run it again",
        )
    records, bad_records = _read_records(path)
    state = store.corpus_state(path)  # before listing: a commit in between shows as a change
    parts = store.part_files(path)
    tally, bad_parts = Tally(), []
    for part in parts:  # one part's rows in memory at a time; the tally keeps the ids
        scan = scan_part(part)
        if scan.error is None:
            tally.take(scan)
        else:
            bad_parts.append(scan)
    report.parts, report.articles, report.records = len(parts), tally.rows, len(records)
    _check_parts(len(parts), bad_parts, report)
    _check_ids(tally, report)
    _note_old_corpus(
        path, [p for p in parts if p not in {b.path for b in bad_parts}], records, report
    )
    _check_runs(path, records, bad_records, tally, report)
    _check_state(path, report)
    _note_leftovers(path, report)
    if index_dir is not None:
        _check_index(path, Path(index_dir), tally.ids, state, report)
    return report


def scan_part(path: Path | ObjectPath) -> PartScan:
    """Read one part file to the end, a row group at a time (a damaged page fails here)."""
    import pyarrow as pa

    scan = PartScan(path)
    try:
        pf = store.open_part(path)
        scan.error = schema_problem(pf.schema_arrow)
        if scan.error is not None:
            return scan
        for i in range(pf.num_row_groups):
            table = pf.read_row_group(i)  # every column, so every page is decompressed
            scan.rows += table.num_rows
            scan.doc_ids += [str(v) for v in table.column("doc_id").to_pylist()]
            scan.runs += [v or "" for v in table.column("ingest_run").to_pylist()]
            scan.links.update(v for v in table.column("duplicate_of").to_pylist() if v)
        if scan.rows != pf.metadata.num_rows:
            scan.error = f"holds {scan.rows} rows, its footer says {pf.metadata.num_rows}"
    except (OSError, ValueError, pa.ArrowException) as exc:
        scan.error = f"cannot be read ({_one_line(exc)})"
    return scan


def schema_problem(found: Any) -> str | None:
    """Why ``found`` (an Arrow schema) is not the corpus schema, or ``None`` if it is (or is an
    older version of it, which stays readable: see ``article.SCHEMA_CHANGES``)."""
    expected = store.schema()
    if (old := _old_version(found)) is not None:
        return _old_schema_problem(found, old)
    if found.names != expected.names:
        missing = [n for n in expected.names if n not in found.names]
        extra = [n for n in found.names if n not in expected.names]
        return f"has other columns (missing {missing}, extra {extra})"
    for want, got in zip(expected, found, strict=True):
        if not got.equals(want):
            return f"column {want.name!r} is {got.type}, expected {want.type}"
    key = b"newsarchive.schema_version"
    version = (found.metadata or {}).get(key)
    if version != expected.metadata[key]:
        return f"schema version {version!r}, expected {expected.metadata[key]!r}"
    return None


def _old_version(found: Any) -> int | None:
    from .article import SCHEMA_VERSION

    version = (found.metadata or {}).get(b"newsarchive.schema_version", b"")
    return int(version) if version.isdigit() and 0 < int(version) < SCHEMA_VERSION else None


def _old_schema_problem(found: Any, version: int) -> str | None:
    """An older part must have its version's columns: today's, less those added since, plus
    those dropped since, each of today's type where both have it."""
    from .article import SCHEMA_CHANGES

    names = set(store.schema().names)
    for later in sorted((v for v in SCHEMA_CHANGES if v > version), reverse=True):
        added, dropped = SCHEMA_CHANGES[later]
        names = (names - set(added)) | set(dropped)
    if set(found.names) != names:
        return f"has other columns than schema version {version}"
    for got in found:
        if got.name in store.schema().names and not got.type.equals(
            store.schema().field(got.name).type
        ):
            return (
                f"column {got.name!r} is {got.type}, expected {store.schema().field(got.name).type}"
            )
    return None


def _note_old_corpus(
    corpus: CorpusPath,
    parts: list[Path | ObjectPath],
    records: dict[str, Any],
    report: VerifyReport,
) -> None:
    """Parts of an older schema and runs of the first id scheme work as they are: say so once."""
    old = sum(_old_version(store.open_part(p).schema_arrow) is not None for p in parts)
    if old:
        report.add(
            "parts",
            INFO,
            f"{old:,} part files of an older schema version: readable; their articles have no "
            "fields or near-duplicate links (re-ingest the inputs into a new corpus for them)",
        )
    legacy = sorted(  # records of a real ingest, written before ids had a scheme number
        r
        for r, rec in records.items()
        if "newsarchive_version" in rec and "doc_id_scheme" not in rec
    )
    if legacy:
        report.add(
            "doc_ids",
            INFO,
            f"{len(legacy):,} runs made ids from absolute paths (the first id scheme): those ids "
            "stay valid and re-ingesting their files adds nothing; see docs/schema.md, 'Ids'",
        )


def _check_parts(count: int, bad: list[PartScan], report: VerifyReport) -> None:
    for scan in bad:
        report.unreadable[scan.path] = scan.error or ""
        report.add("parts", FAIL, f"{scan.path.name} {scan.error}")
    if not bad:
        report.add("parts", OK, f"{count:,} part files read in full, all with the corpus schema")


def _check_ids(tally: Tally, report: VerifyReport) -> None:
    report.repeated_parts = tally.repeated_parts
    if tally.repeats:
        sample = ", ".join(sorted(tally.repeats)[:SHOWN])
        report.add(
            "doc_ids", FAIL, f"{len(tally.repeats):,} doc_ids stored more than once ({sample})"
        )
    else:
        report.add("doc_ids", OK, f"{len(tally.ids):,} articles, each doc_id stored once")
    dangling = sorted(tally.links - tally.ids)
    report.dangling = bool(dangling)
    if dangling:
        report.add(
            "doc_ids",
            FAIL,
            f"{len(dangling):,} duplicate_of links name no stored article "
            f"({', '.join(dangling[:SHOWN])})",
        )


def _read_records(corpus: CorpusPath) -> tuple[dict[str, dict[str, Any]], dict[Any, str]]:
    """The run records by run id, and the files in ``_runs/`` that are not run records."""
    records: dict[str, dict[str, Any]] = {}
    bad: dict[Any, str] = {}
    runs_dir = corpus / store.RUNS_DIR
    files: list[Any] = (
        sorted(runs_dir.glob("*.json"), key=lambda f: f.name) if runs_dir.is_dir() else []
    )
    for f in files:
        try:
            record = json.loads(f.read_text(encoding="utf-8"))
            int(record["ingested"])
            records[str(record["run_id"])] = record
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
            bad[f] = f"is not a run record ({_one_line(exc)})"
    return records, bad


def _check_runs(
    corpus: CorpusPath,
    records: dict[str, dict[str, Any]],
    bad_records: dict[Any, str],
    tally: Tally,
    report: VerifyReport,
) -> None:
    for f, why in bad_records.items():
        report.unreadable[f] = why
        report.add("runs", FAIL, f"{store.RUNS_DIR}/{f.name} is not a run record")
    stored = tally.stored  # a repeated article is the doc_ids check's problem, not the run's
    quarantined = _quarantined_runs(corpus)
    mismatched = len(bad_records)
    for run_id, record in records.items():
        want, have = int(record["ingested"]), stored.get(run_id, 0)
        if want == have:
            continue
        if have < want and run_id in quarantined:
            report.add(
                "runs",
                INFO,
                f"run {run_id} recorded {want:,} articles, the corpus holds {have:,}; "
                f"the rest are in quarantined part files ({QUARANTINE_DIR}/)",
            )
            continue
        mismatched += 1
        report.add(
            "runs", FAIL, f"run {run_id} recorded {want:,} articles, the corpus holds {have:,}"
        )
    for run_id in sorted(stored.keys() - records.keys()):
        report.add(
            "runs",
            INFO,
            f"run {run_id} has {stored[run_id]:,} articles and no run record "
            "(killed, or still running); its batches are whole",
        )
    if not mismatched:
        report.add("runs", OK, f"{len(records):,} run records match the articles stored")


def _check_state(corpus: CorpusPath, report: VerifyReport) -> None:
    path = corpus / TEMPLATES
    if not path.exists():
        return
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        report.unreadable[path] = f"cannot be read ({_one_line(exc)})"
        report.add("state", FAIL, f"{TEMPLATES} cannot be read; the next ingest would stop on it")
        return
    report.add("state", OK, f"{TEMPLATES}: template lines of {len(data):,} sources")


def _note_leftovers(corpus: CorpusPath, report: VerifyReport) -> None:
    tmp = corpus / store.TMP_DIR
    leftovers = sorted(tmp.iterdir()) if tmp.is_dir() else []
    if leftovers:
        report.add(
            "parts",
            INFO,
            f"{len(leftovers):,} unfinished part files in {store.TMP_DIR}/ (an interrupted or running "
            "write); readers never see them and the next ingest removes them",
        )


# --- the index ---------------------------------------------------------------------------------------


def _check_index(
    corpus: CorpusPath, index_dir: Path, ids: set[str], state: str, report: VerifyReport
) -> None:
    from .index import index_status, indexed_ids

    if not index_dir.exists():
        report.index_missing = True
        report.add("index", INFO, f"no index at {index_dir} (build it with 'newsarchive index')")
        return
    try:
        found = indexed_ids(index_dir)
        status = index_status(corpus, index_dir)
    except Exception as exc:  # whatever the engine raises on a damaged index
        report.index_damaged = True
        report.add("index", FAIL, f"the index at {index_dir} cannot be read ({_one_line(exc)})")
        return
    if found is None:
        report.index_missing = True
        report.add("index", INFO, f"no index at {index_dir} (build it with 'newsarchive index')")
        return
    if status.corpus_state != state:
        # An ingest committed while we read: the index may rightly hold rows our snapshot lacks.
        report.add("index", INFO, "the corpus changed while it was verified; run verify again")
        return
    _compare_ids(Counter(found), ids, status.index_state == state, report)


def _compare_ids(
    indexed: Counter[str], ids: set[str], claims_current: bool, report: VerifyReport
) -> None:
    twice = sorted(i for i, n in indexed.items() if n > 1)
    extra = sorted(indexed.keys() - ids)
    missing = len(ids - indexed.keys())
    if twice:
        report.add("index", FAIL, f"{len(twice):,} ids indexed twice ({', '.join(twice[:SHOWN])})")
    if extra:
        report.add(
            "index",
            FAIL,
            f"{len(extra):,} indexed ids not in the corpus ({', '.join(extra[:SHOWN])})",
        )
    if missing and claims_current:
        report.add(
            "index",
            FAIL,
            f"the index says it is up to date but lacks {missing:,} articles of the corpus",
        )
    elif missing:
        report.add(
            "index",
            INFO,
            f"the index is behind the corpus by {missing:,} articles "
            "(an interrupted run); 'newsarchive index' adds them",
        )
    elif not (twice or extra):
        report.add("index", OK, f"{len(indexed):,} documents, the same ids as the corpus")
    report.index_damaged = bool(twice or extra or (missing and claims_current))
    report.index_behind = bool(missing)


# --- repair ------------------------------------------------------------------------------------------


def repair(
    corpus: str | CorpusPath = "corpus",
    index_dir: str | Path | None = "indexes",
    *,
    wait: bool = False,
) -> RepairReport:
    """Verify; quarantine what cannot be read; rebuild the index if it is damaged (or parts were
    moved), update it if it is only behind; verify again.

    Holds the corpus's writer lock throughout, as an ingest does while it writes and indexes
    (``wait``: wait for a running ingest instead of stopping).
    """
    path = corpus_path(corpus)
    if not isinstance(path, Path):
        raise UsageError(
            f"verify --repair moves and rewrites files, which newsarchive does on local disk "
            f"only; {path} was verified read-only: copy the corpus down to repair it"
        )
    actions: list[str] = []
    with store.writer_lock(path, wait=wait):
        before = verify(path, index_dir)
        lost: dict[str, int] = {}  # run → articles quarantined and not salvaged
        salvaged: set[Path] = set()  # parts written by this repair
        for f, why in sorted(before.unreadable.items()):
            if _is_part(path, f):
                actions += _quarantine_part(path, f, why, lost, salvaged)
            else:
                actions.append(_quarantine(path, f, why))
        for f in before.repeated_parts:
            actions.append(_quarantine(path, f, "every article in it is stored in an earlier part"))
        if actions or before.dangling:  # a repair killed after a move leaves links dangling
            actions += _relink(path, salvaged)
            actions += _restore_advice(path, lost)
        if index_dir is not None and before.index_missing and before.articles:
            # The index is derived: a deleted one is built again from the corpus.
            result = _update_index(path, Path(index_dir), rebuild=True)
            actions.append(result.replace("rebuilt the index", "built the missing index"))
        elif index_dir is not None and Path(index_dir).exists():
            if actions or before.index_damaged:
                actions.append(_update_index(path, Path(index_dir), rebuild=True))
            elif before.index_behind:
                actions.append(_update_index(path, Path(index_dir), rebuild=False))
        after = verify(path, index_dir)
    return RepairReport(before, actions, after)


def _quarantine(corpus: Path, f: Path, why: str, *, copy: bool = False) -> str:
    """Move ``f`` into ``_quarantine/`` under a name no reader picks up; log why.

    ``copy`` keeps ``f`` in place (a hard link, or a copy) for a file about to be rewritten.
    """
    qdir = corpus / QUARANTINE_DIR
    qdir.mkdir(exist_ok=True)
    rel = f.relative_to(corpus)
    base = str(rel).replace(os.sep, "__")
    target, n = qdir / (base + QUARANTINE_SUFFIX), 1
    while target.exists():  # never overwrite an earlier quarantined file
        n += 1
        target = qdir / f"{base}.{n}{QUARANTINE_SUFFIX}"
    if not copy:
        os.replace(f, target)
    else:
        try:
            os.link(f, target)
        except OSError:
            shutil.copy2(f, target)
    entry = {"file": str(rel), "moved_to": target.name, "reason": why, "at": _now()}
    with open(qdir / QUARANTINE_LOG, "a", encoding="utf-8") as log:
        log.write(json.dumps(entry, ensure_ascii=False) + "\n")
    verb = "copied" if copy else "moved"
    return f"{verb} {rel} to {QUARANTINE_DIR}/{target.name}: {why}"


def _is_part(corpus: Path, f: Path) -> bool:
    return f.parent == corpus and f.match(store.PART_GLOB)


def _quarantine_part(
    corpus: Path, part: Path, why: str, lost: dict[str, int], salvaged: set[Path]
) -> list[str]:
    """Quarantine a damaged part, keeping its readable row groups as a new part beside it.

    A few flipped bits spoil one page of one row group; the others read and check out, and
    their articles stay in the corpus (``part-….salvaged.parquet``, in the same commit order).
    """
    readable = _readable_row_groups(part)
    run = _run_of(part.name)
    if readable is None:
        lost[run] = lost.get(run, 0) + _footer_rows(part)
        return [_quarantine(corpus, part, why)]
    table, total = readable
    target = part.with_name(part.name.removesuffix(".parquet") + ".salvaged.parquet")
    tmp = corpus / store.TMP_DIR / (target.name + ".tmp")
    tmp.parent.mkdir(exist_ok=True)
    _write_part(table, tmp)
    actions = [_quarantine(corpus, part, why)]
    os.replace(tmp, target)  # after the move: the corpus never holds both
    store.fsync_dir(corpus)
    salvaged.add(target)
    if total > table.num_rows:
        lost[run] = lost.get(run, 0) + total - table.num_rows
    actions.append(
        f"salvaged {table.num_rows:,} of {total:,} articles of {part.name} (the row groups "
        f"that read in full) into {target.name}"
    )
    return actions


def _readable_row_groups(part: Path) -> tuple[Any, int] | None:
    """The rows of ``part``'s row groups that read in full, and the rows its footer lists;
    ``None`` when no row group reads (or the footer or schema is gone)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(part)
        if schema_problem(pf.schema_arrow) is not None:
            return None
        groups = []
        for i in range(pf.num_row_groups):
            try:
                groups.append(pf.read_row_group(i))
            except (OSError, ValueError, pa.ArrowException):
                continue
        total = pf.metadata.num_rows
    except (OSError, ValueError, pa.ArrowException):
        return None
    if not groups:
        return None
    return pa.concat_tables(groups), total


def _footer_rows(part: Path) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return int(pq.ParquetFile(part).metadata.num_rows)
    except (OSError, ValueError, pa.ArrowException):
        return 0


def _write_part(table: Any, target: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_batches(table.to_batches(), schema=store.schema())
    with open(target, "wb") as fh:
        pq.write_table(table, fh, compression="zstd", row_group_size=store.ROW_GROUP_ROWS)
        fh.flush()
        os.fsync(fh.fileno())


def _run_of(name: str) -> str:
    return store.part_run(name)


def _relink(corpus: Path, fresh: set[Path]) -> list[str]:
    """Point each ``duplicate_of`` that names a quarantined article at the first stored article
    with the same text, or clear it when none is left (the article is then the original).

    A part with such links is rewritten beside itself and renamed over the old one, whose copy
    goes to ``_quarantine/`` first (unless this repair wrote it, in ``fresh``): the corpus only
    ever sees one whole version of it.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    parts = store.part_files(corpus)
    ids: set[str] = set()
    first_by_hash: dict[str, str] = {}
    for part in parts:
        t = pq.read_table(part, columns=["doc_id", "content_hash"])
        for doc_id, text_hash in zip(
            t["doc_id"].to_pylist(), t["content_hash"].to_pylist(), strict=True
        ):
            ids.add(str(doc_id))
            first_by_hash.setdefault(str(text_hash), str(doc_id))
    actions = []
    for part in parts:
        links = pq.read_table(part, columns=["duplicate_of"])["duplicate_of"].to_pylist()
        if all(link is None or link in ids for link in links):
            continue
        table = pq.read_table(part)
        fixed, moved, cleared = [], 0, 0
        for doc_id, text_hash, link in zip(
            table["doc_id"].to_pylist(), table["content_hash"].to_pylist(), links, strict=True
        ):
            if link is None or link in ids:
                fixed.append(link)
                continue
            first = first_by_hash.get(str(text_hash))
            fixed.append(first if first != doc_id else None)
            moved, cleared = (moved + 1, cleared) if first != doc_id else (moved, cleared + 1)
        column = table.schema.get_field_index("duplicate_of")
        table = table.set_column(column, "duplicate_of", pa.array(fixed, pa.string()))
        tmp = corpus / store.TMP_DIR / (part.name + ".tmp")
        tmp.parent.mkdir(exist_ok=True)
        _write_part(table, tmp)
        if part not in fresh:
            why = "its duplicate_of links named quarantined articles; the file before relinking"
            actions.append(_quarantine(corpus, part, why, copy=True))
        os.replace(tmp, part)
        store.fsync_dir(corpus)
        actions.append(
            f"relinked {part.name}: {moved:,} duplicate_of links re-pointed to the first stored "
            f"copy, {cleared:,} cleared (no copy left)"
        )
    return actions


def _restore_advice(corpus: Path, lost: dict[str, int]) -> list[str]:
    """The command that reads the quarantined articles again from their inputs, per run."""
    records, _ = _read_records(corpus)
    advice = []
    for run, n in sorted(lost.items()):
        if not n:
            continue
        record = records.get(run)
        if record is None or not (record.get("paths") or record.get("manifest")):
            advice.append(
                f"{n:,} articles of run {run} are only in {QUARANTINE_DIR}/; its run record is "
                "missing, so re-run the ingest that made it to restore them"
            )
            continue
        advice.append(
            f"to restore the {n:,} articles of run {run} left in {QUARANTINE_DIR}/, run "
            f"(nothing is added twice): {restore_command(corpus, record)}"
        )
    return advice


def restore_command(corpus: Path, record: dict[str, Any]) -> str:
    """The ``newsarchive ingest`` command a run record describes (its paths and options)."""
    import shlex

    words = ["newsarchive", "ingest", *[str(p) for p in record.get("paths") or []]]
    words += ["--corpus", str(corpus)]
    for option, key in (("--manifest", "manifest"), ("--source", "source"), ("--date", "date")):
        if record.get(key):
            words += [option, str(record[key])]
    if record.get("date_from_mtime"):
        words.append("--date-from-mtime")
    if record.get("ner") not in (None, "builtin"):
        words += ["--ner", str(record["ner"])]
    return " ".join(shlex.quote(w) for w in words)


def _quarantined_runs(corpus: CorpusPath) -> set[str]:
    """Runs with a part file in quarantine: their missing articles are accounted for."""
    qdir = corpus / QUARANTINE_DIR
    names = [f.name for f in qdir.glob("part-*")] if qdir.is_dir() else []
    # part-<run>-<seq>.parquet…: the run id is everything between "part-" and the last "-"
    return {name.removeprefix("part-").split(".parquet")[0].rsplit("-", 1)[0] for name in names}


def _update_index(corpus: Path, index_dir: Path, *, rebuild: bool) -> str:
    from .index import update_index

    result = update_index(corpus, index_dir, rebuild=rebuild)
    if rebuild:
        return f"rebuilt the index at {index_dir} from the corpus: {result.total:,} documents"
    return (
        f"added {result.added:,} articles to the index at {index_dir}: {result.total:,} documents"
    )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."
