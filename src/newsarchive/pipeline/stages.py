"""The stages an article goes through after it is loaded, behind one interface.

Every stage is built once per worker from the run's options (settings, ``--date``, ``--ner``…)
and then called on each article: ``stage(article) -> article``. :class:`~.run.Pipeline` builds
them and runs them as a list, in order: clean → structure → one-line fields → dates → tags. The stages'
own functions (``clean``, ``add_structure``) keep their signatures; the classes here only
give them the shared interface.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from ..article import Article, Removal
from ..errors import Skip
from ..settings import Settings

if TYPE_CHECKING:
    from .clean import Lines, RuleSet


class Stage(Protocol):
    """One step of the pipeline: fills (only) the fields of ``article`` it is for, returns it.
    It may raise :class:`~newsarchive.errors.Skip` when the article cannot go on."""

    def __call__(self, article: Article) -> Article: ...


class Cleaner:
    """``clean`` with the run's rules and each source's learnt template lines; an article with
    nothing left is skipped as ``no-text``."""

    def __init__(self, rules: RuleSet, templates: dict[str, frozenset[str]]) -> None:
        self.rules = rules
        self.templates = templates
        self._read: dict[int, Lines] = {}  # id(article) -> what read_ahead read of it

    def read_ahead(self, articles: list[Article]) -> None:
        """Read the lines of a chunk's articles now, the structural cleaner's model run over all
        of them at once (much cheaper than one article at a time); each article's call then
        takes them. Call :meth:`forget` once the chunk is done."""
        from .clean import read_lines

        read = read_lines(articles, self.rules, self._templates_of)
        self._read = {id(a): r for a, r in zip(articles, read, strict=True) if r is not None}

    def forget(self) -> None:
        self._read = {}

    def _templates_of(self, article: Article) -> frozenset[str]:
        return self.templates.get(article.source, frozenset())

    @classmethod
    def from_settings(cls, settings: Settings, templates: dict[str, frozenset[str]]) -> Cleaner:
        from .clean import RuleSet

        return cls(RuleSet.load(settings), templates)

    def __call__(self, article: Article) -> Article:
        from .clean import clean

        lines = self._read.pop(id(article), None)
        clean(article, self.rules, self._templates_of(article), lines)
        if article.cut_chars:  # recorded where the text stops, as the cleaner records its cuts
            end = len(article.body)
            article.removed.append(Removal("", "max_article_chars", end, end))
        if not article.text.strip():
            rules = sorted({r.rule for r in article.removed})
            raise Skip("no-text", f"nothing left after cleaning (removed by {', '.join(rules)})")
        return article


class Structurer:
    """``add_structure`` with the language settings of the article's source."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        if settings.languages and not settings.language_hint:
            from .structure import load_models

            load_models(settings.languages)  # now: an unknown code is a usage error before the run

    def __call__(self, article: Article) -> Article:
        from .structure import add_structure

        return add_structure(
            article,
            language_hint=self.settings.for_source(article.source).language_hint,
            languages=self.settings.languages,
        )


def one_line_fields(article: Article) -> Article:
    """Titles and names come from pages, manifests and dumps: drop the control characters and
    terminal escapes they may carry, so no reader's terminal obeys them; then the clean text's
    ``content_hash``, which the later stages do not change."""
    from .decode import one_line
    from .run import content_hash

    if article.title is not None:
        article.title = one_line(article.title) or None
    article.authors = [a for a in map(one_line, article.authors) if a]
    article.content_hash = content_hash(article.text)
    return article
