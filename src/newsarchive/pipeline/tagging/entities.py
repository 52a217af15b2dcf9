"""Places, countries, people and organisations from the capitalised spans of one article.

Two steps, one module each: :mod:`.scan` walks the spans once and files every mention it can
read (:class:`Mentions`); :mod:`.resolve` then settles what needs the whole article and returns
the tags with their evidence (:class:`Tags`)::

    tags = resolve(EntityExtractor(gazetteer, rules).extract(title, text), gazetteer)

This module keeps the names importable from one place.
"""

from __future__ import annotations

from .resolve import CountryTally, Tags, resolve
from .scan import EntityExtractor, Mentions, PlaceMention, Tally, headline_case

__all__ = [
    "CountryTally",
    "EntityExtractor",
    "Mentions",
    "PlaceMention",
    "Tags",
    "Tally",
    "headline_case",
    "resolve",
]
