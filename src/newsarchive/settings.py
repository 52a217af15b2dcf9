"""One registry of settings, with the user's TOML file layered over the shipped defaults.

Every tunable number is a typed field of :class:`Settings`, with its default and help text (the
table of ``docs/settings.md`` is generated from them by ``docs/gen_settings.py``, and a test
checks it is current). A user's ``newsarchive.toml`` (``--config FILE``) overrides any of them::

    [settings]
    max_file_mb = 100
    date_order = "DMY"
    clean.structure = "aggressive"   # a dotted name: TOML reads it as a [settings.clean] table

    [sources.dailymail]        # per-source overrides
    date_order = "DMY"

Rule and taxonomy files are layered the same way: ``rules = ["my-rules.toml"]`` adds the user's
cleaning rules to the shipped ones.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal, get_args

from .errors import UsageError

# Levels of the structural cleaner (``clean.structure``, ``ingest --clean``)
CleanLevel = Literal["off", "conservative", "balanced", "aggressive"]
CLEAN_LEVELS: tuple[CleanLevel, ...] = get_args(CleanLevel)


def _about(help: str, *, name: str = "", choices: tuple[str, ...] = ()) -> dict[str, Any]:
    """A setting's field metadata: its help line (docs/settings.md is generated from it) and,
    for a dotted name such as ``clean.structure``, the name users write."""
    return {"help": help, "name": name, "choices": choices}


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """Resolved settings, one typed attribute per setting; ``per_source`` holds a source's
    overrides as written (``{"wire": {"date_order": "DMY"}}``), applied by :meth:`for_source`.

    The fields below are the one table of settings: name, type, default and help line."""

    max_file_mb: int = field(
        default=50,
        metadata=_about("Largest input file read, in MB; larger files are skipped as too-large."),
    )
    max_line_chars: int = field(
        default=200_000,
        metadata=_about("Longest line kept whole; longer lines are cut there and noted."),
    )
    max_article_chars: int = field(
        default=5_000_000,
        metadata=_about(
            "Longest article text kept, in characters; the rest of a longer input is not read "
            "(recorded as a max_article_chars removal), so memory stays bounded."
        ),
    )
    max_decompression_ratio: int = field(
        default=100,
        metadata=_about(
            "Largest ratio of decompressed to compressed size for .gz inputs (a gzip bomb beyond it is skipped)."
        ),
    )
    batch_rows: int = field(
        default=2000,
        metadata=_about("Articles written per Parquet file; each file is committed atomically."),
    )
    template_min_articles: int = field(
        default=20,
        metadata=_about(
            "A source needs at least this many articles before repeated lines are treated as template."
        ),
    )
    template_share: float = field(
        default=0.3,
        metadata=_about(
            "A line found in at least this share of one source's articles is template, and removed."
        ),
    )
    template_sample: int = field(
        default=1000,
        metadata=_about("Articles per source sampled to learn template lines before cleaning."),
    )
    date_order: str = field(
        default="",
        metadata=_about(
            "How to read all-numeric dates such as 12/01/2016: DMY, MDY or YMD; empty leaves them undated."
        ),
    )
    near_duplicate_threshold: float = field(
        default=0.4,
        metadata=_about(
            "Least estimated Jaccard similarity of word 3-grams for an article to be linked as a near-duplicate."
        ),
    )
    header_date_span_days: int = field(
        default=366,
        metadata=_about(
            "A date read from an article's header further than this from the other evidence (year "
            "in the URL or path, crawl date, date_range, the corpus's dates) is noted, not used."
        ),
    )
    date_range: tuple[str, ...] = field(
        default=(),
        metadata=_about(
            'First and last day the articles can be from, e.g. ["1987-01-01", "1987-12-31"]; '
            "evidence for header dates."
        ),
    )
    language_hint: str = field(
        default="", metadata=_about("Language of the texts if known (ISO 639-1); empty detects it.")
    )
    languages: tuple[str, ...] = field(
        default=(),
        metadata=_about(
            'The languages an article may be in (ISO 639-1, e.g. ["en", "fr"]); '
            "empty allows every language py3langid knows."
        ),
    )
    rules: tuple[str, ...] = field(
        default=(),
        metadata=_about("Extra cleaning-rule TOML files, layered over the shipped rules."),
    )
    disable_rules: tuple[str, ...] = field(
        default=(),
        metadata=_about("Names (or name prefixes) of shipped cleaning rules to switch off."),
    )
    taxonomy: str = field(
        default="", metadata=_about("A topic taxonomy TOML file that replaces the shipped one.")
    )
    extra_taxonomy: tuple[str, ...] = field(
        default=(), metadata=_about("Topic TOML files whose topics are added to the taxonomy.")
    )
    max_topics: int = field(default=3, metadata=_about("Most topics kept per article, best first."))
    clean_structure: CleanLevel = field(
        default="balanced",
        metadata=_about(
            "Structural cleaner (menus, comments, footers, link lists found by their shape): "
            "off, conservative, balanced or aggressive.",
            name="clean.structure",
            choices=CLEAN_LEVELS,
        ),
    )

    per_source: dict[str, dict[str, Any]] = field(default_factory=dict)
    base_dir: Path = field(default_factory=Path.cwd)  # where relative paths in the file point
    # each source's settings, made on first use (a stage asks once per article)
    _sources: dict[str, Settings] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def for_source(self, source: str | None) -> Settings:
        """These settings with ``source``'s overrides applied (these settings if it has none)."""
        if not source or source not in self.per_source:
            return self
        if source not in self._sources:
            self._sources[source] = replace(self, **_attributes(self.per_source[source]))
        return self._sources[source]

    @property
    def values(self) -> dict[str, Any]:
        """Every setting by the name users write, lists as lists: what the run record keeps."""
        return {
            s.name: list(v) if isinstance(v := getattr(self, s.attr), tuple) else v
            for s in SETTINGS
        }

    def path(self, value: str) -> Path:
        p = Path(value).expanduser()
        return p if p.is_absolute() else self.base_dir / p

    def with_values(self, **overrides: Any) -> Settings:
        """These settings with ``overrides``, checked as a file's are; dotted names as
        ``**{"clean.structure": "off"}``."""
        return replace(self, **_attributes(_checked(overrides, "override")))


@dataclass(frozen=True, slots=True)
class Setting:
    name: str  # as users write it: ``clean.structure``
    attr: str  # the attribute of :class:`Settings`: ``clean_structure``
    default: Any
    help: str
    choices: tuple[str, ...] = ()  # the allowed values of a string setting, if only these


SETTINGS: tuple[Setting, ...] = tuple(
    Setting(
        f.metadata["name"] or f.name, f.name, f.default, f.metadata["help"], f.metadata["choices"]
    )
    for f in fields(Settings)
    if "help" in f.metadata
)

_BY_NAME = {s.name: s for s in SETTINGS}


def _attributes(table: dict[str, Any]) -> dict[str, Any]:
    """Settings by the name users write (TOML lists) as :class:`Settings` attributes (tuples)."""
    return {
        _BY_NAME[name].attr: tuple(value) if isinstance(value, list) else value
        for name, value in table.items()
    }


def _check_name(name: str, where: str) -> None:
    if name not in _BY_NAME:
        known = ", ".join(sorted(_BY_NAME))
        raise UsageError(f"unknown setting {name!r} in {where}; known settings: {known}")


def _flat(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"clean": {"structure": "off"}}`` (how TOML reads ``clean.structure = "off"``) as
    ``{"clean.structure": "off"}``; a table that is itself a setting's value stays whole."""
    flat: dict[str, Any] = {}
    for key, value in table.items():
        name = prefix + key
        if isinstance(value, dict) and name not in _BY_NAME:
            flat.update(_flat(value, name + "."))
        else:
            flat[name] = value
    return flat


def _checked(table: dict[str, Any], where: str) -> dict[str, Any]:
    table = _flat(table)
    for name, value in table.items():
        _check_name(name, where)
        setting = _BY_NAME[name]
        kind = list if isinstance(setting.default, tuple) else type(setting.default)
        if not (
            isinstance(value, kind)
            or (kind is list and isinstance(value, tuple))
            or (kind is float and isinstance(value, int))
        ):
            raise UsageError(
                f"setting {name!r} in {where} should be {kind.__name__}, got {value!r}"
            )
        if setting.choices and value not in setting.choices:
            raise UsageError(
                f"setting {name!r} in {where} should be one of {', '.join(setting.choices)}, "
                f"got {value!r}"
            )
    return table


def load_settings(config: str | Path | None = None) -> Settings:
    """Shipped defaults, with ``config`` (a TOML file) layered over them."""
    base = Settings()
    if config is None:
        return base
    path = Path(config)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"config file not found: {path}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"config file {path} is not valid TOML: {exc}") from None
    unknown = set(data) - {"settings", "sources"}
    if unknown:
        raise UsageError(
            f"config file {path}: unknown table(s) {sorted(unknown)}; use [settings] and [sources.NAME]"
        )
    values = _attributes(_checked(data.get("settings", {}), str(path)))
    per_source = {
        name: _checked(table, f"{path} [sources.{name}]")
        for name, table in data.get("sources", {}).items()
    }
    return replace(base, **values, per_source=per_source, base_dir=path.parent.resolve())


def from_run_record(record: dict[str, Any]) -> Settings:
    """The settings a run used, from its record (``_runs/RUN.json``); names this version does not
    know (a record from another version) are left out, and missing ones keep their defaults."""
    values = {k: v for k, v in (record.get("settings") or {}).items() if k in _BY_NAME}
    per_source = {
        source: {k: v for k, v in table.items() if k in _BY_NAME}
        for source, table in (record.get("settings_per_source") or {}).items()
    }
    return replace(Settings(), **_attributes(values), per_source=per_source)
