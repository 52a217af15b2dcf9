"""The tagging stage: topics, places, countries, people and organisations, each with evidence.

One :class:`Tagger` is built per run (it reads the taxonomy at once, so that a bad taxonomy file
fails before anything is read; the gazetteer and the name lists, about 1 s, wait for the first
article, so a re-run that finds nothing new never loads them) and then called on every article::

    tagger = Tagger(load_settings())
    article = tagger(article)
    article.topics        # ['industrial-action', 'health']
    article.countries     # ['GB']
    article.tag_evidence  # [Evidence('topics', 'industrial-action', 'taxonomy:industrial-action',
                          #           'strike x4, picket, pay dispute'), ...]

Like every stage it fills a field only while it is still empty, so tags given by a manifest
survive. The rules are described in ``docs/tags.md``; the word lists are the data files
``taxonomy.toml``, ``places.toml`` and ``names.toml`` in ``newsarchive/data``.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any

from ..article import Article, Evidence
from ..errors import UsageError
from ..settings import Settings
from .tagging.names import NameRules
from .tagging.places import Gazetteer
from .tagging.resolve import Tags, resolve
from .tagging.scan import EntityExtractor, headline_case
from .tagging.topics import Taxonomy, load_taxonomy

NER_ENGINES = ("builtin", "spacy")


class Tagger:
    """Fills ``topics``, ``places``, ``countries``, ``people``, ``organisations`` and
    ``tag_evidence`` of an article from its ``title`` and clean ``text``.

    ``settings``: ``taxonomy`` (a file replacing the shipped taxonomy), ``extra_taxonomy``
    (files adding topics) and ``max_topics``. ``ner="spacy"`` takes people, organisations and
    places from an installed spaCy model instead of the built-in rules.
    """

    def __init__(self, settings: Settings, *, ner: str = "builtin") -> None:
        if ner not in NER_ENGINES:
            raise UsageError(f"unknown --ner {ner!r}; use one of: {', '.join(NER_ENGINES)}")
        self._settings = settings
        self._ner = ner
        self.taxonomy: Taxonomy = _taxonomy(settings)
        if ner == "spacy":  # built now: a missing model is a usage error before the run starts
            _ = self._spacy

    @cached_property
    def rules(self) -> NameRules:
        return NameRules.load()

    @cached_property
    def gazetteer(self) -> Gazetteer:
        return Gazetteer.load(self.rules.first_names)

    @cached_property
    def extractor(self) -> EntityExtractor:
        return EntityExtractor(self.gazetteer, self.rules)

    @cached_property
    def _spacy(self) -> Any:
        if self._ner != "spacy":
            return None
        from .tagging.spacy_ner import SpacyNer  # imports spaCy: only when asked for

        return SpacyNer(self.gazetteer, self.rules.legal_forms)

    def load(self) -> None:
        """Load the gazetteer and name lists now (before forking workers, which share them)."""
        _ = self.extractor, self._spacy

    def __reduce__(self) -> tuple[Any, tuple[Settings, str]]:
        # Workers rebuild from the settings (0.4 s) rather than unpickle 34,000 cities.
        return (_rebuild, (self._settings, self._ner))

    def __call__(self, article: Article) -> Article:
        title = article.title or ""
        if not article.topics:
            self._topics(article, title)
        fields = ("places", "countries", "people", "organisations")
        if any(not getattr(article, f) for f in fields):
            self._entities(article, title, fields)
        return article

    def _topics(self, article: Article, title: str) -> None:
        cased = not headline_case(title)
        limit = self._settings.for_source(article.source).max_topics  # per source too
        for s in self.taxonomy.score(title, article.text, title_cased=cased, limit=limit):
            article.topics.append(s.label)
            article.tag_evidence.append(
                Evidence("topics", s.label, f"taxonomy:{s.label}", s.matched())
            )

    def _entities(self, article: Article, title: str, fields: tuple[str, ...]) -> None:
        tags = self.tags(title, article.text)
        for f in fields:
            if getattr(article, f):
                continue  # given upstream (a manifest column): keep it, and its evidence
            setattr(article, f, list(getattr(tags, f)))
            article.tag_evidence.extend(e for e in tags.evidence if e.field == f)

    def tags(self, title: str, text: str) -> Tags:
        """Places, countries, people and organisations of one text, with their evidence."""
        if self._spacy is not None:
            result: Tags = self._spacy.tags(title, text)
            return result
        return resolve(self.extractor.extract(title, text), self.gazetteer, self.rules.legal_forms)


def _rebuild(settings: Settings, ner: str) -> Tagger:
    return Tagger(settings, ner=ner)


def _taxonomy(settings: Settings) -> Taxonomy:
    base = settings.taxonomy
    extra = settings.extra_taxonomy
    if isinstance(extra, str):
        extra = [extra]
    base_path: Path | None = settings.path(base) if base else None
    return load_taxonomy(base_path, [settings.path(p) for p in extra])
