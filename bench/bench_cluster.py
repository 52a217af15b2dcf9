"""Ingest on a Dask cluster against the local pool, and the coordinator's memory (by hand).

    python bench/bench_cluster.py --articles 100000        # local pool -j2, local:1, local:2
    python bench/bench_cluster.py --articles 0 --ids 100000 1000000   # memory only

Throughput: the same BBC-sized articles (``make_articles.py --bbc-sized``) ingested without an
index by the local pool (``jobs=2``) and by ``cluster=Client`` of a ``LocalCluster`` with one and
two worker processes, each in a fresh process. The cluster is started before the clock starts
(its start-up is printed apart): a cluster serves many runs. Besides wall-clock time, the CPU
time of all processes is printed: on a shared machine it is the fairer measure of what the
cluster path costs over the pool.

Memory: a made-up corpus of N articles (ids, text hashes, and one run's file of N first
tellings' MinHash signatures: random 32-bit values, so no two share a band, in the state file's
format, ``_state/minhash/<run>.arrow``). A fresh process then does what a coordinator does: fills
its id table (:class:`IdTable`) and near-duplicate index (:class:`NearDuplicates`) from the
corpus, and decides N/10 more articles in tasks of 2,000 (half of them exact copies, a fifth of
the rest edited copies of earlier ones: linked); its peak resident memory, CPU and wall time
are printed, and the index's size on disk, against the same process holding the ids the local
runner's way (``store.known_articles``: a set and a dict, no signatures).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from make_articles import build  # noqa: E402

MEMORY = """
import hashlib, json, resource, sys, time
import numpy as np
import pyarrow, pyarrow.dataset  # imported by any coordinator: part of the base, not of the ids
n, how, folder = int(sys.argv[1]), sys.argv[2], sys.argv[3]
def hx(i, size):
    return hashlib.blake2b(str(i).encode(), digest_size=size).hexdigest()
more = [(hx(i, 8), hx(i % n if i % 2 else i, 16)) for i in range(n, n + n // 10)]  # half copies
rng = np.random.default_rng(7)
sigs = rng.integers(0, 2**32, size=(len(more), 128), dtype=np.uint64)
for k in range(4, len(more), 10):  # a fifth of the new texts: an earlier one, 40 values changed
    sigs[k] = sigs[k - 2]
    sigs[k, :40] += 1
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t, c = time.perf_counter(), cpu()
linked = disk = 0
if how == "on-disk":
    from newsarchive.pipeline.cluster import IdTable
    from newsarchive.pipeline.dedup import NearDuplicates
    table = IdTable()
    table.load_corpus(folder)
    near = NearDuplicates.load(folder, stored=table.which)
    load, load_cpu = time.perf_counter() - t, cpu() - c
    t, c = time.perf_counter(), cpu()
    for lo in range(0, len(more), 2000):  # tasks of 2,000 (batch_rows), as run.decide does
        kept, kept_sigs = [], []
        with table.batch(more[lo : lo + 2000]) as admit:
            for k in range(lo, min(lo + 2000, len(more))):
                new, first = admit(*more[k])
                if new:
                    kept.append(more[k][0])
                    kept_sigs.append(sigs[k] if first == more[k][0] else None)
        linked += sum(x is not None for x in near.link(kept, kept_sigs))
    held = len(near)
    disk = sum(f.stat().st_size for f in __import__("pathlib").Path(near._dir.name).iterdir())
else:
    from newsarchive import store
    known = store.known_articles(folder)
    load, load_cpu = time.perf_counter() - t, cpu() - c
    t, c = time.perf_counter(), cpu()
    for d, h in more:
        known.doc_ids.add(d); known.first_by_hash.setdefault(h, d)
    held = 0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"rss_mb": round(peak / 1024), "base_mb": round(start / 1024),
                  "load_s": round(load, 1), "load_cpu_s": round(load_cpu, 1),
                  "decide_per_s": round(len(more) / (time.perf_counter() - t)),
                  "decide_per_cpu_s": round(len(more) / (cpu() - c)),
                  "first_tellings": held, "linked": linked, "index_disk_mb": round(disk / 2**20)}))
"""


def fake_corpus(n: int) -> Path:
    """A corpus of ``n`` rows holding only the columns a coordinator reads (the others null),
    and the signature file of their run."""
    import hashlib

    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from newsarchive import store

    def hx(i: int, size: int) -> str:
        return hashlib.blake2b(str(i).encode(), digest_size=size).hexdigest()

    folder = Path(tempfile.mkdtemp(prefix="na-bench-ids-"))
    rng = np.random.default_rng(1)
    state = folder / "_state" / "minhash"
    state.mkdir(parents=True)
    sig_type = pa.binary(4 * 128)
    schema = pa.schema([("doc_id", pa.string()), ("signature", sig_type)])
    with pa.OSFile(str(state / "fake.arrow"), "wb") as sink, pa.ipc.new_file(sink, schema) as out:
        for lo in range(0, n, 2000):  # parts and row groups as ingest writes them
            rows = range(lo, min(n, lo + 2000))
            ids = [hx(i, 8) for i in rows]
            cols = {f.name: pa.nulls(len(rows), f.type) for f in store.schema()}
            cols["doc_id"] = pa.array(ids)
            cols["content_hash"] = pa.array([hx(i, 16) for i in rows])
            cols["ingest_run"] = pa.array(["fake"] * len(rows))
            pq.write_table(
                pa.table(cols),
                folder / f"part-fake-{lo // 2000:05d}.parquet",  # part-<run>-<seq>
                row_group_size=store.ROW_GROUP_ROWS,
            )
            sigs = rng.integers(0, 2**32, size=(len(rows), 128), dtype=np.uint32)
            column = pa.FixedSizeBinaryArray.from_buffers(
                sig_type, len(rows), [None, pa.py_buffer(sigs.tobytes())]
            )
            out.write_batch(pa.record_batch([pa.array(ids), column], schema=schema))
    return folder


def memory(n: int, how: str, folder: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", MEMORY, str(n), how, str(folder)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, float] = json.loads(out)
    return result


def one_config(n: int, config: str) -> dict[str, float]:
    """Ingest the articles once as ``config`` (``pool`` or ``local:N``) in this process; wall
    time, CPU time of this process and every worker, and this (the coordinator's) peak memory."""
    import resource

    import newsarchive

    inputs = build(n, Path(f"/tmp/newsarchive-bench/bbc-sized-{n}"), bbc_sized=True)
    corpus = Path(tempfile.mkdtemp(prefix="na-bench-cluster-"))
    start = 0.0
    try:
        if config == "pool":
            t = time.perf_counter()
            report = newsarchive.ingest([inputs], corpus=corpus, index=False, jobs=2)
            took = time.perf_counter() - t
        else:
            import dask
            from distributed import Client, LocalCluster

            from newsarchive.pipeline.cluster import LOCAL_CONFIG

            t = time.perf_counter()
            workers = int(config.split(":")[1])
            with (
                dask.config.set(LOCAL_CONFIG),  # as ``--cluster local:N`` starts its cluster
                LocalCluster(
                    n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0"
                ) as cluster,
                Client(cluster) as client,
            ):
                client.wait_for_workers(workers)
                start = time.perf_counter() - t
                t = time.perf_counter()
                report = newsarchive.ingest([inputs], corpus=corpus, index=False, cluster=client)
                took = time.perf_counter() - t
        size = sum(f.stat().st_size for f in corpus.glob("part-*.parquet"))
    finally:
        shutil.rmtree(corpus, ignore_errors=True)
    me, children = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return {
        "articles": report.ingested,
        "wall_s": round(took, 1),
        "start_s": round(start, 1),
        # workers are this process's children; a LocalCluster's are reaped when it closes
        "cpu_s": round(me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime, 1),
        "coordinator_cpu_s": round(me.ru_utime + me.ru_stime, 1),  # the rest: the workers
        "coordinator_rss_mb": round(me.ru_maxrss / 1024),
        "corpus_mb": round(size / 2**20),
    }


def throughput(n: int) -> None:
    print(f"{n:,} BBC-sized articles", flush=True)
    got = {}
    for config in ("pool", "local:1", "local:2"):
        out = subprocess.run(
            [sys.executable, __file__, "--one", config, "--articles", str(n)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        got[config] = json.loads(out.splitlines()[-1])
        print(f"  {config:<8} {got[config]}", flush=True)
    one, two, pool = (got[c]["wall_s"] for c in ("local:1", "local:2", "pool"))
    print(f"  speed-up local:1 → local:2: {one / two:.2f}× (wall clock)")
    print(f"  local:2 over the local pool: {100 * (two / pool - 1):+.0f} % wall clock, ", end="")
    print(f"{100 * (got['local:2']['cpu_s'] / got['pool']['cpu_s'] - 1):+.0f} % CPU time")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--ids", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--one", help=argparse.SUPPRESS)  # one configuration, in a fresh process
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one_config(args.articles, args.one)))
        return
    for n in args.ids:
        folder = fake_corpus(n)
        for how in ("on-disk", "in-memory"):
            print(f"coordinator ids {n:>9,} {how:<10} {memory(n, how, folder)}", flush=True)
        shutil.rmtree(folder)
    if args.articles:
        throughput(args.articles)


if __name__ == "__main__":
    main()
