"""Near-duplicates: the same story with small edits, another headline or added boilerplate.

Each article's clean text becomes a set of word 3-grams (shingles), summarised by a MinHash
signature of :data:`NUM_PERM` values (datasketch); MinHash LSH finds the stored stories whose
estimated Jaccard similarity may reach ``near_duplicate_threshold`` (a setting, default
:data:`THRESHOLD`), and the most similar one at or above it is linked: the article gets
``near_duplicate_of`` (that story's ``doc_id``) and ``near_duplicate_similarity`` (the estimated
Jaccard similarity of their shingles). Only *first tellings* (articles linked to nothing) are
candidates, so every copy links to the one article that stands for its story.

Signatures are kept per ingest run in ``corpus/_state/minhash/<run>.npz``, written atomically
when the run ends; a run without its file (killed, or from before near-duplicates) has its
signatures computed again from the stored texts at the start of the next run, so the state can
always be rebuilt from the corpus and later runs link to every earlier one.

>>> a = signature("Ferry workers in Dover walked out on Friday over a pay offer they rejected.")
>>> b = signature("BREAKING: Ferry workers in Dover walked out on Friday over a pay offer they rejected.")
>>> round(similarity(a, b), 1)
0.9
"""

from __future__ import annotations

import io
import re
import zlib
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import store
from ..storage import CorpusPath, corpus_path

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


class NearDuplicates:
    """The first tellings seen so far, in an LSH index, and the matching of new articles.

    The index is datasketch's banding (its bands for the threshold: an article is a candidate
    when one band of its signature equals a stored one's), kept compact: the signatures as rows
    of one 32-bit array, and each band as a dict from the hash of its values to a row (a
    candidate's band is then compared whole, so a hash collision finds nothing more).
    datasketch's own index took about 11 KB an article (a set and a bytes object per band),
    1.1 GB at 100,000 articles; this about 3 KB (resident memory, tables included).
    """

    def __init__(self, threshold: float = THRESHOLD) -> None:
        import numpy as np
        from datasketch import MinHashLSH

        self.threshold = threshold
        # datasketch chooses the bands for the threshold; its index is not kept
        self._ranges = [
            (4 * a, 4 * b) for a, b in MinHashLSH(threshold=threshold, num_perm=NUM_PERM).hashranges
        ]
        self._bands: list[dict[int, int | list[int]]] = [{} for _ in self._ranges]
        self._rows: dict[str, int] = {}  # doc_id -> row of its signature
        self._ids: list[str] = []
        self._signatures = np.zeros((1024, NUM_PERM), dtype=np.uint32)  # values are 32-bit
        self._new: list[int] = []  # rows of this run's first tellings, saved at its end

    def __len__(self) -> int:
        return len(self._rows)

    @property
    def new(self) -> dict[str, Signature]:
        """``doc_id -> signature`` of the first tellings added by this run."""
        return {self._ids[row]: self._signatures[row] for row in self._new}

    def match(self, sig: Signature, lean: Any = None) -> tuple[str, float] | None:
        """The most similar first telling at or above the threshold (ties: the earliest one
        added), or ``None``. ``lean`` is not needed (kept for callers that made one)."""
        import numpy as np

        raw = sig.astype(np.uint32).tobytes()
        found: set[int] = set()
        for (start, end), band in zip(self._ranges, self._bands, strict=True):
            rows = band.get(hash(raw[start:end]))
            if rows is not None:
                for row in (rows,) if isinstance(rows, int) else rows:
                    if self._signatures[row].tobytes()[start:end] == raw[start:end]:
                        found.add(row)
        if not found:
            return None
        rows_found = np.array(sorted(found))
        equal = np.count_nonzero(self._signatures[rows_found] == sig, axis=1)
        best = int(np.argmax(equal))  # the first of the most similar: the earliest added
        score = float(equal[best]) / NUM_PERM
        return (self._ids[rows_found[best]], score) if score >= self.threshold else None

    def add(self, doc_id: str, sig: Signature, *, new: bool = True, lean: Any = None) -> None:
        import numpy as np

        if doc_id in self._rows:
            return
        row = len(self._ids)
        if row == len(self._signatures):  # grown by half: copies stay few
            grown = np.zeros((row + row // 2, NUM_PERM), dtype=np.uint32)
            grown[:row] = self._signatures
            self._signatures = grown
        self._signatures[row] = sig
        raw = self._signatures[row].tobytes()
        for (start, end), band in zip(self._ranges, self._bands, strict=True):
            key = hash(raw[start:end])
            rows = band.get(key)
            if rows is None:
                band[key] = row
            elif isinstance(rows, int):
                band[key] = [rows, row]
            else:
                rows.append(row)
        self._rows[doc_id] = row
        self._ids.append(doc_id)
        if new:
            self._new.append(row)

    # --- the state in the corpus folder ---------------------------------------------------------

    @classmethod
    def load(
        cls, corpus: str | CorpusPath, threshold: float = THRESHOLD, stored: set[str] | None = None
    ) -> NearDuplicates:
        """The first tellings of the corpus: saved signatures, and those of runs without a
        signature file computed from the stored texts."""
        import numpy as np

        near = cls(threshold)
        folder = corpus_path(corpus) / STATE
        if not store.is_corpus(corpus):
            return near
        # A saved signature whose article never reached a part file (a run stopped mid-write)
        # must not be linked to: only stored ids are added.
        stored = _stored_ids(corpus) if stored is None else stored
        saved: set[str] = set()
        files: list[Any] = sorted(folder.glob("*.npz"), key=str) if folder.is_dir() else []
        for f in files:
            with np.load(io.BytesIO(f.read_bytes()), allow_pickle=False) as data:
                for doc_id, sig in zip(data["ids"].tolist(), data["signatures"], strict=True):
                    if str(doc_id) in stored:
                        near.add(str(doc_id), sig, new=False)
            saved.add(f.name.removesuffix(".npz"))
        missing = _first_tellings(corpus, skip_runs=saved)
        for run, rows in missing.items():
            sigs = {doc_id: signature(text) for doc_id, text in rows}
            for doc_id, sig in sigs.items():
                if doc_id in stored:
                    near.add(doc_id, sig, new=False)
            save(corpus, run, sigs)
        return near


def save(corpus: str | CorpusPath, run_id: str, signatures: dict[str, Signature]) -> None:
    """Write one run's first-telling signatures (atomically; nothing written for none)."""
    import numpy as np

    if not signatures:
        return
    buffer = io.BytesIO()
    ids = np.array(list(signatures), dtype=str)
    sigs = np.stack(list(signatures.values())).astype(np.uint32)  # values are 32-bit hashes
    np.savez_compressed(buffer, ids=ids, signatures=sigs)
    store.write_atomic(corpus_path(corpus) / STATE / f"{run_id}.npz", buffer.getvalue())


def _stored_ids(corpus: str | CorpusPath) -> set[str]:
    table = store.read_corpus(corpus, columns=["doc_id"])
    return {str(d) for d in table.column(0).to_pylist()}


def _first_tellings(
    corpus: str | CorpusPath, *, skip_runs: Iterable[str]
) -> dict[str, list[tuple[str, str]]]:
    """``run -> [(doc_id, text)]`` of the stored first tellings of runs not in ``skip_runs``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    skip = pa.array(sorted(skip_runs), pa.string())
    expr = (
        pc.field("duplicate_of").is_null()
        & pc.field("near_duplicate_of").is_null()
        & ~pc.field("ingest_run").isin(skip)
    )
    found: dict[str, list[tuple[str, str]]] = {}
    for batch in store.iter_batches(
        corpus, columns=["doc_id", "ingest_run", "text"], filter=expr, batch_size=4096
    ):
        for doc_id, run, text in zip(*(c.to_pylist() for c in batch.columns), strict=True):
            found.setdefault(str(run), []).append((str(doc_id), str(text or "")))
    return found


def link_all(
    near: NearDuplicates, ids: Sequence[str], sigs: Sequence[Signature | None]
) -> list[tuple[str, float] | None]:
    """Match each article in turn (a later one may match an earlier one of the same batch),
    adding each first telling; ``None`` signatures (exact duplicates) are skipped."""
    links: list[tuple[str, float] | None] = []
    for doc_id, sig in zip(ids, sigs, strict=True):
        if sig is None:
            links.append(None)
            continue
        found = near.match(sig)
        if found is None:
            near.add(doc_id, sig)
        links.append(found)
    return links
