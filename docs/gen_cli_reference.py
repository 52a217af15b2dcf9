"""Write docs/cli.md, the reference of every command and option, from the Click definitions.

    .venv/bin/python docs/gen_cli_reference.py

tests/test_docs.py fails when docs/cli.md is out of date, so the reference never drifts.
"""

from __future__ import annotations

from pathlib import Path

import click

from newsarchive.cli import COMMANDS, main

OUT = Path(__file__).resolve().parent / "cli.md"


def _section(name: str, command: click.Command, ctx: click.Context) -> list[str]:
    # the context's own name is the last word: its parent already says "newsarchive tags"
    sub = click.Context(command, info_name=name.rsplit(" ", 1)[-1], parent=ctx)
    lines = [f"## `newsarchive {name}`", "", "```text", command.get_help(sub).rstrip(), "```", ""]
    if isinstance(command, click.Group):
        for sub_name in command.list_commands(sub):
            sub_cmd = command.get_command(sub, sub_name)
            assert sub_cmd is not None
            lines += _section(f"{name} {sub_name}", sub_cmd, sub)
    return lines


def reference() -> str:
    ctx = click.Context(
        main,
        info_name="newsarchive",
        terminal_width=100,
        max_content_width=100,
        **main.context_settings,  # -h/--help, as on the real command line
    )
    lines = [
        "# Command reference",
        "",
        "Generated from the commands themselves by `docs/gen_cli_reference.py`; every command",
        "and option below also has its `--help`.",
        "",
    ]
    for name in sorted(COMMANDS):
        command = main.get_command(ctx, name)
        assert command is not None
        lines += _section(name, command, ctx)
    return "\n".join(lines)


if __name__ == "__main__":
    OUT.write_text(reference(), encoding="utf-8")
    print(f"wrote {OUT}")
