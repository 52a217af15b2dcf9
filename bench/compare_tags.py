"""Tags of the shared sets from two versions of the code, side by side (run by hand; asserts nothing).

    python bench/compare_tags.py --base main            # BBC and Reuters-21578
    python bench/compare_tags.py --base 672e387 --sets bbc --examples 5

Ingests each set (``--no-index``) once with the code of ``--base`` (a git revision, unpacked with
``git archive`` into a temporary folder and put first on ``PYTHONPATH``) and once with the working
tree's, then prints, per tag column (topics, places, countries, people, organisations), how many
articles' tags differ and a few examples (the article, the base tags, the new ones). Articles are
matched by ``doc_id``, which depends on path and content only. The base corpora are kept in
``/tmp/newsarchive-bench/compare-tags/REV`` so that a second comparison against the same revision
ingests only the working tree's. A change to the tagger should print no differences, or
differences that are shown and argued to be better.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import pyarrow.dataset as ds

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
SETS = {"bbc": DATA / "bbc", "reuters": DATA / "reuters21578"}
COLUMNS = ("topics", "places", "countries", "people", "organisations")
CACHE = Path("/tmp/newsarchive-bench/compare-tags")
NA = str(Path(sys.executable).with_name("newsarchive"))


def ingest(source: Path, corpus: Path, pythonpath: str | None) -> None:
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    cmd = [NA, "ingest", str(source), "--corpus", str(corpus), "--no-index", "--quiet"]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        sys.exit(f"ingest of {source} failed: {proc.stderr[-2000:]}")


def tags(corpus: Path) -> dict[str, dict[str, object]]:
    """doc_id -> {title, column: tags} of every article in ``corpus``."""
    files = [p for p in corpus.rglob("*.parquet") if "_runs" not in p.parts]
    table = ds.dataset(files, format="parquet").to_table(columns=["doc_id", "title", *COLUMNS])
    return {row["doc_id"]: row for row in table.to_pylist()}


def base_corpus(rev: str, name: str) -> Path:
    sha = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", rev], capture_output=True, text=True, check=True
    ).stdout.strip()
    corpus = CACHE / sha[:12] / name
    if (corpus / "_runs").is_dir():
        return corpus
    shutil.rmtree(corpus, ignore_errors=True)
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", sha, "src"], capture_output=True, check=True
    ).stdout
    with tempfile.TemporaryDirectory(prefix="na-base-") as tmp:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        ingest(SETS[name], corpus, str(Path(tmp) / "src"))
    return corpus


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--base", default="main", help="git revision to compare with")
    ap.add_argument("--sets", nargs="*", default=list(SETS), choices=list(SETS))
    ap.add_argument("--examples", type=int, default=3, help="examples shown per column")
    args = ap.parse_args()
    for name in args.sets:
        old = tags(base_corpus(args.base, name))
        with tempfile.TemporaryDirectory(prefix="na-new-") as tmp:
            ingest(SETS[name], Path(tmp) / "corpus", None)
            new = tags(Path(tmp) / "corpus")
        shared = sorted(old.keys() & new.keys())
        print(f"\n{name}: {len(shared):,} articles in both ({len(old):,} base, {len(new):,} new)")
        for column in COLUMNS:
            differ = [d for d in shared if old[d][column] != new[d][column]]
            print(f"  {column:<14}{len(differ):6,} differ")
            for d in differ[: args.examples]:
                print(f"    {d[:10]}  {str(old[d]['title'])[:60]!r}")
                print(f"      base: {old[d][column]}")
                print(f"      new:  {new[d][column]}")


if __name__ == "__main__":
    main()
