"""The one record that flows through the pipeline, and the small records it carries.

An :class:`Article` starts life in ``pipeline.sources`` with the bytes' provenance, is filled in by
each stage (decode → html → clean → structure → dates → tags) and is written by ``store`` as one
Parquet row. Fields marked ``stored=False`` are hand-offs between stages and never reach disk.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

SCHEMA_VERSION = 2
# Columns each schema version added or dropped: parts of an older version stay readable (a
# dropped column is not read, an added one reads as null) and ``verify`` names the difference.
SCHEMA_CHANGES: dict[int, tuple[tuple[str, ...], tuple[str, ...]]] = {
    2: (("crawled_at", "fields", "near_duplicate_of", "near_duplicate_similarity"), ("extra",)),
}
# Formats whose raw_text is an HTML page (an .html file, a WARC response): the text is extracted.
PAGE_FORMATS = frozenset({"html", "warc"})


@dataclass(slots=True)
class Removal:
    """A span the cleaner took out of the text, and the rule that took it.

    ``start``/``end`` are character offsets into the article's *pre-clean* text (``Article.body``:
    the decoded, normalised text, or the visible text of an HTML page), so that ``show --raw`` can
    mark each span where it stood. ``score`` is the structural cleaner's probability that the
    span is boilerplate (``structure/…`` rules); a named rule is certain and has none.
    """

    text: str
    rule: str
    start: int
    end: int
    score: float | None = None


@dataclass(slots=True)
class Evidence:
    """Why an article carries a tag: ``field`` (``topics``, ``places``, ``countries``, ``people``,
    ``organisations``), the tag ``value``, the ``rule`` that produced it and the ``matched`` words."""

    field: str
    value: str
    rule: str
    matched: str


def _transient() -> Any:
    return {"stored": False}


@dataclass(slots=True)
class Article:
    """One article. Stored fields are exactly the Parquet columns (see ``docs/schema.md``)."""

    # --- identity and provenance ---------------------------------------------------------
    doc_id: str = ""
    source_path: str = ""  # absolute path of the input file; ``path#row=N`` for dump rows
    source: str = ""  # the outlet or collection name (``--source``, manifest, or folder name)
    url: str | None = None
    # When a crawler saw the page (a WARC record's WARC-Date): evidence it existed by then,
    # never its publication date, which the dating stages find on their own.
    crawled_at: datetime | None = None
    content_hash: str = ""  # hash of the normalised text: equal hashes mean duplicate articles
    duplicate_of: str | None = None
    near_duplicate_of: str | None = None  # the first stored article telling the same story
    near_duplicate_similarity: float | None = None  # estimated Jaccard similarity of the two
    ingested_at: datetime | None = None
    ingest_run: str = ""
    encoding: str = ""  # how the bytes were decoded, e.g. ``utf-8``, ``cp1252``, ``utf-8+ftfy``
    format: str = "txt"  # txt, html, csv, jsonl, sgml, warc
    # the researcher's own metadata: manifest/dump columns newsarchive does not map, and the
    # labels a structured format carries (Reuters topics); each a list of values
    fields: dict[str, list[str]] = field(default_factory=dict)

    # --- text ------------------------------------------------------------------------------
    title: str | None = None
    text: str = ""  # clean text, paragraphs separated by a blank line
    raw_text: str = ""  # the decoded input, verbatim (HTML source for pages, the cell for dumps)
    removed: list[Removal] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    kind: str = "article"  # ``article`` or ``liveblog``
    language: str | None = None  # ISO 639-1
    word_count: int = 0
    structure_note: str | None = None  # how the text's layout was read, e.g. wrapped lines joined

    # --- date --------------------------------------------------------------------------------
    published_at: datetime | None = None  # timezone-aware, UTC
    # Minutes east of UTC of the zone the source printed its time in: published_at shifted by
    # it is the day as printed (2023-11-08T23:28-04:00 counts on 8 November). None: undated, or
    # a corpus written before the column existed (read as 0).
    published_offset: int | None = None
    date_source: str | None = None  # docs/dates.md lists the sources
    date_text: str | None = None  # the exact string the date was read from
    date_precision: str | None = None  # day, minute, second
    date_note: str | None = None  # why a candidate date was rejected, or an ambiguity left open

    # --- tags ----------------------------------------------------------------------------------
    topics: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)  # ISO 3166-1 alpha-2
    people: list[str] = field(default_factory=list)
    organisations: list[str] = field(default_factory=list)
    tag_evidence: list[Evidence] = field(default_factory=list)

    # --- hand-offs between stages (not stored) -----------------------------------------------
    body: str = field(default="", metadata=_transient())  # pre-clean text that removals index
    given_date: str | None = field(default=None, metadata=_transient())  # manifest/dump column
    html_dates: list[tuple[str, str]] = field(default_factory=list, metadata=_transient())
    html_language: str | None = field(default=None, metadata=_transient())  # the page's lang
    mtime: float | None = field(default=None, metadata=_transient())
    cut_chars: int = field(default=0, metadata=_transient())  # cut off by max_article_chars

    def to_row(self) -> dict[str, Any]:
        """The stored fields as a plain dict (one Parquet row)."""
        row: dict[str, Any] = {}
        for f in STORED_FIELDS:
            value = getattr(self, f)
            if f == "removed":
                value = [
                    {
                        "text": r.text,
                        "rule": r.rule,
                        "start": r.start,
                        "end": r.end,
                        "score": r.score,
                    }
                    for r in value
                ]
            elif f == "tag_evidence":
                value = [
                    {"field": e.field, "value": e.value, "rule": e.rule, "matched": e.matched}
                    for e in value
                ]
            elif f == "fields":
                value = sorted(value.items())  # a map column: (key, values) pairs, by name
            row[f] = value
        return row


STORED_FIELDS: tuple[str, ...] = tuple(
    f.name for f in fields(Article) if f.metadata.get("stored", True)
)
