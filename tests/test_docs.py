"""Docs that cannot drift: every command and option has help text and is in docs/cli.md."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

import click
import pytest

from newsarchive.cli import COMMANDS, main

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _commands() -> list[tuple[str, click.Command]]:
    ctx = click.Context(main)
    out = []
    for name in sorted(COMMANDS):
        cmd = main.get_command(ctx, name)
        assert cmd is not None, name
        out.append((name, cmd))
        if isinstance(cmd, click.Group):
            sub = click.Context(cmd, parent=ctx)
            for sub_name in cmd.list_commands(sub):
                sub_cmd = cmd.get_command(sub, sub_name)
                assert sub_cmd is not None
                out.append((f"{name} {sub_name}", sub_cmd))
    return out


@pytest.mark.parametrize(("name", "command"), _commands(), ids=lambda x: str(x))
def test_every_command_and_option_has_help(name: str, command: click.Command) -> None:
    assert command.help, f"{name} has no help text"
    missing = [
        p.name
        for p in command.params
        if isinstance(p, click.Option) and not p.help and not p.hidden
    ]
    assert missing == [], f"options of {name} without help"


def test_cli_reference_is_up_to_date() -> None:
    generated = runpy.run_path(str(DOCS / "gen_cli_reference.py"))["reference"]()
    current = (DOCS / "cli.md").read_text(encoding="utf-8")
    assert current == generated, (
        "docs/cli.md is stale: run .venv/bin/python docs/gen_cli_reference.py"
    )


def test_readme_links_every_doc() -> None:
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    unlinked = [p.name for p in sorted(DOCS.glob("*.md")) if f"docs/{p.name}" not in readme]
    assert unlinked == []


def test_help_summaries_are_the_first_sentence_of_each_docstring() -> None:
    from newsarchive.cli import summary

    ctx = click.Context(main)
    for name in sorted(COMMANDS):
        command = main.get_command(ctx, name)
        assert command is not None
        assert summary(name) == command.get_short_help_str(limit=1000), name


def test_safety_doc_lists_exactly_the_skip_reasons() -> None:
    from newsarchive.errors import SKIP_REASONS

    text = (DOCS / "safety.md").read_text(encoding="utf-8")
    start = text.index("Reason codes:")
    paragraph = text[start : text.index("\n\n", start)]
    assert sorted(set(re.findall(r"`([a-z-]+)`", paragraph))) == sorted(SKIP_REASONS)
