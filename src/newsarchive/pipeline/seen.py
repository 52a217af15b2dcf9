"""Inputs a run has already taken, recognised by their stamp without reading them again.

A file's stamp is its path, size and modification time. Each run records the stamp of every
file it stored (or found stored) under ``_state/inputs.arrow`` with the article's ``doc_id``;
the next run counts a file whose stamp is unchanged, and whose ``doc_id`` is still in the
corpus, as ``already`` without opening it, as ``make`` and ``rsync`` judge files. A file whose
size or time changed (touched, copied again) is read and hashed as before: the same content is
still recognised by its ``doc_id``, and its new stamp recorded.

Stamps are kept per settings: a run with other settings (a different ``max_article_chars``
gives another ``doc_id`` for a long file) trusts none of the old ones. Dump rows (CSV, JSONL)
have no file of their own and are always read.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Protocol

from .. import store
from ..settings import Settings
from ..storage import CorpusPath, ObjectPath
from .sources import Input, Rejected

FILE = "inputs.arrow"  # not .parquet: a glob for the corpus's parts must not find it
_FINGERPRINT = b"newsarchive.settings"  # the schema metadata key

Stamp = tuple[int, float]  # size, mtime


class Stored(Protocol):
    """An outcome with an article id (the runner's ``Processed`` and ``Already``)."""

    @property
    def source_path(self) -> str: ...

    @property
    def doc_id(self) -> str: ...


def fingerprint(settings: Settings) -> str:
    """A digest of every setting (reading and decoding ones among them)."""
    blob = json.dumps([settings.values, settings.per_source], sort_keys=True, default=str)
    return hashlib.blake2b(blob.encode(), digest_size=16).hexdigest()


class InputStamps:
    """The stamps a corpus holds, and the ones this run adds (see the module's note)."""

    def __init__(self, corpus: CorpusPath, settings: Settings) -> None:
        self.path = corpus / store.STATE_DIR / FILE
        self.fingerprint = fingerprint(settings)
        self.known: dict[str, tuple[int, float, str]] = {}  # path -> size, mtime, doc_id
        self.pending: dict[str, Stamp] = {}  # read this run, outcome not back yet
        self.added = 0
        self._load()

    def _load(self) -> None:
        if not self.path.exists():
            return
        import pyarrow as pa

        try:
            if isinstance(self.path, ObjectPath):
                table = pa.ipc.open_file(pa.py_buffer(self.path.read_bytes())).read_all()
            else:
                with pa.memory_map(str(self.path)) as source:
                    table = pa.ipc.open_file(source).read_all()
        except (OSError, pa.ArrowException):  # a damaged record only costs the reading again
            return
        meta = table.schema.metadata or {}
        if meta.get(_FINGERPRINT, b"").decode() != self.fingerprint:
            return
        columns = (table.column(c).to_pylist() for c in ("path", "size", "mtime", "doc_id"))
        self.known = {p: (s, m, d) for p, s, m, d in zip(*columns, strict=True)}

    def unread(
        self, inputs: Iterable[Input | Rejected], doc_ids: set[str], already: Callable[[], None]
    ) -> Iterator[Input | Rejected]:
        """The inputs that must be read: those with a stamp and ``doc_id`` on record are
        counted by calling ``already`` instead."""
        known, pending = self.known, self.pending
        for inp in inputs:
            if isinstance(inp, Input) and inp.path is not None and inp.size is not None:
                stamp = (inp.size, inp.mtime or 0.0)
                entry = known.get(inp.source_path)
                if entry is not None and entry[:2] == stamp and entry[2] in doc_ids:
                    already()
                    continue
                pending[inp.source_path] = stamp
            yield inp

    def taken(self, source_path: str, doc_id: str) -> None:
        """A read input's outcome: stored, or found stored, as ``doc_id``."""
        stamp = self.pending.pop(source_path, None)
        if stamp is not None:
            self.known[source_path] = (*stamp, doc_id)
            self.added += 1

    def take_all(self, outcomes: Iterable[Stored | Rejected]) -> None:
        """:meth:`taken` for each outcome of a chunk that was read (not rejected)."""
        for outcome in outcomes:
            if not isinstance(outcome, Rejected):
                self.taken(outcome.source_path, outcome.doc_id)

    def save(self) -> None:
        """Write the stamps (atomically) if this run added any."""
        if not self.added:
            return
        import pyarrow as pa

        paths = list(self.known)
        size, mtime, doc_id = zip(*self.known.values(), strict=True) if paths else ((), (), ())
        table = pa.Table.from_arrays(
            [
                pa.array(paths, pa.string()),
                pa.array(size, pa.int64()),
                pa.array(mtime, pa.float64()),
                pa.array(doc_id, pa.string()),
            ],
            names=["path", "size", "mtime", "doc_id"],
            metadata={_FINGERPRINT: self.fingerprint},
        )
        buffer = io.BytesIO()
        with pa.ipc.new_file(buffer, table.schema) as out:
            out.write_table(table)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        store.write_atomic(self.path, buffer.getvalue())
        self.added = 0
