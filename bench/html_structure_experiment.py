"""Would the structural cleaner help on HTML pages too? The experiment behind docs/html.md's
"Where the gap to 0.95 is" (run by hand; slow: it trains four models).

    .venv/bin/python bench/html_structure_experiment.py

Each page of ``../shared/data/webpages/html`` is loaded as ingest does it (visible text,
trafilatura's main text aligned to it). Its lines are then scored by the structural model, and a
line is kept when trafilatura kept it and the model scores it under ``REMOVE``, or when
trafilatura left it out and the model scores it under ``TAKE_BACK``; named-rule lines go. Scored
twice with the data set's ``score.py`` recipe: with the model trained on all pages (in-sample:
it was trained on these pages' text dumps) and, honestly, with each data set's lines scored by
a model trained on the other two (as ``bench/train_structure.py`` reports held-out figures).
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from multiprocessing import Pool
from pathlib import Path

import numpy as np
import train_structure as ts

from newsarchive.pipeline import clean_structure as cs
from newsarchive.pipeline.clean import RuleSet
from newsarchive.pipeline.sources import Input, iter_inputs, load
from newsarchive.settings import Settings

LINE = re.compile(r"\S(?:[^\n]*\S)?")
REMOVE = (1.01, 0.98, 0.95, 0.9, 0.85, 0.8, 0.7)  # 1.01: trafilatura's lines all kept
TAKE_BACK = (-1.0, 0.05, 0.15, 0.3)  # -1: none taken back


def page_lines(inp: Input) -> tuple[str, str, list[tuple[int, int]], list[bool]]:
    """A page's name, visible text, its lines' spans and whether trafilatura kept each."""
    article = load(inp, Settings())
    gone = {(r.start, r.end) for r in article.removed}
    spans = [m.span() for m in LINE.finditer(article.body)]
    return Path(inp.source_path).stem, article.body, spans, [span not in gone for span in spans]


def main() -> None:
    inputs = [
        i for i in iter_inputs([str(ts.DATA / "html")], settings=Settings()) if isinstance(i, Input)
    ]
    with Pool(2) as pool:
        pages = pool.map(page_lines, inputs, chunksize=8)
    print(f"{len(pages)} HTML pages loaded", file=sys.stderr)
    training = ts.load_pages()
    dataset = {p.name: p.dataset for p in training}
    models = {"ALL": cs.TreeModel.load(ts.export(ts.train(training)))}
    for ds in sorted(set(dataset.values())):
        models[ds] = cs.TreeModel.load(
            ts.export(ts.train([p for p in training if p.dataset != ds]))
        )
    print("models trained", file=sys.stderr)
    rules = RuleSet.load(Settings())
    score = ts.load_score()
    gold = {p.name: p.gold for p in training}
    rows = []
    for name, body, spans, kept in pages:
        if name not in dataset:
            continue
        lines = [body[a:b] for a, b in spans]
        ruled = np.array([rules.line_rule(body, *span) is not None for span in spans], bool)
        x = cs.line_features(lines, ruled.tolist())
        held, insample = models[dataset[name]].predict(x), models["ALL"].predict(x)
        rows.append((name, lines, np.array(kept, bool), ruled, held, insample))
    for which in ("in-sample", "held-out"):
        for remove in REMOVE:
            for back in TAKE_BACK:
                groups: dict[str, list[tuple[float, float]]] = defaultdict(list)
                for name, lines, kept, ruled, held, insample in rows:
                    p = insample if which == "in-sample" else held
                    keep = ((kept & (p < remove)) | (~kept & (p < back))) & ~ruled
                    if not keep.any():
                        keep = kept & ~ruled
                    out = "\n".join(line for line, k in zip(lines, keep, strict=True) if k)
                    pr, rc, *_ = score.page_scores(out, gold[name], 1)  # type: ignore[attr-defined]
                    groups[dataset[name]].append((pr, rc))
                    groups["ALL"].append((pr, rc))
                cells = []
                for ds in ("Dragnet", "L3S-GN1", "Readability", "ALL"):
                    mp = sum(v[0] for v in groups[ds]) / len(groups[ds])
                    mr = sum(v[1] for v in groups[ds]) / len(groups[ds])
                    cells.append(f"{ds} {2 * mp * mr / (mp + mr):.3f}")
                print(f"{which:<10} remove>={remove:<5} take back<{back:<5} " + "  ".join(cells))


if __name__ == "__main__":
    main()
