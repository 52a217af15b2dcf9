"""Near-duplicates: the same story with small edits, another headline or added boilerplate.

Each article's clean text becomes a set of word 3-grams (shingles), summarised by a MinHash
signature of :data:`NUM_PERM` values (datasketch); MinHash LSH finds the stored stories whose
estimated Jaccard similarity may reach ``near_duplicate_threshold`` (a setting, default
:data:`THRESHOLD`), and the most similar one at or above it is linked: the article gets
``near_duplicate_of`` (that story's ``doc_id``) and ``near_duplicate_similarity`` (the estimated
Jaccard similarity of their shingles). Only *first tellings* (articles linked to nothing) are
candidates, so every copy links to the one article that stands for its story; of equally
similar ones, the first told wins (the first added to the index: earlier runs' in run order,
then any run rebuilt from its texts, then this run's in input order).

Signatures are kept per ingest run in ``corpus/_state/minhash/<run>.arrow`` (Arrow IPC: ``doc_id``
and the signature as 512 bytes), written atomically when the run ends; a run without its file
(killed, from before near-duplicates, or with the ``.npz`` file of older versions) has its
signatures computed again from the stored texts at the start of the next run, so the state can
always be rebuilt from the corpus and later runs link to every earlier one.

The LSH index is on disk, not in memory: an SQLite file in a private temporary folder
(``TMPDIR``), filled from the runs' files at the start of a run, with a bounded page cache
(:data:`CACHE_MB`), so a run needs as little memory at 50 million first tellings as at a
thousand. It uses the bands and rows datasketch's ``MinHashLSH`` chooses for the threshold (32
bands of 4 values at 0.4), so its candidates are datasketch's: the stories that share a band
with the article exactly.

>>> a = signature("Ferry workers in Dover walked out on Friday over a pay offer they rejected.")
>>> b = signature("BREAKING: Ferry workers in Dover walked out on Friday over a pay offer they rejected.")
>>> round(similarity(a, b), 1)
0.9
"""

from __future__ import annotations

import itertools
import os
import re
import zlib
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import store
from ..storage import CorpusPath, ObjectPath, corpus_path

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Signature = npt.NDArray[np.uint64]

NUM_PERM = 128
SHINGLE_WORDS = 3
THRESHOLD = 0.4  # measured on edited BBC stories: see docs/analysis.md, "Near-duplicates"
SEED = 1  # fixed: signatures of different runs must be comparable
SCHEME = (
    "affine32"  # datasketch's hashing scheme for 32-bit hashes, named so stored values stay valid
)
STATE = Path(store.STATE_DIR) / "minhash"
CACHE_MB = 64  # SQLite page cache of the LSH index: its memory, whatever the corpus's size
STATE_ROWS = 8192  # signatures per record batch of a state file, and per batch loaded
_SQL_VARIABLES = 900  # values per IN (...) query: under SQLite's oldest limit of 999

_WORD = re.compile(r"\w+")


BATCH = 8192  # shingles hashed at a time: datasketch makes a batch × NUM_PERM array


def shingles(text: str) -> list[bytes]:
    """The word 3-grams of ``text``, lower case (the whole text if it has fewer words)."""
    return [s for batch in _shingle_batches(_WORD.findall(text.lower())) for s in batch]


def _shingle_batches(words: list[str]) -> Iterator[list[bytes]]:
    if len(words) <= SHINGLE_WORDS:
        yield [" ".join(words).encode()]
        return
    last = len(words) - SHINGLE_WORDS + 1
    for start in range(0, last, BATCH):
        yield [
            " ".join(words[i : i + SHINGLE_WORDS]).encode()
            for i in range(start, min(start + BATCH, last))
        ]


@cache
def _permutations() -> Any:
    from datasketch import MinHash

    # crc32 (in C) rather than datasketch's default sha1: the same estimate, 4× faster
    return MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=zlib.crc32, scheme=SCHEME).permutations


def signature(text: str) -> Signature:
    """The MinHash signature of ``text``'s shingles (``NUM_PERM`` unsigned integers)."""
    from datasketch import MinHash

    m = MinHash(num_perm=NUM_PERM, hashfunc=zlib.crc32, permutations=_permutations(), scheme=SCHEME)
    # in batches: memory stays at BATCH × NUM_PERM values however long the text (a 10 MB
    # article has two million shingles: 1 GB at once)
    for batch in _shingle_batches(_WORD.findall(text.lower())):
        m.update_batch(batch)
    values: Signature = m.hashvalues
    return values


def similarity(a: Signature, b: Signature) -> float:
    """Estimated Jaccard similarity of two signatures' shingle sets."""
    import numpy as np

    return float(np.count_nonzero(a == b)) / NUM_PERM


@cache
def lsh_bands(threshold: float) -> tuple[int, int]:
    """Bands and rows per band of the LSH index for ``threshold``: datasketch's choice (the
    one minimising false positives and negatives, equally weighted)."""
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    return int(lsh.b), int(lsh.r)


@cache
def _multipliers(rows: int) -> Any:
    import numpy as np

    # odd 64-bit constants, fixed: one per value of a band, one for the band's number
    rng = np.random.default_rng(SEED)
    return rng.integers(0, 2**63, size=rows + 1, dtype=np.uint64) * np.uint64(2) + np.uint64(1)


def band_keys(sigs: Any, bands: int, rows: int) -> Any:
    """A 47-bit hash of each band of each signature (``len(sigs)`` × ``bands`` int64): the
    index's address of the band (multiply-add in wrapping 64-bit arithmetic, top bits kept,
    which SQLite stores in 6 bytes). Equal bands give equal keys; a collision of different ones
    is rare and ruled out by comparing the bands themselves."""
    import numpy as np

    mult = _multipliers(rows)
    values = np.asarray(sigs, dtype=np.uint64)[:, : bands * rows].reshape(len(sigs), bands, rows)
    with np.errstate(over="ignore"):
        h = (values * mult[:rows]).sum(axis=2, dtype=np.uint64)
        h += np.arange(bands, dtype=np.uint64) * mult[rows]
    return (h >> np.uint64(17)).astype(np.int64)


StoredIds = Callable[[Sequence[str]], Collection[str]]
"""Which of some ids the corpus holds (the runner's answer from its set or its id table)."""


class NearDuplicates:
    """The first tellings seen so far, in an LSH index on disk, and the matching of new articles.

    Two tables in a scratch SQLite file: ``sigs`` (insertion number ``n``, ``doc_id``,
    signature) and ``bands`` (each band's hash, ``n``). For a batch of articles, their band
    hashes are looked up together, the candidates' signatures fetched, and each article
    matched in turn against them and the batch's own earlier first tellings. A hash is only an
    address: a candidate counts only if one of its bands equals the article's exactly, as in
    datasketch's in-memory index.
    """

    def __init__(
        self, threshold: float = THRESHOLD, folder: str | None = None, cache_mb: int = CACHE_MB
    ) -> None:
        self.threshold = threshold
        self.bands, self.rows = lsh_bands(threshold)
        # a scratch index: rebuilt from the corpus if the run dies
        self._dir, self.db = store.scratch_database("newsarchive-near-", folder, cache_mb)
        self.db.execute("CREATE TABLE sigs (n INTEGER PRIMARY KEY, doc TEXT, sig BLOB)")
        self.db.execute(
            "CREATE TABLE bands (key INTEGER, n INTEGER, PRIMARY KEY (key, n)) WITHOUT ROWID"
        )
        self.count = 0  # first tellings held, and the ``n`` of the next one
        self.run_start = 0  # ``n`` of this run's first one: earlier runs' come before

    def __len__(self) -> int:
        return self.count

    def __enter__(self) -> NearDuplicates:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()
        self._dir.cleanup()

    def link(
        self, ids: Sequence[str], sigs: Sequence[Signature | None]
    ) -> list[tuple[str, float] | None]:
        """For each article in turn, the most similar first telling at or above the threshold,
        as ``(doc_id, similarity)``, or ``None`` (then it is a first telling, added: a later
        article of the batch may match it). ``None`` signatures (exact duplicates) are skipped.
        """
        import numpy as np

        links: list[tuple[str, float] | None] = [None] * len(ids)
        present = [i for i, s in enumerate(sigs) if s is not None]
        if not present:
            return links
        matrix = np.stack([s for s in sigs if s is not None]).astype(np.uint32)
        keys = band_keys(matrix, self.bands, self.rows)
        stored: dict[int, list[int]] = {}  # band hash -> n, from the index
        for key, n in self._select(
            "SELECT key, n FROM bands WHERE key IN ({})", np.unique(keys).tolist()
        ):
            stored.setdefault(key, []).append(n)
        # Most articles share no band with the index or the rest of the batch: first tellings
        # at once. Only the others are matched one by one, on their shared bands.
        flat = keys.ravel()
        _, inverse, counts = np.unique(flat, return_inverse=True, return_counts=True)
        shared = (counts[inverse] > 1) | np.isin(flat, np.fromiter(stored, np.int64))
        shared = shared.reshape(keys.shape)
        known: dict[int, tuple[str, Any]] = {
            n: (str(doc), np.frombuffer(blob, np.uint32))
            for n, doc, blob in self._select(
                "SELECT n, doc, sig FROM sigs WHERE n IN ({})",
                sorted({n for ns in stored.values() for n in ns}),
            )
        }
        added: dict[int, list[int]] = {}  # shared band hash -> n, of this batch's first tellings
        shape = (self.bands, self.rows)
        width = self.bands * self.rows
        matched = shared.any(axis=1)
        # an unmatched article's n, if it is a first telling: the first tellings before it
        # are the unmatched ones and those matched ones that linked to nothing
        unmatched_before = np.cumsum(~matched) - (~matched).astype(np.int64)
        told = 0  # matched articles found to be first tellings so far
        linked = np.zeros(len(present), dtype=bool)
        for j in np.flatnonzero(matched).tolist():
            sig = matrix[j]
            its = keys[j][shared[j]].tolist()
            candidates = sorted({n for k in its for n in (*stored.get(k, ()), *added.get(k, ()))})
            if candidates:
                others = np.stack([known[n][1] for n in candidates])
                same_band = others[:, :width].reshape(-1, *shape) == sig[:width].reshape(shape)
                scores = np.count_nonzero(others == sig, axis=1)
                scores[~same_band.all(axis=2).any(axis=1)] = -1  # a hash collision only
                best = int(np.argmax(scores))  # the first of the most similar: the first told
                if scores[best] >= 0 and scores[best] / NUM_PERM >= self.threshold:
                    links[present[j]] = (known[candidates[best]][0], float(scores[best]) / NUM_PERM)
                    linked[j] = True
                    continue
            n = self.count + int(unmatched_before[j]) + told
            told += 1
            known[n] = (ids[present[j]], sig)
            for k in its:
                added.setdefault(k, []).append(n)
        new = np.flatnonzero(~linked)
        self.db.execute("BEGIN")
        first = self._add_signatures([ids[present[j]] for j in new.tolist()], matrix[new])
        self._add_bands(keys[new], first)
        self.db.execute("COMMIT")
        return links

    def _add_signatures(self, ids: Sequence[str], sigs: Any) -> int:
        """Store signatures as the next ``n``s (their bands are the caller's to store); returns
        the first ``n``."""
        first = self.count
        self.db.executemany(
            "INSERT INTO sigs VALUES (?, ?, ?)",
            ((first + j, doc, sigs[j].tobytes()) for j, doc in enumerate(ids)),
        )
        self.count += len(ids)
        return first

    def _add_bands(self, keys: Any, first: int, table: str = "bands") -> None:
        """Store the band hashes ``keys`` (one row per signature) of ``n`` = ``first``, ….

        Into the index in key order (a B-tree fills fastest in order); into the loading table
        as they come (sorted once, at the end), as one JSON array (``json_each``), which binds
        twice as fast as a parameter pair per row.
        """
        import json

        import numpy as np

        if table == "loading":
            self.db.execute(
                "INSERT INTO loading SELECT value, ?2 + key / ?3 FROM json_each(?1)",
                (json.dumps(keys.ravel().tolist()), first, keys.shape[1]),
            )
            return
        ns = np.repeat(np.arange(first, first + len(keys), dtype=np.int64), keys.shape[1])
        flat = keys.ravel()
        order = np.lexsort((ns, flat))
        self.db.executemany(
            "INSERT INTO bands VALUES (?, ?)",
            zip(flat[order].tolist(), ns[order].tolist(), strict=True),
        )

    def _select(self, sql: str, values: list[Any]) -> Iterator[Any]:
        for lo in range(0, len(values), _SQL_VARIABLES):
            part = values[lo : lo + _SQL_VARIABLES]
            yield from self.db.execute(sql.format(",".join("?" * len(part))), part)

    # --- the state in the corpus folder ---------------------------------------------------------

    @classmethod
    def load(
        cls,
        corpus: str | CorpusPath,
        threshold: float = THRESHOLD,
        stored: StoredIds | None = None,
        folder: str | None = None,
    ) -> NearDuplicates:
        """The first tellings of the corpus: saved signatures, and those of runs without a
        signature file computed from the stored texts (and saved). ``stored`` says which ids
        the corpus holds (by default read from it): a saved signature whose article never
        reached a part file (a run stopped mid-write) must not be linked to."""
        near = cls(threshold, folder)
        try:
            if store.is_corpus(corpus):
                near._fill(corpus, _stored_ids(corpus).intersection if stored is None else stored)
        except BaseException:  # Ctrl-C, a damaged corpus: the scratch file goes too
            near.close()
            raise
        return near

    def _fill(self, corpus: str | CorpusPath, stored: StoredIds) -> None:
        near = self
        root = corpus_path(corpus) / STATE
        files: list[Any] = sorted(root.glob("*.arrow"), key=str) if root.is_dir() else []
        saved: set[str] = set()
        # Bands are appended unsorted while loading, then copied into the keyed table in key
        # order: SQLite sorts on disk, and sorted inserts fill a B-tree several times faster.
        near.db.execute("BEGIN")
        near.db.execute("CREATE TABLE loading (key INTEGER, n INTEGER)")
        for f in files:
            rows = _read_state(f)
            try:
                head = next(rows, None)  # opens the file: a damaged one is computed again
            except (OSError, ValueError):  # pyarrow's errors are ValueErrors or OSErrors
                continue
            for ids, sigs in itertools.chain([head] if head else [], rows):
                held = stored(ids)
                keep = [d in held for d in ids]
                if not all(keep):
                    ids, sigs = [d for d, k in zip(ids, keep, strict=True) if k], sigs[keep]
                near._load(ids, sigs)
            saved.add(f.name.removesuffix(".arrow"))
        rebuilt: dict[str, list[tuple[int, int]]] = {}  # run -> ranges of n
        for run, ids, sigs in _first_tellings(corpus, skip_runs=saved):
            first = near._load(ids, sigs)
            rebuilt.setdefault(run, []).append((first, near.count))
        near.db.execute("INSERT INTO bands SELECT key, n FROM loading ORDER BY key, n")
        near.db.execute("DROP TABLE loading")
        near.db.execute("COMMIT")
        for run, ranges in rebuilt.items():
            near._save(corpus, run, ranges)
        near.run_start = near.count

    def _load(self, ids: Sequence[str], sigs: Any) -> int:
        first = self._add_signatures(ids, sigs)
        self._add_bands(band_keys(sigs, self.bands, self.rows), first, table="loading")
        return first

    def save(self, corpus: str | CorpusPath, run_id: str) -> None:
        """Write this run's first tellings' signatures (atomically; nothing written for none)."""
        self._save(corpus, run_id, [(self.run_start, self.count)])

    def _save(self, corpus: str | CorpusPath, run_id: str, ranges: list[tuple[int, int]]) -> None:
        if not any(hi > lo for lo, hi in ranges):
            return
        import pyarrow as pa

        schema = _state_schema()

        def batches() -> Iterator[pa.RecordBatch]:
            for lo, hi in ranges:
                for start in range(lo, hi, STATE_ROWS):
                    rows = self.db.execute(
                        "SELECT doc, sig FROM sigs WHERE n >= ? AND n < ? ORDER BY n",
                        (start, min(hi, start + STATE_ROWS)),
                    ).fetchall()
                    sigs = pa.FixedSizeBinaryArray.from_buffers(
                        schema.field(1).type,
                        len(rows),
                        [None, pa.py_buffer(b"".join(r[1] for r in rows))],
                    )
                    yield pa.record_batch(
                        [pa.array([r[0] for r in rows], pa.string()), sigs], schema=schema
                    )

        target = corpus_path(corpus) / STATE / f"{run_id}.arrow"
        _write_state(target, schema, batches())
        (target.parent / f"{run_id}.npz").unlink(missing_ok=True)  # an older version's file


def _state_schema() -> Any:
    import pyarrow as pa

    # signatures as 32-bit values, 4 bytes each: the affine32 scheme's hashes fit
    fixed: Any = pa.binary(4 * NUM_PERM)
    return pa.schema([("doc_id", pa.string()), ("signature", fixed)])


def _write_state(target: Path | ObjectPath, schema: Any, batches: Iterable[Any]) -> None:
    """Stream record batches into an Arrow IPC file that appears whole or not at all (a
    temporary file renamed over it; in a bucket, an upload completed on close)."""
    import pyarrow as pa

    if isinstance(target, ObjectPath):
        with target.open_output() as out, pa.ipc.new_file(out, schema) as writer:
            for batch in batches:
                writer.write_batch(batch)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            with pa.ipc.new_file(fh, schema) as writer:
                for batch in batches:
                    writer.write_batch(batch)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    store.fsync_dir(target.parent)


def _read_state(f: Path | ObjectPath) -> Iterator[tuple[list[str], Any]]:
    """A state file's ``(doc_ids, signatures)`` a record batch at a time (memory: one batch)."""
    import numpy as np
    import pyarrow as pa

    # read, not memory-mapped: mapped pages would count in the process's memory as it reads
    source = f.fs.open_input_file(f.key) if isinstance(f, ObjectPath) else pa.OSFile(str(f), "rb")
    with source:
        reader = pa.ipc.open_file(source)
        for i in range(reader.num_record_batches):
            batch = reader.get_batch(i)
            sigs = batch.column(1)
            data: Any = sigs.buffers()[1]
            values = np.frombuffer(
                data,
                np.uint32,
                count=len(sigs) * NUM_PERM,
                offset=4 * NUM_PERM * sigs.offset,
            )
            yield [str(d) for d in batch.column(0).to_pylist()], values.reshape(-1, NUM_PERM)


def _stored_ids(corpus: str | CorpusPath) -> set[str]:
    table = store.read_corpus(corpus, columns=["doc_id"])
    return {str(d) for d in table.column(0).to_pylist()}


def _first_tellings(
    corpus: str | CorpusPath, *, skip_runs: Collection[str]
) -> Iterator[tuple[str, list[str], Any]]:
    """``(run, doc_ids, signatures)`` of the stored first tellings of runs not in
    ``skip_runs``, computed from their texts a batch at a time. Only those runs' parts are
    read (a part's name says its run): a corpus whose runs all have their file costs nothing."""
    parts = [p for p in store.part_files(corpus) if store.part_run(p.name) not in skip_runs]
    if not parts:
        return
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    expr = (
        pc.field("duplicate_of").is_null()
        & pc.field("near_duplicate_of").is_null()
        & ~pc.field("ingest_run").isin(pa.array(sorted(skip_runs), pa.string()))
    )
    for batch in store.open_dataset(corpus, parts).to_batches(
        columns=["doc_id", "ingest_run", "text"], filter=expr, batch_size=STATE_ROWS
    ):
        by_run: dict[str, tuple[list[str], list[Any]]] = {}
        for doc_id, run, text in zip(*(c.to_pylist() for c in batch.columns), strict=True):
            ids, sigs = by_run.setdefault(str(run), ([], []))
            ids.append(str(doc_id))
            sigs.append(signature(str(text or "")))
        for run, (ids, sigs) in by_run.items():
            yield run, ids, np.stack(sigs).astype(np.uint32)
