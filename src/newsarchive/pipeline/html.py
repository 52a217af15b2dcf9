"""HTML page → its visible article text and metadata (lxml), the html stage of ingest.

Scripts, navigation, footers, share bars and the like are dropped; the article container
(``[itemprop=articleBody]``, ``<article>``, ``<main>``) is preferred when it holds a fair share of
the page's text. Block elements become paragraphs separated by a blank line. Publication-date
candidates are collected, in order of trust, but never parsed here (``dates.py`` does that).

>>> page = extract('<html lang="en-GB"><head><title>Flood | The Gazette</title>'
...                '<meta property="article:published_time" content="2016-04-26T08:34:00+01:00">'
...                '</head><body><nav><a href="/">Home</a></nav><p>Rain fell.</p><p>Rivers rose.</p>'
...                '<footer>© The Gazette</footer></body></html>')
>>> page.text
'Rain fell.\\n\\nRivers rose.'
>>> page.title, page.language, page.dates
('Flood | The Gazette', 'en', [('meta:article:published_time', '2016-04-26T08:34:00+01:00')])
"""

from __future__ import annotations

import html as html_lib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from lxml import etree
from lxml.html import HtmlElement, HTMLParser, document_fromstring

# Elements that never hold article text, wherever they are.
_JUNK_TAGS = (
    "script", "style", "noscript", "template", "svg", "math", "iframe", "object", "embed",
    "canvas", "video", "audio", "map", "button", "select", "textarea", "input", "head", "title",
)  # fmt: skip
# Page furniture: dropped unless it encloses the article container.
_FURNITURE_TAGS = ("nav", "header", "footer", "aside", "form", "dialog", "menu")
_FURNITURE_NAMES = re.compile(
    r"(?:^|[\s_-])(?:nav|navbar|navigation|menu|footer|share|sharing|social|cookies?|newsletter"
    r"|related|advert\w*|ads?|breadcrumbs?|sidebar|promo|subscribe|signup|popup"
    r"|modal|outbrain|taboola|sr-only|visually-hidden|screen-reader-text)(?:$|[\s_-])",
    re.IGNORECASE,
)
# Readers' comments are prose too, so they are dropped on their name alone.
_COMMENT_NAMES = re.compile(r"(?:^|[\s_-])comments?(?:$|[\s_-])", re.IGNORECASE)
# An element named like furniture that still holds this much paragraph text, with few links,
# is kept: "float-sidebar-container" or "box article modal-enabled" wrap whole stories.
_PROSE_CHARS = 400
_MAX_LINK_SHARE = 0.3
_LINK_LIST_SHARE = 0.8  # a <ul>/<ol> this much links is a menu or a list of headlines
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_BLOCK_TAGS = frozenset(
    {
        "p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul",
        "ol", "dl", "dt", "dd", "blockquote", "pre", "table", "tr", "td", "th", "thead", "tbody",
        "tfoot", "caption", "figure", "figcaption", "address", "hr", "center", "details",
        "summary", "body", "html", "header", "footer", "nav", "aside", "form", "fieldset", "legend",
    }
)  # fmt: skip
# The article container must hold this share of the page's text to be trusted alone.
_CONTAINER_MIN_SHARE = 0.25

# Publication-date metadata, in order of trust after article:published_time and JSON-LD.
_DATE_METAS = (
    "og:published_time", "og:article:published_time", "article_date_original", "date",
    "pubdate", "publishdate", "publish-date", "publish_date", "item-publish-date",
    "dc.date", "dc.date.issued", "dcterms.date", "dcterms.issued", "dcterms.created",
    "parsely-pub-date", "sailthru.date", "article.published", "datepublished", "displaydate",
    "original-publish-date",
)  # fmt: skip
_AUTHOR_METAS = ("author", "article:author", "dc.creator", "parsely-author", "sailthru.author")
_ARTICLE_TYPES = frozenset({"BlogPosting", "LiveBlogPosting", "Report", "SocialMediaPosting"})
_MAX_JSONLD_NODES = 5_000  # bounds the walk over a hostile JSON-LD blob
_MAX_TIME_TAGS = 10
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_NOT_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_AUTHOR_SPLIT = re.compile(r"\s*(?:,|/|;|\band\b)\s*", re.IGNORECASE)
_BY = re.compile(r"^by\s+", re.IGNORECASE)
_URL = re.compile(r"\S+://\S*")  # article:author is often a profile URL, not a name


@dataclass(frozen=True, slots=True)
class Page:
    """What :func:`extract` finds in a page; ``dates`` are ``(origin, value)`` pairs, best first."""

    text: str
    title: str | None = None
    url: str | None = None
    authors: list[str] = field(default_factory=list)
    language: str | None = None
    dates: list[tuple[str, str]] = field(default_factory=list)


def extract(html: str) -> Page:
    """The visible article text and metadata of ``html`` (never raises on bad markup)."""
    # lxml refuses control characters, and an encoding declaration in a str.
    html = _NOT_XML_CHARS.sub("", _XML_DECLARATION.sub("", html, count=1))
    root = _parse(html)
    if root is None:
        return Page(text=_text_without_tree(html))
    metas = _metas(root)
    articles = list(_jsonld_articles(root))
    title, url = _title(root, metas, articles), _url(root, metas, articles)
    authors, language = _authors(metas, articles), _language(root, metas)
    dates = _dates(root, metas, articles)
    text = _article_text(root)
    if not text:  # the furniture rules ate everything (a page wrapped in <form>): take it all
        root = _parse(html)
        if root is not None:
            _drop_all(root, _junk(root))
            text = _blocks_text(root)
    return Page(text, title, url, authors, language, dates)


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


def _article_text(root: HtmlElement) -> str:
    _drop_all(root, _junk(root))
    container = _container(root)
    keep = {container, *container.iterancestors()} if container is not None else set()
    _drop_all(root, (el for el in _furniture(root) if el not in keep))
    page_text = _blocks_text(root)
    if container is not None:
        text = _blocks_text(container)
        if len(text) >= _CONTAINER_MIN_SHARE * len(page_text):
            return text
    return page_text


def _junk(root: HtmlElement) -> Iterator[HtmlElement]:
    yield from root.iter(*_JUNK_TAGS)
    for el in root.iter():
        if el.get("hidden") is not None or _HIDDEN_STYLE.search(el.get("style", "")):
            yield el


def _container(root: HtmlElement) -> HtmlElement | None:
    """The article container: an articleBody, else the longest <article>, else <main>.

    Chosen before the furniture goes, so that it (and only it) is protected from the furniture
    rules: teaser <article>s inside a related-stories <aside> still go.
    """
    for path in ('//*[@itemprop="articleBody"]', "//article", '//main | //*[@role="main"]'):
        found: list[HtmlElement] = root.xpath(path)
        if found:
            return max(found, key=lambda el: len(el.text_content()))
    return None


def _furniture(root: HtmlElement) -> Iterator[HtmlElement]:
    for el in root.iter():
        if el.tag in _FURNITURE_TAGS or (
            el.tag not in ("html", "body", "article", "main")
            and _named_or_shaped_like_furniture(el)
        ):
            yield el


def _named_or_shaped_like_furniture(el: HtmlElement) -> bool:
    names = f"{el.get('class', '')} {el.get('id', '')}"
    if _COMMENT_NAMES.search(names):
        return True
    if _FURNITURE_NAMES.search(names):
        return not _holds_prose(el)
    return el.tag in ("ul", "ol") and _is_link_list(el)


def _is_link_list(el: HtmlElement) -> bool:
    """Menus and lists of headlines: nearly all of their text is links."""
    text = len("".join(el.itertext()).strip())
    links = sum(len("".join(a.itertext()).strip()) for a in el.iter("a"))
    return text > 0 and links >= _LINK_LIST_SHARE * text


def _holds_prose(el: HtmlElement) -> bool:
    prose = sum(len(p.text_content()) for p in el.iter("p"))
    if prose < _PROSE_CHARS:
        return False
    links = sum(len(a.text_content()) for a in el.iter("a"))
    return links <= _MAX_LINK_SHARE * len(el.text_content())


def _drop_all(root: HtmlElement, elements: Iterable[HtmlElement]) -> None:
    for el in list(elements):  # materialise first: dropping while iterating skips elements
        if el is not root and el.getparent() is not None:
            el.drop_tree()  # keeps el.tail, the text that follows the element


def _blocks_text(root: HtmlElement) -> str:
    """Paragraphs of ``root``'s text: iterative (no Python recursion on deep trees)."""
    paragraphs: list[str] = []
    lines: list[list[str]] = [[]]

    def flush() -> None:
        collapsed = (" ".join("".join(parts).split()) for parts in lines)
        text = "\n".join(line for line in collapsed if line)
        if text:
            paragraphs.append(text)
        lines[:] = [[]]

    for event, el in etree.iterwalk(root, events=("start", "end")):
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            if tag in _BLOCK_TAGS:
                flush()
            elif tag == "br":
                if "".join(lines[-1]).strip():
                    lines.append([])
                else:  # a second <br> in a row ends the paragraph
                    flush()
            if el.text and tag != "br":
                lines[-1].append(el.text)
        else:
            if tag in _BLOCK_TAGS:
                flush()
            if el.tail and el is not root:
                lines[-1].append(el.tail)
    flush()
    return "\n\n".join(paragraphs)


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


def _jsonld_articles(root: HtmlElement) -> Iterator[dict[str, Any]]:
    """Article-like objects in the page's JSON-LD (lists and ``@graph`` included; bad JSON skipped)."""
    for script in root.iter("script"):
        if "ld+json" not in (script.get("type") or "").lower() or not script.text:
            continue
        data = _loads(script.text)
        stack: list[Any] = [data]
        seen = 0
        while stack and seen < _MAX_JSONLD_NODES:
            node = stack.pop()
            seen += 1
            if isinstance(node, list):
                stack.extend(reversed(node))
            elif isinstance(node, dict):
                if _is_article(node.get("@type")):
                    yield node
                stack.extend(reversed([v for v in node.values() if isinstance(v, dict | list)]))


def _loads(text: str) -> Any:
    text = text.strip().removeprefix("<!--").removesuffix("-->")
    text = text.replace("//<![CDATA[", "").replace("//]]>", "").strip().rstrip(";")
    try:
        return json.loads(text, strict=False)
    except ValueError:
        return None


def _is_article(kind: Any) -> bool:
    kinds = kind if isinstance(kind, list) else [kind]
    for k in kinds:
        if isinstance(k, str):
            name = re.split(r"[/:#]", k)[-1]
            if name.endswith("Article") or name in _ARTICLE_TYPES:
                return True
    return False


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


def _url(root: HtmlElement, metas: dict[str, str], articles: list[dict[str, Any]]) -> str | None:
    canonical = [link.get("href") for link in root.iter("link") if link.get("rel") == "canonical"]
    candidates = (*canonical, metas.get("og:url"), *(a.get("url") for a in articles))
    return _first(
        *(c for c in candidates if isinstance(c, str) and c.startswith(("http:", "https:")))
    )


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
    root: HtmlElement, metas: dict[str, str], articles: list[dict[str, Any]]
) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if "article:published_time" in metas:
        found.append(("meta:article:published_time", metas["article:published_time"]))
    found += [
        ("jsonld:datePublished", v) for a in articles if (v := _first(a.get("datePublished")))
    ]
    found += [(f"meta:{key}", metas[key]) for key in _DATE_METAS if key in metas]
    found += [  # other sites' own namespaces, e.g. wetpaintwww:published_time
        (f"meta:{key}", value)
        for key, value in metas.items()
        if key.endswith(":published_time") and key not in (*_DATE_METAS, "article:published_time")
    ]
    found += [("itemprop:datePublished", v) for v in _itemprop_dates(root)]
    times = (t.get("datetime") for t in root.iter("time"))
    found += [("time:datetime", t) for t in times if t][:_MAX_TIME_TAGS]
    unique = dict.fromkeys((origin, " ".join(value.split())) for origin, value in found)
    return [pair for pair in unique if pair[1]]


def _itemprop_dates(root: HtmlElement) -> Iterator[str]:
    for el in root.xpath('//*[@itemprop="datePublished"]'):
        value = el.get("content") or el.get("datetime") or el.text_content()
        if value and value.strip():
            yield value.strip()
