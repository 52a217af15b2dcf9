"""Named errors. The library raises these; the CLI turns each into one line that says what to do."""

from __future__ import annotations

from typing import Literal, get_args


class NewsarchiveError(Exception):
    """Base class for every error newsarchive reports to its user."""


# Why an input did not become an article: a short stable code, stored in run records and shown to
# users, each with the line that explains it (docs/safety.md lists them; a test checks it does).
SkipReason = Literal[
    "empty",
    "binary",
    "undecodable",
    "too-large",
    "unreadable",
    "not-found",
    "broken-link",
    "symlink-loop",
    "outside-root",
    "not-a-file",
    "bad-gzip",
    "decompression-bomb",
    "bad-row",
    "bad-field",
    "bad-warc",
    "no-text",
    "unsupported",
    "not-an-article",
    "error",
]

SKIP_REASONS: dict[SkipReason, str] = {
    "empty": "0 bytes, or only whitespace",
    "binary": "the bytes look like a binary file, not text",
    "undecodable": "not UTF-8 and no likely legacy encoding fits",
    "too-large": "above max_file_mb (before or after decompression); not read",
    "unreadable": "the file cannot be opened (permissions, an I/O error)",
    "not-found": "no such file, or a manifest row naming a missing file",
    "broken-link": "a symbolic link to a missing file",
    "symlink-loop": "symbolic links that point round in a loop",
    "outside-root": "a link or manifest row leading outside the input folders",
    "not-a-file": "a FIFO, socket or device: never opened for reading",
    "bad-gzip": "named .gz but not gzip data, or truncated",
    "decompression-bomb": "a .gz expanding more than max_decompression_ratio times",
    "bad-row": "a broken dump or manifest row; the other rows go in",
    "bad-field": "a column named like a built-in field",
    "bad-warc": "a WARC file or record that cannot be read",
    "no-text": "no visible text, or nothing left after cleaning",
    "unsupported": "a file type newsarchive does not read",
    "not-an-article": "README files, manifests, WARC revisits: not counted as a failure",
    "error": "a bug in a stage: it cost this one article",
}
assert set(SKIP_REASONS) == set(get_args(SkipReason))


class Skip(NewsarchiveError):
    """An input that cannot become an article. The batch goes on; the runner counts it by ``reason``
    (one of :data:`SKIP_REASONS`); ``detail`` is for people."""

    def __init__(self, reason: SkipReason, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason: SkipReason = reason
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
