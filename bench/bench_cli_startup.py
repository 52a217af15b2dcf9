"""Benchmark of the command line's start-up: CPU seconds of one `newsarchive search`.

Run by hand; prints the median and the lowest CPU seconds (user + system, the process and its
threads) of each command over ``--rounds`` rounds, the commands interleaved within a round so that
a busy machine weighs on each alike::

    .venv/bin/python bench/bench_cli_startup.py
    .venv/bin/python bench/bench_cli_startup.py --src /tmp/main/src   # another checkout's code

The corpus is the examples/ folder, ingested once into a temporary folder and indexed with both
engines. ``python -c pass`` is the floor: the interpreter alone.

Python's bytecode is cached (in a temporary ``PYTHONPYCACHEPREFIX``), as for an installed
package; with ``PYTHONDONTWRITEBYTECODE`` set and no cache, every run compiles newsarchive's
modules afresh, about 0.15 CPU s more (``--no-bytecode-cache`` shows it).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI = "import sys; from newsarchive.cli import main; sys.exit(main())"


def cpu_seconds(argv: list[str], env: dict[str, str]) -> float:
    """CPU seconds (user + system) that ``argv`` took, its threads included."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{done.stderr.decode()}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--query", default="strike")
    parser.add_argument("--src", help="run the newsarchive package found in this folder")
    parser.add_argument(
        "--no-bytecode-cache", action="store_true", help="compile every module on every run"
    )
    args = parser.parse_args()
    env = dict(os.environ)
    if args.src:
        env["PYTHONPATH"] = os.pathsep.join([args.src, env.get("PYTHONPATH", "")]).rstrip(":")
    na = [sys.executable, "-c", CLI]
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as tmp:
        if args.no_bytecode_cache:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
        else:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        corpus, whoosh, tantivy = (str(Path(tmp) / n) for n in ("corpus", "whoosh", "tantivy"))
        examples = str(ROOT / "examples")
        manifest = str(ROOT / "examples" / "manifest.csv")
        subprocess.run(
            [*na, "ingest", examples, "--manifest", manifest, "--corpus", corpus, "--index-dir",
             whoosh, "-q"],
            env=env, check=True,
        )  # fmt: skip
        subprocess.run(
            [*na, "index", "--corpus", corpus, "--index-dir", tantivy, "--engine", "tantivy", "-q"],
            env=env,
            check=True,
        )
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "newsarchive --help": [*na, "--help"],
            "search (whoosh)": [*na, "search", args.query, "--corpus", corpus, "--index-dir",
                                whoosh],
            "search (tantivy)": [*na, "search", args.query, "--corpus", corpus, "--index-dir",
                                 tantivy],
            "search --count (tantivy)": [*na, "search", args.query, "--count", "--corpus", corpus,
                                         "--index-dir", tantivy],
        }  # fmt: skip
        times: dict[str, list[float]] = {name: [] for name in commands}
        for argv in commands.values():  # warm-up: bytecode written, files in the page cache
            cpu_seconds(argv, env)
        for _ in range(args.rounds):
            for name, argv in commands.items():
                times[name].append(cpu_seconds(argv, env))
    cache = "no bytecode cache" if args.no_bytecode_cache else "bytecode cached"
    print(f"CPU s (user+sys) over {args.rounds} interleaved rounds, query {args.query!r}, {cache}")
    print(f"{'command':<26}  {'median':>7}  {'lowest':>7}")
    for name, values in times.items():
        print(f"{name:<26}  {statistics.median(values):>7.3f}  {min(values):>7.3f}")


if __name__ == "__main__":
    main()
