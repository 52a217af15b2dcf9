"""CPU cost of the structural cleaner on BBC-sized articles (run by hand; prints figures).

    .venv/bin/python bench/bench_clean_structure.py            # the BBC set, 5 rounds
    .venv/bin/python bench/bench_clean_structure.py --rounds 3 --limit 500
    .venv/bin/python bench/bench_clean_structure.py --before 0005e48   # also an older cleaner

Two measurements, each with ``clean.structure = "off"`` and ``"balanced"`` in interleaved rounds
(off, balanced, off, balanced…) so that machine load hits both alike; the best round of each is
kept. CPU time of this process (``time.process_time``), one process:

* the clean stage alone (:func:`newsarchive.pipeline.clean.clean`) on the decoded bodies;
* an article's whole plain-text ingest work as an ingest worker does it, a chunk of 64 inputs
  at a time (``Pipeline.run_chunk``: load → clean → structure → dates → tags, the near-duplicate
  signature and the Arrow batch), which is what the 15 % budget is counted against.

``balanced`` is timed twice: as ingest runs it (the structural cleaner reads a chunk's articles
together, :func:`~newsarchive.pipeline.clean.read_lines`) and ``one by one`` (each article's
lines read alone, :func:`~newsarchive.pipeline.clean_structure.structure_removals`, as before
the chunked reading).

``--before REF`` adds a variant, ``balanced`` one by one with the structural cleaner's code as it
was at git revision REF (its ``structure_removals`` swapped in), in the same interleaved rounds:
a before/after comparison under the same machine load.
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from newsarchive.article import Article
from newsarchive.pipeline.clean import RuleSet, clean, read_lines
from newsarchive.pipeline.decode import decode, normalise
from newsarchive.pipeline.run import CHUNK, Pipeline, RunOptions
from newsarchive.pipeline.sources import DumpColumns, Input, iter_inputs
from newsarchive.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
LEVELS = ("off", "balanced")
MODULE = "src/newsarchive/pipeline/clean_structure.py"


def older_structure_removals(ref: str) -> Callable[..., Any]:
    """``structure_removals`` of the cleaner at git revision ``ref`` (run against today's
    model file, which it must accept)."""
    source = subprocess.run(
        ["git", "show", f"{ref}:{MODULE}"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    spec = importlib.util.spec_from_loader("newsarchive.pipeline._clean_structure_before", None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "newsarchive.pipeline"
    sys.modules[spec.name] = module  # dataclasses look their module up
    exec(compile(source, f"{ref}:{MODULE}", "exec"), module.__dict__)
    return module.structure_removals  # type: ignore[no-any-return]


@contextmanager
def swapped(function: Callable[..., Any] | None) -> Iterator[None]:
    """The clean stage calling ``function`` as its structural cleaner (None: today's)."""
    from newsarchive.pipeline import clean_structure

    today = clean_structure.structure_removals
    if function is not None:
        clean_structure.structure_removals = function
    try:
        yield
    finally:
        clean_structure.structure_removals = today


def bodies(paths: list[Path]) -> list[str]:
    return [normalise(decode(p.read_bytes()).text) for p in paths]


def time_clean(texts: list[str], rules: RuleSet, together: bool) -> float:
    start = time.process_time()
    for i in range(0, len(texts), CHUNK):
        articles = [Article(body=body, source="bbc") for body in texts[i : i + CHUNK]]
        read = read_lines(articles, rules, lambda _: frozenset()) if together else []
        for article, lines in itertools.zip_longest(articles, read):
            clean(article, rules, frozenset(), lines)
    return (time.process_time() - start) / len(texts) * 1e3


def time_pipeline(inputs: list[Input], pipeline: Pipeline, together: bool) -> float:
    if not together:  # each article's lines read alone, by clean() itself
        pipeline.cleaner.read_ahead = lambda articles: None  # type: ignore[method-assign]
    start = time.process_time()
    for i in range(0, len(inputs), CHUNK):
        pipeline.run_chunk(list(inputs[i : i + CHUNK]))
    return (time.process_time() - start) / len(inputs) * 1e3


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--limit", type=int, default=0, help="articles (0: all 2,225)")
    ap.add_argument("--before", metavar="REF", help="also time the cleaner as it was at REF")
    args = ap.parse_args()
    paths = sorted((DATA / "bbc").glob("*/*.txt"))
    if args.limit:
        paths = paths[: args.limit]
    texts = bodies(paths)
    settings = {level: Settings().with_values(**{"clean.structure": level}) for level in LEVELS}
    inputs = [
        i
        for i in iter_inputs(
            [str(p) for p in paths], manifest=None, columns=DumpColumns(), settings=Settings()
        )
        if isinstance(i, Input)
    ]
    # variant -> (level, structural cleaner or None for today's, lines read a chunk together)
    variants: dict[str, tuple[str, Callable[..., Any] | None, bool]] = {
        "off": ("off", None, True),
        "balanced": ("balanced", None, True),
        "balanced one by one": ("balanced", None, False),
    }
    if args.before:
        before = older_structure_removals(args.before)
        variants[f"balanced@{args.before}"] = ("balanced", before, False)
    rules = {name: RuleSet.load(settings[level]) for name, (level, _, _) in variants.items()}
    pipelines = {
        name: Pipeline(RunOptions(settings[level]), {}) for name, (level, _, _) in variants.items()
    }
    for name, (_, function, together) in variants.items():  # warm: models, first-call costs
        with swapped(function):
            time_clean(texts[:50], rules[name], together)
            time_pipeline(inputs[:50], pipelines[name], together)
    best_clean = {name: float("inf") for name in variants}
    best_all = {name: float("inf") for name in variants}
    for _ in range(args.rounds):
        for name, (_, function, together) in variants.items():
            with swapped(function):
                clean_ms = time_clean(texts, rules[name], together)
                all_ms = time_pipeline(inputs, pipelines[name], together)
            best_clean[name] = min(best_clean[name], clean_ms)
            best_all[name] = min(best_all[name], all_ms)
    chars = sum(map(len, texts)) / len(texts)
    lines = sum(t.count("\n") + 1 for t in texts) / len(texts)
    print(
        f"{len(texts)} BBC articles, mean {chars:,.0f} characters, {lines:.0f} lines; "
        f"best of {args.rounds} interleaved rounds, CPU ms per article"
    )
    others = [name for name in variants if name != "off"]
    print(f"{'':<20}{'off':>8}" + "".join(f"{n:>26}" for n in others))
    for label, best in (("clean stage", best_clean), ("whole ingest work", best_all)):
        cells = "".join(
            f"{best[n]:>13.3f} (+{best[n] - best['off']:.3f}, {best[n] / best['off'] - 1:+.0%})"
            for n in others
        )
        print(f"{label:<20}{best['off']:>8.3f}{cells}")


if __name__ == "__main__":
    main()
