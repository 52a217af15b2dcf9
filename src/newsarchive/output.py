"""What every output shares: spreadsheet-safe CSV cells and terminal-safe text.

Stored text comes from scrapers, so it may hold what a spreadsheet runs (``=HYPERLINK(…)``) or
what a terminal obeys (ESC and OSC sequences that recolour it, set its title or clear it).

>>> formula_safe("=HYPERLINK(\\"http://example.com\\")")
'\\'=HYPERLINK("http://example.com")'
>>> on_screen("Evil\\x1b]0;title\\x07 title")
'Evil\\\\x1b]0;title\\\\x07 title'
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

# OWASP's CSV injection advice: a cell that starts with one of these is a formula in Excel,
# LibreOffice Calc or Google Sheets; a leading single quote makes it text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# C0 controls but tab and newline, DEL, and C1 controls (0x9b is a one-byte CSI): shown escaped.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CONTROL_ALL = re.compile("[\x00-\x1f\x7f-\x9f]")  # the same with tab and newline, for one-liners


def formula_safe(value: str) -> str:
    """``value`` with a leading ``'`` if a spreadsheet would read it as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def safe_cell(value: Any, *, formulas: bool = True) -> Any:
    """A CSV cell: text neutralised (unless ``formulas``), numbers and the rest left as they are.

    Only text is touched, so a negative number stays a number in the spreadsheet.
    """
    if formulas and isinstance(value, str):
        return formula_safe(value)
    return value


def csv_text(
    rows: Iterable[Mapping[str, Any]], columns: Sequence[str], *, formula_safe: bool = True
) -> str:
    """``rows`` as CSV with a header; text cells made safe to open in a spreadsheet unless
    ``formula_safe`` is False (for machine consumers that want the values verbatim)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n")
    # With "\n" line ends the csv module leaves a lone CR unquoted, and readers split the row there.
    quoted = csv.DictWriter(
        out, fieldnames=list(columns), lineterminator="\n", quoting=csv.QUOTE_ALL
    )
    writer.writeheader()
    for row in rows:
        cells = {k: safe_cell(v, formulas=formula_safe) for k, v in row.items()}
        has_cr = any(isinstance(v, str) and "\r" in v for v in cells.values())
        (quoted if has_cr else writer).writerow(cells)
    return out.getvalue()


def on_screen(text: str, *, one_line: bool = False) -> str:
    """``text`` with control characters shown as ``\\xNN``, so a terminal prints them, not obeys.

    ``one_line`` escapes tab and newline too (titles, paths: one line each).
    """
    pattern = _CONTROL_ALL if one_line else _CONTROL
    return pattern.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
