"""Evaluation on Reuters-21578 as a wire dump: hard-wrapped bodies, kind and language.

The 22 SGML files are parsed (``reuters.py``) into a JSON Lines dump whose text is the title, a
blank line and the body *as distributed*: lines broken at about 70 columns, paragraphs marked
only by an indent. Ingested through every stage, the stories must come out as stories:

* fewer than 2 % called live blogs (9,158 of 19,043 were, when every line was a paragraph);
* language ``en``, or ``und`` for tables (a text of which at least 5 % of the characters are
  digits: earnings and dividend notices), for at least 99 %; no English-based creole (``pcm``)
  for more than 0.1 % (1,325 stories were ``pcm`` and 271 ``zxx``);
* the wrapped bodies unwrapped (``structure_note``).

Run with ``pytest -m eval tests/eval/test_eval_reuters.py -s`` to see the figures.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

import pytest
from reuters import REUTERS_DIR, read_reuters

import newsarchive

pytestmark = pytest.mark.eval

MAX_LIVEBLOG = 0.02
MIN_ENGLISH_OR_TABLE = 0.99
MAX_CREOLE = 0.001
MIN_UNWRAPPED = 0.6
TABLE_DIGITS = 0.05


def wire_dump(path: Path) -> int:
    """Records with a body as JSON Lines, the body's line breaks kept."""
    count = 0
    with open(path, "w", encoding="utf-8") as fh:
        for record in read_reuters(REUTERS_DIR):
            body, title = str(record["body"]), str(record["title"])
            if not body.strip():
                continue
            text = f"{title}\n\n{body}" if title else body
            fh.write(json.dumps({"text": text, "source": "reuters"}) + "\n")
            count += 1
    return count


def digit_share(text: str) -> float:
    chars = "".join(text.split())
    return sum(c.isdigit() for c in chars) / max(1, len(chars))


@pytest.fixture(scope="module")
def rows(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, object]]:
    if not REUTERS_DIR.is_dir():
        pytest.skip(f"no Reuters-21578 at {REUTERS_DIR}")
    folder = tmp_path_factory.mktemp("reuters-wire")
    records = wire_dump(folder / "wire.jsonl")
    t0 = time.perf_counter()
    report = newsarchive.ingest([folder / "wire.jsonl"], corpus=folder / "corpus", index=False)
    print(
        f"\nReuters-21578 wire dump: {records:,} stories ingested in {time.perf_counter() - t0:.0f} s"
    )
    assert report.ingested == records
    columns = ["kind", "language", "text", "structure_note"]
    return newsarchive.read_corpus(folder / "corpus", columns=columns).to_pylist()


def test_wrapped_stories_are_stories(rows: list[dict[str, object]]) -> None:
    n = len(rows)
    liveblogs = sum(r["kind"] == "liveblog" for r in rows)
    unwrapped = sum(r["structure_note"] is not None for r in rows)
    paragraphs = sum(str(r["text"]).count("\n\n") + 1 for r in rows)
    print(
        f"live blogs {liveblogs:,} of {n:,} ({liveblogs / n:.2%}); unwrapped {unwrapped:,} "
        f"({unwrapped / n:.1%}); {paragraphs:,} paragraphs"
    )
    assert liveblogs / n < MAX_LIVEBLOG
    assert unwrapped / n >= MIN_UNWRAPPED


def test_language_is_english_or_undetermined_for_tables(rows: list[dict[str, object]]) -> None:
    n = len(rows)
    languages = Counter(str(r["language"]) for r in rows)
    tables = sum(
        r["language"] == "und" and digit_share(str(r["text"])) >= TABLE_DIGITS for r in rows
    )
    english = languages["en"]
    print(
        f"languages {languages.most_common(6)}; en {english / n:.2%}, und tables {tables:,}, "
        f"en or und table {(english + tables) / n:.2%}"
    )
    assert (english + tables) / n >= MIN_ENGLISH_OR_TABLE
    assert languages["pcm"] / n <= MAX_CREOLE
    assert languages["zxx"] == 0
