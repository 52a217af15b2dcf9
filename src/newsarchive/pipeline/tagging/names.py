"""Word lists and tests for people and organisations (``data/names.toml``).

>>> rules = NameRules.load()
>>> rules.title_at(["Health", "Secretary", "Jeremy", "Hunt"], 0)
('Health Secretary', 2)
>>> rules.is_acronym("BMA"), rules.is_acronym("UK"), rules.is_acronym("Hunt")
(True, False, False)
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

_ACRONYM = re.compile(r"[A-Z][A-Z0-9&]{1,5}")
_NAME_WORD = re.compile(
    r"[A-ZÀ-ÖØ-Þ](?:[a-zß-öø-ÿ'’-]*[a-zß-öø-ÿ]|\.)?(?:-[A-Z][a-z]+)?|(?:Mc|Mac|O'|O’|De|Di|Le|La)[A-Z][a-z]+"
)
"""A word that can be part of a person's name: ``Hunt``, ``O'Brien``, ``McDonald``, ``W.``."""


@dataclass(frozen=True, slots=True)
class NameRules:
    """The lists of ``names.toml``, as sets for one-step lookups."""

    titles: frozenset[str]
    title_starts: frozenset[str]  # words that can open a title: a quick test before title_at
    multiword_titles: dict[str, tuple[str, ...]]  # first word -> longest titles first
    title_heads: frozenset[str]
    keep_title: frozenset[str]
    roles: frozenset[str]
    speech_verbs: tuple[str, ...]
    first_names: frozenset[str]
    not_name_words: frozenset[str]
    org_suffixes: frozenset[str]
    legal_forms: frozenset[str]
    acronym_stoplist: frozenset[str]
    lead_words: frozenset[str]

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> NameRules:
        people, orgs = data["people"], data["organisations"]
        single = {t for t in people["titles"] if " " not in t}
        multi: dict[str, list[str]] = {}
        for t in people["titles"]:
            if " " in t:
                multi.setdefault(t.split(" ")[0], []).append(t)
        return cls(
            titles=frozenset(single),
            title_starts=frozenset(single) | frozenset(multi),
            multiword_titles={
                k: tuple(sorted(v, key=lambda t: -t.count(" "))) for k, v in multi.items()
            },
            title_heads=frozenset(people["title_heads"]),
            keep_title=frozenset(people["keep_title"]),
            roles=frozenset(r.lower() for r in people["roles"]),  # compared lower-cased
            speech_verbs=tuple(people["speech_verbs"]),
            first_names=frozenset(people["first_names"]),
            not_name_words=frozenset(people["not_name_words"]),
            org_suffixes=frozenset(orgs["suffixes"]),
            legal_forms=frozenset(orgs["legal_forms"]),
            acronym_stoplist=frozenset(orgs["acronym_stoplist"]),
            lead_words=frozenset(data["spans"]["lead_words"]),
        )

    @classmethod
    def load(cls) -> NameRules:
        """The shipped lists, read once per process."""
        return _shipped()

    def title_at(self, words: list[str], i: int) -> tuple[str, int] | None:
        """The title starting at ``words[i]`` and how many words it takes, if there is one.

        Multi-word titles from the list come first ("Prime Minister"), then a capitalised word
        before a title head ("Health Secretary"), then one-word titles ("Dr").
        """
        w = words[i]
        for title in self.multiword_titles.get(w, ()):
            n = title.count(" ") + 1
            if " ".join(words[i : i + n]) == title:
                return title, n
        if i + 1 < len(words) and words[i + 1] in self.title_heads and w[:1].isupper():
            # "Shadow Health Secretary": take the longest run of capitalised words before the head
            return f"{w} {words[i + 1]}", 2
        if w in self.titles:
            return w, 1
        return None

    def is_acronym(self, word: str) -> bool:
        """An organisation's initials: 2 to 6 capitals (digits and & allowed), not stoplisted."""
        return (
            word.isupper()
            and _ACRONYM.fullmatch(word) is not None
            and word not in self.acronym_stoplist
            and sum(c.isalpha() for c in word) >= 2
        )

    def is_name_word(self, word: str) -> bool:
        """Whether ``word`` can be part of a person's name (not ``NHS``, ``Ltd``, ``2005``)."""
        return (
            _NAME_WORD.fullmatch(word) is not None
            and word not in self.org_suffixes
            and word not in self.not_name_words
        )

    def speech_before(self, before1: str, before2: str) -> str | None:
        """The speech verb just before a name ("said", "according to"), if any."""
        if before1 in self.speech_verbs:
            return before1
        if before2 in self.speech_verbs:
            return before2
        return None

    def role_before(self, before1: str, before2: str) -> str | None:
        """The role word just before a name ("chairman", "chief executive"), if any."""
        if before2 in self.roles:
            return before2
        if before1 in self.roles:
            return before1
        return None


@functools.cache
def _shipped() -> NameRules:
    text = resources.files("newsarchive.data").joinpath("names.toml").read_text("utf-8")
    return NameRules.from_data(tomllib.loads(text))
