"""Removal records on a huge file of short lines, before and after runs were merged (by hand).

    .venv/bin/python bench/bench_removal_runs.py                      # 1,000,000 lines
    .venv/bin/python bench/bench_removal_runs.py --lines 200000 --before 7122439

A file of a million short lines (a scraped site's pages one after another: a menu, a headline,
two paragraphs, a share bar and a footer, over and over; the worst case for the structural
cleaner, as most lines are boilerplate) is cleaned by :func:`newsarchive.pipeline.clean.clean`
at ``balanced``, in a fresh process per variant. Printed: the removals recorded, the CPU seconds
of the clean stage and of turning the article into its stored row (``to_row``), and the
process's peak resident memory. ``--before REF`` also runs ``clean.py`` as it was at git
revision REF (one removal per line).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODULE = "src/newsarchive/pipeline/clean.py"
WORDS = ("Home", "News", "Sport", "Weather", "Contact", "Subscribe", "Login", "Video", "More")

CHILD = r"""
import importlib.util, json, resource, subprocess, sys, time
from newsarchive.article import Article
from newsarchive.settings import Settings
ref, lines = sys.argv[1], int(sys.argv[2])
if ref:
    source = subprocess.run(["git", "show", f"{ref}:{MODULE}"], capture_output=True, text=True,
                            check=True).stdout
    spec = importlib.util.spec_from_loader("newsarchive.pipeline._clean_before", None)
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "newsarchive.pipeline"
    sys.modules[spec.name] = module
    exec(compile(source, f"{ref}:{MODULE}", "exec"), module.__dict__)
else:
    import newsarchive.pipeline.clean as module
words = WORDS
page = [*words, "Council approves new bus lanes after long debate N",
        "The council voted on Tuesday night to approve three new bus lanes in the city centre "
        "after a long debate about the cost to local shops and the loss of parking N.",
        "Traders said that the plan would hurt them, but the council said it would review the "
        "lanes after a year and publish what it had found N.", "Share", "Facebook", "Twitter",
        "About us", "Contact us", "Privacy policy"]
body = "\n".join(page[i % len(page)].replace("N", str(i)) for i in range(lines))
rules = module.RuleSet.load(Settings())
start = time.process_time()
article = module.clean(Article(body=body, source="dump"), rules)
clean_s = time.process_time() - start
start = time.process_time()
row = article.to_row()
row_s = time.process_time() - start
print(json.dumps({"removals": len(article.removed), "clean_s": clean_s, "row_s": row_s,
                  "kept_chars": len(article.text),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run(ref: str, lines: int) -> dict[str, float]:
    code = CHILD.replace("MODULE", repr(MODULE)).replace("WORDS", repr(WORDS))
    out = subprocess.run(
        [sys.executable, "-c", code, ref, str(lines)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out)  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--before", default="", help="git revision of the older clean.py")
    args = parser.parse_args()
    variants = [("now", "")] + ([(args.before, args.before)] if args.before else [])
    print(f"{args.lines:,} short lines, clean.structure = balanced")
    print(f"  {'clean.py':<10}{'removals':>10}{'clean s':>9}{'to_row s':>9}{'peak MB':>9}")
    for label, ref in variants:
        r = run(ref, args.lines)
        print(
            f"  {label:<10}{r['removals']:>10,}{r['clean_s']:>9.1f}{r['row_s']:>9.2f}"
            f"{r['peak_mb']:>9.0f}"
        )


if __name__ == "__main__":
    main()
