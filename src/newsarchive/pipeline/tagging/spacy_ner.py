"""``--ner spacy``: people, organisations and places from a spaCy model the user installed.

spaCy finds the names; the gazetteer still turns place names into places and countries, and
the same resolution merges "Hunt" into "Jeremy Hunt". spaCy is imported here only, and only
when asked for: newsarchive does not depend on it.
"""

from __future__ import annotations

import importlib
from typing import Any

from ...errors import UsageError
from .places import Gazetteer
from .resolve import Tags, resolve
from .scan import Mentions, PlaceMention

MODELS = ("en_core_web_sm", "en_core_web_md", "en_core_web_lg", "en_core_web_trf")
MISSING = (
    "--ner spacy needs spaCy and an English model: "
    "pip install spacy && python -m spacy download en_core_web_sm"
)


def load_model() -> Any:
    """The first English pipeline installed, of :data:`MODELS`; :class:`UsageError` if none."""
    try:
        spacy = importlib.import_module("spacy")  # not a dependency: no static import
    except ImportError:
        raise UsageError(MISSING) from None
    for name in MODELS:
        try:
            return spacy.load(name, disable=["lemmatizer"])
        except OSError:  # spaCy's way of saying the model is not installed
            continue
    raise UsageError(MISSING)


class SpacyNer:
    """Tags from a spaCy pipeline's named entities (``PERSON``, ``ORG``, ``GPE``/``LOC``, ``NORP``)."""

    def __init__(
        self,
        gazetteer: Gazetteer,
        legal_forms: frozenset[str] = frozenset(),
        nlp: Any | None = None,
    ) -> None:
        self.gaz = gazetteer
        self.legal_forms = legal_forms
        self.nlp = load_model() if nlp is None else nlp

    def tags(self, title: str, text: str) -> Tags:
        joined = f"{title}\n\n{text}" if title else text
        found = Mentions()
        for ent in self.nlp(joined).ents:
            self._add(found, ent.label_, ent.text.strip(), ent.start_char)
        return resolve(found, self.gaz, self.legal_forms)

    def _add(self, found: Mentions, label: str, name: str, pos: int) -> None:
        rule = f"spacy:{label}"
        name = name.removeprefix("the ").removeprefix("The ")
        if name.endswith(("'s", "’s")):
            name = name[:-2]
        if not name:
            return
        if label == "PERSON":
            if " " in name:
                found.add_person(name, name, rule, pos)
            else:  # a surname alone is merged into the full name when the article has one
                found.titled.append((name, name, rule, pos))
        elif label == "ORG":
            found.add_org(name, name, rule, pos)
        elif label in ("GPE", "LOC"):
            entries = self.gaz.lookup(name)
            if entries:
                found.places.append(
                    PlaceMention(entries, name, pos, True, False, " " not in name, rule)
                )
        elif label == "NORP" and name in self.gaz.demonyms:
            found.country_hints.append((self.gaz.demonyms[name], name, "demonym", pos))
