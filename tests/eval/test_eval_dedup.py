"""Evaluation: near-duplicates on edited copies of real articles.

BBC: the 2,225 originals are ingested, then (a second run, so the links are incremental) 300 of
them copied with each of five edits (``nearpairs.EDITS``): 1,500 copies. A copy is linked right
when it links (``near_duplicate_of``, or ``duplicate_of`` when cleaning made it identical) to its
original's story (the original, or the first telling the original itself
links to). Links among the originals are checked by an independent rule: the two texts share at
least a third of the shorter one's sentences word for word (BBC holds updated versions of some
stories). CNN: 300 stories shortened another way (the last third of sentences cut, the dateline
dropped, a trailer added) against the 1,000 originals.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from nearpairs import EDITS, edit

import newsarchive
from newsarchive import store

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
COPIES = 300  # originals copied with each edit
SEED = 17

pytestmark = [
    pytest.mark.eval,
    pytest.mark.skipif(not (DATA / "bbc").is_dir(), reason="../shared/data is not present"),
]


def _sentences(text: str) -> set[str]:
    return {s.strip() for s in re.split(r"(?<=[.!?\"])\s+|\n+", text) if len(s.strip()) > 20}


def same_story(a: str, b: str) -> bool:
    """A third of the shorter text's sentences appear word for word in the other (a follow-up
    that repeats 7 of its 15 sentences, as CNN's do, is the same story)."""
    sa, sb = _sentences(a), _sentences(b)
    return len(sa & sb) >= max(1, min(len(sa), len(sb))) / 3


def _rows(corpus: Path) -> dict[str, dict[str, object]]:
    cols = ["doc_id", "source_path", "text", "duplicate_of", "near_duplicate_of",
            "near_duplicate_similarity"]  # fmt: skip
    return {r["source_path"]: r for r in store.read_corpus(corpus, columns=cols).to_pylist()}


def _story(row: dict[str, object], by_id: dict[str, dict[str, object]]) -> str:
    """The doc_id that stands for a stored article's story."""
    while row["duplicate_of"] or row["near_duplicate_of"]:
        row = by_id[str(row["duplicate_of"] or row["near_duplicate_of"])]
    return str(row["doc_id"])


def _measure(
    originals: Path, copies: dict[str, tuple[str, str]], corpus: Path, name: str
) -> tuple[float, float, int]:
    """Ingest originals, then the copies; returns precision, recall and false original links."""
    first = newsarchive.ingest([originals], corpus=corpus, index=False, jobs=2)
    rows = _rows(corpus)
    by_id = {str(r["doc_id"]): r for r in rows.values()}
    linked = [r for r in rows.values() if r["near_duplicate_of"]]
    false_links = sum(
        not same_story(str(r["text"]), str(by_id[str(r["near_duplicate_of"])]["text"]))
        for r in linked
    )
    folder = corpus.parent / f"{name}-copies"
    folder.mkdir()
    for file_name, (_, text) in copies.items():
        (folder / file_name).write_text(text, encoding="utf-8")
    second = newsarchive.ingest([folder], corpus=corpus, index=False, jobs=2)
    rows = _rows(corpus)
    by_id = {str(r["doc_id"]): r for r in rows.values()}
    right = links = 0
    per_edit: dict[str, list[int]] = {}
    for file_name, (original, _) in copies.items():
        row = rows[str(folder / file_name)]
        # the cleaner removes added boilerplate: such a copy is an exact duplicate, linked too
        target = row["near_duplicate_of"] or row["duplicate_of"]
        kind = file_name.split("-")[0]
        tally = per_edit.setdefault(kind, [0, 0])
        tally[1] += 1
        if target:
            links += 1
            ok = _story(by_id[str(target)], by_id) == _story(rows[original], by_id)
            right += ok
            tally[0] += ok
    precision, recall = right / max(1, links), right / len(copies)
    print(
        f"{name}: originals {first.ingested:,} ({first.near_duplicates} linked among them, "
        f"{false_links} false); copies {len(copies):,}: {links:,} linked, {right:,} right; "
        f"precision {precision:.3f} recall {recall:.3f}; per edit "
        + ", ".join(f"{k} {v[0]}/{v[1]}" for k, v in sorted(per_edit.items()))
        + f"; second run {second.rate:,.0f} inputs/s"
    )
    return precision, recall, false_links


def test_bbc_edited_copies(tmp_path: Path) -> None:
    files = sorted((DATA / "bbc").rglob("*.txt"))
    texts = {str(f): f.read_bytes().decode("utf-8", "replace") for f in files}
    vocabulary = sorted(
        {w for t in texts.values() for w in t.split() if w.isalpha() and w.islower()}
    )
    rng = random.Random(SEED)
    copies: dict[str, tuple[str, str]] = {}
    for n, path in enumerate(rng.sample(sorted(texts), COPIES)):
        for kind in EDITS:
            copies[f"{kind}-{n:03d}.txt"] = (path, edit(texts[path], kind, rng, vocabulary))
    precision, recall, false_links = _measure(DATA / "bbc", copies, tmp_path / "bbc", "bbc")
    assert false_links == 0
    assert precision >= 0.95 and recall >= 0.90
    assert precision == 1.0 and recall >= 0.99  # measured: 1.000 and 0.997; guards a regression


def test_cnn_shortened_copies(tmp_path: Path) -> None:
    files = sorted((DATA / "cnn").rglob("*.txt"))
    texts = {str(f): f.read_bytes().decode("utf-8", "replace") for f in files}
    rng = random.Random(SEED)
    copies: dict[str, tuple[str, str]] = {}
    for n, path in enumerate(rng.sample(sorted(texts), COPIES)):
        parts = re.split(r"(?<=[.!?])\s+", texts[path].replace("(CNN)", "").strip())
        kept = " ".join(parts[: max(1, (2 * len(parts)) // 3)])
        copies[f"short-{n:03d}.txt"] = (path, kept + "\n\nThe Associated Press contributed.\n")
    precision, recall, false_links = _measure(DATA / "cnn", copies, tmp_path / "cnn", "cnn")
    assert false_links == 0
    assert precision >= 0.95 and recall >= 0.90
