"""Settings: one registry, the user's TOML layered over it, every setting documented."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

from newsarchive.errors import UsageError
from newsarchive.settings import SETTINGS, Settings, load_settings

DOCS = Path(__file__).resolve().parents[1] / "docs" / "settings.md"


def test_every_setting_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    missing = [s.name for s in SETTINGS if f"`{s.name}`" not in text]
    assert missing == []
    generated = runpy.run_path(str(DOCS.with_name("gen_settings.py")))["document"]()
    assert text == generated, "docs/settings.md is stale: run .venv/bin/python docs/gen_settings.py"


def test_settings_are_typed_attributes_and_a_misspelt_name_is_refused() -> None:
    s = Settings().with_values(languages=["en"], **{"clean.structure": "off"})
    assert (s.languages, s.clean_structure, s.max_topics) == (("en",), "off", 3)
    assert s.values["languages"] == ["en"]  # as the run record keeps it
    with pytest.raises(UsageError, match="unknown setting 'max_topic' in override"):
        s.with_values(max_topic=1)


def test_per_source_overrides_apply_to_that_source_only() -> None:
    s = Settings(per_source={"wire": {"max_topics": 1, "date_range": ["1987-01-01", "1987-12-31"]}})
    wire = s.for_source("wire")
    assert (wire.max_topics, wire.date_range) == (1, ("1987-01-01", "1987-12-31"))
    assert s.for_source("wire") is wire  # made once
    assert s.for_source("cnn") is s and s.for_source(None) is s


def test_defaults_without_a_file() -> None:
    s = load_settings()
    assert s.max_file_mb == 50
    assert s.for_source("anything").date_order == ""


def test_user_file_layers_over_defaults_and_per_source(tmp_path: Path) -> None:
    cfg = tmp_path / "na.toml"
    cfg.write_text(
        '[settings]\nmax_file_mb = 5\ntemplate_share = 1\n\n[sources.dailymail]\ndate_order = "DMY"\n',
        encoding="utf-8",
    )
    s = load_settings(cfg)
    assert s.max_file_mb == 5
    assert s.template_share == 1  # an int where a float is expected is fine
    assert s.for_source("dailymail").date_order == "DMY"
    assert s.for_source("cnn").date_order == ""
    assert s.path("rules.toml") == tmp_path.resolve() / "rules.toml"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[settings]\nmax_file_gb = 5\n", "unknown setting 'max_file_gb' in"),
        ('[settings]\nmax_file_mb = "big"\n', "setting 'max_file_mb' in"),
        ("[setting]\nx = 1\n", "unknown table(s) ['setting']"),
        ("[settings\n", "is not valid TOML"),
    ],
)
def test_bad_files_give_one_line_errors(tmp_path: Path, content: str, message: str) -> None:
    cfg = tmp_path / "na.toml"
    cfg.write_text(content, encoding="utf-8")
    with pytest.raises(UsageError, match=None) as err:
        load_settings(cfg)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="config file not found"):
        load_settings(tmp_path / "nope.toml")


def test_public_api_names_resolve() -> None:
    import newsarchive

    for name in newsarchive.__all__:
        assert getattr(newsarchive, name) is not None


@pytest.mark.parametrize(
    "content",
    [
        '[settings]\nclean.structure = "aggressive"\n',
        '[settings.clean]\nstructure = "aggressive"\n',
        '[settings]\n"clean.structure" = "aggressive"\n',
    ],
)
def test_dotted_setting_names_in_every_toml_spelling(tmp_path: Path, content: str) -> None:
    cfg = tmp_path / "na.toml"
    cfg.write_text(content, encoding="utf-8")
    assert load_settings(cfg).clean_structure == "aggressive"


def test_clean_structure_defaults_to_balanced_and_per_source(tmp_path: Path) -> None:
    cfg = tmp_path / "na.toml"
    cfg.write_text('[sources.wire]\nclean.structure = "off"\n', encoding="utf-8")
    s = load_settings(cfg)
    assert (s.clean_structure, s.for_source("wire").clean_structure) == ("balanced", "off")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            '[settings]\nclean.structure = "strong"\n',
            "setting 'clean.structure' in {cfg} should be one of off, conservative, balanced, "
            "aggressive, got 'strong'",
        ),
        (
            "[settings]\nclean.structure = 2\n",
            "setting 'clean.structure' in {cfg} should be str, got 2",
        ),
        ("[settings]\nclean.level = 'off'\n", "unknown setting 'clean.level' in {cfg}; known"),
    ],
)
def test_bad_clean_structure_gives_a_one_line_error(
    tmp_path: Path, content: str, message: str
) -> None:
    cfg = tmp_path / "na.toml"
    cfg.write_text(content, encoding="utf-8")
    with pytest.raises(UsageError) as err:
        load_settings(cfg)
    assert str(err.value).startswith(message.format(cfg=cfg))
    assert "\n" not in str(err.value)


def test_overrides_are_checked_like_the_file() -> None:
    s = load_settings().with_values(**{"clean.structure": "off"})
    assert s.clean_structure == "off"
    with pytest.raises(UsageError, match="should be one of off, conservative"):
        load_settings().with_values(**{"clean.structure": "max"})
