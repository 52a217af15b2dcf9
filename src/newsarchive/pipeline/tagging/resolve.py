"""Resolution: what needs the whole article, once the span walk (:mod:`.scan`) has read it.

Is this "Hunt" the "Jeremy Hunt" named earlier? Is "Jackson" a person here? Which "Birmingham"
is meant, and is a small town's country named elsewhere? Do "Harlan Motors Inc" and "Harlan
Motors" name one company? :func:`resolve` answers these and returns the tags, ranked by
mentions, with one evidence record each.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ...article import Evidence
from .places import Gazetteer, PlaceEntry
from .scan import Mentions, PlaceMention, Tally, ranked_surfaces


@dataclass(slots=True)
class CountryTally:
    """A country's mentions, weighted by kind (``[countries.weights]`` in places.toml)."""

    first: int
    surfaces: dict[str, int] = field(default_factory=dict)
    points: dict[str, float] = field(default_factory=dict)  # rule -> weighted mentions

    def matched(self) -> str:
        return ranked_surfaces(self.surfaces)

    @property
    def score(self) -> float:
        return sum(self.points.values())

    def best_rule(self) -> str:
        """The kind of mention that weighed most: what the evidence names."""
        return max(self.points.items(), key=lambda kv: kv[1])[0]


@dataclass(slots=True)
class Tags:
    """The entity tags of one article, ranked, with one evidence record each."""

    places: list[str]
    countries: list[str]
    people: list[str]
    organisations: list[str]
    evidence: list[Evidence]


def resolve(found: Mentions, gaz: Gazetteer, legal_forms: frozenset[str] = frozenset()) -> Tags:
    """Settle what needs the whole article, and rank each field by mentions.

    ``legal_forms`` ("Inc", "plc"…) are dropped to see that two names are one organisation.
    """
    people = _resolve_people(found)
    name_parts = {part for name in people for part in name.split(" ")}
    places, countries = _resolve_places(found, name_parts, gaz.country_weights)
    orgs = _ranked(_merge_orgs(found.orgs, legal_forms))
    country_list = _ranked_countries(countries, gaz.country_min_score, gaz.country_min_share)
    evidence = [Evidence("places", v, t.rule, t.matched()) for v, t in places.items()]
    evidence.extend(
        Evidence("countries", cc, t.best_rule(), t.matched()) for cc, t in country_list.items()
    )
    for field_name, tallies in (("people", people), ("organisations", orgs)):
        evidence.extend(Evidence(field_name, v, t.rule, t.matched()) for v, t in tallies.items())
    return Tags(
        places=list(places),
        countries=list(country_list),
        people=list(people),
        organisations=list(orgs),
        evidence=evidence,
    )


def _ranked(tallies: dict[str, Tally]) -> dict[str, Tally]:
    return dict(sorted(tallies.items(), key=lambda kv: (-kv[1].count, kv[1].first)))


def _merge_orgs(orgs: dict[str, Tally], legal_forms: frozenset[str]) -> dict[str, Tally]:
    """Merge names that differ by a legal form ("Harlan Motors Inc", "Harlan Motors") into the
    form used most (the longer on a tie)."""
    groups: dict[str, list[str]] = {}
    for name in orgs:
        head, _, last = name.rpartition(" ")
        groups.setdefault(head if head and last in legal_forms else name, []).append(name)
    return _merge_groups(orgs, groups, lambda n: (-orgs[n].count, -len(n)))


def _without_initials(name: str) -> str:
    """``Donald J. Trump`` -> ``Donald Trump``: the name with its middle initials dropped."""
    words = name.split(" ")
    if len(words) < 3:
        return name
    kept = [w for w in words[1:-1] if not _INITIAL.fullmatch(w)]
    return " ".join([words[0], *kept, words[-1]])


_INITIAL = re.compile(r"[A-Z]\.?")


def _merge_initials(people: dict[str, Tally]) -> dict[str, Tally]:
    """One person however many middle initials the text gave ("Donald Trump", "Donald J.
    Trump"): the tally goes to the form used most (the first on a tie), and keeps every form
    written as evidence."""
    groups: dict[str, list[str]] = {}
    for name in people:
        groups.setdefault(_without_initials(name), []).append(name)
    return _merge_groups(people, groups, lambda n: (-people[n].count, people[n].first))


def _merge_groups(
    tallies: dict[str, Tally],
    groups: dict[str, list[str]],
    rank: Callable[[str], tuple[int, int]],
) -> dict[str, Tally]:
    """Fold each group of names into its first by ``rank``: its tally takes the others' surfaces
    and counts, and the earliest position of any of them."""
    merged = dict(tallies)
    for names in groups.values():
        if len(names) < 2:
            continue
        best = min(names, key=rank)
        kept = merged[best]
        for name in names:
            if name != best:
                tally = merged.pop(name)
                for surface, count in tally.surfaces.items():
                    kept.add(surface, count)
                kept.first = min(kept.first, tally.first)
    return merged


def _resolve_people(found: Mentions) -> dict[str, Tally]:
    people = _merge_initials(found.people)
    by_surname: dict[str, list[str]] = {}
    for name in people:
        by_surname.setdefault(name.split(" ")[-1], []).append(name)
    for surname, surface, rule, pos in found.titled:
        full = by_surname.get(surname, [])
        if len(full) == 1:  # "Mr Hunt" is the "Jeremy Hunt" named in the article
            people[full[0]].add(surface)
        else:
            tally = people.get(surname)
            if tally is None:
                tally = people[surname] = Tally(rule, pos)
                by_surname.setdefault(surname, []).append(surname)
            tally.add(surface)
    for word, (count, _) in found.bare.items():
        full = by_surname.get(word, [])
        if len(full) == 1:  # "Hunt said"
            people[full[0]].add(word, count)
    return _ranked(people)


def _resolve_places(
    found: Mentions, name_parts: set[str], weights: dict[str, float]
) -> tuple[dict[str, Tally], dict[str, CountryTally]]:
    mentions = [
        m
        for m in found.places
        # "Jackson" in an article about Michael Jackson is him
        if not (m.single_word and m.surface in name_parts and not m.context)
    ]
    # Countries read for certain (a country, or a place with one country) pick the meaning of
    # the ambiguous names ("Birmingham" near "Alabama"); then all the confident readings
    # decide whether a small town's country is named too.
    certain = {
        m.entries[0].country
        for m in mentions
        if not m.needs_country and len({e.country for e in m.entries}) == 1
    }
    chosen: dict[int, PlaceEntry | None] = {}
    for i, m in enumerate(mentions):
        if not m.needs_country:
            chosen[i] = _choose(m, certain) or m.entries[0]
    named = certain | {e.country for e in chosen.values() if e is not None}
    for i, m in enumerate(mentions):
        if m.needs_country:
            chosen[i] = _choose(m, named)
    places: dict[str, Tally] = {}
    countries: dict[str, CountryTally] = {}
    for i, m in enumerate(mentions):
        entry = chosen[i]
        if m.prefer and (entry is None or entry.country != m.prefer):
            # "Denville, N.J.": a town the gazetteer lacks, in a known state
            rule = m.rule or "region->country"
            _add_country(countries, m.prefer, m.surface, rule, m.pos, weights)
            continue
        if entry is None:
            continue
        rule = m.rule or entry.rule
        tally = places.get(entry.value)
        if tally is None:
            tally = places[entry.value] = Tally(rule, m.pos)
        tally.add(m.surface)
        country_rule = {"city": "city->country", "region": "region->country"}.get(entry.kind, rule)
        _add_country(countries, entry.country, m.surface, m.rule or country_rule, m.pos, weights)
    for cc, surface, rule, pos in found.country_hints:
        _add_country(countries, cc, surface, rule, pos, weights)
    return _ranked(places), countries


def _choose(m: PlaceMention, countries: set[str]) -> PlaceEntry | None:
    """The meaning in the country of the region after the name, else in a named country."""
    if m.prefer:
        return next((e for e in m.entries if e.country == m.prefer), None)
    return next((e for e in m.entries if e.country in countries), None)


def _add_country(
    countries: dict[str, CountryTally],
    cc: str,
    surface: str,
    rule: str,
    pos: int,
    weights: dict[str, float],
) -> None:
    tally = countries.get(cc)
    if tally is None:
        tally = countries[cc] = CountryTally(pos)
    tally.surfaces[surface] = tally.surfaces.get(surface, 0) + 1
    tally.points[rule] = tally.points.get(rule, 0.0) + weights.get(rule, 1.0)


def _ranked_countries(
    countries: dict[str, CountryTally], min_score: float, min_share: float
) -> dict[str, CountryTally]:
    top = max((t.score for t in countries.values()), default=0.0)
    floor = max(min_score, top * min_share)
    kept = [(cc, t) for cc, t in countries.items() if t.score >= floor]
    return dict(sorted(kept, key=lambda kv: (-kv[1].score, kv[1].first)))
