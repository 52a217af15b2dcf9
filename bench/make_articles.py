"""Build a large synthetic archive of article files from ../shared/data, for benchmarks only.

Each synthetic article takes a real headline and 4–12 real paragraphs drawn (with a fixed seed)
from the English sets, so vocabulary and boilerplate look like the real thing. With
``--bbc-sized``, paragraphs are drawn until the article is as long as a BBC article picked at
random, so the sizes follow the BBC set's (mean ≈ 2,300 characters) instead of running longer.
The files go to a folder outside the repository (default: /tmp/newsarchive-bench/articles-N, or
bbc-sized-N); the text is never copied into the project.

    python bench/make_articles.py --articles 100000 [--bbc-sized]
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
ENGLISH_SETS = ["bbc", "cnn/articles", "dailymail/train", "isot/true", "isot/fake"]


def paragraphs() -> tuple[list[str], list[str]]:
    titles: list[str] = []
    paras: list[str] = []
    for name in ENGLISH_SETS:
        for f in sorted((DATA / name).rglob("*.txt")):
            text = f.read_bytes().decode("utf-8", "replace")
            lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
            if not lines or f.name == "README.TXT":
                continue
            if name == "bbc":
                titles.append(lines[0])
                lines = lines[1:]
            for ln in lines:
                # split the one-paragraph CNN/Daily Mail stories into sentence groups
                if len(ln) > 1200:
                    parts = ln.split(". ")
                    for i in range(0, len(parts), 4):
                        paras.append(". ".join(parts[i : i + 4]).strip())
                else:
                    paras.append(ln)
    return titles, [p for p in paras if len(p) > 40]


def bbc_lengths() -> list[int]:
    """Characters in each BBC article: the size distribution ``--bbc-sized`` follows."""
    return [len(f.read_bytes()) for f in sorted((DATA / "bbc").rglob("*.txt"))]


def build(n: int, out: Path, seed: int = 1987, *, bbc_sized: bool = False) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    existing = sum(1 for _ in out.rglob("*.txt"))
    if existing >= n:
        return out
    rng = random.Random(seed)
    titles, paras = paragraphs()
    lengths = bbc_lengths() if bbc_sized else []
    for i in range(n):
        folder = out / f"{i // 1000:04d}"
        folder.mkdir(exist_ok=True)
        if lengths:
            text, target = rng.choice(titles) + "\n", rng.choice(lengths)
            while True:  # whole paragraphs, ending nearest the target length
                para = rng.choice(paras)
                if text.count("\n") > 1 and len(text) + len(para) // 2 > target:
                    break
                text += "\n" + para + "\n"
        else:
            body = rng.sample(paras, rng.randint(4, 12))
            text = rng.choice(titles) + "\n\n" + "\n\n".join(body) + "\n"
        (folder / f"{i:06d}.txt").write_text(text, encoding="utf-8")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--articles", type=int, default=100_000)
    ap.add_argument("--bbc-sized", action="store_true", help="follow the BBC set's article sizes")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    name = "bbc-sized" if args.bbc_sized else "articles"
    out = args.out or Path(f"/tmp/newsarchive-bench/{name}-{args.articles}")
    print(build(args.articles, out, bbc_sized=args.bbc_sized))


if __name__ == "__main__":
    main()
