"""Distilled/full against honest yardsticks (issue 14): every method beside the well-trained full model.

Per offline dataset: the TF-IDF + linear SVM reference, full data trained well (validation-tuned
grid with early stopping, :class:`~textdistill_lab.FullTraining`), random subsets drawn anew per
evaluation seed, and each distillation method (``random`` protocol). Every small set is scored by
the one rule (replay and standard, the mode better on validation; :mod:`textdistill_lab.scoring`).
Each distillation records validation accuracy against wall-clock seconds (``Distiller.history_``),
drawn as one accuracy-vs-seconds plot per dataset; expert trajectories (trajectory matching) are
trained and timed apart, before the distillation clock starts.

Run: ``.venv/bin/python benchmarks/bench_ratio.py --threads 1 [--datasets trec] [--methods bptt trajectory-matching]
[--per-class 10] [--seeds 5] [--outer-steps N] [--quick]``; writes benchmarks/results/ratio.json (``--quick``:
ratio-quick.json) and ratio-DATASET.html.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import plotly.graph_objects as go
import torch

from textdistill_lab import DistillConfig, Distiller, load_dataset, load_vectors
from textdistill_lab.data import DataError, NeedsInternetError
from textdistill_lab.experiment import FULL_BUDGET, SMOKE_BUDGET, Budget, train_full, train_random, train_reference
from textdistill_lab.scoring import score_best_mode

RESULTS = Path(__file__).parent / "results"
DATASETS = ("trec", "mr", "sms-spam", "bbc-news", "health-tweets", "wordnet-topics")
METHODS = ("bptt", "trajectory-matching")


class ValidationClock:
    """Records (seconds, validation accuracy) at every validation of a distillation run."""

    def __init__(self) -> None:
        self.points: list[dict] = []

    def on_validate(self, info: dict) -> None:
        self.points.append({"seconds": info["elapsed"], "step": info["step"], "val_acc": info["val_acc"]})


def row(name: str, result, full_mean: float, **extra) -> dict:
    return {"set": name, "test_mean": result.mean, "test_std": result.std, "ratio_to_full": result.mean / full_mean,
            "mode": result.meta.get("scoring", {}).get("chosen_mode", result.meta.get("mode")), **extra}


def run_dataset(name: str, args: argparse.Namespace, budget: Budget) -> dict:
    dataset, vectors = load_dataset(name), load_vectors(args.vectors)
    seeds, per_class = list(range(args.seeds)), budget.per_class(args.per_class)
    start = time.perf_counter()
    reference = train_reference(dataset, budget=budget)
    full = train_full(dataset, vectors, budget=budget, seeds=seeds, device=args.device)
    rows = [row("TF-IDF + linear SVM", reference, full.mean),
            row("full data", full, full.mean, trained_by=full.meta["full_training"].get("chosen", "paper"))]
    _, random = train_random(dataset, vectors, per_class, budget=budget, seeds=seeds, device=args.device)
    rows.append(row(f"random {per_class}/class", random, full.mean))
    curves = {}
    for method in args.methods:
        overrides = {"per_class": per_class, "method": method, "device": args.device, **budget.distill}
        if args.outer_steps:
            overrides["outer_steps"] = args.outer_steps
        config = DistillConfig(**overrides)
        clock = ValidationClock()
        distiller = Distiller(config)
        began = time.perf_counter()
        distilled = distiller.fit(dataset, vectors, callbacks=[clock], progress=False)
        seconds = time.perf_counter() - began
        experts = getattr(distiller, "experts_", None) or {}
        result = score_best_mode(distilled, dataset, vectors, label=method, standard_epochs=budget.subset_epochs,
                                 config=config, seeds=seeds, device=args.device)
        rows.append(row(f"{method} {per_class}/class", result, full.mean, distill_s=seconds,
                        expert_s=experts.get("train_seconds"), best_step=distiller.best_step_))
        curves[method] = clock.points
    _plot(name, curves, full.summary()["val_mean"], args.quick)
    return {"rows": rows, "curves": curves, "seconds": time.perf_counter() - start, "load_end": os.getloadavg()}


def _plot(name: str, curves: dict, full_val: float, quick: bool) -> None:
    fig = go.Figure([go.Scatter(x=[p["seconds"] for p in pts], y=[p["val_acc"] for p in pts], mode="lines+markers",
                                name=method) for method, pts in curves.items()])
    fig.add_hline(y=full_val, line_dash="dot", annotation_text="full data (validation)")
    fig.update_layout(title=f"{name}: validation accuracy vs distillation seconds", xaxis_title="seconds",
                      yaxis_title="validation accuracy", template="plotly_white")
    RESULTS.mkdir(parents=True, exist_ok=True)
    fig.write_html(RESULTS / f"ratio-{name}{'-quick' if quick else ''}.html", include_plotlyjs="cdn")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=DATASETS)
    parser.add_argument("--methods", nargs="+", default=list(METHODS))
    parser.add_argument("--vectors", default="glove-6b-50d")
    parser.add_argument("--per-class", type=int, default=10)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--outer-steps", type=int, default=None, help="default: DistillConfig's")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--quick", action="store_true", help="the smoke budget: a check that it runs, not a number")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads; 1 on a shared machine")
    args = parser.parse_args()
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    budget = SMOKE_BUDGET if args.quick else FULL_BUDGET
    start = time.perf_counter()
    datasets = {}
    for name in args.datasets:
        try:
            datasets[name] = run_dataset(name, args, budget)
        except (DataError, NeedsInternetError) as err:
            datasets[name] = {"error": str(err)}
    print(f"{'dataset':15s} {'training set':32s} {'test acc %':>13s} {'/ full':>6s} {'mode':>8s} {'distill s':>9s}")
    for name, entry in datasets.items():
        for r in entry.get("rows", []):
            cost = f"{r['distill_s']:9.0f}" if "distill_s" in r else ""
            print(f"{name:15s} {r['set']:32s} {100 * r['test_mean']:6.1f} ± {100 * r['test_std']:4.1f} "
                  f"{r['ratio_to_full']:6.3f} {str(r['mode']):>8s} {cost}")
        if "error" in entry:
            print(f"{name:15s} skipped: {entry['error']}")
    ratios = {m: [r["ratio_to_full"] for e in datasets.values() for r in e.get("rows", []) if r["set"].startswith(m)]
              for m in args.methods}
    summary = {m: sum(v) / len(v) for m, v in ratios.items() if v}
    print("mean distilled/full:", json.dumps(summary))
    meta = {"command": " ".join([Path(sys.executable).name, *sys.argv]), "torch": torch.__version__,
            "threads": torch.get_num_threads(), "cpu": platform.processor() or platform.machine(),
            "cpus": os.cpu_count(), "distill_config_defaults": DistillConfig().to_dict(),
            "load_average_end": os.getloadavg(), "total_s": time.perf_counter() - start}
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / ("ratio-quick.json" if args.quick else "ratio.json")
    out.write_text(json.dumps({"meta": meta, "mean_ratio": summary, "datasets": datasets}, indent=2, default=str))
    print(f"wrote {out} in {meta['total_s']:.0f} s")


if __name__ == "__main__":
    main()
