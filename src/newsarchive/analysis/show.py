"""One article as a researcher reads it: metadata, the date and its evidence, tags and theirs, text.

``--raw`` shows the text as it was before cleaning, every removed span marked in place with the
rule that removed it: ``[-Video Loading-]{player/video-loading}``. Removal offsets index the
pre-clean text (``Article.body``), which is not stored; it is rebuilt with the ingest's own
functions (``normalise`` of the decoded text, or of an HTML page's visible text) and checked
against every removal. If the check fails (an older ingest), spans are found by their text, in order.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..article import PAGE_FORMATS
from ..errors import NewsarchiveError
from ..index.fields import tag_columns
from ..output import on_screen
from ..settings import Settings, from_run_record
from ..storage import CorpusPath, corpus_path
from .common import rows_in_order, snapshot

if TYPE_CHECKING:
    import pyarrow.dataset as pads

Mark = Callable[[str, str], str]  # (removed text, rule) -> how it is shown
TAG_FIELDS = tag_columns()  # the lists of tags, as the field table has them
MAX_LISTED_IDS = 5


class ArticleNotFound(NewsarchiveError):
    """No article has this id, or an id prefix matches several."""


def bracket_mark(text: str, rule: str) -> str:
    """The plain-text marking of a removed span: ``[-text-]{rule}``."""
    return f"[-{text}-]{{{rule}}}"


def find_doc_id(dataset: pads.Dataset, id_or_prefix: str) -> str:
    """The one ``doc_id`` equal to, or else starting with, ``id_or_prefix``."""
    import pyarrow.compute as pc

    wanted = id_or_prefix.strip().lower()
    if not wanted:
        raise ArticleNotFound("give an article id (or the first characters of one)")
    found = dataset.to_table(
        columns=["doc_id"], filter=pc.starts_with(pc.field("doc_id"), wanted)
    ).column("doc_id")
    ids = sorted(str(i) for i in found.to_pylist())
    if wanted in ids or len(ids) == 1:
        return wanted if wanted in ids else ids[0]
    if not ids:
        raise ArticleNotFound(f"no article with id {id_or_prefix!r} in this corpus")
    shown = ", ".join(ids[:MAX_LISTED_IDS]) + (", …" if len(ids) > MAX_LISTED_IDS else "")
    raise ArticleNotFound(
        f"id prefix {id_or_prefix!r} matches {len(ids)} articles ({shown}); give more characters"
    )


def load_article(corpus: str | CorpusPath, id_or_prefix: str) -> dict[str, Any]:
    """Every stored column of one article, by id or unique id prefix."""
    dataset = snapshot(corpus)
    doc_id = find_doc_id(dataset, id_or_prefix)
    return next(rows_in_order(dataset, [doc_id], dataset.schema.names))  # one row group read


# --- the pre-clean text -----------------------------------------------------------------------------


def pre_clean_text(row: dict[str, Any], settings: Settings | None = None) -> str:
    """The text the cleaner worked on, rebuilt from ``raw_text`` as ingest built it, with the
    settings of that ingest (:func:`ingest_settings`; the shipped ones if not given).

    If the offsets still do not agree (an older ingest), :func:`marked_text` finds the spans by
    their text instead.
    """
    from ..pipeline.decode import normalise

    text = row["raw_text"]
    if row.get("format") in PAGE_FORMATS:
        from ..pipeline.html import extract

        text = extract(text).text
    return normalise(text, max_line_chars=(settings or Settings()).max_line_chars)


def ingest_settings(corpus: str | CorpusPath, run_id: str | None) -> Settings:
    """The settings run ``run_id`` ingested with, from its record ``_runs/RUN.json``; the
    shipped settings when the record is gone or unreadable."""
    import json

    from ..store import RUNS_DIR

    record = corpus_path(corpus) / RUNS_DIR / f"{run_id}.json"
    if not run_id or not record.is_file():
        return Settings()
    try:
        return from_run_record(json.loads(record.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):  # a damaged record: `verify` reports it
        return Settings()


def marked_text(
    body: str,
    removed: Sequence[dict[str, Any]],
    mark: Mark = bracket_mark,
    show: Callable[[str], str] = str,
) -> str:
    """``body`` with each removed span replaced by ``mark(text, rule)``, the rest by ``show(text)``.

    Spans are placed by their offsets when ``body`` agrees with every one of them; otherwise each
    is looked for by its text after the previous one. Spans not found are listed at the end.
    """
    spans = sorted(removed, key=lambda r: (r["start"], r["end"]))
    placed: list[tuple[dict[str, Any], int | None]]
    if _offsets_agree(body, spans):
        placed = [(s, s["start"]) for s in spans]
    else:
        placed = list(_by_search(body, spans))
    out: list[str] = []
    lost: list[dict[str, Any]] = []
    pos = 0
    for span, at in placed:
        if at is None:
            lost.append(span)
            continue
        out += [show(body[pos:at]), mark(span["text"], rule_with_score(span))]
        pos = at + len(span["text"])
    out.append(show(body[pos:]))
    text = "".join(out)
    if lost:
        text += "\n\nRemoved spans not found in the text:\n" + "\n".join(
            "  " + mark(s["text"], rule_with_score(s)) for s in lost
        )
    return text


def rule_with_score(span: dict[str, Any]) -> str:
    """The rule of a removed span, with the structural cleaner's score when it has one:
    ``structure/menu 0.97``."""
    score = span.get("score")
    return span["rule"] if score is None else f"{span['rule']} {score:.2f}"


def _offsets_agree(body: str, spans: Sequence[dict[str, Any]]) -> bool:
    pos = 0
    for s in spans:
        if s["start"] < pos or body[s["start"] : s["end"]] != s["text"]:
            return False
        pos = s["end"]
    return True


def _by_search(
    body: str, spans: Sequence[dict[str, Any]]
) -> Iterator[tuple[dict[str, Any], int | None]]:
    pos = 0
    for s in spans:
        at = body.find(s["text"], pos) if s["text"] else -1
        if at < 0:
            yield s, None
        else:
            yield s, at
            pos = at + len(s["text"])


# --- rendering --------------------------------------------------------------------------------------


def show_article(
    corpus: str | CorpusPath, id_or_prefix: str, *, raw: bool = False, mark: Mark = bracket_mark
) -> str:
    """``newsarchive show``: one article (by id or unique id prefix) as :func:`render_article`
    shows it, its raw text rebuilt with the settings it was ingested with."""
    row = load_article(corpus, id_or_prefix)
    settings = ingest_settings(corpus, row.get("ingest_run")) if raw else None
    return render_article(row, raw=raw, mark=mark, settings=settings)


def render_article(
    row: dict[str, Any],
    *,
    raw: bool = False,
    mark: Mark = bracket_mark,
    settings: Settings | None = None,
) -> str:
    """The article view ``newsarchive show`` prints; ``settings``: those of the article's ingest
    (the shipped ones if not given), for rebuilding the raw text."""
    # Stored text comes from scrapers: its control characters are shown (\x1b), never obeyed.
    shown = _on_screen(row)
    title = on_screen(row.get("title") or "(untitled)", one_line=True)
    parts = [title, "=" * min(len(title), 100), _metadata(shown), "", "Date", _date(shown)]
    parts += ["", "Tags", render_evidence(shown, indent="  ")]
    parts += ["", _removals(shown), ""]
    if raw:
        parts += [
            "Raw text (removed spans marked " + mark("…", "rule") + ")",
            "-" * 40,
            marked_text(
                pre_clean_text(row, settings),
                row.get("removed") or [],
                lambda text, rule: mark(on_screen(text), on_screen(rule, one_line=True)),
                show=on_screen,
            ),
        ]
    else:
        parts += ["Text", "-" * 40, shown["text"]]
    return "\n".join(parts)


def _on_screen(value: Any) -> Any:
    """``value`` (a row, or anything in one) with the control characters of its text escaped."""
    if isinstance(value, str):
        return on_screen(value)
    if isinstance(value, list):
        return [_on_screen(v) for v in value]
    if isinstance(value, dict):
        return {k: _on_screen(v) for k, v in value.items()}
    return value


def _metadata(row: dict[str, Any]) -> str:
    fields = [
        ("doc_id", row["doc_id"]),
        ("source", row["source"]),
        ("url", row.get("url")),
        ("source_path", f"{row['source_path']} ({row.get('format')}, {row.get('encoding')})"),
        ("authors", ", ".join(row.get("authors") or [])),
        ("kind", f"{row.get('kind')} · {row.get('language') or 'language unknown'} · "
                 f"{row.get('word_count') or 0:,} words"),
        ("ingested", f"{_when(row.get('ingested_at'))}, run {row.get('ingest_run')}"),
        ("duplicate_of", row.get("duplicate_of")),
        ("near_dup_of", _near(row)),
        ("fields", _fields(row.get("fields"))),
    ]  # fmt: skip
    return "\n".join(f"{name:<13} {value}" for name, value in fields if value)


def _near(row: dict[str, Any]) -> str:
    """``near_duplicate_of`` and its similarity, e.g. ``1e2a7c40b5d90f11 (similarity 0.58)``."""
    target, similarity = row.get("near_duplicate_of"), row.get("near_duplicate_similarity")
    if not target:
        return ""
    return f"{target} (similarity {similarity:.2f})" if similarity is not None else str(target)


def _fields(value: Any) -> str:
    """The researcher's fields as ``label=fake, subject=politics`` (a map column's pairs)."""
    pairs = value.items() if isinstance(value, dict) else (value or [])
    return ", ".join(f"{name}={'; '.join(values or [])}" for name, values in pairs)


def _date(row: dict[str, Any]) -> str:
    published = row.get("published_at")
    if published is None:
        lines = ["  undated"]
    else:
        lines = [
            f"  published_at  {_when(published)} ({row.get('date_precision') or 'precision unknown'})",
            f"  date_source   {row.get('date_source')}",
            f"  date_text     {json.dumps(row.get('date_text'), ensure_ascii=False)}",
        ]
    if row.get("date_note"):
        lines.append(f"  date_note     {row['date_note']}")
    return "\n".join(lines)


def _when(moment: datetime | None) -> str:
    if moment is None:
        return "–"
    if moment.second or moment.microsecond:
        return f"{moment:%Y-%m-%d %H:%M:%S} UTC"
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def _removals(row: dict[str, Any]) -> str:
    removed = row.get("removed") or []
    if not removed:
        return "Removed: nothing"
    by_rule = Counter(r["rule"] for r in removed)
    listed = ", ".join(f"{rule} {n}" for rule, n in sorted(by_rule.items()))
    spans = "span" if len(removed) == 1 else "spans"
    return f"Removed {len(removed)} {spans}: {listed}"


def render_evidence(row: dict[str, Any], *, indent: str = "") -> str:
    """Each tag of the article with the rule that produced it and the words it matched.

    Tags with no evidence recorded are listed too, so nothing is hidden.
    """
    evidence = row.get("tag_evidence") or []
    lines: list[str] = []
    for field in TAG_FIELDS:
        found = [e for e in evidence if e["field"] == field]
        values = list(dict.fromkeys([*(row.get(field) or []), *(e["value"] for e in found)]))
        if not values:
            continue
        rows: list[tuple[str, str, str]] = []
        for value in values:
            why = [(e["rule"], f"matched “{e['matched']}”") for e in found if e["value"] == value]
            rows += [
                (value, rule, words) for rule, words in why or [("(no evidence recorded)", "")]
            ]
        vw, rw = max(len(r[0]) for r in rows), max(len(r[1]) for r in rows)
        lines.append(f"{indent}{field}")
        lines += [f"{indent}  {v:<{vw}}  {rule:<{rw}}  {words}".rstrip() for v, rule, words in rows]
    return "\n".join(lines) if lines else f"{indent}(no tags)"


def explain_tags(corpus: str | CorpusPath, id_or_prefix: str) -> str:
    """``newsarchive tags explain``: the article's id and title, then :func:`render_evidence`."""
    row = _on_screen(load_article(corpus, id_or_prefix))
    title = on_screen(row.get("title") or "(untitled)", one_line=True)
    return f"{row['doc_id']}  {title}\n{render_evidence(row)}"
