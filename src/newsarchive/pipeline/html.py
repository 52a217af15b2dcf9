"""HTML page → its visible text, its main text (trafilatura) and metadata: the html stage of ingest.

Two texts come out of a page. ``Page.text`` is everything a reader could see, one block per
paragraph (scripts, styles and hidden elements aside): ingest keeps it as ``Article.body``, the
pre-clean text that removals index. ``Page.main`` is the main text trafilatura finds; the blocks
of ``text`` it leaves out become ``html/boilerplate`` removals (:func:`boilerplate`), so that
``show --raw`` shows the menus, footers and comments that went, like any other removal.

Title, URL and authors come from trafilatura's metadata, the page's own metadata filling what it
leaves empty. Publication-date candidates are collected with their origin, in order of trust, and
never parsed here (``dates.py`` does that): ``<meta>`` tags and JSON-LD (``html-meta``, ``json-ld``,
salvaged from malformed blocks too), ``dc:date`` in RDF (``html-rdf``), ``<time>`` elements
(``html-time``), then htmldate without body search (``htmldate``).

>>> page = extract('<html lang="en-GB"><head><title>Flood | The Gazette</title>'
...                '<meta property="article:published_time" content="2016-04-26T08:34:00+01:00">'
...                '</head><body><nav><a href="/">Home</a></nav><p>Rain fell.</p><p>Rivers rose.</p>'
...                '<footer>© The Gazette</footer></body></html>')
>>> page.text
'Home\\n\\nRain fell.\\n\\nRivers rose.\\n\\n© The Gazette'
>>> page.title, page.language, page.dates[0]
('Flood', 'en', ('html-meta:article:published_time', '2016-04-26T08:34:00+01:00'))
"""

from __future__ import annotations

import difflib
import html as html_lib
import json
import logging
import math
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from lxml import etree
from lxml.html import HtmlElement, HTMLParser, document_fromstring

from ..article import Removal

BOILERPLATE_RULE = "html/boilerplate"
"""The rule name of a block of the page's visible text that trafilatura left out."""

# Elements whose text no reader sees.
_JUNK_TAGS = (
    "script", "style", "noscript", "template", "svg", "math", "iframe", "object", "embed",
    "canvas", "video", "audio", "map", "select", "textarea", "head", "title",
)  # fmt: skip
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_BLOCK_TAGS = frozenset(
    {
        "p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul",
        "ol", "dl", "dt", "dd", "blockquote", "pre", "table", "tr", "td", "th", "thead", "tbody",
        "tfoot", "caption", "figure", "figcaption", "address", "hr", "center", "details",
        "summary", "body", "html", "header", "footer", "nav", "aside", "form", "fieldset", "legend",
    }
)  # fmt: skip

# trafilatura's options, chosen on ../shared/data/webpages (docs/html.md has the figures).
_TRAFILATURA_OPTIONS: dict[str, Any] = {
    "include_comments": False,  # readers' comments are not the article
    "include_tables": False,  # 2008-style layout tables otherwise come in whole, menus and all
    "favor_precision": False,
    "favor_recall": False,
    "deduplicate": False,  # its cache spans pages: a second page of a site would lose text
}

# Publication-date metadata, in order of trust after article:published_time and JSON-LD.
_DATE_METAS = (
    "og:published_time", "og:article:published_time", "article_date_original", "date",
    "pubdate", "publishdate", "publish-date", "publish_date", "item-publish-date",
    "dc.date", "dc.date.issued", "dc.date.created", "dcterms.date", "dcterms.issued",
    "dcterms.created", "parsely-pub-date", "sailthru.date", "article.published", "datepublished",
    "displaydate", "original-publish-date",
)  # fmt: skip
_AUTHOR_METAS = ("author", "article:author", "dc.creator", "parsely-author", "sailthru.author")
_ARTICLE_TYPES = frozenset({"BlogPosting", "LiveBlogPosting", "Report", "SocialMediaPosting"})
_PAGE_TYPES = frozenset({"WebPage", "ItemPage", "AboutPage", "CollectionPage"})
_MAX_JSONLD_NODES = 5_000  # bounds the walk over a hostile JSON-LD blob
_MAX_TIME_TAGS = 10
_MAX_RDF_CHARS = 2_000_000  # RDF is searched for in the first 2 MB of the source only
# A malformed JSON-LD block still names its date: salvage the pair rather than lose the block.
_SALVAGE_DATE = re.compile(r'"datePublished"\s*:\s*"([^"\\]{4,60})"')
# WordPress trackback RDF sits in an HTML comment: <rdf:Description ... dc:date="2008-01-10..." />
_RDF_DATE = re.compile(
    r"<rdf:Description\b[^>]{0,2000}?\bdc:date\s*=\s*[\"']([^\"'<>]{4,60})[\"']"
    r"|<dc:date>\s*([^<]{4,60}?)\s*</dc:date>",
    re.IGNORECASE,
)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_NOT_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_AUTHOR_SPLIT = re.compile(r"\s*(?:,|/|;|\band\b)\s*", re.IGNORECASE)
_BY = re.compile(r"^by\s+", re.IGNORECASE)
_URL = re.compile(r"\S+://\S*")  # article:author is often a profile URL, not a name


@dataclass(frozen=True, slots=True)
class Page:
    """What :func:`extract` finds in a page.

    ``text`` is the visible text (blocks separated by a blank line, ``<br>`` lines by one newline),
    ``main`` trafilatura's main text (one paragraph a line; empty when it found none), ``dates``
    ``(origin, value)`` pairs, best first, each origin ``SOURCE:DETAIL`` where ``SOURCE`` is the
    ``date_source`` a date read from it records.
    """

    text: str
    main: str = ""
    title: str | None = None
    url: str | None = None
    authors: list[str] = field(default_factory=list)
    language: str | None = None
    dates: list[tuple[str, str]] = field(default_factory=list)
    rows: list[tuple[float, ...]] = field(default_factory=list, compare=False, repr=False)


def extract(html: str) -> Page:
    """The visible text, main text and metadata of ``html`` (never raises on bad markup)."""
    # lxml refuses control characters, and an encoding declaration in a str.
    html = _NOT_XML_CHARS.sub("", _XML_DECLARATION.sub("", html, count=1))
    root = _parse(html)
    if root is None:
        text = _text_without_tree(html)
        return Page(text=text, main=text)
    metas = _metas(root)
    nodes = _JsonLd(root)
    language = _language(root, metas)
    dates = _dates(root, metas, nodes, html)
    found = _trafilatura(html)
    title = _first(found.get("title"), _title(root, metas, nodes.articles))
    url = _first(*_urls(root, metas, nodes.articles), found.get("url"))
    authors = _authors(metas, nodes.articles) or split_authors(found.get("author") or "")
    # htmldate reads the tree, so it runs before the text walk below takes elements out of it.
    when = _htmldate(root)
    if when:
        dates.append(("htmldate", when))
    for el in list(_junk(root)):
        if el is not root and el.getparent() is not None:
            el.drop_tree()  # keeps el.tail, the text that follows the element
    text, rows = _blocks_text(root)
    main = found.get("text") or ""
    return Page(text, main, title, url, authors, language, dates, rows)


def boilerplate(body: str, main: str) -> list[Removal]:
    """The lines of ``body`` (a page's visible text) that are not in ``main`` (its main text).

    The word tokens of both are aligned in order (longest common runs first, as ``difflib``
    does); a line of ``body`` is kept when at least half of its tokens are aligned, a line of
    fewer than four tokens (a heading, ``Home``) only when all are, so that a menu word that also
    occurs in the story is not taken for it. ``main`` empty means the extractor found no main
    text: nothing is removed.

    >>> [r.text for r in boilerplate("Home\\nNews\\n\\nRain fell.\\n\\n© 2016", "Rain fell.")]
    ['Home', 'News', '© 2016']
    """
    shares = kept_shares(body, main)
    return [
        Removal(line.group(), BOILERPLATE_RULE, line.start(), line.end())
        for line, (share, n) in zip(_LINE.finditer(body), shares, strict=True)
        if share >= 0 and (share < 1 if n < _SHORT else share < _SHARE)
    ]


def kept_shares(body: str, main: str) -> list[tuple[float, int]]:
    """For each line of ``body``: the share of its word tokens aligned to ``main`` (``-1`` for
    every line when ``main`` has no words; ``0`` for a line without words), and its token count.

    >>> kept_shares("Home\\n\\nRain fell today.", "Rain fell")
    [(0.0, 1), (0.6666666666666666, 3)]
    """
    lines = list(_LINE.finditer(body))
    wanted = _WORD.findall(main.lower())
    words = [_WORD.findall(line.group().lower()) for line in lines]
    if not wanted:
        return [(-1.0, len(w)) for w in words]
    tokens = [w for line_words in words for w in line_words]
    aligned = bytearray(len(tokens))
    matcher = difflib.SequenceMatcher(None, tokens, wanted, autojunk=False)
    for block in matcher.get_matching_blocks():
        aligned[block.a : block.a + block.size] = b"\x01" * block.size
    shares: list[tuple[float, int]] = []
    at = 0
    for line_words in words:
        n = len(line_words)
        shares.append((aligned[at : at + n].count(1) / n if n else 0.0, n))
        at += n
    return shares


_WORD = re.compile(r"\w+")
_LINE = re.compile(r"\S(?:[^\n]*\S)?")
_SHORT = 4  # tokens: a line shorter than this is kept only if all of it is aligned
_SHARE = 0.5  # of a longer line's tokens must be aligned for it to be kept


def split_authors(value: str) -> list[str]:
    """Names in a byline-like string, split on ``,`` ``/`` ``;`` and ``and``; ``By`` dropped.

    >>> split_authors("By Jane Doe and John Smith, Staff")
    ['Jane Doe', 'John Smith', 'Staff']
    """
    names = (_BY.sub("", part.strip()) for part in _AUTHOR_SPLIT.split(_URL.sub("", value)))
    return [n for n in names if n and len(n) <= 100]


# --- parsing ----------------------------------------------------------------------------------


@cache
def _parser() -> HTMLParser:
    return HTMLParser(remove_comments=True, remove_pis=True, no_network=True, collect_ids=False)


def _parse(html: str) -> HtmlElement | None:
    """The document tree, or ``None`` if libxml2 gave up (empty input, nesting deeper than 256)."""
    if not html.strip():
        return None
    parser = _parser()
    try:
        root = document_fromstring(html, parser=parser)
    except (etree.ParserError, ValueError):
        return None
    # libxml2 stops at depth 256 and silently drops the rest of the page: refuse the tree.
    if any("depth" in e.message for e in parser.error_log if e.level_name == "FATAL"):
        return None
    return root


_STRIP_SCRIPTS = re.compile(r"<(script|style|noscript)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_BLOCK_TAG_RE = re.compile(
    r"</?(?:p|div|section|article|h[1-6]|li|tr|td|blockquote|table|br\s*/?)\b[^>]*>", re.IGNORECASE
)
_ANY_TAG = re.compile(r"<[^>]*>")


def _text_without_tree(html: str) -> str:
    """Tag-stripped text for pages libxml2 cannot build a tree of: crude, but nothing is lost."""
    text = _STRIP_SCRIPTS.sub(" ", html)
    text = _ANY_TAG.sub("", _BLOCK_TAG_RE.sub("\n\n", text))
    paragraphs = (" ".join(html_lib.unescape(p).split()) for p in text.split("\n\n"))
    return "\n\n".join(p for p in paragraphs if p)


# --- text -------------------------------------------------------------------------------------


def _trafilatura(html: str) -> dict[str, Any]:
    """trafilatura's main text and metadata of ``html`` (empty when it finds nothing)."""
    from trafilatura import bare_extraction  # slow import: only when a page needs it

    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)  # it logs each discarded page
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # dateutil warns on zone names ("EST") it cannot place
            found = bare_extraction(
                html,
                with_metadata=True,
                # Its own date is not used (it reads the URL too): the cascade asks htmldate.
                date_extraction_params={"extensive_search": False, "original_date": True},
                **_TRAFILATURA_OPTIONS,
            )
    except (ValueError, TypeError, AttributeError, RecursionError):  # its parser on hostile input
        return {}
    return {} if found is None else dict(found.as_dict())  # type: ignore[union-attr]


def _htmldate(root: HtmlElement) -> str | None:
    """htmldate's publication day of the page, from its markup only (no body text, no URL)."""
    from htmldate import find_date

    logging.getLogger("htmldate").setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # url="" keeps htmldate off the URL (and the canonical link): the URL is a later source.
            return find_date(root, extensive_search=False, original_date=True, url="")
    except (ValueError, TypeError, OverflowError, RecursionError):
        return None


def _junk(root: HtmlElement) -> Iterator[HtmlElement]:
    yield from root.iter(*_JUNK_TAGS)
    for el in root.iter():
        if el.get("hidden") is not None or _HIDDEN_STYLE.search(el.get("style", "")):
            yield el


def _blocks_text(root: HtmlElement) -> tuple[str, list[tuple[float, ...]]]:
    """Paragraphs of ``root``'s text, and the markup around each of their lines (a row of
    :data:`DOM_FEATURES` per line, in order): iterative (no Python recursion on deep trees)."""
    paragraphs: list[str] = []
    rows: list[tuple[float, ...]] = []
    lines: list[list[str]] = [[]]
    linked = [0]  # characters of each line inside a link
    where: list[tuple[int, int] | None] = [None]  # (marks, depth) where each line's text began
    marks = [0]  # the DOM_MARKS bits of each open element and its ancestors
    blocks: list[str] = []  # the open block elements' tags
    links = 0  # open <a> elements

    def add(text: str) -> None:
        lines[-1].append(text)
        if where[-1] is None and text.strip():
            where[-1] = (marks[-1], len(marks))
        if links:
            linked[-1] += len(text.strip())

    def new_line() -> None:
        lines.append([])
        linked.append(0)
        where.append(None)

    def flush() -> None:
        collapsed = [" ".join("".join(parts).split()) for parts in lines]
        text = "\n".join(line for line in collapsed if line)
        if text:
            paragraphs.append(text)
            tag = blocks[-1] if blocks else ""
            words = len(text.split())
            for line, link_chars, at in zip(collapsed, linked, where, strict=True):
                if line:
                    bits, depth = at or (marks[-1], len(marks))
                    rows.append(_dom_row(bits, depth, tag, link_chars / len(line), words))
        lines[:] = [[]]
        linked[:] = [0]
        where[:] = [None]

    for event, el in etree.iterwalk(root, events=("start", "end")):
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            marks.append(marks[-1] | _marks(el, tag))
            if tag in _BLOCK_TAGS:
                flush()
                blocks.append(tag)
            elif tag == "br":
                if "".join(lines[-1]).strip():
                    new_line()
                else:  # a second <br> in a row ends the paragraph
                    flush()
            elif tag == "a":
                links += 1
            if el.text and tag != "br":
                add(el.text)
        else:
            if tag in _BLOCK_TAGS:
                flush()
                blocks.pop()
            elif tag == "a":
                links -= 1
            marks.pop()
            if el.tail and el is not root:
                add(el.tail)
    flush()
    return "\n\n".join(paragraphs), rows


# --- the markup around a line, for the HTML model (html_model.py) -----------------------------

# What an element's class and id say it holds; an element carries its ancestors' marks too.
_MARK_PATTERNS = (
    ("comment", r"comment|reply|respond|discuss|disqus|replies"),
    ("footer", r"foot|copyright|legal|bottom"),
    ("nav", r"nav|menu|breadcrumb|masthead|topbar|header|skip"),
    ("side", r"side|widget|related|promo|banner|sponsor|recommend|popular|trending|most|outbrain|taboola|\bads?\b|advert"),
    ("share", r"share|social|sharing|tool|print|tags?\b|byline|author|meta|date|time|caption"),
    ("content", r"article|content|story|body|post|entry|main|text|blog"),
)  # fmt: skip
_MARK_RE = tuple(re.compile(pattern) for _, pattern in _MARK_PATTERNS)
# Elements whose meaning HTML gives outright, as more marks after those of class and id.
_TAG_MARKS = (
    "nav",
    "footer",
    "aside",
    "header",
    "form",
    ("article", "main"),
    ("ul", "ol", "dl"),
    ("table",),
)
DOM_FEATURES = (
    *(f"in_{name}" for name, _ in _MARK_PATTERNS),
    "in_nav_tag", "in_footer_tag", "in_aside_tag", "in_header_tag", "in_form_tag",
    "in_article_tag", "in_list", "in_table",
    "depth", "link_share", "block_p", "block_li", "block_heading", "block_cell", "log_block_words",
)  # fmt: skip
"""The columns of a row of :attr:`Page.rows`."""
_TAG_BIT = {
    tag: 1 << (len(_MARK_PATTERNS) + i)
    for i, tags in enumerate(_TAG_MARKS)
    for tag in ((tags,) if isinstance(tags, str) else tags)
}
_N_MARKS = len(_MARK_PATTERNS) + len(_TAG_MARKS)


def _marks(el: HtmlElement, tag: str) -> int:
    bits = _TAG_BIT.get(tag, 0)
    names = f"{el.get('class') or ''} {el.get('id') or ''}".strip().lower()
    if names:
        for i, pattern in enumerate(_MARK_RE):
            if pattern.search(names):
                bits |= 1 << i
    return bits


def _dom_row(bits: int, depth: int, tag: str, link_share: float, words: int) -> tuple[float, ...]:
    return (
        *(float((bits >> i) & 1) for i in range(_N_MARKS)),
        float(min(depth, 40)),
        min(link_share, 1.0),
        float(tag == "p"),
        float(tag in ("li", "dt", "dd")),
        float(tag in ("h1", "h2", "h3", "h4", "h5", "h6")),
        float(tag in ("td", "th")),
        math.log1p(words),
    )


# --- metadata ---------------------------------------------------------------------------------


def _metas(root: HtmlElement) -> dict[str, str]:
    """``<meta>`` contents by lower-cased name/property/itemprop; the first of each wins."""
    found: dict[str, str] = {}
    for el in root.iter("meta"):
        content = (el.get("content") or "").strip()
        if not content:
            continue
        for attr in ("property", "name", "itemprop", "http-equiv"):
            key = (el.get(attr) or "").strip()
            if key:
                found.setdefault(key if attr == "itemprop" else key.lower(), content)
    return found


class _JsonLd:
    """The page's JSON-LD: article-like nodes, page nodes, and dates salvaged from bad blocks."""

    def __init__(self, root: HtmlElement) -> None:
        self.articles: list[dict[str, Any]] = []
        self.pages: list[dict[str, Any]] = []
        self.salvaged: list[str] = []
        for script in root.iter("script"):
            if "ld+json" not in (script.get("type") or "").lower() or not script.text:
                continue
            data = _loads(script.text)
            if data is None:
                self.salvaged += _SALVAGE_DATE.findall(script.text)
            else:
                self._walk(data)

    def _walk(self, data: Any) -> None:
        stack: list[Any] = [data]
        seen = 0
        while stack and seen < _MAX_JSONLD_NODES:
            node = stack.pop()
            seen += 1
            if isinstance(node, list):
                stack.extend(reversed(node))
            elif isinstance(node, dict):
                kind = _kind_of(node.get("@type"))
                if kind == "article":
                    self.articles.append(node)
                elif kind == "page":
                    self.pages.append(node)
                stack.extend(reversed([v for v in node.values() if isinstance(v, dict | list)]))


def _loads(text: str) -> Any:
    text = text.strip().removeprefix("<!--").removesuffix("-->")
    text = text.strip().removeprefix("//").removeprefix("<![CDATA[").strip()
    text = text.removesuffix("]]>").removesuffix("//").strip().rstrip(";")
    try:
        return json.loads(text, strict=False)
    except (ValueError, RecursionError):
        return None


def _kind_of(kind: Any) -> str | None:
    kinds = kind if isinstance(kind, list) else [kind]
    names = [re.split(r"[/:#]", k)[-1] for k in kinds if isinstance(k, str)]
    if any(n.endswith("Article") or n in _ARTICLE_TYPES for n in names):
        return "article"
    if any(n in _PAGE_TYPES for n in names):
        return "page"
    return None


def _first(*values: Any) -> str | None:
    """The first non-blank string among ``values`` (JSON-LD lists searched too), space-collapsed."""
    for v in values:
        if isinstance(v, list):
            v = _first(*v[:10])
        if isinstance(v, str) and v.strip():
            return " ".join(v.split())
    return None


def _title(root: HtmlElement, metas: dict[str, str], articles: list[dict[str, Any]]) -> str | None:
    h1 = next(root.iter("h1"), None)
    title = root.find(".//title")
    return _first(
        metas.get("og:title"),
        metas.get("twitter:title"),
        *(a.get("headline") for a in articles),
        h1.text_content() if h1 is not None else None,
        title.text_content() if title is not None else None,
    )


def _urls(root: HtmlElement, metas: dict[str, str], articles: list[dict[str, Any]]) -> list[str]:
    canonical = [link.get("href") for link in root.iter("link") if link.get("rel") == "canonical"]
    candidates = (*canonical, metas.get("og:url"), *(a.get("url") for a in articles))
    return [c for c in candidates if isinstance(c, str) and c.startswith(("http:", "https:"))]


def _authors(metas: dict[str, str], articles: list[dict[str, Any]]) -> list[str]:
    names: list[str] = []
    for key in _AUTHOR_METAS:
        if key in metas:
            names.extend(split_authors(metas[key]))
    for article in articles:
        names.extend(_jsonld_names(article.get("author")))
    unique: dict[str, str] = {}
    for name in names:
        unique.setdefault(name.casefold(), name)
    return list(unique.values())


def _jsonld_names(author: Any) -> list[str]:
    items = author if isinstance(author, list) else [author]
    names: list[str] = []
    for item in items:
        name = item.get("name") if isinstance(item, dict) else item
        if isinstance(name, str):
            names.extend(split_authors(name))
    return names


def _language(root: HtmlElement, metas: dict[str, str]) -> str | None:
    value = root.get("lang") or root.get("xml:lang") or metas.get("content-language") or ""
    value = value or metas.get("og:locale", "")
    primary = re.split(r"[-_]", value.strip().lower(), maxsplit=1)[0]
    return primary if 2 <= len(primary) <= 3 and primary.isalpha() else None


def _dates(
    root: HtmlElement, metas: dict[str, str], nodes: _JsonLd, html: str
) -> list[tuple[str, str]]:
    # JSON-LD's article node first, as Readability and trafilatura trust it: where it and
    # article:published_time disagree, the meta tag tends to hold a later (re)publication.
    found: list[tuple[str, str]] = [
        ("json-ld:datePublished", v)
        for a in nodes.articles
        if (v := _first(a.get("datePublished")))
    ]
    if "article:published_time" in metas:
        found.append(("html-meta:article:published_time", metas["article:published_time"]))
    found += [(f"html-meta:{key}", metas[key]) for key in _DATE_METAS if key in metas]
    found += [  # other sites' own namespaces, e.g. wetpaintwww:published_time
        (f"html-meta:{key}", value)
        for key, value in metas.items()
        if key.endswith(":published_time") and key not in (*_DATE_METAS, "article:published_time")
    ]
    found += [
        ("json-ld:WebPage.datePublished", v)
        for p in nodes.pages
        if (v := _first(p.get("datePublished")))
    ]
    found += [("json-ld:salvaged", v) for v in nodes.salvaged]
    found += [("html-rdf:dc:date", a or b) for a, b in _RDF_DATE.findall(html[:_MAX_RDF_CHARS])]
    found += [("html-time:itemprop", v) for v in _itemprop_dates(root)]
    times = (t.get("datetime") for t in root.iter("time"))
    found += [("html-time:datetime", t) for t in times if t][:_MAX_TIME_TAGS]
    unique = dict.fromkeys((origin, " ".join(value.split())) for origin, value in found)
    return [pair for pair in unique if pair[1]]


def _itemprop_dates(root: HtmlElement) -> Iterator[str]:
    for el in root.xpath('//*[@itemprop="datePublished"]'):
        value = el.get("content") or el.get("datetime") or el.text_content()
        if value and value.strip():
            yield value.strip()
