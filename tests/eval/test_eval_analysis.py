"""Evaluation on Reuters-21578 (1987, dated): timeline and kwic checked against plain counts.

The 22 SGML files are parsed (``reuters.py``) into a JSON Lines dump with text, title and date
columns, ingested with the dump's dates, and indexed. Then:

* ``timeline`` by month must equal a direct pandas count over the Parquet corpus, for every month,
  for all articles and for the hits of each query, undated articles apart;
* ``kwic`` must find exactly the occurrences a plain regular expression finds in the clean text
  of the hits (same articles, same offsets), the words being those whose English Snowball stem
  (PyStemmer, called directly) is the query word's: the concordance shows what search matched.

Run with ``pytest -m eval tests/eval/test_eval_analysis.py -s`` to see the figures.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from reuters import REUTERS_DIR, read_reuters, unwrap

import newsarchive
from newsarchive.analysis.kwic import kwic
from newsarchive.analysis.timeline import timeline

pytestmark = pytest.mark.eval

TIMELINE_QUERIES = ["oil", "wheat", '"crude oil"', "strik*"]
# query -> the plain regex over the clean text, with STEM standing for a word whose stem is the
# one named (case aside)
KWIC_QUERIES = {
    "wheat": r"(?<!\w)STEM:wheat(?!\w)",
    '"crude oil"': r"(?<!\w)STEM:crude\W+STEM:oil(?!\w)",
    "strik*": r"(?<!\w)STEM:strik\w*",
    "opec OR cartel": r"(?<!\w)(?:STEM:opec|STEM:cartel)(?!\w)",
}


def stem_regex(regex: str, texts: list[str]) -> str:
    """``regex`` with each ``STEM:x`` replaced by the words of ``texts`` whose stem is ``x``
    (or, before ``\\w*``, starts with it)."""
    import Stemmer

    stemmer = Stemmer.Stemmer("english")
    words = {w.lower() for t in texts for w in re.findall(r"[^\W\d_]+", t)}

    def forms(m: re.Match[str]) -> str:
        stem, prefix = m.group(1), m.group(2)
        found = sorted(
            (w for w in words if (stemmer.stemWord(w).startswith(stem) if prefix
                                  else stemmer.stemWord(w) == stem)),
            key=lambda w: (-len(w), w),
        )  # fmt: skip
        return "(?:" + "|".join(map(re.escape, found or ["(?!)"])) + ")"

    return re.sub(r"STEM:(\w+)(\\w\*)?", forms, regex)


MIN_MONTHS_CHECKED = 9  # Feb–Oct 1987, empty months included


def reuters_dump(path: Path) -> int:
    """The records with a body as JSON Lines: text (title, blank line, body), title, date."""
    count = 0
    with open(path, "w", encoding="utf-8") as fh:
        for record in read_reuters(REUTERS_DIR):
            body = unwrap(str(record["body"]))
            if not body:
                continue
            title = str(record["title"])
            fh.write(
                json.dumps(
                    {
                        "text": f"{title}\n\n{body}" if title else body,
                        "title": title or None,
                        "date": iso_date(str(record["date"])),
                        "source": "reuters",
                    }
                )
                + "\n"
            )
            count += 1
    return count


def iso_date(raw: str) -> str:
    """``26-FEB-1987 15:01:01.79`` → ISO 8601 UTC; a malformed date is passed on as written."""
    try:
        moment = datetime.strptime(raw.split(".")[0].strip(), "%d-%b-%Y %H:%M:%S")
    except ValueError:
        return raw
    return moment.replace(tzinfo=UTC).isoformat()


@pytest.fixture(scope="module")
def reuters(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if not REUTERS_DIR.is_dir():
        pytest.skip(f"no Reuters-21578 at {REUTERS_DIR}")
    folder = tmp_path_factory.mktemp("reuters")
    t0 = time.perf_counter()
    records = reuters_dump(folder / "reuters.jsonl")
    corpus, index_dir = folder / "corpus", folder / "indexes"
    report = newsarchive.ingest(
        [folder / "reuters.jsonl"], corpus=corpus, index_dir=index_dir, date=None
    )
    print(
        f"\nReuters-21578: {records:,} records with a body, {report.ingested:,} ingested and "
        f"indexed in {time.perf_counter() - t0:.0f} s"
    )
    assert report.ingested == records
    return corpus, index_dir


def test_timeline_by_month_equals_a_pandas_count(reuters: tuple[Path, Path]) -> None:
    corpus, index_dir = reuters
    df = pd.read_parquet(corpus, columns=["doc_id", "published_at"])
    month = df["published_at"].dt.strftime("%Y-%m")
    t0 = time.perf_counter()
    tl = timeline(TIMELINE_QUERIES, corpus=corpus, index_dir=index_dir, by="month")
    seconds = time.perf_counter() - t0

    expected_articles = month.value_counts().to_dict()
    assert len(tl.labels) >= MIN_MONTHS_CHECKED
    assert dict(zip(tl.labels, tl.articles, strict=True)) == {
        m: expected_articles.get(m, 0) for m in tl.labels
    }
    assert sum(tl.articles) == len(df) - tl.undated_articles
    assert tl.undated_articles == int(df["published_at"].isna().sum())
    print(f"timeline of {len(TIMELINE_QUERIES)} queries by month: {seconds:.2f} s")
    for q in TIMELINE_QUERIES:
        ids = {h.doc_id for h in newsarchive.search(q, corpus=corpus, index_dir=index_dir,
                                                     limit=None, snippets=False).hits}  # fmt: skip
        hit = df["doc_id"].isin(ids)
        counted = month[hit].value_counts().to_dict()
        assert dict(zip(tl.labels, tl.hits[q], strict=True)) == {
            m: counted.get(m, 0) for m in tl.labels
        }, q
        assert tl.undated_hits[q] == int(df.loc[hit, "published_at"].isna().sum())
        peak = max(range(len(tl.labels)), key=lambda i: tl.hits[q][i])
        print(
            f"  {q:<14} {len(ids):>6,} hits; peak {tl.labels[peak]} with {tl.hits[q][peak]:,} "
            f"({100 * (tl.shares(q)[peak] or 0):.1f}% of that month)"
        )


def test_kwic_finds_every_occurrence_a_regex_finds(reuters: tuple[Path, Path]) -> None:
    corpus, index_dir = reuters
    for query, regex in KWIC_QUERIES.items():
        t0 = time.perf_counter()
        lines = kwic(query, corpus=corpus, index_dir=index_dir, sort="none", width=30)
        seconds = time.perf_counter() - t0
        ids = [h.doc_id for h in newsarchive.search(query, corpus=corpus, index_dir=index_dir,
                                                     limit=None, snippets=False).hits]  # fmt: skip
        texts = newsarchive.read_corpus(corpus, columns=["doc_id", "text"]).to_pandas()
        texts = texts[texts["doc_id"].isin(ids)]
        pattern = re.compile(stem_regex(regex, list(texts["text"])), re.IGNORECASE)
        expected = Counter(
            (doc_id, m.start())
            for doc_id, text in zip(texts["doc_id"], texts["text"], strict=True)
            for m in pattern.finditer(text)
        )
        found = Counter((ln.doc_id, ln.offset) for ln in lines)
        assert found == expected, query
        assert all(pattern.fullmatch(ln.match) for ln in lines), query
        silent = len(ids) - len({d for d, _ in found})
        print(
            f"kwic {query!r}: {len(lines):,} occurrences in {len(ids):,} hits "
            f"({silent:,} hits match only by stem or another field) in {seconds:.2f} s"
        )
