"""Draw the docs' charts from Reuters-21578 (1987): attention to "oil" and "wheat" per month
(the README's), and the corpus profile's articles per month.

    python bench/make_readme_chart.py     # writes docs/img/reuters-timeline.png, reuters-stats.png

Reuters-21578 (../shared/data/reuters21578) is parsed with tests/eval/reuters.py into a JSON Lines
dump (text, title, date) in a work folder outside the repository, ingested and indexed there
(kept for later runs), and the chart is drawn by the command a researcher would type::

    newsarchive timeline --query oil --query wheat --by month --plot docs/img/reuters-timeline.png
    newsarchive stats --plot docs/img/reuters-stats.png
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "eval"))
from reuters import REUTERS_DIR, read_reuters, unwrap  # noqa: E402

NA = str(Path(sys.executable).with_name("newsarchive"))
CHART = ROOT / "docs" / "img" / "reuters-timeline.png"
STATS_CHART = ROOT / "docs" / "img" / "reuters-stats.png"


def write_dump(path: Path) -> int:
    """One JSON line per record with a body; dates as ISO 8601 UTC."""
    count = 0
    with open(path, "w", encoding="utf-8") as fh:
        for record in read_reuters(REUTERS_DIR):
            body = unwrap(str(record["body"]))
            if not body:
                continue
            title = str(record["title"])
            raw = str(record["date"]).split(".")[0].strip()
            try:
                date = datetime.strptime(raw, "%d-%b-%Y %H:%M:%S").replace(tzinfo=UTC).isoformat()
            except ValueError:
                date = raw
            row = {"text": f"{title}\n\n{body}" if title else body, "title": title or None,
                   "date": date, "source": "reuters"}  # fmt: skip
            fh.write(json.dumps(row) + "\n")
            count += 1
    return count


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/newsarchive-reuters"))
    ap.add_argument("--output", type=Path, default=CHART)
    ap.add_argument("--stats-output", type=Path, default=STATS_CHART)
    args = ap.parse_args()
    work: Path = args.workdir
    corpus, index_dir = work / "corpus", work / "indexes"
    if not (work / "complete").exists():
        work.mkdir(parents=True, exist_ok=True)
        print(f"{write_dump(work / 'reuters.jsonl'):,} Reuters records written", file=sys.stderr)
        subprocess.run(
            [NA, "ingest", str(work / "reuters.jsonl"), "--corpus", str(corpus),
             "--index-dir", str(index_dir), "--quiet"],
            check=True,
        )  # fmt: skip
        (work / "complete").touch()
    subprocess.run(
        [NA, "timeline", "--query", "oil", "--query", "wheat", "--by", "month",
         "--corpus", str(corpus), "--index-dir", str(index_dir), "--plot", str(args.output)],
        check=True,
    )  # fmt: skip
    subprocess.run(
        [NA, "stats", "--corpus", str(corpus), "--plot", str(args.stats_output)],
        check=True,
        stdout=subprocess.DEVNULL,
    )


if __name__ == "__main__":
    main()
