"""Per-article speed of the ingest stages on real news (run by hand; prints, asserts nothing).

    python bench/bench_stages.py

The evaluation tests guard quality only: a timed assertion fails on a busy machine. This prints
what they used to assert: ``load()`` articles/s on BBC, the tagger's CPU ms per BBC article (best
of five passes over every fifth article), the dater's ms per article on BBC (no dates) and on the
Daily Mail header set, and the cleaning rules' µs per article. CPU time and the best pass, so
that other work on a shared machine counts as little as it can.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from newsarchive.article import Article
from newsarchive.pipeline.clean import RuleSet, clean
from newsarchive.pipeline.dates import Dater
from newsarchive.pipeline.sources import Input, iter_inputs, load
from newsarchive.pipeline.tags import Tagger
from newsarchive.settings import Settings

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def body(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252")


def cpu_ms(stage: Callable[[Article], object], make: Callable[[], list[Article]]) -> float:
    """Best of five passes, CPU ms per article; fresh articles each pass."""
    best = float("inf")
    for _ in range(5):
        batch = make()
        start = time.process_time()
        for article in batch:
            stage(article)
        best = min(best, 1000 * (time.process_time() - start) / len(batch))
    return best


def main() -> None:
    settings = Settings()
    bbc = sorted((DATA / "bbc").glob("*/*.txt"))
    inputs = [
        i for i in iter_inputs([str(DATA / "bbc")], settings=settings) if isinstance(i, Input)
    ]
    start = time.process_time()
    for inp in inputs:
        load(inp, settings)
    print(f"load(): {len(inputs) / (time.process_time() - start):,.0f} BBC articles/s (CPU)")

    def titled() -> list[Article]:
        out = []
        for path in bbc[::5]:
            title, _, text = body(path).partition("\n")
            out.append(Article(title=title.strip(), text=text.strip()))
        return out

    tagger = Tagger(settings)
    print(f"tagger: {cpu_ms(tagger, titled):.3f} ms CPU per BBC article")
    dater = Dater(settings)
    print(
        f"dater: {cpu_ms(dater, lambda: [Article(body=body(p)) for p in bbc[::5]]):.3f} ms "
        "per BBC article"
    )
    headers = sorted((DATA / "dailymail" / "headers").glob("*.txt"))
    print(
        f"dater: {cpu_ms(dater, lambda: [Article(body=body(p)) for p in headers]):.3f} ms "
        "per Daily Mail header article"
    )
    rules = RuleSet.load(settings)
    print(
        f"clean: {1000 * cpu_ms(lambda a: clean(a, rules), lambda: [Article(body=body(p)) for p in bbc[::5]]):.0f} µs "
        "per BBC article"
    )


if __name__ == "__main__":
    main()
