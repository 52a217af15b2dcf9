"""TEI P5 XML export: a ``teiCorpus`` with one ``TEI`` document per article.

The corpus header records the export (query, corpus state, newsarchive version, time); each
article's ``teiHeader`` holds its title, authors, source, id, URL, date, language and tags, and
its text is one ``<p>`` per paragraph. Written with lxml's incremental writer, one article at a
time, so memory stays flat however many articles are exported. The checked-in RELAX NG schema
``data/tei/newsarchive-tei.rng`` (a strict subset of TEI P5) validates every export::

    >>> validate("export.xml")  # doctest: +SKIP
    []
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..index.fields import tag_columns

if TYPE_CHECKING:
    from lxml import etree

TEI_NS = "http://www.tei-c.org/ns/1.0"
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
SCHEMA = "data/tei/newsarchive-tei.rng"
# The columns a TEI document is built from; its keywords are the field table's tag columns.
COLUMNS = (
    "doc_id",
    "title",
    "authors",
    "source",
    "source_path",
    "url",
    "published_at",
    "published_offset",
    "language",
    *tag_columns(),
    "text",
)
# lxml's stubs type nsmap keys as str; the default namespace's key is None all the same.
NSMAP: Any = {None: TEI_NS}
# Characters XML 1.0 cannot hold; scraped text sometimes has them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_LANGUAGE = re.compile(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*")


def _t(name: str) -> str:
    return f"{{{TEI_NS}}}{name}"


def _clean(text: str | None) -> str:
    return _NOT_XML.sub("", text or "")


def _sub(
    parent: etree._Element, name: str, text: str | None = None, **attrib: str
) -> etree._Element:
    from lxml import etree

    el = etree.SubElement(parent, _t(name), attrib)
    if text is not None:
        el.text = _clean(text)
    return el


def _date(parent: etree._Element, moment: datetime) -> None:
    _sub(parent, "date", f"{moment:%Y-%m-%d}", when=moment.isoformat())


def write_tei(path: Path, rows: Iterable[dict[str, Any]], export: dict[str, Any]) -> int:
    """Write ``rows`` (dicts with :data:`COLUMNS`) to ``path``; returns how many were written.

    ``export`` is the export record (query, corpus_state, newsarchive_version, exported_at…).
    """
    from lxml import etree

    count = 0
    with etree.xmlfile(str(path), encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element(_t("teiCorpus"), nsmap=NSMAP):
            xf.write("\n")
            xf.write(corpus_header(export), pretty_print=True)
            for row in rows:
                xf.write(article(row), pretty_print=True)
                count += 1
    return count


def corpus_header(export: dict[str, Any]) -> etree._Element:
    """The ``teiHeader`` of the whole export: what was exported, from which corpus state, how."""
    from lxml import etree

    header = etree.Element(_t("teiHeader"), nsmap=NSMAP)
    file_desc = _sub(header, "fileDesc")
    query = export.get("query")
    title = f"newsarchive export: {query}" if query else "newsarchive export: whole corpus"
    _sub(_sub(file_desc, "titleStmt"), "title", title)
    pub = _sub(file_desc, "publicationStmt")
    _sub(pub, "publisher", f"newsarchive {export['newsarchive_version']}")
    _date(pub, datetime.fromisoformat(export["exported_at"]))
    _sub(pub, "idno", export["corpus_state"], type="corpus-state")
    if query:
        _sub(pub, "idno", query, type="query")
    source = _sub(file_desc, "sourceDesc")
    _sub(source, "p", f"Exported from the newsarchive corpus {export['corpus']} "
                      f"(state {export['corpus_state']}).")  # fmt: skip
    scope = ", ".join(f"{k} {v}" for k, v in export.get("scope", {}).items())
    selection = f"articles matching the query {query!r}" if query else "every article"
    _sub(source, "p", f"Selection: {selection}" + (f", {scope}" if scope else "") + ".")
    return header


def article(row: dict[str, Any]) -> etree._Element:
    """One article as a ``TEI`` element with its header and paragraphs."""
    from lxml import etree

    tei = etree.Element(_t("TEI"), {XML_ID: f"na-{row['doc_id']}"}, nsmap=NSMAP)
    header = _sub(tei, "teiHeader")
    file_desc = _sub(header, "fileDesc")
    title_stmt = _sub(file_desc, "titleStmt")
    _sub(title_stmt, "title", row.get("title") or "")
    for author in row.get("authors") or []:
        _sub(title_stmt, "author", author)
    pub = _sub(file_desc, "publicationStmt")
    _sub(pub, "publisher", row.get("source") or "")
    _sub(pub, "idno", row["doc_id"], type="doc_id")
    if row.get("published_at"):
        _date(pub, row["published_at"])
    bibl = _sub(_sub(file_desc, "sourceDesc"), "bibl")
    _sub(bibl, "idno", row.get("source_path") or "", type="source_path")
    if row.get("url"):
        _sub(bibl, "ptr", target=_clean(row["url"]))
    _profile(header, row)
    body = _sub(_sub(tei, "text"), "body")
    paragraphs = [p.strip() for p in (row.get("text") or "").split("\n\n") if p.strip()]
    for paragraph in paragraphs or [""]:
        _sub(body, "p", paragraph)
    return tei


def _profile(header: etree._Element, row: dict[str, Any]) -> None:
    language = row.get("language")
    tags = [(f, row.get(f) or []) for f in tag_columns() if row.get(f)]
    if not (language and _LANGUAGE.fullmatch(language)) and not tags:
        return
    profile = _sub(header, "profileDesc")
    if language and _LANGUAGE.fullmatch(language):
        _sub(_sub(profile, "langUsage"), "language", ident=language)
    if tags:
        text_class = _sub(profile, "textClass")
        for name, values in tags:
            keywords = _sub(text_class, "keywords", scheme=f"#{name}")
            for value in values:
                _sub(keywords, "term", value)


@cache
def _schema() -> etree.RelaxNG:
    from lxml import etree

    source = files("newsarchive").joinpath(SCHEMA).read_bytes()
    return etree.RelaxNG(etree.fromstring(source))


def validate(path: str | Path) -> list[str]:
    """Problems with the TEI file at ``path`` against the shipped schema (empty: valid)."""
    from lxml import etree

    schema = _schema()
    try:
        doc = etree.parse(str(path))
    except etree.XMLSyntaxError as exc:
        return [f"not well-formed XML: {exc}"]
    if schema.validate(doc):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]
