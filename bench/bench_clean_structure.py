"""CPU cost of the structural cleaner on BBC-sized articles (run by hand; prints figures).

    .venv/bin/python bench/bench_clean_structure.py            # the BBC set, 5 rounds
    .venv/bin/python bench/bench_clean_structure.py --rounds 3 --limit 500

Two measurements, each with ``clean.structure = "off"`` and ``"balanced"`` in interleaved rounds
(off, balanced, off, balanced…) so that machine load hits both alike; the best round of each is
kept. CPU time of this process (``time.process_time``), one process:

* the clean stage alone (:func:`newsarchive.pipeline.clean.clean`) on the decoded bodies;
* an article's whole plain-text ingest work (load → clean → structure → dates → tags, the
  ``Pipeline`` each ingest worker runs), which is what the 15 % budget is counted against.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from newsarchive.article import Article
from newsarchive.pipeline.clean import RuleSet, clean
from newsarchive.pipeline.decode import decode, normalise
from newsarchive.pipeline.run import Pipeline, RunOptions
from newsarchive.pipeline.sources import DumpColumns, Input, iter_inputs
from newsarchive.settings import Settings

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
LEVELS = ("off", "balanced")


def bodies(paths: list[Path]) -> list[str]:
    return [normalise(decode(p.read_bytes()).text) for p in paths]


def time_clean(texts: list[str], rules: RuleSet) -> float:
    start = time.process_time()
    for body in texts:
        clean(Article(body=body, source="bbc"), rules)
    return (time.process_time() - start) / len(texts) * 1e3


def time_pipeline(inputs: list[Input], pipeline: Pipeline) -> float:
    start = time.process_time()
    for inp in inputs:
        pipeline(inp)
    return (time.process_time() - start) / len(inputs) * 1e3


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--limit", type=int, default=0, help="articles (0: all 2,225)")
    args = ap.parse_args()
    paths = sorted((DATA / "bbc").glob("*/*.txt"))
    if args.limit:
        paths = paths[: args.limit]
    texts = bodies(paths)
    settings = {level: Settings().with_values(**{"clean.structure": level}) for level in LEVELS}
    rules = {level: RuleSet.load(settings[level]) for level in LEVELS}
    inputs = [
        i
        for i in iter_inputs(
            [str(p) for p in paths], manifest=None, columns=DumpColumns(), settings=Settings()
        )
        if isinstance(i, Input)
    ]
    pipelines = {level: Pipeline(RunOptions(settings[level]), {}) for level in LEVELS}
    for level in LEVELS:  # warm: models, regexes, first-call costs
        time_clean(texts[:50], rules[level])
        time_pipeline(inputs[:50], pipelines[level])
    best_clean = {level: float("inf") for level in LEVELS}
    best_all = {level: float("inf") for level in LEVELS}
    for _ in range(args.rounds):
        for level in LEVELS:
            best_clean[level] = min(best_clean[level], time_clean(texts, rules[level]))
            best_all[level] = min(best_all[level], time_pipeline(inputs, pipelines[level]))
    chars = sum(map(len, texts)) / len(texts)
    lines = sum(t.count("\n") + 1 for t in texts) / len(texts)
    print(
        f"{len(texts)} BBC articles, mean {chars:,.0f} characters, {lines:.0f} lines; "
        f"best of {args.rounds} interleaved rounds, CPU ms per article"
    )
    print(f"{'':<28}{'off':>9}{'balanced':>10}{'added':>9}{'ratio':>8}")
    for name, best in (("clean stage", best_clean), ("whole ingest work", best_all)):
        added = best["balanced"] - best["off"]
        print(
            f"{name:<28}{best['off']:>9.3f}{best['balanced']:>10.3f}{added:>9.3f}"
            f"{best['balanced'] / best['off']:>8.2f}"
        )


if __name__ == "__main__":
    main()
