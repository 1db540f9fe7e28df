"""The authors' schedule beside the project's best method: time to accuracy and accuracy at equal time (issue 14, part 3).

The authors' schedule is the settings of Li & Li's released code (train2.py, read for its numbers):
noise init, one sample per class per step, the steps replayed 6 times, a fixed inner learning rate of
0.01 that is never learned, Adam at 0.01 on the data, real batches of 256, one fixed Θ0 for
distilling and for evaluating, the ``textcnn-authors`` network (widths 2, 3 x 128 filters, a 256-unit
linear layer without a nonlinearity), and the test accuracy after every pass, the best one kept.
Not copied: their dropout of 0.5 inside the replays (the paper says it uses no regularisation).

Both methods distil the same dataset at the same size with the same network, on the same machine,
in alternating rounds (authors, ours, ours, authors, ...) so that a change of machine load falls on
both. Every ``--every`` outer steps each run's current set is snapshotted with its distillation seconds
(:meth:`Distiller.current_set`); after the runs every snapshot is scored two ways, outside the clock:

- **the authors' way**: replayed from their fixed Θ0, test accuracy, best so far (test-selected);
- **from fresh initialisations**: replayed from ``--seeds`` new Θ0s, mean test accuracy of the snapshot
  whose mean validation accuracy is best so far (validation-selected).

Printed per judgement: the authors' final accuracy, the seconds each method needs to reach it and
the speed-up, and each method's accuracy at equal times.

Run: ``.venv/bin/python benchmarks/bench_authors.py --threads 1 [--dataset trec] [--per-class 10]
[--rounds 3] [--authors-steps 200] [--ours-steps 100] [--every 25] [--set inner_mode=full-batch replays=6]
[--quick]``; writes
results/authors-DATASET.json (``--quick``: authors-DATASET-quick.json).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import torch

from bench_ratio import parse_overrides
from textdistill_lab import DistillConfig, Distiller, load_dataset, load_vectors
from textdistill_lab.evaluate import evaluate
from textdistill_lab.io import atomic_write_json

RESULTS = Path(__file__).parent / "results"
FIXED_SEED = 0  # the authors' one Θ0 (DistillConfig.seed under the fixed protocol)


def authors_config(per_class: int, device: str) -> DistillConfig:
    """Li & Li's released schedule in this toolkit's terms."""
    return DistillConfig(arch="textcnn-authors", init="noise", per_class=per_class, steps=per_class, replays=6,
                         lr_init=0.01, learn_lr=False, labels="fixed", outer_lr=0.01, real_batch=256,
                         protocol="fixed", seed=FIXED_SEED, device=device)


def ours_config(per_class: int, device: str, overrides: dict) -> DistillConfig:
    """The project's defaults plus ``overrides``, on the authors' network so that both are judged from one Θ0."""
    return DistillConfig(**{"per_class": per_class, "device": device, **overrides, "arch": "textcnn-authors"})


class Snapshots:
    """Keeps the current set and its distillation seconds every ``every`` outer steps."""

    def __init__(self, distiller: Distiller, every: int) -> None:
        self.distiller, self.every, self.points = distiller, every, []

    def on_step(self, info: dict) -> None:
        if info["step"] % self.every == 0:
            self.points.append({"step": info["step"], "seconds": info["elapsed"], "set": self.distiller.current_set()})


def run_round(config: DistillConfig, dataset, vectors, *, steps_per_round: int, round_index: int, folder: Path,
               every: int) -> list[dict]:
    """One more round of ``steps_per_round`` outer steps, resumed from the checkpoint in ``folder``."""
    total = steps_per_round * (round_index + 1)
    distiller = Distiller(DistillConfig(**{**config.to_dict(), "outer_steps": total, "validate_every": steps_per_round,
                                           "checkpoint_every": steps_per_round}))
    snapshots = Snapshots(distiller, every)
    distiller.fit(dataset, vectors, callbacks=[snapshots], checkpoint_dir=folder, resume=round_index > 0,
                  progress=False)
    return snapshots.points


def score(points: list[dict], dataset, vectors, seeds: list[int], device: str) -> list[dict]:
    """Each snapshot's test accuracy from the fixed Θ0 (seed ``FIXED_SEED``, as the distiller draws it) and its
    mean validation/test accuracy from fresh Θ0s (``seeds``, which exclude it)."""
    scored = []
    for p in points:
        common = dict(arch="textcnn-authors", mode="replay", device=device)
        own = evaluate(p["set"], dataset, vectors, seeds=[FIXED_SEED], **common)
        fresh = evaluate(p["set"], dataset, vectors, seeds=seeds, **common)
        scored.append({"step": p["step"], "seconds": p["seconds"], "fixed_test": own.mean,
                       "fresh_val": fresh.summary()["val_mean"], "fresh_test": fresh.mean})
    return scored


def best_so_far(scored: list[dict], judge: str) -> list[tuple[float, float]]:
    """(seconds, accuracy) of the set a user of each judgement would keep at that time."""
    out, best_key, best_acc = [], -1.0, 0.0
    for p in scored:
        key = p["fixed_test"] if judge == "authors" else p["fresh_val"]
        if key > best_key:
            best_key, best_acc = key, p["fixed_test"] if judge == "authors" else p["fresh_test"]
        out.append((p["seconds"], best_acc))
    return out


def time_to(curve: list[tuple[float, float]], target: float) -> float | None:
    return next((seconds for seconds, acc in curve if acc >= target - 1e-12), None)


def at_time(curve: list[tuple[float, float]], seconds: float) -> float:
    return max((acc for t, acc in curve if t <= seconds), default=float("nan"))


def compare(scored: dict[str, list[dict]], judge: str) -> dict:
    curves = {name: best_so_far(points, judge) for name, points in scored.items()}
    target = curves["authors"][-1][1]
    times = {name: time_to(curve, target) for name, curve in curves.items()}
    horizon = min(curve[-1][0] for curve in curves.values())
    marks = [horizon * f for f in (0.25, 0.5, 1.0)]
    equal = [{"seconds": t, **{name: at_time(curve, t) for name, curve in curves.items()}} for t in marks]
    speedup = times["authors"] / times["ours"] if times["ours"] and times["authors"] else None
    return {"authors_final": target, "seconds_to_authors_final": times, "speedup": speedup, "at_equal_time": equal,
            "curves": curves}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="trec")
    parser.add_argument("--vectors", default="glove-6b-50d")
    parser.add_argument("--per-class", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds per method")
    parser.add_argument("--authors-steps", type=int, default=150, help="outer steps per round, authors' schedule")
    parser.add_argument("--ours-steps", type=int, default=150, help="outer steps per round, the project's method")
    parser.add_argument("--every", type=int, default=25, help="snapshot every N outer steps")
    parser.add_argument("--seeds", type=int, default=5, help="fresh initialisations per snapshot")
    parser.add_argument("--set", nargs="+", default=[], metavar="KEY=VALUE", help="the project's method: config fields")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a check that it runs, not a number")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads; 1 on a shared machine")
    args = parser.parse_args()
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    if args.quick:
        args.rounds, args.authors_steps, args.ours_steps, args.every, args.seeds = 2, 4, 4, 2, 2
        args.per_class = min(args.per_class, 2)
    dataset, vectors = load_dataset(args.dataset), load_vectors(args.vectors)
    configs = {"authors": authors_config(args.per_class, args.device),
               "ours": ours_config(args.per_class, args.device, parse_overrides(args.set))}
    steps = {"authors": args.authors_steps, "ours": args.ours_steps}
    points: dict[str, list[dict]] = {name: [] for name in configs}
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            order = ["authors", "ours"] if r % 2 == 0 else ["ours", "authors"]
            for name in order:
                points[name] += run_round(configs[name], dataset, vectors, steps_per_round=steps[name],
                                           round_index=r, folder=Path(tmp) / name, every=args.every)
                print(f"round {r + 1}/{args.rounds} {name}: {points[name][-1]['seconds']:.0f} s distilling", flush=True)
    seeds = [FIXED_SEED + 1 + i for i in range(args.seeds)]
    scored = {name: score(pts, dataset, vectors, seeds, args.device) for name, pts in points.items()}
    judged = {judge: compare(scored, judge) for judge in ("authors", "fresh")}
    for judge, result in judged.items():
        reached = {name: "not reached" if t is None else f"{t:.0f} s"
                   for name, t in result["seconds_to_authors_final"].items()}
        speedup = "-" if result["speedup"] is None else f"{result['speedup']:.1f}x"
        title = "the authors' way (fixed Θ0, test-selected)" if judge == "authors" else "from fresh inits (validation-selected)"
        print(f"\njudged {title}: authors' final {100 * result['authors_final']:.1f}%; time to reach it: "
              f"authors {reached['authors']}, ours {reached['ours']}; speed-up {speedup}")
        for row in result["at_equal_time"]:
            print(f"  at {row['seconds']:5.0f} s: authors {100 * row['authors']:5.1f}%  ours {100 * row['ours']:5.1f}%  "
                  f"ratio {row['ours'] / row['authors']:.2f}")
    meta = {"command": " ".join([Path(sys.executable).name, *sys.argv]), "torch": torch.__version__,
            "threads": torch.get_num_threads(), "cpu": platform.processor() or platform.machine(),
            "cpus": os.cpu_count(), "configs": {n: c.to_dict() for n, c in configs.items()},
            "load_average_end": os.getloadavg(), "total_s": time.perf_counter() - start}
    out = RESULTS / f"authors-{args.dataset}{'-quick' if args.quick else ''}.json"
    atomic_write_json(out, {"meta": meta, "scored": scored, "judged": judged})
    print(f"wrote {out} in {meta['total_s']:.0f} s")


if __name__ == "__main__":
    main()
