"""Benchmark nearest-word decoding: a 120 x 80 x D distilled set against 400k words.

Cases: random 400k x 100 vectors (the paper's dimension; the real 100d vectors are optional), real
GloVe 6B 50d (400k x 50) when ``load_vectors("glove-6b-50d")`` can load it, the same search with
the bf16 shortlist turned off (plain fp32 chunks), Euclidean, and a 20k-word dataset-sized
vocabulary. Each case runs in a fresh process, so its peak memory (the highest resident-set size
seen while decoding, minus the size before) is not hidden by memory an earlier case left cached.

Each case runs with 1 and with 2 torch threads: on a 2-core box shared with other jobs, 2 threads
can be *slower* (each parallel op waits for a descheduled thread), so both numbers and the load
average are recorded.

Run: ``.venv/bin/python benchmarks/bench_decode.py [--repeats 3] [--threads 1,2]``; writes
benchmarks/results/decode.json.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import threading
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).parent / "results" / "decode.json"
SAMPLES, TOKENS = 120, 80
RANDOM = "random 400k x 100"
CASES = {  # name -> (vectors, decode options)
    "random 400k x 100, cosine": (RANDOM, {}),
    "glove-6b-50d 400k x 50, cosine": ("glove-6b-50d", {}),
    "random 400k x 100, cosine, fp32 only": (RANDOM, {"shortlist": False}),
    "random 400k x 100, euclidean": (RANDOM, {"metric": "euclidean"}),
    "random 20k words x 100 (dataset vocab), cosine": (RANDOM, {"vocabulary": 20_000}),
}


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def measure(fn) -> tuple[float, int]:
    """Wall seconds and peak extra resident memory (bytes) of ``fn()``, sampled every 2 ms."""
    base, peak, done = rss_bytes(), [0], threading.Event()

    def watch() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], rss_bytes())
            time.sleep(0.002)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    start = time.perf_counter()
    fn()
    seconds = time.perf_counter() - start
    done.set()
    watcher.join()
    return seconds, max(peak[0], rss_bytes()) - base


def run_case(name: str, threads: int, repeats: int) -> dict:
    """One case in this (fresh) process: vectors, synthetic queries at the vectors' scale, timings."""
    import torch

    from textdistill_lab.decode import decode
    from textdistill_lab.vectors import WordVectors, load_vectors

    torch.set_num_threads(threads)
    source, options = CASES[name]
    rng = np.random.default_rng(0)
    if source == RANDOM:
        matrix = rng.standard_normal(size=(400_000, 100), dtype=np.float32)
        vectors = WordVectors(RANDOM, [f"w{i}" for i in range(len(matrix))], matrix)
    else:
        vectors = load_vectors(source)
    options = dict(options)
    if "vocabulary" in options:
        options["vocabulary"] = vectors.words[: options["vocabulary"]]
    scale = float(np.asarray(vectors.matrix[:10000]).std())
    data = rng.standard_normal(size=(SAMPLES, TOKENS, vectors.dim), dtype=np.float32) * scale
    decode(data[:1, :4], vectors, **options)  # warm-up: thread pool, kernels, page-in of memory-mapped vectors
    runs = [measure(lambda: decode(data, vectors, k=5, **options)) for _ in range(repeats)]
    seconds = [s for s, _ in runs]
    return {"case": name, "threads": threads, "rows": SAMPLES * TOKENS,
            "words": len(options.get("vocabulary", vectors.words)), "dim": vectors.dim, "best_s": min(seconds),
            "median_s": float(np.median(seconds)), "peak_mb": max(m for _, m in runs) / 2**20}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", default="1,2", help="comma-separated torch thread counts to try")
    args = parser.parse_args()
    load_before = os.getloadavg()
    rows = []
    context = multiprocessing.get_context("spawn")
    for name in CASES:
        for threads in [int(t) for t in args.threads.split(",")]:
            with context.Pool(1) as pool:
                try:
                    rows.append(pool.apply(run_case, (name, threads, args.repeats)))
                except Exception as err:  # noqa: BLE001 - e.g. the real vectors cannot be fetched here
                    rows.append({"case": name, "threads": threads, "skipped": f"{type(err).__name__}: {err}"})
    print(f"{'case':47s} {'thr':>3s} {'words':>7s} {'dim':>4s} {'best s':>7s} {'median s':>9s} {'peak MB':>8s}")
    for r in rows:
        if "skipped" in r:
            print(f"{r['case']:47s} {r['threads']:3d} skipped: {r['skipped'][:80]}")
            continue
        print(f"{r['case']:47s} {r['threads']:3d} {r['words']:7d} {r['dim']:4d} {r['best_s']:7.2f} "
              f"{r['median_s']:9.2f} {r['peak_mb']:8.0f}")
    meta = {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
            "load_average_before": load_before, "load_average_after": os.getloadavg(),
            "samples": SAMPLES, "tokens": TOKENS, "k": 5, "repeats": args.repeats}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"meta": meta, "results": rows}, indent=2))
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
