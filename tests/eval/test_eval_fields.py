"""Evaluation: ISOT's own metadata (``subject``, ``label`` manifest columns) as fields.

Every ``label:`` and ``subject:`` count, and every facet count, equals the manifest's count of
the value, on both engines; ``stats --group-by`` and ``timeline --group-by`` agree with them.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

import newsarchive
from newsarchive.analysis.stats import group_stats
from newsarchive.analysis.timeline import timeline
from newsarchive.index import search, update_index

ISOT = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "isot"

pytestmark = [
    pytest.mark.eval,
    pytest.mark.skipif(not ISOT.is_dir(), reason="../shared/data is not present"),
]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("isot")
    newsarchive.ingest([ISOT], corpus=root / "corpus", index=False, jobs=2)
    return root


def manifest_counts(column: str) -> Counter[str]:
    with open(ISOT / "manifest.csv", encoding="utf-8", newline="") as fh:
        return Counter(row[column] for row in csv.DictReader(fh))


@pytest.mark.parametrize("engine", ["whoosh", "tantivy"])
def test_isot_label_and_subject_counts_equal_the_manifest(corpus: Path, engine: str) -> None:
    index = corpus / f"index-{engine}"
    update_index(corpus / "corpus", index, engine=engine)
    everything = search("*", corpus=corpus / "corpus", index_dir=index, limit=0)
    for column in ("label", "subject"):
        expected = manifest_counts(column)
        counted = {
            value: search(f'{column}:"{value}"', corpus=corpus / "corpus", index_dir=index,
                          limit=0).total
            for value in expected
        }  # fmt: skip
        print(f"{engine} {column}: manifest {dict(expected)}; search {counted}")
        assert counted == dict(expected)
        assert dict(everything.facet(column)) == dict(expected)


def test_isot_groups_agree_with_the_manifest(corpus: Path) -> None:
    labels = manifest_counts("label")
    assert {g.value: g.articles for g in group_stats(corpus / "corpus", "label")} == dict(labels)
    update_index(corpus / "corpus", corpus / "index-whoosh", engine="whoosh")
    tl = timeline("*", corpus=corpus / "corpus", index_dir=corpus / "index-whoosh",
                  group_by="label", normalise="all")  # fmt: skip
    dated = {q.split("=")[1]: sum(tl.hits[q]) + tl.undated_hits[q] for q in tl.queries}
    assert dated == dict(labels)
