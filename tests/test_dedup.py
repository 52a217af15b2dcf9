"""Near-duplicates: signatures, linking within and across runs, state rebuilt after a crash."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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
            for f in (corpus / dedup.STATE).glob("*.arrow"):
                f.unlink()
        ingest(folder, corpus)
    assert rows(corpus)["b.txt"] == ("a.txt", 0.5156)
    # the rebuilt state was saved again: one file per run that had first tellings
    assert len(list((corpus / dedup.STATE).glob("*.arrow"))) == 1
    with NearDuplicates.load(corpus) as near:
        assert len(near) == 1


def test_an_older_versions_npz_state_is_rebuilt_as_arrow(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    for n, (name, text) in enumerate((("a.txt", STORY), ("b.txt", EDITED))):
        folder = tmp_path / f"run{n}"
        folder.mkdir()
        (folder / name).write_text(text, encoding="utf-8")
        if n == 1:  # the first run's file as an older version left it (not readable now)
            (state,) = (corpus / dedup.STATE).glob("*.arrow")
            state.rename(state.with_suffix(".npz"))
        ingest(folder, corpus)
    assert rows(corpus)["b.txt"] == ("a.txt", 0.5156)
    assert [f.suffix for f in (corpus / dedup.STATE).iterdir()] == [".arrow"]


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
    with NearDuplicates(threshold) as near:
        assert near.link(["a"], [signature(STORY)]) == [None]  # a first telling, added
        assert near.link(["o", "e"], [signature(OTHER), signature(EDITED)]) == [
            None,
            ("a", 0.5234375),
        ]
        assert len(near) == 2


# --- the on-disk index against datasketch's in-memory one -------------------------------------

WORDS = [f"w{n}" for n in range(400)]


def variants(seed: int = 3) -> list[tuple[str, str]]:
    """240 made-up stories of 60 words: 60 originals, each followed later by three copies with
    4, 14 and 24 words swapped (linked, or not, around the threshold), in shuffled order;
    swaps repeat, so some copies are equally similar to two earlier tellings."""
    import random

    rng = random.Random(seed)
    originals = [[rng.choice(WORDS) for _ in range(60)] for _ in range(60)]
    texts = [(f"o{n:02d}", " ".join(words)) for n, words in enumerate(originals)]
    copies = []
    for n, words in enumerate(originals):
        for swaps in (4, 14, 24):
            edited = list(words)
            for i in random.Random(n).sample(range(60), swaps):  # copies share their first swaps
                edited[i] = "changed"
            copies.append((f"c{n:02d}-{swaps}", " ".join(edited)))
    rng.shuffle(copies)
    return texts[:30] + copies[:90] + texts[30:] + copies[90:]


def datasketch_links(items: list[tuple[str, Any]]) -> list[tuple[str, float] | None]:
    """What datasketch's MinHashLSH links, of equally similar candidates the first inserted."""
    from datasketch import LeanMinHash, MinHashLSH

    lsh = MinHashLSH(threshold=dedup.THRESHOLD, num_perm=dedup.NUM_PERM)
    inserted: dict[str, tuple[int, Any]] = {}
    links: list[tuple[str, float] | None] = []
    for doc_id, sig in items:
        if sig is None:
            links.append(None)
            continue
        lean = LeanMinHash(seed=dedup.SEED, hashvalues=sig, scheme=dedup.SCHEME)
        scored = [(similarity(sig, inserted[c][1]), -inserted[c][0], c) for c in lsh.query(lean)]
        best = max(scored, default=None)
        if best is not None and best[0] >= dedup.THRESHOLD:
            links.append((best[2], best[0]))
            continue
        links.append(None)
        lsh.insert(doc_id, lean)
        inserted[doc_id] = (len(inserted), sig)
    return links


def test_the_on_disk_index_links_as_datasketch_does_batch_by_batch() -> None:
    items: list[tuple[str, Any]] = [(d, signature(t)) for d, t in variants()]
    items[100] = (items[100][0], None)  # an exact duplicate: no signature, never linked
    expected = datasketch_links(items)
    got: list[tuple[str, float] | None] = []
    with NearDuplicates() as near:
        lo = 0
        for size in [1, 7, 64, 13, 100, 1, 2, 52]:  # batches of any size, in order
            part = items[lo : lo + size]
            got += near.link([d for d, _ in part], [s for _, s in part])
            lo += size
        assert lo == len(items)
        assert len(near) == sum(s is not None for _, s in items) - sum(
            link is not None for link in expected
        )
    assert got == expected
    # the fixture does its job: copies linked (some not), to originals and to copies
    linked = [link for link in expected if link is not None]
    assert (len(linked), sum(link[0].startswith("c") for link in linked)) == (86, 40)


def test_of_equally_similar_first_tellings_the_first_told_wins() -> None:
    import numpy as np

    x = np.arange(128, dtype=np.uint64)
    y = x.copy()
    y[28:] += 1000  # shares 28 values (7 bands) with x: similarity 0.22, another story
    z = x.copy()
    z[64:100] = y[64:100]  # 64 values of each: 0.5 with both
    z[100:] += 2000
    for order in (["x", "y"], ["y", "x"]):
        with NearDuplicates() as near:
            sigs = {"x": x, "y": y}
            assert near.link(order, [sigs[d] for d in order]) == [None, None]
            assert near.link(["z"], [z]) == [(order[0], 0.5)]


def test_links_across_runs_equal_datasketch_on_the_stored_texts(tmp_path: Path) -> None:
    """Three runs (the last from a reloaded index): every link is the one datasketch makes
    over the corpus's clean texts in commit order."""
    texts = variants()
    corpus = tmp_path / "c"
    for run, (lo, hi) in enumerate(((0, 70), (70, 160), (160, 240))):
        folder = tmp_path / f"run{run}"
        folder.mkdir()
        for n, (name, text) in enumerate(texts[lo:hi]):
            (folder / f"{lo + n:03d}-{name}.txt").write_text(f"Title {name}\n\n{text}\n")
        newsarchive.ingest([folder], corpus=corpus, index=False, jobs=2)
    columns = ["doc_id", "text", "duplicate_of", "near_duplicate_of", "ingest_run", "ingested_at"]
    # in the order the runs were made (run ids of the same second sort by their random part)
    table = sorted(
        store.read_corpus(corpus, columns=columns).to_pylist(), key=lambda r: r["ingested_at"]
    )
    assert len(table) == 240
    items = [(r["doc_id"], None if r["duplicate_of"] else signature(r["text"])) for r in table]
    expected = [link[0] if link else None for link in datasketch_links(items)]
    assert [r["near_duplicate_of"] for r in table] == expected
    run_of = {r["doc_id"]: r["ingest_run"] for r in table}
    across = sum(
        bool(r["near_duplicate_of"]) and run_of[r["near_duplicate_of"]] != r["ingest_run"]
        for r in table
    )
    assert (sum(link is not None for link in expected), across) == (77, 50)
    assert len(list((corpus / dedup.STATE).glob("*.arrow"))) == 3
