"""Evaluation: ingest every set of real news in ../shared/data through the whole pipeline.

Guards what the ingest issue promises on real data: no crash, every input file accounted for,
no named rule removes anything from the clean BBC control set (the structural cleaner keeps
99.5 % of its words), known boilerplate gone from the others, legacy
encodings decoded. Prints the figures it checks.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path

import pyarrow.compute as pc
import pytest

import newsarchive
from newsarchive import store
from newsarchive.pipeline.run import IngestReport
from testkit import text_column

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
SETS = {
    "bbc": DATA / "bbc",
    "cnn": DATA / "cnn",
    "dailymail": DATA / "dailymail",
    "inshorts": DATA / "inshorts",
    "isot": DATA / "isot",
    "html_pages": DATA / "html_pages" / "html",
    "arabic": DATA / "arabic",
    "chinese": DATA / "chinese",
}
# Boilerplate that must not survive cleaning, per set (substring, as the sets' README describes).
GONE = {
    "dailymail": ["Scroll down for video", "PUBLISHED:.", "UPDATED:."],
    "inshorts": ["ALSO READ:", "(HT Photo)"],
    "isot": ["Featured image via"],
}

pytestmark = [
    pytest.mark.eval,
    pytest.mark.skipif(not DATA.is_dir(), reason="../shared/data is not present"),
]


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[IngestReport, Path]]:
    out: dict[str, tuple[IngestReport, Path]] = {}
    for name, path in SETS.items():
        corpus = tmp_path_factory.mktemp(name)
        report = newsarchive.ingest([path], corpus=corpus, index=False, jobs=2)
        out[name] = (report, corpus)
        print(
            f"{name:<11} seen {report.seen:>5}  ingested {report.ingested:>5}  "
            f"duplicates {report.duplicates:>3}  skipped {dict(report.skipped_by_reason)}  "
            f"{report.rate:,.0f} inputs/s"
        )
    return out


def _files(root: Path) -> set[str]:
    # absolute, not resolved: stored paths keep the path as given (../shared may be a symlink)
    return {os.path.abspath(Path(d, f)) for d, _, fs in os.walk(root) for f in fs}


@pytest.mark.parametrize("name", list(SETS))
def test_every_input_file_is_accounted_for(
    ingested: dict[str, tuple[IngestReport, Path]], name: str
) -> None:
    report, corpus = ingested[name]
    stored = {p.split("#row=")[0] for p in text_column(corpus, "source_path")}
    skipped = {s.source_path for s in report.skipped}
    assert [s for s in report.skipped if s.reason == "error"] == []  # no stage crashed
    manifests = {os.path.abspath(SETS[name] / "manifest.csv")}
    missing = _files(SETS[name]) - stored - skipped - manifests
    assert sorted(missing) == []


def test_no_rule_removes_anything_from_bbc(ingested: dict[str, tuple[IngestReport, Path]]) -> None:
    report, corpus = ingested["bbc"]
    assert report.ingested == 2225
    named = {rule: n for rule, n in report.removals.items() if not rule.startswith("structure/")}
    assert named == {}
    # the structural cleaner may take a stray line; it keeps 99.5 % of the words
    table = store.read_corpus(corpus, columns=["text", "removed"]).to_pylist()
    kept = sum(len(re.findall(r"\w+", row["text"])) for row in table)
    gone = sum(len(re.findall(r"\w+", r["text"])) for row in table for r in row["removed"])
    print(f"bbc: structure removed {gone / (kept + gone):.3%} of words")
    assert gone <= 0.005 * (kept + gone)


@pytest.mark.parametrize("name", sorted(GONE))
def test_known_boilerplate_is_gone(
    ingested: dict[str, tuple[IngestReport, Path]], name: str
) -> None:
    _, corpus = ingested[name]
    texts = text_column(corpus, "text")
    left = Counter(s for t in texts for s in GONE[name] if s in t)
    print(name, "residual boilerplate:", dict(left))
    assert dict(left) == {}


def test_legacy_encodings_decoded(ingested: dict[str, tuple[IngestReport, Path]]) -> None:
    _, bbc = ingested["bbc"]
    row = store.read_corpus(
        bbc,
        columns=["text", "encoding"],
        filter=pc.field("source_path") == os.path.abspath(DATA / "bbc/sport/199.txt"),
    ).to_pylist()[0]
    assert row["encoding"] in {"cp1252", "latin-1", "iso8859-1"}
    assert "£" in row["text"] and "\ufffd" not in row["text"]
    _, inshorts = ingested["inshorts"]
    table = store.read_corpus(inshorts, columns=["text", "encoding"]).to_pylist()
    encodings = Counter(r["encoding"] for r in table)
    print("inshorts encodings:", dict(encodings))
    assert not any("\ufffd" in r["text"] or "â€" in r["text"] for r in table)
    assert set(encodings) - {"utf-8"}, "the legacy files must be recognised as such"


def test_languages_of_arabic_and_chinese(ingested: dict[str, tuple[IngestReport, Path]]) -> None:
    for name, lang in (("arabic", "ar"), ("chinese", "zh")):
        _, corpus = ingested[name]
        langs = Counter(store.read_corpus(corpus, columns=["language"]).column(0).to_pylist())
        print(name, dict(langs.most_common(3)))
        assert langs.most_common(1)[0][0] == lang
