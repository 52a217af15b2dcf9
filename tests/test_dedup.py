"""Near-duplicates: signatures, linking within and across runs, state rebuilt after a crash."""

from __future__ import annotations

from pathlib import Path

import pytest

import newsarchive
from newsarchive import store
from newsarchive.pipeline import dedup
from newsarchive.pipeline.dedup import NearDuplicates, shingles, signature, similarity

STORY = (
    "Ferry workers strike in Dover\n\n"
    "Ferry workers in Dover walked out on Friday after rejecting a pay offer of three per cent, "
    "their union said. Crossings to Calais were cancelled for the whole day and lorries queued "
    "for miles on the motorway into the port.\n\n"
    "The operator said it was disappointed and urged the union to return to talks next week.\n"
)
# The same story from another outlet: a new headline, a sentence dropped, boilerplate added.
EDITED = (
    "Dover ferries halted by walkout\n\n"
    "Share this article\n\n"
    "Ferry workers in Dover walked out on Friday after rejecting a pay offer of three per cent, "
    "their union said. Crossings to Calais were cancelled for the whole day and lorries queued "
    "for miles on the motorway into the port.\n\n"
    "Sign up to our newsletter.\n"
)
OTHER = (
    "Library reopens after flood\n\n"
    "The central library in Hebden Bridge reopened on Saturday, eight months after the river "
    "burst its banks and filled the ground floor with mud. Volunteers carried ten thousand "
    "books to a dry store in the town hall.\n"
)


def rows(corpus: Path) -> dict[str, tuple[str | None, float | None]]:
    table = store.read_corpus(
        corpus, columns=["source_path", "near_duplicate_of", "near_duplicate_similarity", "doc_id"]
    )
    ids = {r["doc_id"]: Path(r["source_path"]).name for r in table.to_pylist()}
    return {
        Path(r["source_path"]).name: (
            ids.get(r["near_duplicate_of"]),
            None
            if r["near_duplicate_similarity"] is None
            else round(r["near_duplicate_similarity"], 4),
        )
        for r in table.to_pylist()
    }


def ingest(folder: Path, corpus: Path) -> newsarchive.IngestReport:
    return newsarchive.ingest([folder], corpus=corpus, index=False, jobs=1)


def test_shingles_are_word_trigrams_in_lower_case() -> None:
    assert shingles("Ferry workers, in DOVER walked") == [
        b"ferry workers in",
        b"workers in dover",
        b"in dover walked",
    ]
    assert shingles("Two words") == [b"two words"]


def test_similarity_estimates_the_jaccard_of_shingles() -> None:
    assert similarity(signature(STORY), signature(STORY)) == 1.0
    assert similarity(signature(STORY), signature(OTHER)) < 0.1
    assert similarity(signature(STORY), signature(EDITED)) == 0.5234375  # true: 38 / 72 = 0.528


def test_a_copy_in_the_same_run_links_to_the_first_telling(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for name, text in (("a.txt", STORY), ("b.txt", EDITED), ("c.txt", OTHER)):
        (folder / name).write_text(text, encoding="utf-8")
    report = ingest(folder, tmp_path / "c")
    assert (report.ingested, report.near_duplicates) == (3, 1)
    assert rows(tmp_path / "c") == {
        "a.txt": (None, None),
        "b.txt": ("a.txt", 0.5156),
        "c.txt": (None, None),
    }


def test_links_reach_earlier_runs_and_survive_a_lost_state(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    for n, (name, text) in enumerate((("a.txt", STORY), ("b.txt", EDITED))):
        folder = tmp_path / f"run{n}"
        folder.mkdir()
        (folder / name).write_text(text, encoding="utf-8")
        if n == 1:  # as if the first run was killed before saving its signatures
            for f in (corpus / dedup.STATE).glob("*.npz"):
                f.unlink()
        ingest(folder, corpus)
    assert rows(corpus)["b.txt"] == ("a.txt", 0.5156)
    # the rebuilt state was saved again: one file per run that had first tellings
    assert len(list((corpus / dedup.STATE).glob("*.npz"))) == 1
    assert len(NearDuplicates.load(corpus)) == 1


def test_threshold_is_a_setting(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(STORY, encoding="utf-8")
    (folder / "b.txt").write_text(EDITED, encoding="utf-8")
    config = tmp_path / "strict.toml"
    config.write_text("[settings]\nnear_duplicate_threshold = 0.9\n", encoding="utf-8")
    report = newsarchive.ingest([folder], corpus=tmp_path / "c", index=False, jobs=1, config=config)
    assert report.near_duplicates == 0


@pytest.mark.parametrize("threshold", [0.4])
def test_match_ignores_candidates_below_the_threshold(threshold: float) -> None:
    near = NearDuplicates(threshold)
    near.add("a", signature(STORY))
    assert near.match(signature(OTHER)) is None
    assert near.match(signature(EDITED)) == ("a", 0.5234375)


def test_the_most_similar_first_telling_wins_and_ties_go_to_the_earliest() -> None:
    import numpy as np

    base = np.arange(128, dtype=np.uint64) * 7919
    near = NearDuplicates(0.4)
    half, more = base.copy(), base.copy()
    half[64:] += 1  # 64 of 128 values shared with base
    more[100:] += 1  # 100 shared
    near.add("half", half, new=False)
    near.add("half-again", half.copy())
    near.add("more", more)
    near.add("more", base)  # a doc_id is added once
    assert len(near) == 3
    assert near.match(base) == ("more", 100 / 128)
    assert near.match(half) == ("half", 1.0)  # "half-again" ties with it: the earlier wins
    assert sorted(near.new) == ["half-again", "more"]
    assert (near.new["more"] == more).all()
    unrelated = base + 2  # shares no value with any
    assert near.match(unrelated) is None
