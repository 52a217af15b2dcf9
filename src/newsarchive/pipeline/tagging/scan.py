"""The span walk: every place, country, person and organisation mention in one article.

:class:`EntityExtractor` walks the capitalised spans of an article once (:mod:`.spans` cuts them
out) and files every mention it can read in :class:`Mentions`; :func:`.resolve.resolve` then
settles what needs the whole article. Within a span the rules run in this order, each one
taking the words it explains:

1. a place name covering the whole span ("Rio de Janeiro", "Trinidad and Tobago");
2. a title and the name after it ("Health Secretary Jeremy Hunt", "Dr Ann Lee");
3. an organisation: a name ending in a suffix word ("British Medical Association") or a
   suffix word followed by "of"/"for" ("Bank of England");
4. a place filling its run of words, maybe after "North", "Greater"…; a place inside a longer
   name ("Paris Hilton", "Jordan Henderson") is no place;
5. acronyms ("BMA"), split off from their neighbours ("NHS England");
6. a person: a common first name followed by names ("Jeremy Hunt"), or names right after a
   speech verb or a role word ("said Ann Lee", "chairman Ann Lee") or before "said";
7. a demonym ("Japanese") counts for its country.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .names import NameRules
from .places import Gazetteer, PlaceEntry
from .spans import (
    CONNECTORS,
    iter_spans,
    sentence_initial,
    strip_possessive,
    word_offsets,
    words_before,
)

_ORG_LINKS = frozenset({"of", "for"})
MAX_SPAN_WORDS = 12  # longer runs of capitals are not names (and would cost quadratic time)
_DATELINE = re.compile(
    r"\s*(?P<city>[A-Z][A-Za-z.'’-]+(?: [A-Z][A-Za-z.'’-]+){0,3})"  # LONDON, St Helier
    r"(?:, (?P<region>[A-Z][\w.]*(?: [A-Z][\w.]*)?))?,?"  # , Jersey / , Pa.
    r"(?P<date> [A-Z][a-z]{2,8}\.? \d{1,2},?)?"  # , March 3
    r"(?P<source> ?\([^)\n]{1,30}\))?"  # (Reuters)
    r" ?[-—–]"
)
_REGION_AFTER = re.compile(r", ([A-Z][\w.'’-]*(?: [A-Z][\w.'’-]*)?)")
_ACRONYM_DEF = re.compile(r" \(([A-Z][A-Za-z&]{1,7})\)")


@dataclass(slots=True)
class Tally:
    """One tag under construction: the rule that found it, where, and the words seen."""

    rule: str
    first: int
    surfaces: dict[str, int] = field(default_factory=dict)  # (a Counter is slower to make)
    count: int = 0

    def add(self, surface: str, count: int = 1) -> None:
        self.surfaces[surface] = self.surfaces.get(surface, 0) + count
        self.count += count

    def matched(self) -> str:
        """``"Mr Hunt x2, Jeremy Hunt"``: the words found, most frequent first."""
        return ranked_surfaces(self.surfaces)


def ranked_surfaces(surfaces: dict[str, int]) -> str:
    """The surfaces of a tag, most frequent first: the ``matched`` of its evidence."""
    ranked = sorted(surfaces.items(), key=lambda kv: -kv[1])  # stable: ties keep text order
    return ", ".join(s if n == 1 else f"{s} x{n}" for s, n in ranked)


@dataclass(slots=True)
class PlaceMention:
    """One place name as read in the text, with its possible meanings (``entries``)."""

    entries: list[PlaceEntry]
    surface: str
    pos: int
    context: bool  # "in X", "X, Region" or a dateline: a place whatever else is known
    needs_country: bool  # a small or ambiguous name: kept only if its country is named too
    single_word: bool
    rule: str = ""  # overrides the entry's rule (dateline)
    prefer: str | None = None  # the country of the region after it: "Bethlehem, Pa." -> US


Titled = tuple[str, str, str, int]
"""A titled surname: (name, surface, rule, position)."""
CountryHint = tuple[str, str, str, int]
"""A country said without a place: (code, surface, rule, position)."""


@dataclass(slots=True)
class Mentions:
    """Everything one pass over an article found, before :func:`.resolve.resolve`."""

    people: dict[str, Tally] = field(default_factory=dict)
    titled: list[Titled] = field(default_factory=list)  # "Mr Hunt": a surname to merge
    bare: dict[str, tuple[int, int]] = field(default_factory=dict)  # word -> (count, first pos)
    orgs: dict[str, Tally] = field(default_factory=dict)
    places: list[PlaceMention] = field(default_factory=list)
    country_hints: list[CountryHint] = field(default_factory=list)  # "Japanese", "Bank of Japan"
    defined_at: set[int] = field(default_factory=set)  # where "(BMA)" defined an acronym

    def add_person(self, name: str, surface: str, rule: str, pos: int) -> None:
        tally = self.people.get(name)
        if tally is None:
            tally = self.people[name] = Tally(rule, pos)
        tally.add(surface)

    def add_org(self, name: str, surface: str, rule: str, pos: int) -> None:
        tally = self.orgs.get(name)
        if tally is None:
            tally = self.orgs[name] = Tally(rule, pos)
        tally.add(surface)

    def add_bare(self, word: str, pos: int) -> None:
        count, first = self.bare.get(word, (0, pos))
        self.bare[word] = (count + 1, first)


class EntityExtractor:
    """The span rules, over one gazetteer and one set of name lists."""

    def __init__(self, gazetteer: Gazetteer, rules: NameRules) -> None:
        self.gaz = gazetteer
        self.rules = rules

    # --- entry points -----------------------------------------------------------------------
    def extract(self, title: str, text: str) -> Mentions:
        """All mentions in the headline and text of one article."""
        found = Mentions()
        if title:
            if headline_case(title):
                self._headline_countries(title, found)
            else:
                self._scan(title, found, offset=-len(title) - 1)
        # A stored text opens with its headline when the file did (the structure stage reads
        # the title from that line and leaves the text whole): the title was read above, and
        # the dateline opens the paragraph after it ("BAHIA COCOA REVIEW\n\nSALVADOR, Feb 26 -").
        body = _after_headline(title, text)
        start = self._dateline(text, found, body)
        self._scan(text, found, offset=0, start=start)
        return found

    def _scan(self, text: str, found: Mentions, offset: int, start: int = 0) -> None:
        places, titles, lead_words = self.gaz.names, self.rules.titles, self.rules.lead_words
        demonyms, bare = self.gaz.demonyms, found.bare
        for at, end, word in iter_spans(text, start):
            if " " in word:
                words = word.split(" ")
                if len(words) > MAX_SPAN_WORDS:
                    continue  # a menu, a tag cloud or a Title Case heading: no names to trust
                pair = len(words) == 2 and (words[0] == "The" or words[0] in titles)
                if pair and self._pair(text, found, words, at, end, offset):
                    continue
                if "'" in word or "’" in word:
                    words = [strip_possessive(w) for w in words]
                based = words[-1].endswith("-based")  # "New York-based"
                if based:
                    words[-1] = words[-1][:-6]
                offsets = word_offsets(at, words)
                _SpanWalk(self, text, found, words, offsets, end, offset, based).run()
                continue
            # most spans are one word, and most of those open a sentence: take the short way
            if word in lead_words and not (word in places and text.startswith(", ", end)):
                continue  # but "March, Cambridgeshire" is a town
            plain = word.isalpha() and not word.isupper()  # no possessive, no acronym
            if plain and word not in places and word not in demonyms:
                count, first = bare.get(word, (0, at + offset))  # a name's part, or nothing
                bare[word] = (count + 1, first)
                continue
            self._word(text, found, word, at, end, offset)

    def _word(self, text: str, found: Mentions, word: str, at: int, end: int, offset: int) -> None:
        """A span of one word: most spans are, so they take a short way."""
        gaz = self.gaz
        if "'" in word or "’" in word:
            word = strip_possessive(word)
        based = word.endswith("-based")  # "Detroit-based": a place, said so
        if based:
            word = word[:-6]
        if word in gaz.names or (word.isupper() and self.rules.is_acronym(word)):
            _SpanWalk(self, text, found, [word], [at], end, offset, based).run()
        elif word in gaz.demonyms:
            found.country_hints.append((gaz.demonyms[word], word, "demonym", at + offset))
        else:
            found.add_bare(word, at + offset)

    def _pair(
        self, text: str, found: Mentions, words: list[str], at: int, end: int, offset: int
    ) -> bool:
        """Short ways for "The BBC" and "Mr Hunt"; False leaves the span to the full rules."""
        first, second = words
        second = strip_possessive(second)
        if first == "The":
            if "The " + second in self.gaz.names:
                return False  # "The Hague"
            self._word(text, found, second, at + 4, end, offset)
            return True
        if not self.rules.is_name_word(second) or first in self.rules.multiword_titles:
            return False
        if first in self.rules.keep_title:
            found.add_person(
                f"{first} {second}", f"{first} {second}", f"title:{first}", at + offset
            )
        else:
            found.titled.append((second, f"{first} {second}", f"title:{first}", at + offset))
        return True

    def _headline_countries(self, title: str, found: Mentions) -> None:
        """In an ALL CAPS or Title Case headline only country names are safe to read."""
        words = title.split()
        taken: set[int] = set()  # "SOUTH KOREA" is not also "Korea"
        for n in (3, 2, 1):
            for i in range(len(words) - n + 1):
                if taken & set(range(i, i + n)):
                    continue
                raw = " ".join(words[i : i + n])
                bare = raw.strip(",.:;'\"")
                for name in (raw, bare, bare.title()):  # "U.S." keeps its dot
                    entries = [e for e in self.gaz.lookup(name) if e.kind == "country"]
                    if entries:
                        found.places.append(PlaceMention(entries, name, -1, True, False, n == 1))
                        taken.update(range(i, i + n))
                        break

    def _dateline(self, text: str, found: Mentions, at: int = 0) -> int:
        """``LONDON, March 3 -`` or ``WASHINGTON (Reuters) -`` opening the text (at ``at``): a
        place whatever its name. Returns where the text proper starts."""
        m = _DATELINE.match(text, at)
        if m is None or sum(c.isalpha() for c in m["city"]) < 2:
            return at
        raw = m["city"]
        if not raw.isupper() and not (m["date"] or m["source"]):
            return at  # "Greensboro, N.C., June 1 -" is a dateline; "Hunt - the view" is not
        name = raw if "." in raw and len(raw) <= 6 else raw.title() if raw.isupper() else raw
        region = m["region"]
        prefer = None
        if region:
            prefer = self.gaz.region_country(region) or self.gaz.region_country(region.title())
        entries = self.gaz.lookup(name)
        if prefer and not any(e.country == prefer for e in entries):
            # "BETHLEHEM, Pa.": no such namesake in the gazetteer, but the country is clear
            found.country_hints.append((prefer, f"{name}, {region}", "dateline", m.start()))
        elif entries:
            found.places.append(
                PlaceMention(
                    entries, name, m.start(), True, False, " " not in name, "dateline", prefer
                )
            )
        return m.end()


def _after_headline(title: str, text: str) -> int:
    """Where the text proper starts: past its first line when that line is the title."""
    head = title.strip()
    if not head or not text.startswith(head):
        return 0
    end = len(head)
    rest = text[end:]
    if rest and rest[0] not in "\r\n":
        return 0  # the title is only the start of the first sentence
    return end + len(rest) - len(rest.lstrip())


class _SpanWalk:
    """The rules applied to one span, left to right (a helper of :class:`EntityExtractor`)."""

    __slots__ = (
        "based",
        "end",
        "ex",
        "found",
        "gaz",
        "offset",
        "offsets",
        "rules",
        "text",
        "words",
    )

    def __init__(
        self,
        ex: EntityExtractor,
        text: str,
        found: Mentions,
        words: list[str],
        offsets: list[int],
        end: int,
        offset: int,
        based: bool = False,
    ) -> None:
        self.ex, self.gaz, self.rules = ex, ex.gaz, ex.rules
        self.text, self.found, self.words, self.offsets = text, found, words, offsets
        self.end = end
        self.based = based  # the span's last word was "X-based"
        self.offset = offset  # added to positions so headline mentions sort first

    def pos(self, i: int) -> int:
        return self.offsets[i] + self.offset

    def run(self) -> None:
        words, n = self.words, len(self.words)
        i = 0
        while i < n and words[i] in self.rules.lead_words and " ".join(words[i:]) not in self.gaz:
            i += 1
        connected = not CONNECTORS.isdisjoint(words)
        if connected and i < n - 1 and self._whole_place(i):
            return
        if connected and i < n - 1 and "&" in words[i:]:
            self._org(i, n, "org-suffix")  # "Marks & Spencer", "Procter & Gamble"
            return
        while i < n:
            if words[i] in CONNECTORS:
                i += 1
                continue
            j = i
            while j < n and words[j] not in CONNECTORS:
                j += 1
            i = self._run(i, j)

    def _whole_place(self, i: int) -> bool:
        name = " ".join(self.words[i:])
        if name in self.gaz:
            self._place(i, len(self.words), self.gaz.lookup(name))
            return True
        return False

    # --- one run of capitalised words between connectors: words[a:b] ------------------------
    def _run(self, a: int, b: int) -> int:
        """Apply the rules to ``words[a:b]``; return the index where the next run starts."""
        words = self.words
        while a < b and words[a] in self.rules.lead_words and " ".join(words[a:b]) not in self.gaz:
            a += 1
        if a >= b:
            return b
        if self._shouted(a, b) and (self._shouted_place(a, b) or b - a > 2):
            return b  # "NEW YORK"; or a SHOUTED heading, which holds no names to trust
        starts, heads, last = self.rules.title_starts, self.rules.title_heads, len(words) - 1
        for k in range(a, b):
            if words[k] in starts or (k < last and words[k + 1] in heads):
                title = self.rules.title_at(words, k)
                stop = None if title is None else self._titled(a, k, title)
                if stop is not None:
                    return stop
        stop = self._org_run(a, b)
        return self._plain(a, b) if stop is None else stop

    def _shouted(self, a: int, b: int) -> bool:
        words = self.words
        return (
            b - a > 1 and words[a].isupper() and all(w.isupper() and len(w) > 1 for w in words[a:b])
        )

    def _titled(self, a: int, k: int, title: tuple[str, int]) -> int | None:
        """A person after a title at ``k``; returns where the name ends (None: no name)."""
        words, rules = self.words, self.rules
        start = k + title[1]
        stop = start
        while stop < len(words) and stop - start < 3 and rules.is_name_word(words[stop]):
            stop += 1
        if stop == start:
            return None
        if a < k:
            self._plain(a, k)
        name_words = words[start:stop]
        label = title[0]
        rule = f"title:{label}"
        surface = " ".join(words[k:stop])
        if len(name_words) == 1 and label in rules.keep_title:
            self.found.add_person(f"{label} {name_words[0]}", surface, rule, self.pos(k))
        elif len(name_words) == 1:
            self.found.titled.append((name_words[0], surface, rule, self.pos(k)))
        else:
            self.found.add_person(" ".join(name_words), surface, rule, self.pos(k))
        return stop

    def _org_run(self, a: int, b: int) -> int | None:
        """An organisation in ``words[a:b]`` (and maybe beyond); returns where it ends."""
        words = self.words
        if words[b - 1] not in self.rules.org_suffixes:
            return None
        end = b
        if b < len(words) and words[b] in _ORG_LINKS:
            # "Bank of England", "British Chambers of Commerce", "Department for Education"
            end = b + 1
            while end < len(words) and words[end] in CONNECTORS:
                end += 1
            start = end
            while end < len(words) and words[end] not in CONNECTORS:
                if end > start and self.rules.title_at(words, end) is not None:
                    break  # "Bank of England Governor Mervyn King"
                end += 1
        elif b - a < 2 or " ".join(words[a:b]) in self.gaz:
            return None  # a lone "Bank" is not a name; "Mexico City" is a place
        self._org(a, end, "org-suffix")
        return end

    def _org(self, a: int, b: int, rule: str) -> None:
        words = self.words
        name = " ".join(words[a:b])
        self.found.add_org(name, name, rule, self.pos(a))
        self._org_countries(a, b, name)
        m = _ACRONYM_DEF.match(self.text, self.end) if b == len(words) else None
        if m is not None and self.rules.is_acronym(m.group(1)):
            # "British Medical Association (BMA)": the acronym names the same body
            self.found.add_org(m.group(1), f"{name} ({m.group(1)})", "acronym", self.pos(a))
            self.found.defined_at.add(m.start(1) + self.offset)

    def _org_countries(self, a: int, b: int, name: str) -> None:
        """A place or nationality in an organisation's name says where it is ("Bank of Japan",
        "Washington Post"); an ambiguous or small town's name says nothing ("Reading FC")."""
        gaz = self.gaz
        for i in range(a, b):
            for n in (2, 1):
                w = " ".join(self.words[i : i + n])
                cc = gaz.demonyms.get(w)
                entries = gaz.lookup(w) if cc is None and w not in gaz.ambiguous else []
                if entries and (
                    entries[0].kind != "city" or entries[0].population >= gaz.free_population
                ):
                    cc = entries[0].country
                if cc is not None:
                    self.found.country_hints.append((cc, name, "org-name->country", self.pos(a)))
                    return

    # --- words with no title or suffix ------------------------------------------------------
    def _plain(self, a: int, b: int) -> int:
        words, rules = self.words, self.rules
        if self._run_place(a, b):
            return b
        acronyms = [k for k in range(a, b) if words[k].isupper() and rules.is_acronym(words[k])]
        if acronyms and b - a > 1:
            start = a
            for k in acronyms:
                if start < k:
                    self._plain(start, k)
                self._acronym(k)
                start = k + 1
            if start < b:
                self._plain(start, b)
            return b
        if b - a == 1:
            self._single(a)
            return b
        for k in range(a, b - 1):
            if words[k] in rules.first_names and rules.is_name_word(words[k + 1]):
                if a < k:
                    self._plain(a, k)
                stop = k + 1
                while stop < b and stop - k < 3 and rules.is_name_word(words[stop]):
                    stop += 1
                self._person(k, stop, "first-name")
                if stop < b:
                    self._plain(stop, b)
                return b
        if b - a <= 3 and all(rules.is_name_word(w) for w in words[a:b]):
            rule = self._speech_or_role(a, b)
            if rule is not None:
                self._person(a, b, rule)
                return b
        if words[a] in self.gaz.demonyms:
            self._demonym(a)
        else:
            self._leading_country(a, b)
        return b

    def _leading_country(self, a: int, b: int) -> None:
        """A country named before other words is an adjective: "U.S. Sales", "Japan Trade"."""
        for n in (2, 1):
            name = " ".join(self.words[a : a + n])
            if n == 1 and name in self.rules.first_names:
                return  # "Jordan Smith"
            entries = [e for e in self.gaz.lookup(name) if e.kind == "country"]
            if entries and a + n < b and name not in self.gaz.ambiguous:
                self.found.places.append(
                    PlaceMention(entries, name, self.pos(a), False, False, n == 1)
                )
                return

    def _single(self, k: int) -> None:
        w = self.words[k]
        if self.rules.is_acronym(w):
            self._acronym(k)
        elif w in self.gaz.demonyms:
            self._demonym(k)
        else:
            self.found.add_bare(w, self.pos(k))

    def _acronym(self, k: int) -> None:
        w = self.words[k]
        if w in self.gaz:  # "USSR", "UAE": a country, not an organisation
            self._run_place(k, k + 1)
        elif self.pos(k) not in self.found.defined_at:  # "(BMA)" was counted with its name
            self.found.add_org(w, w, "acronym", self.pos(k))

    def _demonym(self, k: int) -> None:
        w = self.words[k]
        self.found.country_hints.append((self.gaz.demonyms[w], w, "demonym", self.pos(k)))

    def _person(self, a: int, b: int, rule: str) -> None:
        name = " ".join(self.words[a:b])
        self.found.add_person(name, name, rule, self.pos(a))

    def _speech_or_role(self, a: int, b: int) -> str | None:
        rules = self.rules
        if a == 0:
            before1, before2 = words_before(self.text, self.offsets[0])
            if rules.speech_before(before1, before2):
                return "said-X"
            role = rules.role_before(before1, before2)
            if role is not None:
                return f"role:{role}"
            if b == len(self.words) and (role := self._appositive_role()) is not None:
                return f"role:{role}"
        if b == len(self.words) and self.text.startswith((" said", " says", " told"), self.end):
            return "said-X"
        return None

    def _appositive_role(self) -> str | None:
        """A name set off by commas after a role: "the doctors' leader, Johann Malawana, said"."""
        start = self.offsets[0]
        if not self.text.startswith(",", self.end) or self.text[start - 2 : start] != ", ":
            return None
        before1, before2 = words_before(self.text[: start - 2] + " ", start - 1)
        return self.rules.role_before(before1.rstrip("'’"), before2)

    # --- places -------------------------------------------------------------------------------
    def _shouted_place(self, a: int, b: int) -> bool:
        name = " ".join(self.words[a:b]).title()
        entries = self.gaz.lookup(name)
        if entries:
            self.found.places.append(PlaceMention(entries, name, self.pos(a), False, False, False))
        return bool(entries)

    def _run_place(self, a: int, b: int) -> bool:
        """Whether ``words[a:b]`` is a place name, maybe after "North", "Greater"…"""
        words = self.words
        name = " ".join(words[a:b])
        entries = self.gaz.lookup(name)
        if not entries and b - a > 1 and words[a] in self.gaz.directional:
            a += 1
            entries = self.gaz.lookup(" ".join(words[a:b]))
        if not entries or b - a > self.gaz.max_words:
            return False
        self._place(a, b, entries)
        return True

    def _place(self, a: int, b: int, entries: list[PlaceEntry]) -> None:
        name = " ".join(self.words[a:b])
        single = b - a == 1
        first = entries[0]
        small = first.kind == "city" and first.population < self.gaz.free_population
        ambiguous = name in self.gaz.ambiguous or (
            first.kind == "city" and name in self.gaz.first_names
        )
        prefer = self._region_after(b)
        context = prefer is not None or (self.based and b == len(self.words))
        if ambiguous or small:
            context = context or (name not in self.gaz.region_only and self._context_before(a))
            if ambiguous and not context:
                return
        self.found.places.append(
            PlaceMention(
                entries, name, self.pos(a), context, small and not context, single, "", prefer
            )
        )

    def _context_before(self, a: int) -> bool:
        if a != 0:  # "In Reading, ...", "the Mayor of Bath"
            previous = self.words[a - 1].lower()
            return previous in self.gaz.context_before or previous == "of"
        if sentence_initial(self.text, self.offsets[0]):
            return False
        before1, before2 = words_before(self.text, self.offsets[0])
        return before1 in self.gaz.context_before or before2 in self.gaz.context_before

    def _region_after(self, b: int) -> str | None:
        """The country of a region right after the name: "Reading, Berkshire" -> GB."""
        if b != len(self.words):
            return None
        m = _REGION_AFTER.match(self.text, self.end)
        if m is None:
            return None
        pair = m.group(1)
        region = self.gaz.region_country
        first = pair.split(" ")[0]
        # "Pa." keeps its dot; "Cambridgeshire." ends a sentence
        return (
            region(pair) or region(first) or region(pair.rstrip(".")) or region(first.rstrip("."))
        )


def headline_case(title: str) -> bool:
    """ALL CAPS or Title Case headlines, whose capitals say nothing about names."""
    letters = [c for c in title if c.isalpha()]
    if letters and sum(c.isupper() for c in letters) > 0.8 * len(letters):
        return True
    words = [w for w in title.split() if len(w) > 3 and w[:1].isalpha()]  # not "of", "a"
    capitals = sum(w[0].isupper() for w in words)
    return len(words) >= 3 and capitals >= 0.75 * len(words)
