"""Edited copies of real articles, for measuring near-duplicate detection (shared by the
evaluation test and ``bench/bench_dedup.py``).

Each edit is what happens to a story between outlets or versions: sentences dropped, words
swapped, a new headline, boilerplate added, or all of these at once. Edits are random but
seeded, so a measurement can be repeated.
"""

from __future__ import annotations

import random
import re

EDITS = ("drop", "swap", "headline", "boilerplate", "all")
BOILERPLATE_HEAD = ["Share this article", "Follow us on Twitter and Facebook"]
BOILERPLATE_FOOT = [
    "Sign up to our newsletter for the day's top stories.",
    "Copyright 2005 The Evening Gazette. All rights reserved.",
    "Have your say: comments are open below.",
]
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'])")


def sentences(paragraph: str) -> list[str]:
    return [s for s in _SENTENCE.split(paragraph) if s.strip()]


def edit(text: str, kind: str, rng: random.Random, vocabulary: list[str]) -> str:
    """``text`` (headline line, blank line, paragraphs) with one kind of edit applied."""
    head, _, body = text.strip().partition("\n")
    paragraphs = [p.strip() for p in body.split("\n") if p.strip()]
    if kind in ("drop", "all"):
        share = 0.2 if kind == "drop" else 0.1
        units = [(i, s) for i, p in enumerate(paragraphs) for s in sentences(p)]
        gone = set(rng.sample(range(len(units)), max(1, int(share * len(units)))))
        kept: dict[int, list[str]] = {}
        for n, (i, s) in enumerate(units):
            if n not in gone:
                kept.setdefault(i, []).append(s)
        paragraphs = [" ".join(kept[i]) for i in sorted(kept)]
    if kind in ("swap", "all"):
        share = 0.1 if kind == "swap" else 0.05
        words = "\n".join(paragraphs).split(" ")
        for i in rng.sample(range(len(words)), max(1, int(share * len(words)))):
            words[i] = rng.choice(vocabulary)
        paragraphs = " ".join(words).split("\n")
    if kind in ("headline", "all"):
        head = " ".join(rng.choice(vocabulary) for _ in range(6)).capitalize()
    if kind in ("boilerplate", "all"):
        paragraphs = BOILERPLATE_HEAD + paragraphs + BOILERPLATE_FOOT
    return head + "\n\n" + "\n\n".join(paragraphs) + "\n"
