"""Train the HTML model (which lines of a page are boilerplate) and report honest figures.

Usage::

    .venv/bin/python bench/train_html.py                 # report, then train on all and write
    .venv/bin/python bench/train_html.py --report-only   # report only

Each page of ``../shared/data/webpages/html`` is loaded as ingest loads it (visible text,
trafilatura's main text) and each line of its visible text gets the features of
:func:`newsarchive.pipeline.html_model.features`: its shape, the markup around it, trafilatura's
vote. Its label comes from the gold main text, aligned in order as ``bench/train_structure.py``
does it (the gold leaves the headline out, and so does the HTML path).

Three figures, each per data set and overall, scored with the data set's own recipe (bag of
words, F1 of the mean P and R) on the lines kept, named-rule lines removed:

* out of fold: the pages are split into 5 folds by site (an L3S-GN1 host, a Readability site
  such as ``nytimes``; each Dragnet page is its own site, as the data set gives no URL), each
  fold scored by a model trained on the other four: the figure the F1 claim rests on;
* cross data set: each data set scored by a model trained on the other two;
* in sample: the model trained on all pages, scored on them (what the shipped model does on
  the development set: optimistic).

The report goes to ``bench/html_model_report.json``; the model trained on all pages to
``src/newsarchive/data/html-model.npz``. Page features are cached in ``/tmp``
(``--refresh`` rebuilds them: trafilatura takes a few minutes).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import importlib
import json
import pickle
import re
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing import Pool
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import train_structure as ts

from newsarchive.pipeline import html_model
from newsarchive.pipeline.clean import RuleSet
from newsarchive.pipeline.html import Page as HtmlPage
from newsarchive.pipeline.html import kept_shares
from newsarchive.pipeline.sources import Input, iter_inputs, load
from newsarchive.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DATA = ts.DATA
MODEL = ROOT / "src" / "newsarchive" / "data" / html_model.MODEL_FILE
REPORT = ROOT / "bench" / "html_model_report.json"
CACHE = Path("/tmp") / "newsarchive-html-model-pages.pkl"
OOF = Path("/tmp") / "newsarchive-html-model-oof.pkl"
LINE = re.compile(r"\S(?:[^\n]*\S)?")
FOLDS = 5
SEED = 20261203
PARAMS: dict[str, Any] = {
    "max_iter": 150,
    "max_depth": 4,
    "learning_rate": 0.1,
    "min_samples_leaf": 40,
    "early_stopping": False,
    "random_state": SEED,
}


@dataclass
class Page:
    name: str
    dataset: str
    site: str
    lines: list[str]
    ruled: np.ndarray  # lines a named rule of the cleaner removes
    trafilatura: np.ndarray  # lines trafilatura's alignment keeps (today's choice)
    x: np.ndarray
    y: np.ndarray  # 1 = boilerplate
    w: np.ndarray
    gold: str


@contextmanager
def captured() -> Iterator[list[tuple[str, HtmlPage]]]:
    """While the block runs, each page that ``load`` hands to the model is appended to the
    list yielded, as ``(body, page)``: the features without a second trafilatura run."""
    reading: Any = importlib.import_module("newsarchive.pipeline.reading")
    original = reading.page_removals
    seen: list[tuple[str, HtmlPage]] = []

    def record(body: str, page: HtmlPage, level: str) -> Any:
        seen.append((body, page))
        return original(body, page, level)

    reading.page_removals = record
    try:
        yield seen
    finally:
        reading.page_removals = original


def read(inp: Input) -> tuple[str, str, HtmlPage]:
    """A page's name, visible text (as ingest normalises it) and extraction."""
    with captured() as seen:
        load(inp, Settings())
    body, page = seen[-1]
    return Path(inp.source_path).stem, body, page


def site(row: dict[str, str]) -> str:
    if row["url"]:
        return urlsplit(row["url"]).hostname or row["name"]
    if row["source_dataset"] == "Readability":
        return re.sub(r"[-_]?\d+$", "", row["name"].removeprefix("readability_"))
    return row["name"]


def load_pages(refresh: bool) -> list[Page]:
    if CACHE.exists() and not refresh:
        with CACHE.open("rb") as fh:
            read_pages = pickle.load(fh)
    else:
        inputs = [
            i
            for i in iter_inputs([str(DATA / "html")], settings=Settings())
            if isinstance(i, Input)
        ]
        with Pool(2) as pool:
            read_pages = pool.map(read, inputs, chunksize=4)
        with CACHE.open("wb") as fh:
            pickle.dump(read_pages, fh)
    return pages_of({name: (body, page) for name, body, page in read_pages})


def pages_of(extracted: dict[str, tuple[str, HtmlPage]]) -> list[Page]:
    """The training pages: each page's lines, features and labels, from its visible text and
    extraction by name."""
    rules = RuleSet.load(Settings())
    with open(DATA / "manifest.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    pages = []
    for row in rows:
        body, page = extracted[row["name"]]
        lines, ruled = ts.page_lines(body, rules)
        marks = html_model.line_rows(page, len(lines))
        if not lines or marks is None:
            print(f"{row['name']}: lines and markup rows differ, left out", file=sys.stderr)
            continue
        shares = kept_shares(body, page.main)
        x = html_model.features(lines, marks, [s for s, _ in shares])
        trafilatura = html_model.trafilatura_kept(shares)
        gold = (DATA / "gold" / f"{row['name']}.txt").read_text(encoding="utf-8")
        y = 1 - ts.content_labels(lines, gold)
        words = np.array([len(ts.WORD.findall(line)) for line in lines], dtype=float)
        w = (words + 1) / (words.sum() + len(lines))
        pages.append(
            Page(row["name"], row["source_dataset"], site(row), lines, np.array(ruled, bool),
                 trafilatura, x, y, w, gold)
        )  # fmt: skip
    return pages


def train(pages: list[Page]) -> Any:
    """Histogram gradient boosting (seconds, where the structural cleaner's exact trees take
    minutes on these 82,000 lines); each page counts once within its data set and each data
    set alike, as ``bench/train_structure.py`` weighs them."""
    from sklearn.ensemble import HistGradientBoostingClassifier  # type: ignore[import-untyped]

    x = np.concatenate([p.x for p in pages])
    y = np.concatenate([p.y for p in pages])
    per_set = {ds: sum(p.dataset == ds for p in pages) for ds in {p.dataset for p in pages}}
    w = np.concatenate([p.w / per_set[p.dataset] for p in pages])
    clf = HistGradientBoostingClassifier(**PARAMS)
    clf.fit(x, y, sample_weight=w * len(pages))
    return clf


def export(clf: Any) -> dict[str, np.ndarray]:
    """The fitted trees as complete heap-ordered arrays for
    :class:`~newsarchive.pipeline.clean_structure.TreeModel` (a leaf above the full depth is
    padded with splits that always go left)."""
    depth = PARAMS["max_depth"]
    trees = [predictors[0].nodes for predictors in clf._predictors]
    inner, leaves = 2**depth - 1, 2**depth
    feature = np.zeros((len(trees), inner), dtype=np.int16)
    threshold = np.full((len(trees), inner), np.inf)
    leaf = np.zeros((len(trees), leaves), dtype=np.float32)

    def fill(k: int, nodes: Any, node: int, heap: int, level: int) -> None:
        if level == depth:
            assert nodes[node]["is_leaf"], "a tree deeper than max_depth"
            leaf[k, heap - inner] = nodes[node]["value"]
            return
        if nodes[node]["is_leaf"]:
            fill(k, nodes, node, 2 * heap + 1, level + 1)
            fill(k, nodes, node, 2 * heap + 2, level + 1)
            return
        feature[k, heap] = nodes[node]["feature_idx"]
        threshold[k, heap] = nodes[node]["num_threshold"]  # x <= threshold goes left
        fill(k, nodes, int(nodes[node]["left"]), 2 * heap + 1, level + 1)
        fill(k, nodes, int(nodes[node]["right"]), 2 * heap + 2, level + 1)

    for k, nodes in enumerate(trees):
        fill(k, nodes, 0, 0, 0)
    return {
        "features": np.array(html_model.FEATURES),
        "feature": feature,
        "threshold": threshold,
        "leaf": leaf,
        "bias": np.array(float(clf._baseline_prediction.ravel()[0])),
        "depth": np.array(depth),
    }


def fit(pages: list[Page]) -> tuple[Any, Any]:
    from newsarchive.pipeline.clean_structure import TreeModel

    clf = train(pages)
    return clf, TreeModel.load(export(clf), html_model.FEATURES)


def figures(pages: list[Page], keep: list[np.ndarray], score: Any) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for page, kept in zip(pages, keep, strict=True):
        text = "\n\n".join(
            line for line, k, r in zip(page.lines, kept, page.ruled, strict=True) if k and not r
        )
        p, r, *_ = score.page_scores(text, page.gold, 1)
        groups[page.dataset].append((p, r))
        groups["ALL"].append((p, r))
    return ts.summarise(groups)


def kept_at(page: Page, proba: np.ndarray, thresholds: tuple[float, float]) -> np.ndarray:
    """The lines kept at a level's thresholds, as ``html_model.page_removals`` keeps them."""
    drop = proba >= np.where(page.trafilatura, *thresholds)
    return page.trafilatura if drop.all() else ~drop


def by_level(pages: list[Page], probas: list[np.ndarray], score: Any) -> dict[str, Any]:
    return {
        level: figures(pages, [kept_at(p, q, t) for p, q in zip(pages, probas, strict=True)], score)
        for level, t in html_model.THRESHOLDS.items()
    }


def folds(pages: list[Page]) -> list[int]:
    """A fold for each page: sites shuffled (seeded) and dealt to folds in turn."""
    sites = sorted({p.site for p in pages})
    order = np.random.default_rng(SEED).permutation(len(sites))
    fold_of = {sites[i]: k % FOLDS for k, i in enumerate(order)}
    return [fold_of[p.site] for p in pages]


def out_of_fold(pages: list[Page]) -> list[np.ndarray]:
    """Each page's line probabilities from the model trained on the folds it is not in."""
    fold = folds(pages)
    probas: list[np.ndarray] = [np.zeros(0)] * len(pages)
    for k in range(FOLDS):
        _, model = fit([p for p, f in zip(pages, fold, strict=True) if f != k])
        for i, (p, f) in enumerate(zip(pages, fold, strict=True)):
            if f == k:
                probas[i] = model.predict(p.x)
    return probas


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--report-only", action="store_true", help="report only, write no model")
    ap.add_argument("--refresh", action="store_true", help="extract the pages again")
    args = ap.parse_args()
    score = ts.load_score()
    started = time.process_time()
    pages = load_pages(args.refresh)
    print(f"{len(pages)} pages read ({time.process_time() - started:.0f} CPU s)", file=sys.stderr)
    report: dict[str, Any] = {"params": PARAMS, "thresholds": html_model.THRESHOLDS}
    report["trafilatura"] = figures(pages, [p.trafilatura for p in pages], score)
    print("trafilatura alone:", report["trafilatura"]["ALL"], file=sys.stderr)
    probas = out_of_fold(pages)
    report["out_of_fold"] = by_level(pages, probas, score)
    with OOF.open("wb") as fh:  # for trying thresholds by hand
        pickle.dump({p.name: q for p, q in zip(pages, probas, strict=True)}, fh)
    print("out of fold:", report["out_of_fold"]["balanced"], file=sys.stderr)
    report["cross_data_set"] = {}
    for ds in sorted({p.dataset for p in pages}):
        _, model = fit([p for p in pages if p.dataset != ds])
        test = [p for p in pages if p.dataset == ds]
        held = by_level(test, [model.predict(p.x) for p in test], score)
        report["cross_data_set"][ds] = {level: f[ds] for level, f in held.items()}
    print("cross data set:", report["cross_data_set"], file=sys.stderr)
    clf, model = fit(pages)
    report["in_sample"] = by_level(pages, [model.predict(p.x) for p in pages], score)
    print("in sample:", report["in_sample"]["balanced"], file=sys.stderr)
    if not args.report_only:
        np.savez_compressed(MODEL, **export(clf))  # type: ignore[arg-type]
        report["model_sha256"] = hashlib.sha256(MODEL.read_bytes()).hexdigest()
        print(f"model written: {MODEL} ({MODEL.stat().st_size} bytes)", file=sys.stderr)
    REPORT.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
