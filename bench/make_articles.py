"""Build a large synthetic archive of article files from ../shared/data, for benchmarks only.

Each synthetic article takes a real headline and 4–12 real paragraphs drawn (with a fixed seed)
from the English sets, so sizes, vocabulary and boilerplate look like the real thing. The files
go to a folder outside the repository (default: /tmp/newsarchive-bench/articles-N); the text is
never copied into the project.

    python bench/make_articles.py --articles 100000
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


def build(n: int, out: Path, seed: int = 1987) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    existing = sum(1 for _ in out.rglob("*.txt"))
    if existing >= n:
        return out
    rng = random.Random(seed)
    titles, paras = paragraphs()
    for i in range(n):
        folder = out / f"{i // 1000:04d}"
        folder.mkdir(exist_ok=True)
        body = rng.sample(paras, rng.randint(4, 12))
        text = rng.choice(titles) + "\n\n" + "\n\n".join(body) + "\n"
        (folder / f"{i:06d}.txt").write_text(text, encoding="utf-8")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--articles", type=int, default=100_000)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    out = args.out or Path(f"/tmp/newsarchive-bench/articles-{args.articles}")
    print(build(args.articles, out))


if __name__ == "__main__":
    main()
