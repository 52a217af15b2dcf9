"""``newsarchive verify``: the CLI face of :mod:`newsarchive.verify`."""

from __future__ import annotations

import sys

import click

from .common import index_options, reports_errors


@click.command("verify")
@index_options
@click.option(
    "--repair",
    is_flag=True,
    help="Move unreadable files to _quarantine/ and bring the index in line; deletes nothing.",
)
@click.option(
    "--wait",
    is_flag=True,
    help="With --repair: if an ingest is writing to the corpus, wait for it instead of stopping.",
)
@reports_errors
def verify_cmd(corpus: str, index_dir: str, repair: bool, wait: bool) -> None:
    """Check the corpus and its index for damage, and say what was found.

    Reads every part file in full and checks the schema, duplicate doc_ids, run records against
    the stored articles, and the index against the corpus. Exit status: 0 when healthy, 1 when
    problems were found (after --repair: when problems remain).
    """
    from .. import verify as v

    if not repair:
        report = v.verify(corpus, index_dir)
        click.echo(format_report(report))
        sys.exit(report.exit_code)
    fixed = v.repair(corpus, index_dir, wait=wait)
    click.echo(format_repair(fixed))
    sys.exit(fixed.exit_code)


def format_report(report: object, *, advice: bool = True) -> str:
    from ..verify import VerifyReport

    assert isinstance(report, VerifyReport)
    r = report
    lines = [
        f"Corpus {r.corpus}: {r.parts:,} part files, {r.articles:,} articles, "
        f"{r.records:,} run records"
    ]
    lines += [f"  {c.status:<5} {c.name:<8} {c.message}" for c in r.checks]
    n = len(r.problems)
    if not n:
        lines.append("No problems found.")
    else:
        lines.append(f"{n} problem{'s' if n > 1 else ''} found.")
        if advice:
            lines.append(
                "Run 'newsarchive verify --repair' to quarantine unreadable files and rebuild the index."
            )
    return "\n".join(lines)


def format_repair(fixed: object) -> str:
    from ..verify import RepairReport

    assert isinstance(fixed, RepairReport)
    lines = [format_report(fixed.before, advice=False)]
    if fixed.actions:
        lines.append("Repairs:")
        lines += [f"  {action}" for action in fixed.actions]
        lines += ["After repair:", format_report(fixed.after, advice=False)]
    elif fixed.after.problems:
        lines.append("Nothing repaired: no repair of the problems above keeps every article.")
    else:
        lines.append("Nothing to repair.")
    return "\n".join(lines)
