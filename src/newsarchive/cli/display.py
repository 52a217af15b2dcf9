"""The one progress display of every long command: the library's :class:`~newsarchive.progress.Step` s
drawn on stderr with rich, one line per phase.

A line shows the phase, a bar, the percentage, done/total, the rate and the time left when the
total is known (a spinner, the count and the rate while it is not), the time spent in the phase,
and the running counts under the same names as the summary::

    reading   ━━━━━━━━━━━━━━━━━━━━━━━━ 100% 2,225/2,225  31,420/s  0:00:00  0:00:00
    cleaning  ━━━━━━━━━━━━━╸━━━━━━━━━━  54% 1,216/2,225     92/s  0:00:11  0:00:13  ingested 1,216 · skipped 0 · not articles 1

Drawn only for a person watching a terminal (``show_progress``): not with ``-q``, not when
stderr is a file or a pipe.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, Task, TaskID

    from ..progress import Step


class ProgressDisplay:
    """A callback for the library's ``progress``, and a context manager around the work.

    >>> with ProgressDisplay(enabled=False) as show:  # doctest: +SKIP
    ...     report = ingest(paths, progress=show)
    """

    def __init__(self, enabled: bool, console: Console | None = None) -> None:
        self.enabled = enabled
        self.console = console
        self.progress: Progress | None = None
        self.tasks: dict[str, TaskID] = {}
        self.current: str | None = None

    def __enter__(self) -> ProgressDisplay:
        if self.enabled:
            self.progress = _make_progress(self.console)
            self.progress.start()
        return self

    def __exit__(self, kind: object, *exc: object) -> None:
        self.close(finished=kind is None)

    def close(self, finished: bool = True) -> None:
        if self.progress is not None:
            if finished:  # the work returned: its last phase is over (not so after Ctrl-C)
                self._finish_current(self.progress)
            self.progress.stop()
            self.progress = None

    def __call__(self, step: Step) -> None:
        progress = self.progress
        if progress is None:
            return
        if step.phase != self.current:
            self._finish_current(progress)
            self.current = step.phase
        task = self.tasks.get(step.phase)
        if task is None:
            task = self.tasks[step.phase] = progress.add_task(
                step.phase, total=None, counts="", uncounted=True
            )
        counts = " · ".join(f"{name} {n:,}" for name, n in step.counts.items())
        total = None if step.total is None else max(step.total, step.done)
        uncounted = step.total is None and step.done == 0  # merging: time only, no count
        progress.update(task, completed=step.done, total=total, counts=counts, uncounted=uncounted)

    def _finish_current(self, progress: Progress) -> None:
        """A phase that ended: its bar full, its clock stopped (merging has no count)."""
        if self.current is None:
            return
        task = self.tasks[self.current]
        done = progress.tasks[task].completed
        progress.update(task, total=done or 1, completed=done or 1)
        progress.stop_task(task)


def _make_progress(console: Console | None) -> Progress:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        Progress,
        ProgressColumn,
        SpinnerColumn,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class Count(ProgressColumn):
        """``1,216/2,225``, or ``1,216`` while the total is unknown."""

        def render(self, task: Task) -> Text:
            if task.fields.get("uncounted"):
                return Text("")
            done = f"{int(task.completed):,}"
            return Text(done if task.total is None else f"{done}/{int(task.total):,}")

    class Rate(ProgressColumn):
        def render(self, task: Task) -> Text:
            speed: Any = task.finished_speed or task.speed
            return Text(f"{speed:,.0f}/s" if speed else "", justify="right")

    return Progress(
        SpinnerColumn(finished_text="✓"),
        TextColumn("{task.description:<9}"),
        BarColumn(bar_width=24),
        TaskProgressColumn(),
        Count(),
        Rate(),
        TimeRemainingColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[counts]}"),
        console=console or Console(stderr=True),
        refresh_per_second=5,
    )
