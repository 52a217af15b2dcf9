"""Speed of near-duplicate detection, the cost it adds to ingest.

    python bench/bench_dedup.py            # the 2,225 BBC articles of ../shared/data, 3 rounds

Per article, ingest computes a MinHash signature of the clean text (in the worker processes)
and, in the main process, queries the on-disk LSH index of first tellings and inserts the
article if it tells a new story, a chunk of articles at a time (64 in the local runner, 2,000 a
task on a cluster). Both are timed here on real texts, in CPU time (the machine may be shared);
the figure printed is the number of articles per second that step alone would handle, on one
core (best of 3).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
DATA = ROOT.parent / "shared" / "data" / "bbc"


def main() -> None:
    from newsarchive.pipeline.dedup import THRESHOLD, NearDuplicates, signature
    from newsarchive.pipeline.run import CHUNK

    texts = [f.read_bytes().decode("utf-8", "replace") for f in sorted(DATA.rglob("*.txt"))]
    signature(texts[0])  # imports and permutations, once
    best_sig = float("inf")
    best_link = {CHUNK: float("inf"), 2000: float("inf")}
    for _ in range(3):
        t0 = time.process_time()
        sigs = [signature(t) for t in texts]
        best_sig = min(best_sig, time.process_time() - t0)
        ids = [str(n) for n in range(len(sigs))]
        for size in best_link:
            with NearDuplicates(THRESHOLD) as near:
                t0 = time.process_time()
                for lo in range(0, len(sigs), size):
                    near.link(ids[lo : lo + size], sigs[lo : lo + size])
                best_link[size] = min(best_link[size], time.process_time() - t0)
    n = len(texts)
    print(f"{n:,} BBC articles, threshold {THRESHOLD}")
    print(
        f"  signature (worker)     {n / best_sig:>9,.0f} articles/s  {1e3 * best_sig / n:.3f} ms each"
    )
    for size, took in best_link.items():
        print(
            f"  LSH match + insert, {size:>5,} at a time "
            f"{n / took:>9,.0f} articles/s  {1e3 * took / n:.3f} ms each"
        )
    both = best_sig + best_link[CHUNK]
    print(f"  together, one core     {n / both:>9,.0f} articles/s  {1e3 * both / n:.3f} ms each")


if __name__ == "__main__":
    main()
