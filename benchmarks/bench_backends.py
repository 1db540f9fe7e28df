"""Seconds per outer step and peak memory of the three hypergradient back-ends.

Each configuration runs in a fresh subprocess so that peak memory is its own: on CPU the peak
resident set size (``ru_maxrss``) gained during the measured steps over the level after setup; on
CUDA ``torch.cuda.max_memory_allocated``. The problem has a realistic size: TextCNN (widths 3,4,5 x
100 filters) on 50-d vectors, 30 tokens, 6 classes x 10 synthetic samples, a real batch of 256.
``replay`` cuts the synthetic set into 10 batches (the paper's schedule), ``full-batch`` uses all 60
samples at every inner step (the memory-hungry case for ``unroll``).

Run: ``.venv/bin/python benchmarks/bench_backends.py [--steps 3] [--threads N]``; writes
benchmarks/results/backends.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
BACKENDS = ("unroll", "backgradient", "truncated")
INNER_STEPS = (10, 50)
MODES = ("replay", "full-batch")
DIM, TOKENS, CLASSES, PER_CLASS, REAL_BATCH, TRUNCATE_K = 50, 30, 6, 10, 256, 5


def worker(backend: str, inner_steps: int, mode: str, steps: int, threads: int | None) -> dict:
    """Measure one configuration in this (fresh) process."""
    import torch
    import torch.nn.functional as F

    from textdistill_lab.distill.bptt import hypergradient
    from textdistill_lab.training import replay_schedule
    from textdistill_lab.models import init_params, make_model

    if threads:
        torch.set_num_threads(threads)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    gen = torch.Generator().manual_seed(0)
    model = make_model("textcnn", DIM, CLASSES).to(device)
    data = (0.4 * torch.randn(CLASSES * PER_CLASS, TOKENS, DIM, generator=gen)).to(device).requires_grad_()
    classes = torch.arange(CLASSES).repeat_interleave(PER_CLASS).to(device)
    raw = torch.full((inner_steps,), -2.0, device=device, requires_grad=True)
    real_x = (0.4 * torch.randn(REAL_BATCH, TOKENS, DIM, generator=gen)).to(device)
    real_y = torch.randint(0, CLASSES, (REAL_BATCH,), generator=gen).to(device)
    labels = F.one_hot(classes, CLASSES).float()
    epochs, per_epoch = (inner_steps // 10, 10) if mode == "replay" else (1, inner_steps)

    def step(seed: int) -> None:
        params0 = init_params("textcnn", DIM, CLASSES, seed, device)
        lrs = F.softplus(raw)
        batches = replay_schedule(data, labels, per_epoch, epochs, mode)
        _, grads = hypergradient(backend, model, params0, batches, lrs, real_x, real_y, [data, lrs],
                                 truncate_k=TRUNCATE_K)
        torch.autograd.backward([data, lrs], grads)

    if device.type == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
    else:
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    times = []
    for i in range(steps):
        start = time.perf_counter()
        step(i)
        if device.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    if device.type == "cuda":
        peak = torch.cuda.max_memory_allocated() - base
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - base
    return {"backend": backend, "T": inner_steps, "inner_mode": mode, "device": device.type,
            "seconds_per_step": min(times), "peak_mb": peak / 2**20, "threads": torch.get_num_threads()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3, help="measured outer steps per configuration (min time is kept)")
    parser.add_argument("--threads", type=int, default=None, help="torch threads in each worker (default: torch's)")
    parser.add_argument("--worker", nargs=3, metavar=("BACKEND", "T", "MODE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        backend, inner_steps, mode = args.worker
        print(json.dumps(worker(backend, int(inner_steps), mode, args.steps, args.threads)))
        return
    rows = []
    for mode in MODES:
        for inner_steps in INNER_STEPS:
            for backend in BACKENDS:
                command = [sys.executable, __file__, "--worker", backend, str(inner_steps), mode, "--steps", str(args.steps)]
                if args.threads:
                    command += ["--threads", str(args.threads)]
                done = subprocess.run(command, capture_output=True, text=True, check=True)
                rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
                row = rows[-1]
                print(f"{mode:>10}  T={inner_steps:<3} {backend:>12}  {row['seconds_per_step']:7.3f} s/step  "
                      f"{row['peak_mb']:8.1f} MB peak", flush=True)
    ratios = {}
    for mode in MODES:
        for inner_steps in INNER_STEPS:
            peak = {r["backend"]: r["peak_mb"] for r in rows if r["inner_mode"] == mode and r["T"] == inner_steps}
            ratios[f"{mode} T={inner_steps}"] = peak["backgradient"] / peak["unroll"] if peak["unroll"] > 0 else None
    print("backgradient / unroll peak memory:", {k: None if v is None else round(v, 3) for k, v in ratios.items()})
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "backends.json"
    meta = {"machine": platform.platform(), "processor": platform.processor(), "python": platform.python_version(),
            "problem": {"dim": DIM, "tokens": TOKENS, "classes": CLASSES, "per_class": PER_CLASS,
                        "real_batch": REAL_BATCH, "truncate_k": TRUNCATE_K, "arch": "textcnn"},
            "command": " ".join(["python", "benchmarks/bench_backends.py", *sys.argv[1:]])}
    out.write_text(json.dumps({"meta": meta, "rows": rows, "backgradient_over_unroll_peak": ratios}, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
