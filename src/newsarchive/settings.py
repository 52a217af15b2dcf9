"""One registry of settings, with the user's TOML file layered over the shipped defaults.

Every tunable number lives here with its help text (``docs/settings.md`` lists them all, and a
test checks that it does). A user's ``newsarchive.toml`` (``--config FILE``) overrides any of them::

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
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .errors import UsageError

# Levels of the structural cleaner (``clean.structure``, ``ingest --clean``)
CLEAN_LEVELS = ("off", "conservative", "balanced", "aggressive")


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    default: Any
    help: str
    choices: tuple[str, ...] = ()  # the allowed values of a string setting, if only these


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "max_file_mb", 50, "Largest input file read, in MB; larger files are skipped as too-large."
    ),
    Setting(
        "max_line_chars", 200_000, "Longest line kept whole; longer lines are cut there and noted."
    ),
    Setting(
        "max_article_chars",
        5_000_000,
        "Longest article text kept, in characters; the rest of a longer input is not read "
        "(recorded as a max_article_chars removal), so memory stays bounded.",
    ),
    Setting(
        "max_decompression_ratio",
        100,
        "Largest ratio of decompressed to compressed size for .gz inputs (a gzip bomb beyond it is skipped).",
    ),
    Setting(
        "batch_rows", 2000, "Articles written per Parquet file; each file is committed atomically."
    ),
    Setting(
        "template_min_articles",
        20,
        "A source needs at least this many articles before repeated lines are treated as template.",
    ),
    Setting(
        "template_share",
        0.3,
        "A line found in at least this share of one source's articles is template, and removed.",
    ),
    Setting(
        "template_sample",
        1000,
        "Articles per source sampled to learn template lines before cleaning.",
    ),
    Setting(
        "date_order",
        "",
        "How to read all-numeric dates such as 12/01/2016: DMY, MDY or YMD; empty leaves them undated.",
    ),
    Setting(
        "near_duplicate_threshold",
        0.4,
        "Least estimated Jaccard similarity of word 3-grams for an article to be linked as a near-duplicate.",
    ),
    Setting(
        "header_date_span_days",
        366,
        "A date read from an article's header further than this from the other evidence (year "
        "in the URL or path, crawl date, date_range, the corpus's dates) is noted, not used.",
    ),
    Setting(
        "date_range",
        [],
        'First and last day the articles can be from, e.g. ["1987-01-01", "1987-12-31"]; '
        "evidence for header dates.",
    ),
    Setting("language_hint", "", "Language of the texts if known (ISO 639-1); empty detects it."),
    Setting(
        "languages",
        [],
        'The languages an article may be in (ISO 639-1, e.g. ["en", "fr"]); '
        "empty allows every language py3langid knows.",
    ),
    Setting("rules", [], "Extra cleaning-rule TOML files, layered over the shipped rules."),
    Setting(
        "disable_rules", [], "Names (or name prefixes) of shipped cleaning rules to switch off."
    ),
    Setting("taxonomy", "", "A topic taxonomy TOML file that replaces the shipped one."),
    Setting("extra_taxonomy", [], "Topic TOML files whose topics are added to the taxonomy."),
    Setting("max_topics", 3, "Most topics kept per article, best first."),
    Setting(
        "clean.structure",
        "balanced",
        "Structural cleaner (menus, comments, footers, link lists found by their shape): "
        "off, conservative, balanced or aggressive.",
        choices=CLEAN_LEVELS,
    ),
)

_BY_NAME = {s.name: s for s in SETTINGS}


@dataclass(frozen=True, slots=True)
class Settings:
    """Resolved settings: ``values`` for everything, ``per_source`` for source overrides."""

    values: dict[str, Any] = field(default_factory=lambda: {s.name: s.default for s in SETTINGS})
    per_source: dict[str, dict[str, Any]] = field(default_factory=dict)
    base_dir: Path = field(default_factory=Path.cwd)  # where relative paths in the file point

    def get(self, name: str, source: str | None = None) -> Any:
        if name not in _BY_NAME:
            raise KeyError(name)
        if source is not None and name in self.per_source.get(source, {}):
            return self.per_source[source][name]
        return self.values[name]

    def path(self, value: str) -> Path:
        p = Path(value).expanduser()
        return p if p.is_absolute() else self.base_dir / p

    def with_values(self, **overrides: Any) -> Settings:
        """These settings with ``overrides``; dotted names as ``**{"clean.structure": "off"}``."""
        return replace(self, values={**self.values, **_checked(overrides, "override")})


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
        default = setting.default
        if not isinstance(value, type(default)) and not (
            isinstance(default, float) and isinstance(value, int)
        ):
            raise UsageError(
                f"setting {name!r} in {where} should be {type(default).__name__}, got {value!r}"
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
    values = {**base.values, **_checked(data.get("settings", {}), str(path))}
    per_source = {
        name: _checked(table, f"{path} [sources.{name}]")
        for name, table in data.get("sources", {}).items()
    }
    return Settings(values=values, per_source=per_source, base_dir=path.parent.resolve())
