"""Progress of long work, as values: the library reports :class:`Step` s and never prints.

Long functions (:func:`newsarchive.ingest`, :func:`newsarchive.index.update_index`) take an
optional ``progress`` callback and call it with a :class:`Step` now and then; the CLI draws them
(``newsarchive.cli.display``), a notebook may log them or ignore them::

    >>> steps = []
    >>> report = ingest(["examples/"], corpus="corpus", progress=steps.append)  # doctest: +SKIP
    >>> steps[-1]  # doctest: +SKIP
    Step(phase='merging', done=0, total=None, counts={})

Phases, in the order a run goes through them: ``reading`` (finding and counting the inputs, and
the sample that teaches template lines), ``cleaning`` (each input decoded, cleaned, dated and
tagged: most of the work), ``writing`` (the last batch committed), ``indexing`` (articles added
to the search index), ``merging`` (the index committed and its segments merged: no total).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

PHASES = ("reading", "cleaning", "writing", "indexing", "merging")


@dataclass(frozen=True, slots=True)
class Step:
    """Where a long job is: ``done`` of ``total`` (``None`` while unknown) in ``phase``.

    ``counts`` are the running tallies a person watching wants beside the bar, with the same
    names and values as the final report (``ingested``, ``skipped``, ``not articles``...).
    """

    phase: str
    done: int
    total: int | None = None
    counts: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))


ProgressCallback = Callable[[Step], None]
