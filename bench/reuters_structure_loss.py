"""What the structural cleaner takes from Reuters-21578, a clean newswire (run by hand).

    .venv/bin/python bench/reuters_structure_loss.py                 # balanced
    .venv/bin/python bench/reuters_structure_loss.py --level aggressive --show 40

Reuters-21578's stories have no menus, comments or footers: whatever ``structure/…`` removes is
lost content (most of it rows of earnings and results tables). Each record is read as ingest
reads it (:func:`newsarchive.pipeline.sgml.article_text`) and cleaned; printed: the share of
words lost, the articles that lose any line, and a sample of the lines lost.
"""

from __future__ import annotations

import argparse
import random
from collections import Counter
from pathlib import Path

from newsarchive.article import Article
from newsarchive.pipeline.clean import RuleSet, clean
from newsarchive.pipeline.sgml import ENCODING, article_text, records
from newsarchive.pipeline.structure import count_words
from newsarchive.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
REUTERS = ROOT.parent / "shared" / "data" / "reuters21578"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--level", default="balanced")
    parser.add_argument("--show", type=int, default=20, help="lost lines to print")
    args = parser.parse_args()
    rules = RuleSet.load(Settings().with_values(**{"clean.structure": args.level}))
    words = lost = articles = touched = 0
    labels: Counter[str] = Counter()
    sample: list[str] = []
    for path in sorted(REUTERS.glob("*.sgm")):
        for record in records(path.read_text(encoding=ENCODING)):
            body = article_text(record.sgml)
            if not body.strip():
                continue
            article = clean(Article(body=body, source="reuters", format="sgml"), rules)
            articles += 1
            words += count_words(body)
            gone = [r for r in article.removed if r.rule.startswith("structure/")]
            if gone:
                touched += 1
            for r in gone:
                lost += count_words(r.text)
                labels[r.rule] += 1
                sample.append(r.text)
    print(f"level {args.level}: {articles:,} articles, {words:,} words")
    print(f"  words removed by structure/*: {lost:,} ({lost / words:.3%})")
    print(f"  articles losing any line: {touched:,} ({touched / articles:.2%})")
    print(f"  removals by label: {dict(labels.most_common())}")
    random.Random(0).shuffle(sample)
    for text in sample[: args.show]:
        print(f"    {text[:110]!r}")


if __name__ == "__main__":
    main()
