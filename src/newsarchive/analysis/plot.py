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
    """One set of axes: a y label and one line per named series (``None`` leaves a gap).

    ``bars`` draws the series as bars (the share's base: all articles per period).
    """

    ylabel: str
    series: dict[str, Sequence[float | None]]
    bars: bool = False


EMPTY_LABEL = "no articles at all"  # the shading of periods the corpus has nothing for


def line_chart(
    starts: Sequence[datetime],
    panels: Sequence[Panel],
    *,
    by: str,
    title: str,
    note: str = "",
    empty: Sequence[bool] = (),
) -> Figure:
    """Panels stacked on one time axis (periods ``by``), the title on top, one legend for all.

    ``empty`` marks the periods the corpus has no article for at all: they are shaded and
    their lines break there, since 0 hits out of 0 articles says nothing (a 0 would read as
    "no attention"). The first panel counts articles, so its axis shows whole numbers only;
    every tick says its year.
    """
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, layout="constrained")
    ratios = [1 if p.bars else 2 for p in panels]
    axes = fig.subplots(
        len(panels), 1, sharex=True, squeeze=False, gridspec_kw={"height_ratios": ratios}
    )[:, 0]
    marker = "o" if len(starts) <= MAX_MARKED_POINTS else None
    x = [s.replace(tzinfo=None) for s in starts]  # UTC already; naive avoids tz conversions
    blank = list(empty) or [False] * len(x)
    for ax, panel in zip(axes, panels, strict=True):
        for name, values in panel.series.items():
            y = [
                float("nan") if v is None or gap else v
                for v, gap in zip(values, blank, strict=True)
            ]
            if panel.bars:
                ax.bar(x, y, width=_bar_width(by), color="0.6", label=name)
                continue
            ax.plot(x, y, marker=marker, markersize=3, linewidth=1.5, label=name)
        _shade(ax, x, blank, by)
        ax.set_ylabel(panel.ylabel)
        ax.set_ylim(bottom=0)
        ax.grid(True, alpha=0.3)
    axes[0].yaxis.set_major_locator(MaxNLocator(integer=True))
    # one legend for the figure: each query once, the base and the shading explained
    handles, labels = [], []
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            if label not in labels:
                handles.append(handle)
                labels.append(label)
    if any(blank):
        handles.append(Patch(facecolor="0.85", edgecolor="none"))
        labels.append(EMPTY_LABEL)
    fig.legend(
        handles, labels, loc="outside lower center", ncols=min(len(labels), 6), frameon=False
    )
    locator = _date_locator(by, len(starts))
    axes[-1].xaxis.set_major_locator(locator)
    axes[-1].xaxis.set_major_formatter(_year_always(locator, by))
    axes[-1].set_xlabel(PERIOD_NAMES[by] + (f" · {note}" if note else ""))
    fig.suptitle(title)
    return fig


def _year_always(locator: Any, by: str) -> Any:
    """matplotlib's concise formatter, with the year on every tick that is not a year itself:
    "Mar 1987", "12 Mar 1987", not "Mar" with the year once in a corner."""
    formatter = _dates().ConciseDateFormatter(locator, show_offset=False)
    formatter.formats = ["%Y", "%b %Y", "%d %b %Y", "%d %b %Y %H:%M", "%H:%M", "%S.%f"]
    formatter.zero_formats = ["", "%Y", "%b %Y", "%d %b %Y", "%H:%M", "%H:%M"]
    return formatter


def _bar_width(by: str) -> float:
    """A bar's width in days: most of its period."""
    return {"day": 0.8, "week": 5.6, "month": 24.0, "year": 300.0}[by]


def _shade(ax: Any, x: Sequence[datetime], blank: Sequence[bool], by: str) -> None:
    """Grey bands over the periods with no article at all, edge to edge between neighbours."""
    from datetime import timedelta

    half = timedelta(days=_bar_width(by) / 0.8 / 2)
    for i, gap in enumerate(blank):
        if gap:
            left = x[i] - (x[i] - x[i - 1]) / 2 if i else x[i] - half
            right = x[i] + (x[i + 1] - x[i]) / 2 if i + 1 < len(x) else x[i] + half
            ax.axvspan(left, right, color="0.85", linewidth=0, zorder=0)


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
    """Counts on top, share of all articles (%) below, the share's base (all articles) at the
    foot; one line per query, one legend."""
    quoted = " vs ".join(f"“{q}”" for q in tl.queries)
    where = ", ".join(f"{k} {v}" for k, v in tl.scope.describe().items())
    title = f"Articles matching {quoted} per {tl.by}" + (f" ({where})" if where else "")
    counts = Panel("Articles matching", {q: tl.hits[q] for q in tl.queries})
    shares = Panel(
        f"Share of its {tl.group_by}'s articles (%)" if tl.bases else "Share of all articles (%)",
        {q: [None if s is None else 100 * s for s in tl.shares(q)] for q in tl.queries},
    )
    base = Panel("All articles", {"all articles (the share's base)": tl.articles}, bars=True)
    undated = ", ".join(f"{q} {tl.undated_hits[q]:,}" for q in tl.queries)
    note = f"undated hits, not shown: {undated}" if any(tl.undated_hits.values()) else ""
    empty = [n == 0 for n in tl.articles]
    return line_chart(
        tl.starts, [counts, shares, base], by=tl.by, title=title, note=note, empty=empty
    )


def nothing_to_chart(tl: Timeline) -> str | None:
    """Why a chart of ``tl`` would show nothing (no hit on its time axis), else ``None``."""
    if any(any(hits) for hits in tl.hits.values()):
        return None
    undated = sum(tl.undated_hits.values())
    quoted = ", ".join(tl.queries)
    extra = f" ({undated:,} undated hits cannot be placed on it)" if undated else ""
    return f"no article matching {quoted} has a date in this scope{extra}"


def plot_timeline(tl: Timeline, path: str | Path) -> Path | None:
    """Draw :func:`timeline_figure` to ``path`` (``.png`` or ``.svg``); ``None``, and no file,
    when nothing matches on the time axis (:func:`nothing_to_chart` says why): a flat chart
    would look like a finding."""
    if nothing_to_chart(tl) is not None:
        return None
    return save(timeline_figure(tl), path)
