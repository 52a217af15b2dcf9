"""Find what an ingest run reads, and load each input into an ``Article``.

The work is split by job; this module keeps the names others import:

- :mod:`.inputs`: :class:`Input`, :class:`Rejected`, :class:`DumpColumns`, the formats read,
  and ``source_path`` naming (:func:`escape_path`, :func:`real_path`);
- :mod:`.walk`: :func:`iter_inputs`, finding the inputs under the PATH arguments;
- :mod:`.reading`: :func:`load`, reading one input within the size limits;
- :mod:`.dumps` and :mod:`.manifests`: streamed ``.csv``/``.jsonl`` rows, manifest metadata.

Example::

    settings = load_settings()
    for item in iter_inputs(["data/bbc", "dumps/*.jsonl"], settings=settings):
        if isinstance(item, Rejected):
            report(item.source_path, item.reason)  # e.g. "not-an-article", "bad-row"
        else:
            article = load(item, settings)  # may raise Skip("empty"), Skip("binary") …
"""

from __future__ import annotations

from .inputs import MB, DumpColumns, Input, Rejected, escape_path, real_path
from .reading import load
from .walk import iter_inputs

__all__ = [
    "MB",
    "DumpColumns",
    "Input",
    "Rejected",
    "escape_path",
    "iter_inputs",
    "load",
    "real_path",
]
