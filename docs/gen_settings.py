"""Write the table of docs/settings.md from the settings' one definition (``Settings``' fields).

    .venv/bin/python docs/gen_settings.py

tests/test_settings.py fails when the table is out of date, so it never drifts.
"""

from __future__ import annotations

import json
from pathlib import Path

from newsarchive.settings import SETTINGS

OUT = Path(__file__).resolve().parent / "settings.md"
HEADER = "| setting | default | meaning |"


def table() -> str:
    rows = [HEADER, "|---|---|---|"]
    for s in SETTINGS:
        default = json.dumps(list(s.default) if isinstance(s.default, tuple) else s.default)
        rows.append(f"| `{s.name}` | `{default}` | {s.help} |")
    return "\n".join(rows) + "\n"


def document() -> str:
    """docs/settings.md with its table (from the header row to the first line that is not a
    row) replaced by :func:`table`."""
    text = OUT.read_text(encoding="utf-8")
    start = text.index(HEADER)
    lines = text[start:].splitlines(keepends=True)
    end = start + sum(
        len(line)
        for line in lines[
            : next((i for i, line in enumerate(lines) if not line.startswith("|")), len(lines))
        ]
    )
    return text[:start] + table() + text[end:]


if __name__ == "__main__":
    OUT.write_text(document(), encoding="utf-8")
