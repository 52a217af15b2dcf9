"""Where a corpus lives: a local folder, or a prefix in object storage (``s3://bucket/prefix``).

A corpus path is a :class:`pathlib.Path`, or an :class:`ObjectPath` for any URI that
``pyarrow.fs`` understands (``s3://``, ``gs://``, ``hdfs://``…). :class:`ObjectPath` has the few
``pathlib`` methods the store, verify and the readers use (``/``, ``name``, ``exists``,
``is_dir``, ``glob``, ``read_text``…), so those modules handle both kinds the same way; the
differences that matter (how a write becomes visible, how one writer is enforced) live in
``store.py`` and in :class:`Lease` here.

Credentials and endpoint come from the standard AWS variables (``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``, ``AWS_DEFAULT_REGION``, ``AWS_PROFILE``), and
``AWS_ENDPOINT_URL`` for an S3-compatible store (MinIO, Ceph, …): pyarrow and boto3 read the
same ones. See ``docs/object-storage.md``.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import CorpusError, CorpusLocked, NewsarchiveError, UsageError

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.fs as pafs

_URI = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://")


def is_uri(path: str | os.PathLike[str]) -> bool:
    """A URI other than ``file://``: the corpus is in object storage (or another remote store)."""
    m = _URI.match(str(path)) if isinstance(path, str) else None
    return m is not None and m.group(1).lower() != "file"


class ObjectPath:
    """A file or "folder" (key prefix) in a ``pyarrow.fs`` filesystem, named by its URI."""

    __slots__ = ("fs", "key", "scheme")

    def __init__(self, fs: pafs.FileSystem, key: str, scheme: str) -> None:
        self.fs, self.key, self.scheme = fs, key.rstrip("/"), scheme

    @classmethod
    def from_uri(cls, uri: str) -> ObjectPath:
        import pyarrow as pa
        import pyarrow.fs as pafs

        try:
            fs, key = pafs.FileSystem.from_uri(uri)
        except (pa.ArrowException, ValueError, OSError) as exc:
            raise CorpusError(f"cannot open {uri}: {_one_line(exc)}") from None
        return cls(fs, key, uri.split("://", 1)[0].lower())

    def __str__(self) -> str:
        return f"{self.scheme}://{self.key}"

    def __repr__(self) -> str:
        return f"ObjectPath({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ObjectPath) and str(other) == str(self)

    def __hash__(self) -> int:
        return hash(str(self))

    def __lt__(self, other: ObjectPath) -> bool:
        return self.key < other.key

    def __truediv__(self, name: str | os.PathLike[str]) -> ObjectPath:
        return ObjectPath(self.fs, f"{self.key}/{os.fspath(name)}", self.scheme)

    @property
    def name(self) -> str:
        return self.key.rsplit("/", 1)[-1]

    @property
    def parent(self) -> ObjectPath:
        return ObjectPath(self.fs, self.key.rsplit("/", 1)[0], self.scheme)

    def _type(self) -> Any:
        return self.fs.get_file_info(self.key).type

    def exists(self) -> bool:
        import pyarrow.fs as pafs

        return bool(self._type() != pafs.FileType.NotFound)

    def is_file(self) -> bool:
        import pyarrow.fs as pafs

        return bool(self._type() == pafs.FileType.File)

    def is_dir(self) -> bool:
        """A prefix with objects under it (object stores have no empty folders)."""
        import pyarrow.fs as pafs

        return bool(self._type() == pafs.FileType.Directory)

    def iterdir(self) -> Iterator[ObjectPath]:
        import pyarrow.fs as pafs

        selector = pafs.FileSelector(self.key, allow_not_found=True, recursive=False)
        for info in sorted(self.fs.get_file_info(selector), key=lambda i: i.path):
            yield ObjectPath(self.fs, info.path, self.scheme)

    def glob(self, pattern: str) -> Iterator[ObjectPath]:
        """Direct children whose name matches ``pattern`` (no ``**``: the corpus is flat)."""
        return (p for p in self.iterdir() if fnmatch.fnmatchcase(p.name, pattern))

    def read_bytes(self) -> bytes:
        with self.fs.open_input_stream(self.key) as fh:
            return bytes(fh.read())

    def read_text(self, encoding: str = "utf-8") -> str:
        return self.read_bytes().decode(encoding)

    def write_bytes(self, data: bytes) -> None:
        """One PUT: readers see the old object or the new one, never part of it."""
        with self.fs.open_output_stream(self.key) as fh:
            fh.write(data)

    def open_output(self) -> pa.NativeFile:
        """A stream whose object appears only when it is closed without error (S3: the
        multipart upload completes on close)."""
        return self.fs.open_output_stream(self.key)

    def unlink(self, missing_ok: bool = False) -> None:
        try:
            self.fs.delete_file(self.key)
        except FileNotFoundError:
            if not missing_ok:
                raise

    def mkdir(self, parents: bool = False, exist_ok: bool = False) -> None:
        """Nothing to do: a prefix exists as soon as an object is written under it."""


CorpusPath = Path | ObjectPath


def corpus_path(path: str | os.PathLike[str] | ObjectPath) -> CorpusPath:
    """``path`` as a :class:`Path`, or as an :class:`ObjectPath` when it is a URI."""
    if isinstance(path, ObjectPath):
        return path
    if isinstance(path, str) and path.lower().startswith("file://"):
        return Path(path[len("file://") :])
    if isinstance(path, str) and is_uri(path):
        return ObjectPath.from_uri(path)
    return Path(path)


def index_path(path: str | os.PathLike[str]) -> Path:
    """An index folder: local or shared POSIX disk only (tantivy memory-maps its files, whoosh
    renames them; object storage can do neither)."""
    if is_uri(os.fspath(path)):
        raise UsageError(
            f"--index-dir {path}: a search index must be on a local or shared disk, not in "
            "object storage; give a folder (the corpus itself may stay in the bucket)"
        )
    return Path(path)


def absolute(path: CorpusPath) -> str:
    """The corpus as recorded beside results: an absolute path, or the URI."""
    return str(path.resolve()) if isinstance(path, Path) else str(path)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


# --- the single writer on object storage -------------------------------------------------------

LEASE_FILE = "_lease.json"
LEASE_SECONDS = 120.0  # a writer that has not renewed for this long is taken to be dead


class Lease:
    """The corpus's single-writer rule on S3, where there is no file lock.

    The lease is an object (``_lease.json``) created with a conditional write
    (``If-None-Match: *``): of two writers starting together, S3 lets exactly one create it.
    The holder renews it every third of ``seconds`` with ``If-Match`` on its own ETag, and
    deletes it (again ``If-Match``) when done. A lease not renewed for ``seconds`` (the holder
    was killed) may be taken over, also with ``If-Match``, so of two would-be takers one wins.
    A holder that fails to renew (it stalled longer than ``seconds``, or lost the network)
    stops before its next commit: :meth:`check` raises. What this cannot give is a fencing
    token: a holder frozen *between* its check and a part upload could still upload that one
    part after a taker has started; part names carry the run id, so nothing is overwritten,
    and ``verify`` reports any article stored twice.
    """

    def __init__(
        self,
        folder: ObjectPath,
        busy: Callable[[str], NewsarchiveError],
        *,
        seconds: float = LEASE_SECONDS,
    ) -> None:
        if folder.scheme != "s3":
            raise CorpusError(
                f"cannot write to {folder}: newsarchive enforces one writer on object storage "
                "with S3 conditional writes, so it writes only to s3:// (it reads any URI)"
            )
        bucket, _, prefix = folder.key.partition("/")
        self.bucket, self.key = bucket, f"{prefix}/{LEASE_FILE}" if prefix else LEASE_FILE
        self.folder, self.busy, self.seconds = folder, busy, seconds
        import socket  # (and uuid) only for object stores: a search need not import them
        import uuid

        self.holder = f"process {os.getpid()} on {socket.gethostname()}"
        self.token = uuid.uuid4().hex
        self.etag: str | None = None
        self.lost: str | None = None
        self.renewed_at = 0.0  # time.monotonic() of the last write of the lease
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._client: Any = None

    @property
    def client(self) -> Any:
        if self._client is None:
            try:
                import boto3
            except ImportError:
                raise CorpusError(
                    "writing to s3:// needs boto3: pip install 'newsarchive[s3]'"
                ) from None
            self._client = boto3.client("s3")
        return self._client

    def _body(self) -> bytes:
        expires = datetime.now(UTC) + timedelta(seconds=self.seconds)
        record = {"holder": self.holder, "token": self.token, "expires": expires.isoformat()}
        return json.dumps(record).encode()

    def _put(self, **condition: str) -> str:
        reply = self.client.put_object(
            Bucket=self.bucket, Key=self.key, Body=self._body(), **condition
        )
        return str(reply["ETag"])

    def acquire(self, *, wait: bool = False, timeout: float = -1) -> None:
        start = time.monotonic()
        while True:
            holder = self._try()
            if holder is None:
                return
            if not wait or (timeout >= 0 and time.monotonic() - start > timeout):
                raise self.busy(holder)
            time.sleep(min(1.0, self.seconds / 10))

    def _try(self) -> str | None:
        """Take the lease, or name who holds it."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.etag = self._put(IfNoneMatch="*")
            self.renewed_at = time.monotonic()
            return None
        except BotoCoreError as exc:  # no credentials, endpoint unreachable
            raise CorpusError(f"cannot write to {self.folder}: {_one_line(exc)}") from None
        except ClientError as exc:
            if not _precondition(exc):
                raise CorpusError(f"cannot write to {self.folder}: {_one_line(exc)}") from None
        try:
            reply = self.client.get_object(Bucket=self.bucket, Key=self.key)
            current = json.loads(reply["Body"].read())
            etag = str(reply["ETag"])
        except (ClientError, BotoCoreError):
            return "another process"  # released (or taken over) meanwhile: try again
        except ValueError:
            current, etag = {"expires": ""}, str(reply["ETag"])
        holder = str(current.get("holder") or "another process")
        try:
            expired = datetime.fromisoformat(str(current["expires"])) < datetime.now(UTC)
        except (KeyError, ValueError):
            expired = True  # an unreadable lease is no one's
        if not expired:
            return holder
        try:
            self.etag = self._put(IfMatch=etag)  # take over a dead writer's lease
            self.renewed_at = time.monotonic()
            return None
        except BotoCoreError as exc:
            raise CorpusError(f"cannot write to {self.folder}: {_one_line(exc)}") from None
        except ClientError as exc:
            if _precondition(exc):
                return holder  # another taker won
            raise CorpusError(f"cannot write to {self.folder}: {_one_line(exc)}") from None

    def renew(self) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        with self._lock:
            if self.lost is not None or self.etag is None:
                return
            try:
                self.etag = self._put(IfMatch=self.etag)
                self.renewed_at = time.monotonic()
            except ClientError as exc:
                if _precondition(exc) or _code(exc) == "NoSuchKey":
                    self.lost = "another writer took the corpus over"
                else:
                    self._failed(exc)
            except BotoCoreError as exc:
                self._failed(exc)

    def _failed(self, exc: Exception) -> None:
        """A renewal that did not reach S3: tried again next time, until the lease has expired
        by the holder's own count, when another writer may have taken it."""
        if time.monotonic() - self.renewed_at > self.seconds:
            self.lost = f"not renewed for {self.seconds:g} s: {_one_line(exc)}"

    def check(self) -> None:
        """Raise if the lease was lost: the writer must not commit another part."""
        if self.lost is not None:
            raise CorpusLocked(
                f"stopped writing to {self.folder}: the writer's lease was lost ({self.lost}); "
                "the parts already committed are whole"
            )

    def release(self) -> None:
        from botocore.exceptions import ClientError

        self._stop.set()
        with self._lock:
            if self.lost is None and self.etag is not None:
                # Taken over meanwhile (a failed condition): the lease is the taker's now.
                with suppress(ClientError):
                    self.client.delete_object(Bucket=self.bucket, Key=self.key, IfMatch=self.etag)
            self.etag = None

    @contextmanager
    def held(self, *, wait: bool = False, timeout: float = -1) -> Iterator[Lease]:
        self.acquire(wait=wait, timeout=timeout)
        renewer = threading.Thread(target=self._renew_loop, daemon=True, name="newsarchive-lease")
        renewer.start()
        try:
            yield self
        finally:
            self.release()
            renewer.join()

    def _renew_loop(self) -> None:
        while not self._stop.wait(self.seconds / 3):
            self.renew()


def _code(exc: Any) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _precondition(exc: Any) -> bool:
    """S3 answers a failed condition with 412 PreconditionFailed, and a concurrent conditional
    write with 409 ConditionalRequestConflict (retry)."""
    return _code(exc) in ("PreconditionFailed", "ConditionalRequestConflict", "412", "409")
