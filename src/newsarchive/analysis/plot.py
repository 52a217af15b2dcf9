"""Charts as image files (PNG or SVG), drawn with matplotlib's Agg renderer, never a window.

matplotlib is imported here only, when a chart is asked for. Figures are built with
``matplotlib.figure.Figure`` directly (no ``pyplot`` state), so drawing is safe in any thread
and leaves a notebook's own plotting settings alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import UsageError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from .timeline import Timeline

WIDTH_IN, HEIGHT_IN, DPI = 12.0, 6.0, 100  # 1200 × 600 pixels
FORMATS = (".png", ".svg")
# Beyond this many points, markers turn a line into a smear.
MAX_MARKED_POINTS = 60
PERIOD_NAMES = {"day": "Day", "week": "Week (ISO, from Monday)", "month": "Month", "year": "Year"}


@dataclass(frozen=True, slots=True)
class Panel:
    """One set of axes: a y label and one line per named series (``None`` leaves a gap)."""

    ylabel: str
    series: dict[str, Sequence[float | None]]


def line_chart(
    starts: Sequence[datetime], panels: Sequence[Panel], *, by: str, title: str, note: str = ""
) -> Figure:
    """Panels stacked on one time axis (periods ``by``), the title on top, a legend in each panel.

    The first panel counts articles, so its axis shows whole numbers only.
    """
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, layout="constrained")
    axes = fig.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]
    marker = "o" if len(starts) <= MAX_MARKED_POINTS else None
    x = [s.replace(tzinfo=None) for s in starts]  # UTC already; naive avoids tz conversions
    for ax, panel in zip(axes, panels, strict=True):
        for name, values in panel.series.items():
            y = [float("nan") if v is None else v for v in values]
            ax.plot(x, y, marker=marker, markersize=3, linewidth=1.5, label=name)
        ax.set_ylabel(panel.ylabel)
        ax.set_ylim(bottom=0)
        ax.grid(True, alpha=0.3)
        ax.legend(loc="best", fontsize="small")
    axes[0].yaxis.set_major_locator(MaxNLocator(integer=True))
    locator = _date_locator(by, len(starts))
    axes[-1].xaxis.set_major_locator(locator)
    axes[-1].xaxis.set_major_formatter(_dates().ConciseDateFormatter(locator))
    axes[-1].set_xlabel(PERIOD_NAMES[by] + (f" · {note}" if note else ""))
    fig.suptitle(title)
    return fig


def _date_locator(by: str, periods: int) -> Any:
    """Ticks on period starts, about a dozen of them: no mid-month ticks on a monthly chart."""
    dates = _dates()
    if by == "year" or (by == "month" and periods > 48):
        years = periods if by == "year" else periods // 12
        return dates.YearLocator(base=max(1, -(-years // 12)))
    if by == "month":
        return dates.MonthLocator(interval=max(1, -(-periods // 12)))
    return dates.AutoDateLocator(maxticks=14)


def _dates() -> Any:
    """``matplotlib.dates``, whose locators and formatters carry no type annotations."""
    import matplotlib.dates

    return matplotlib.dates


def save(fig: Figure, path: str | Path) -> Path:
    """Write ``fig`` as PNG or SVG (by the file's suffix), ``WIDTH_IN``×``HEIGHT_IN`` at ``DPI``.

    SVG output is reproducible (no date stamp, fixed ids) and keeps its words as text, so they
    can be searched and edited.
    """
    import matplotlib

    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in FORMATS:
        raise UsageError(f"cannot draw {target.name}: give a .png or .svg file name")
    target.parent.mkdir(parents=True, exist_ok=True)
    with matplotlib.rc_context({"svg.hashsalt": "newsarchive", "svg.fonttype": "none"}):
        meta = {"Date": None} if suffix == ".svg" else {}
        fig.savefig(target, format=suffix[1:], dpi=DPI, metadata=meta)
    return target


def timeline_figure(tl: Timeline) -> Figure:
    """Counts on top, share of all articles (%) below, one line per query."""
    quoted = " vs ".join(f"“{q}”" for q in tl.queries)
    where = ", ".join(f"{k} {v}" for k, v in tl.scope.describe().items())
    title = f"Articles matching {quoted} per {tl.by}" + (f" ({where})" if where else "")
    counts = Panel("Articles matching", {q: tl.hits[q] for q in tl.queries})
    shares = Panel(
        f"Share of its {tl.group_by}'s articles (%)" if tl.bases else "Share of all articles (%)",
        {q: [None if s is None else 100 * s for s in tl.shares(q)] for q in tl.queries},
    )
    undated = ", ".join(f"{q} {tl.undated_hits[q]:,}" for q in tl.queries)
    note = f"undated hits, not shown: {undated}" if any(tl.undated_hits.values()) else ""
    return line_chart(tl.starts, [counts, shares], by=tl.by, title=title, note=note)


def plot_timeline(tl: Timeline, path: str | Path) -> Path:
    """Draw :func:`timeline_figure` to ``path`` (``.png`` or ``.svg``)."""
    return save(timeline_figure(tl), path)
