"""Shared helpers of the kill tests (``tests/test_crash.py`` and ``bench/kill_test.py``).

A trial starts ``newsarchive ingest`` (or ``newsarchive index``) on a folder of small articles,
watches the corpus and index folders from outside to see which phase the run is in, and kills the
whole process group with SIGKILL once the phase it aims at is reached (plus a random delay):

* ``reading``: the corpus lock is held and inputs are read and processed; no part is open;
* ``parquet``: a part file is being written in ``.tmp/`` or renamed into place;
* ``index-add``: the index's lock is taken and documents go into a new segment;
* ``index-commit``: the new segment's files are being finished and the index's table of
  contents written (whoosh writes a segment's ``*.col`` files only then).

A kill may also land in ``finishing`` (between the run record and the index update) when the
timing falls there. After the kill the trial checks that the corpus opens and ``verify`` passes, re-runs the same
command to the end, and counts what a researcher cares about: inputs without a row (lost), rows
beyond one per input (duplicates), and whether the index holds exactly the corpus's ids.
"""

from __future__ import annotations

import os
import random
import shlex
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

PHASES = ("reading", "parquet", "index-add", "index-commit")

# The command under test; NEWSARCHIVE_CMD points the harness at another build of it.
NA = shlex.split(os.environ.get("NEWSARCHIVE_CMD", "")) or [
    str(Path(sys.executable).with_name("newsarchive"))
]

_PLACES = ["Leeds", "Hull", "York", "Bradford", "Wakefield", "Halifax", "Harrogate", "Sheffield"]
_SUBJECTS = ["bus drivers", "nurses", "refuse collectors", "teachers", "rail staff", "porters"]
_ACTIONS = ["voted to strike", "accepted a pay offer", "staged a walkout", "rejected new rotas"]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
# Every line carries a varying detail: a line repeated verbatim across a third of a source's
# articles would be learnt as template and removed, which is not what these runs are about.
_LINES = [
    "Union officials in {place} said talks had broken down on {day} after {n} minutes.",
    "A council spokesperson said {k} services in {place} would run as normal where possible.",
    "About {n} people attended a rally outside the town hall in {place} on {day}.",
    "The dispute began {k} weeks ago after changes to shift patterns in {place}.",
    "Members were balloted over {k} weeks and turnout was {pct} per cent.",
    "Passengers in {place} were advised to check {k} timetables before travelling on {day}.",
    "{k} local councillors called on both sides to return to talks by {day}.",
    "The employer said its offer of {pct} per cent to {n} staff was fair and affordable.",
]


def article_text(i: int, rng: random.Random) -> str:
    """A short, distinct news story in the style of the real sets (written here, not copied)."""
    place, who, did = rng.choice(_PLACES), rng.choice(_SUBJECTS), rng.choice(_ACTIONS)
    facts = {
        "place": place,
        "day": rng.choice(_DAYS),
        "n": 100 + i,
        "k": rng.randint(2, 40),
        "pct": rng.randint(2, 90),
    }
    paras = [f"{who.capitalize()} in {place} have {did}, entry {i} of the dispute diary says."]
    paras += [line.format(**facts) for line in rng.sample(_LINES, rng.randint(2, 5))]
    return f"{who.capitalize()} in {place} {did}\n\n" + "\n\n".join(paras) + "\n"


def make_inputs(root: Path, n: int, seed: int = 1) -> Path:
    """``n`` article files under ``root``, in a few source folders; returns ``root``."""
    rng = random.Random(seed)
    for i in range(n):
        folder = root / f"source{i % 4}" / f"{i // 500:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"story-{i:05d}.txt").write_text(article_text(i, rng), encoding="utf-8")
    return root


@dataclass(frozen=True, slots=True)
class Paths:
    """One trial's folders, and the commands it runs on them."""

    inputs: Path
    corpus: Path
    index_dir: Path
    config: Path

    @classmethod
    def under(cls, work: Path, inputs: Path, batch_rows: int) -> Paths:
        """Fresh corpus and index folders under ``work``, with small batches (many commits)."""
        work.mkdir(parents=True, exist_ok=True)
        config = work / "settings.toml"
        config.write_text(f"[settings]\nbatch_rows = {batch_rows}\n", encoding="utf-8")
        return cls(inputs, work / "corpus", work / "indexes", config)

    def command(self, name: str) -> list[str]:
        where = ["--corpus", str(self.corpus), "--index-dir", str(self.index_dir)]
        if name == "index":
            return [*NA, "index", *where]
        return [*NA, "ingest", str(self.inputs), *where, "--config", str(self.config), "--quiet"]


def _names(folder: Path) -> list[str]:
    """The names in ``folder`` (none if it does not exist, or vanished while we looked)."""
    try:
        with os.scandir(folder) as entries:
            return [e.name for e in entries]
    except FileNotFoundError:
        return []


def _parts(corpus: Path) -> int:
    return sum(1 for name in _names(corpus) if name.endswith(".parquet"))


def runs_recorded(corpus: Path) -> int:
    return sum(1 for name in _names(corpus / "_runs") if name.endswith(".json"))


def phase(paths: Paths, runs_before: int, since: float = 0.0) -> str | None:
    """The phase a run started at ``since`` (``time.time()``) is in, seen from outside (None:
    it has not started writing)."""
    if _names(paths.corpus / ".tmp"):
        return "parquet"
    if (paths.index_dir / ".lock.pid").exists():  # written once the index's lock is taken
        return "index-commit" if _segment_closing(paths.index_dir, since) else "index-add"
    if runs_recorded(paths.corpus) > runs_before:
        return "finishing"  # the run is recorded; the index update has not begun
    if (paths.corpus / ".lock.pid").exists():
        return "reading"
    return None


def _segment_closing(index_dir: Path, since: float) -> bool:
    """whoosh writes a segment's column files (``*.col``) when it finishes it, at commit."""
    for sub in (index_dir / "whoosh", index_dir / "whoosh.new"):
        for name in _names(sub):
            try:
                if name.endswith(".col") and (sub / name).stat().st_mtime >= since:
                    return True
            except FileNotFoundError:
                continue
    return False


@dataclass(frozen=True, slots=True)
class Stopped:
    """How a signalled run ended: the phase seen when the signal went (None: it ended first)."""

    phase: str | None
    seconds: float
    returncode: int
    stdout: str
    stderr: str


def signal_in(
    cmd: list[str],
    paths: Paths,
    target: str,
    delay: float = 0.0,
    *,
    sig: int = signal.SIGKILL,
    min_parts: int = 0,
    timeout: float = 300,
) -> Stopped:
    """Start ``cmd``; once ``target`` is seen with at least ``min_parts`` part files committed
    and ``delay`` s have passed, send ``sig`` to its process group (the main process and its
    workers, as a terminal's Ctrl-C does)."""
    runs_before = runs_recorded(paths.corpus)
    start, since = time.monotonic(), time.time()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    poll = 0.0005 if target in ("parquet", "index-commit") else 0.005
    seen: float | None = None
    sent: str | None = None
    try:
        while proc.poll() is None and time.monotonic() - start < timeout:
            now = time.monotonic()
            current = phase(paths, runs_before, since)
            ready = not min_parts or _parts(paths.corpus) >= min_parts
            if seen is None and current == target and ready:
                seen = now
            if seen is not None and now - seen >= delay:
                os.killpg(proc.pid, sig)
                sent = current
                break
            time.sleep(poll)
        out, err = proc.communicate(timeout=timeout)
        return Stopped(sent, time.monotonic() - start, proc.returncode, out, err)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def audit(corpus: Path, expected: int) -> tuple[int, int, int]:
    """Rows stored, inputs without a row (lost), and rows beyond one per input (duplicates)."""
    from newsarchive import store

    if not store.is_corpus(corpus):
        return 0, expected, 0
    table = store.read_corpus(corpus, columns=["doc_id", "source_path"])
    per_path = Counter(table.column("source_path").to_pylist())
    ids = set(table.column("doc_id").to_pylist())
    return table.num_rows, expected - len(per_path), table.num_rows - min(len(per_path), len(ids))


def verify_lines(paths: Paths, *, cli: bool = True) -> tuple[int, list[str]]:
    """``newsarchive verify``: exit code, and every line that is not ``ok``.

    ``cli=False`` calls the library in this process (what the command calls; no start-up cost).
    """
    if cli:
        out = subprocess.run(
            [*NA, "verify", "--corpus", str(paths.corpus), "--index-dir", str(paths.index_dir)],
            capture_output=True,
            text=True,
            timeout=300,
        )
        code, text = out.returncode, out.stdout + out.stderr
    else:
        from newsarchive.cli.verify import format_report
        from newsarchive.verify import verify

        report = verify(paths.corpus, paths.index_dir)
        code, text = report.exit_code, format_report(report)
    return code, [ln.strip() for ln in text.splitlines() if not ln.startswith("  ok")]


def index_agrees(paths: Paths) -> bool:
    """The index holds each corpus id exactly once, and nothing else."""
    from newsarchive import store
    from newsarchive.index import indexed_ids

    ids = indexed_ids(paths.index_dir) or []
    stored = store.read_corpus(paths.corpus, columns=["doc_id"]).column("doc_id").to_pylist()
    return len(ids) == len(set(ids)) == len(stored) and set(ids) == set(stored)


@dataclass(slots=True)
class Trial:
    """One kill and its aftermath."""

    number: int
    command: str  # ingest or index
    target: str
    phase: str | None = None  # seen at the kill; None if the run ended before it
    ended_first: str = ""  # how the run ended, if it did before the kill (the trial tests little)
    seconds: float = 0.0
    tmp_left: int = 0  # unfinished part files the kill left in .tmp/
    rows_after_kill: int = 0
    verify_after_kill: int = -1
    problems: list[str] = field(default_factory=list)  # verify's non-ok lines, both times
    rows: int = 0
    lost: int = 0
    duplicates: int = 0
    index_agrees: bool = False
    verify_final: int = -1

    @property
    def ok(self) -> bool:
        return (
            not self.problems
            and self.verify_after_kill == 0
            and self.verify_final == 0
            and self.lost == 0
            and self.duplicates == 0
            and self.index_agrees
        )


def run_trial(
    number: int,
    paths: Paths,
    expected: int,
    target: str,
    rng: random.Random,
    command: str,
    *,
    cli_verify: bool = True,
    min_parts: int | None = None,
    delay: float | None = None,
) -> Trial:
    """Kill ``command`` in ``target``, check the corpus, re-run to the end, count the damage.

    ``min_parts``: part files committed before the kill (default: a random 0 to 6 for the
    reading and Parquet phases).
    """
    trial = Trial(number, command, target)
    if command == "index":  # the corpus is ingested first; the kill lands in `newsarchive index`
        subprocess.run([*paths.command("ingest"), "--no-index"], capture_output=True, timeout=600)
    # Let a few batches commit first, so that kills land early and late in a run; then kill
    # a moment later (reading, adding to the index) or the instant a write is seen.
    if min_parts is None:
        min_parts = rng.randint(0, 6) if target in ("reading", "parquet") else 0
    if delay is None:
        delay = {"reading": rng.uniform(0, 0.1), "index-add": rng.uniform(0, 0.2)}.get(target, 0.0)
    stopped = signal_in(paths.command(command), paths, target, delay, min_parts=min_parts)
    trial.phase, trial.seconds = stopped.phase, stopped.seconds
    if stopped.phase is None:
        said = (stopped.stderr or stopped.stdout).strip()[-300:]
        trial.ended_first = f"exit {stopped.returncode}: {said}"
    trial.tmp_left = len(_names(paths.corpus / ".tmp"))
    trial.rows_after_kill = audit(paths.corpus, expected)[0]
    if runs_recorded(paths.corpus) or trial.rows_after_kill:
        trial.verify_after_kill, lines = verify_lines(paths, cli=cli_verify)
        trial.problems += [f"after kill: {ln}" for ln in lines if "FAIL" in ln or "Error" in ln]
    else:  # killed before the corpus had anything in it: nothing to verify
        trial.verify_after_kill = 0
    finish = subprocess.run(paths.command(command), capture_output=True, text=True, timeout=600)
    if finish.returncode != 0:
        trial.problems.append(f"re-run exited {finish.returncode}: {finish.stderr.strip()[-300:]}")
    trial.rows, trial.lost, trial.duplicates = audit(paths.corpus, expected)
    trial.index_agrees = index_agrees(paths)
    trial.verify_final, lines = verify_lines(paths, cli=cli_verify)
    trial.problems += [f"after re-run: {ln}" for ln in lines if "FAIL" in ln or "Error" in ln]
    return trial


# --- beyond SIGKILL of the whole run: a killed repair, a worker killed alone, a full disk --------

# A `newsarchive` whose Parquet writes fail as on a full disk once `NA_DISK_FULL_AFTER` parts are
# written: fault injection in the command's own process, so nothing is mounted or left behind.
DISK_FULL = """
import errno, os, sys
import pyarrow.parquet as pq
real, left = pq.write_table, [int(os.environ["NA_DISK_FULL_AFTER"])]
def write_table(table, where, **kwargs):
    if left[0] <= 0:
        where.write(b"PAR1 half a part")
        raise OSError(errno.ENOSPC, "No space left on device")
    left[0] -= 1
    real(table, where, **kwargs)
pq.write_table = write_table
from newsarchive.cli import main
sys.argv[0] = "newsarchive"
main()
"""


def one_line(text: str) -> bool:
    """The command said one thing, on one line, and no traceback."""
    lines = text.strip().splitlines()
    return len(lines) == 1 and "Traceback" not in text


def damage_a_part(corpus: Path, rng: random.Random) -> Path:
    """Flip three bits in the text column of one row group of one part (a failing disk)."""
    import pyarrow.parquet as pq

    part = rng.choice(sorted(corpus.glob("part-*.parquet")))
    meta = pq.ParquetFile(part).metadata
    group = meta.row_group(rng.randrange(meta.num_row_groups))
    (chunk,) = [
        group.column(i)
        for i in range(group.num_columns)
        if group.column(i).path_in_schema == "text"
    ]
    start = chunk.dictionary_page_offset or chunk.data_page_offset
    data = bytearray(part.read_bytes())
    for k in (1, 2, 3):
        data[start + chunk.total_compressed_size * k // 4] ^= 0x10
    part.write_bytes(data)
    return part


def children(pid: int) -> list[int]:
    """The process ids of ``pid``'s children (Linux)."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as fh:
            return [int(p) for p in fh.read().split()]
    except FileNotFoundError:
        return []


def _finish(trial: Trial, paths: Paths, expected: int, *, cli_verify: bool = True) -> Trial:
    """Re-run the ingest to the end and count what a researcher cares about."""
    finish = subprocess.run(paths.command("ingest"), capture_output=True, text=True, timeout=600)
    if finish.returncode != 0:
        trial.problems.append(f"re-run exited {finish.returncode}: {finish.stderr.strip()[-300:]}")
    trial.rows, trial.lost, trial.duplicates = audit(paths.corpus, expected)
    trial.index_agrees = index_agrees(paths)
    trial.verify_final, lines = verify_lines(paths, cli=cli_verify)
    trial.problems += [f"after re-run: {ln}" for ln in lines if "FAIL" in ln or "Error" in ln]
    return trial


def run_repair_trial(
    number: int, paths: Paths, expected: int, rng: random.Random, *, cli_verify: bool = True
) -> Trial:
    """Damage a part of a whole corpus, SIGKILL `verify --repair` part-way, repair again to the
    end, then re-run the ingest (which restores what the quarantine holds)."""
    trial = Trial(number, "repair", "repair")
    subprocess.run(paths.command("ingest"), capture_output=True, timeout=600)
    damage_a_part(paths.corpus, rng)
    repair = [*NA, "verify", "--repair", "--corpus", str(paths.corpus)]
    repair += ["--index-dir", str(paths.index_dir)]
    start = time.monotonic()
    proc = subprocess.Popen(
        repair, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    time.sleep(rng.uniform(0.2, 1.6))  # start-up, quarantine, salvage, relink or index rebuild
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        trial.phase = "repair"
    else:
        trial.ended_first = f"exit {proc.returncode}"
    proc.wait()
    trial.seconds = time.monotonic() - start
    trial.tmp_left = len(_names(paths.corpus / ".tmp"))
    again = subprocess.run(repair, capture_output=True, text=True, timeout=600)
    # The damage is the disk's, not the kill's: the repair run to the end must leave no problem.
    trial.verify_after_kill = again.returncode
    if again.returncode != 0:
        trial.problems.append(f"repair after the kill: {again.stdout.strip()[-400:]}")
    trial.rows_after_kill = audit(paths.corpus, expected)[0]
    return _finish(trial, paths, expected, cli_verify=cli_verify)


def run_worker_trial(
    number: int, paths: Paths, expected: int, rng: random.Random, *, cli_verify: bool = True
) -> Trial:
    """SIGKILL one worker process of a running ingest (not its group): the run must end with
    one line, keep whole batches, and a re-run must finish the job."""
    trial = Trial(number, "ingest", "worker")
    cmd = [*paths.command("ingest"), "--jobs", "2"]
    start = time.monotonic()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    min_parts = rng.randint(0, 6)
    try:
        while proc.poll() is None and time.monotonic() - start < 300:
            workers = children(proc.pid)
            if workers and _parts(paths.corpus) >= min_parts and phase(paths, 0) == "reading":
                os.kill(rng.choice(workers), signal.SIGKILL)
                trial.phase = "worker"
                break
            time.sleep(0.005)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            trial.problems.append("the run hung after its worker was killed")
            out, err = "", ""
    trial.seconds = time.monotonic() - start
    if trial.phase is None:
        trial.ended_first = f"exit {proc.returncode}"
    elif proc.returncode != 1 or not one_line(err) or "worker process" not in err:
        trial.problems.append(f"exit {proc.returncode}, said: {(err or out).strip()[-400:]}")
    trial.tmp_left = len(_names(paths.corpus / ".tmp"))
    trial.rows_after_kill = audit(paths.corpus, expected)[0]
    trial.verify_after_kill, lines = verify_lines(paths, cli=cli_verify)
    trial.problems += [f"after kill: {ln}" for ln in lines if "FAIL" in ln or "Error" in ln]
    return _finish(trial, paths, expected, cli_verify=cli_verify)


def run_disk_full_trial(
    number: int, paths: Paths, expected: int, rng: random.Random, *, cli_verify: bool = True
) -> Trial:
    """The disk fills after a random number of parts: one line, whole batches kept, the
    half-written part removed; a re-run with room again finishes the job."""
    trial = Trial(number, "ingest", "disk-full")
    after = rng.randint(0, 8)
    env = {**os.environ, "NA_DISK_FULL_AFTER": str(after)}
    start = time.monotonic()
    cmd = [sys.executable, "-c", DISK_FULL, *paths.command("ingest")[len(NA) :]]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env)
    trial.seconds = time.monotonic() - start
    trial.phase = "disk-full"
    if run.returncode != 1 or not one_line(run.stderr) or "No space left" not in run.stderr:
        trial.problems.append(f"exit {run.returncode}, said: {run.stderr.strip()[-400:]}")
    trial.tmp_left = len(_names(paths.corpus / ".tmp"))
    if trial.tmp_left:
        trial.problems.append(f"{trial.tmp_left} half-written parts left in .tmp/")
    trial.rows_after_kill = audit(paths.corpus, expected)[0]
    if trial.rows_after_kill or runs_recorded(paths.corpus):
        trial.verify_after_kill, lines = verify_lines(paths, cli=cli_verify)
        trial.problems += [
            f"after disk full: {ln}" for ln in lines if "FAIL" in ln or "Error" in ln
        ]
    else:
        trial.verify_after_kill = 0
    return _finish(trial, paths, expected, cli_verify=cli_verify)
