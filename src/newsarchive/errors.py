"""Named errors. The library raises these; the CLI turns each into one line that says what to do."""

from __future__ import annotations


class NewsarchiveError(Exception):
    """Base class for every error newsarchive reports to its user."""


class Skip(NewsarchiveError):
    """An input that cannot become an article. The batch goes on; the runner counts it by ``reason``.

    ``reason`` is a short stable code (``empty``, ``binary``, ``undecodable``, ``too-large``,
    ``unreadable``, ``not-found``, ``broken-link``, ``not-a-file``, ``bad-gzip``,
    ``decompression-bomb``, ``bad-row``, ``no-text``, ``unsupported``, ``symlink-loop``,
    ``outside-root``, ``not-an-article``, ``bad-warc``); ``detail`` is for people.
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class UsageError(NewsarchiveError):
    """The command cannot start: a bad option, manifest, rules file or corpus path."""


class CorpusError(NewsarchiveError):
    """The corpus folder is not a newsarchive corpus, or cannot be read or written."""


class CorpusLocked(CorpusError):
    """Another process is writing to the corpus."""


class QuerySyntaxError(NewsarchiveError):
    """A search query that does not parse. ``position`` is the 0-based character offset."""

    def __init__(self, message: str, position: int | None = None) -> None:
        super().__init__(message)
        self.position = position


class WriteFailed(CorpusError):
    """Writing the corpus or its index failed (disk full, folder read-only, a worker died)
    after some articles may have been committed; the message says what was kept."""


def os_reason(exc: OSError) -> str:
    """An OSError in a few words for a one-line message: ``No space left on device (/c/x)``."""
    # pyarrow's object-store errors carry their message only as text, without strerror
    reason = exc.strerror or " ".join(str(exc).split()) or type(exc).__name__
    return f"{reason} ({exc.filename})" if exc.filename else reason
