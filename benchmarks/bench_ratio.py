"""Distilled/full against honest yardsticks (issue 14): every method beside the well-trained full model.

Per offline dataset: the TF-IDF + linear SVM reference, full data trained well (validation-tuned
grid with early stopping, :class:`~textdistill_lab.FullTraining`), random subsets drawn anew per
evaluation seed, and each distillation method (``random`` protocol). Every small set is scored by
the one rule (replay and standard, the mode better on validation; :mod:`textdistill_lab.scoring`).
Each distillation records validation accuracy against wall-clock seconds (``Distiller.history_``),
drawn as one accuracy-vs-seconds plot per dataset; expert trajectories (trajectory matching, expert
labels) are trained and timed apart, before the distillation clock starts.

The yardsticks (TF-IDF, full data, random subsets) do not depend on the distiller, and the tuned
full model is by far the slowest part; ``--reuse-yardsticks`` takes them from
``results/ratio/yardsticks-DATASET.json`` when one was measured with the same dataset, vectors, seeds and
budget (measuring and storing them otherwise). Every dataset writes its own
``results/ratio/DATASET-Npc.json`` (and ``.html``) as soon as it is done, so datasets can run in
separate processes; a run adds its recipe's row to the rows other recipes left there on the same
yardsticks. The closing table covers every dataset file present at that size, with two means: per
recipe, and of the recipe chosen per dataset on validation (the row with the best validation
accuracy, among all rows and among those within the 5-minute target, ``--set max_minutes=5``).

Run: ``.venv/bin/python benchmarks/bench_ratio.py --threads 1 [--datasets trec] [--methods bptt trajectory-matching]
[--per-class 10] [--seeds 5] [--max-len 128] [--set outer_steps=1200 labels=expert] [--reuse-yardsticks] [--quick]``.
``--quick`` (the smoke budget) writes under results/ratio-quick/.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

import plotly.graph_objects as go
import torch

from textdistill_lab import DistillConfig, Distiller, load_dataset, load_vectors
from textdistill_lab.data import DataError, NeedsInternetError, TextDataset
from textdistill_lab.evaluate import EvalResult
from textdistill_lab.experiment import FULL_BUDGET, SMOKE_BUDGET, Budget, train_full, train_random, train_reference
from textdistill_lab.io import atomic_write_json
from textdistill_lab.scoring import score_best_mode

RESULTS = Path(__file__).parent / "results"
DATASETS = ("trec", "mr", "sms-spam", "bbc-news", "health-tweets", "wordnet-topics")
METHODS = ("bptt", "trajectory-matching")
TIME_TARGET_S = 300  # issue 14: each distillation at 10 per class within 5 minutes on the 2-core CPU


class ValidationClock:
    """Records (seconds, validation accuracy) at every validation of a distillation run."""

    def __init__(self) -> None:
        self.points: list[dict] = []

    def on_validate(self, info: dict) -> None:
        self.points.append({"seconds": info["elapsed"], "step": info["step"], "val_acc": info["val_acc"]})


def measured(result: EvalResult, **extra) -> dict:
    """What a row keeps of an evaluation: test mean and spread, validation mean, the mode the rule chose."""
    return {"test_mean": result.mean, "test_std": result.std, "val_mean": result.summary()["val_mean"],
            "mode": result.meta.get("scoring", {}).get("chosen_mode", result.meta.get("mode")), **extra}


class Yardsticks:
    """The rows that do not depend on the distiller, measured once per key and stored in ``folder``
    (one file per dataset, so that datasets can run in separate processes)."""

    def __init__(self, folder: Path, reuse: bool) -> None:
        self.folder, self.reuse = folder, reuse

    def get(self, key: dict, measure: Callable[[], dict]) -> dict:
        path = self.folder / f"yardsticks-{key['dataset']}.json"
        rows = json.loads(path.read_text()) if path.exists() else {}
        name = json.dumps(key, sort_keys=True)
        if self.reuse and name in rows:
            return {**rows[name], "reused": True}
        rows[name] = measure()
        atomic_write_json(path, rows)
        return rows[name]


def load_capped(name: str, max_len: int | None) -> TextDataset:
    """The dataset at its usual length, truncated to ``max_len`` tokens where that is shorter: bbc-news keeps
    771 tokens (its 95th percentile), which makes the tuned full model alone run for over half an hour."""
    dataset = load_dataset(name)
    return dataset if max_len is None or dataset.max_len <= max_len else load_dataset(name, max_len=max_len)


def run_dataset(name: str, args: argparse.Namespace, budget: Budget, yardsticks: Yardsticks) -> dict:
    dataset, vectors = load_capped(name, args.max_len), load_vectors(args.vectors)
    seeds, per_class = list(range(args.seeds)), budget.per_class(args.per_class)
    start = time.perf_counter()
    key = {"dataset": name, "fingerprint": dataset.fingerprint, "vectors": vectors.checksum, "seeds": seeds,
           "full": repr(budget.full), "max_train": budget.max_train, "device": args.device}
    rows = [{"set": "TF-IDF + linear SVM", **yardsticks.get({**key, "row": "tfidf"},
                                                            lambda: measured(train_reference(dataset, budget=budget)))}]

    def full_row() -> dict:
        full = train_full(dataset, vectors, budget=budget, seeds=seeds, device=args.device)
        return measured(full, trained_by=full.meta["full_training"].get("chosen", "paper"))

    rows.append({"set": "full data", **yardsticks.get({**key, "row": "full"}, full_row)})
    defaults = DistillConfig(device=args.device).to_dict()  # a random subset is replayed with the default schedule
    random_key = {**key, "row": "random", "per_class": per_class, "epochs": budget.subset_epochs,
                  "replay_schedule": {k: defaults[k] for k in ("arch", "steps", "replays", "inner_mode", "lr_init")}}
    rows.append({"set": f"random {per_class}/class", **yardsticks.get(random_key, lambda: measured(
        train_random(dataset, vectors, per_class, budget=budget, seeds=seeds, device=args.device)[1]))})
    curves, run = {}, {"command": " ".join([Path(sys.executable).name, *sys.argv]), "date": time.strftime("%Y-%m-%d")}
    for method in args.methods:
        config = DistillConfig(**{"per_class": per_class, "method": method, "device": args.device, **budget.distill,
                                  **args.set})
        clock = ValidationClock()
        distiller = Distiller(config)
        distilled = distiller.fit(dataset, vectors, callbacks=[clock], progress=False)
        prepared = [info["train_seconds"] for info in (distiller.experts_, distiller.teacher_) if info]
        result = score_best_mode(distilled, dataset, vectors, label=method, standard_epochs=budget.subset_epochs,
                                 config=config, seeds=seeds, device=args.device)
        label = method_label(method, args.set, per_class)
        rows.append({"set": label, "method": method, **measured(
            result, distill_s=distilled.metrics["distill_seconds"], expert_s=sum(prepared) if prepared else None,
            best_step=distiller.best_step_, config=config.to_dict(), run={**run, "load_average_end": os.getloadavg()})})
        curves[label] = clock.points
    meta = {**run, "torch": torch.__version__,
            "threads": torch.get_num_threads(), "cpu": platform.processor() or platform.machine(),
            "cpus": os.cpu_count(), "set": args.set, "per_class": per_class, "vectors": args.vectors,
            "max_len": dataset.max_len, "yardstick_key": fingerprint(key),
            "seconds": time.perf_counter() - start, "load_average_end": os.getloadavg()}
    path = args.out / f"{name}-{per_class}pc.json"
    entry = with_earlier_recipes(path, {"meta": meta, "rows": rows, "curves": curves})
    for r in entry["rows"]:  # earlier recipes' rows too: one denominator for the whole file
        r["ratio_to_full"] = r["test_mean"] / rows[1]["test_mean"]
    _plot(path.with_suffix(".html"), name, entry["curves"], rows[1]["val_mean"])
    atomic_write_json(path, entry)
    return entry


def fingerprint(key: dict) -> str:
    """A short digest of the yardsticks' key: rows measured against the same yardsticks share it."""
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]


def with_earlier_recipes(path: Path, entry: dict) -> dict:
    """``entry`` plus the distilled rows (and curves) of earlier runs on the same yardsticks with other recipes,
    so that one file holds every recipe measured on a dataset and the summary can choose among them on
    validation; a recipe measured again replaces its earlier row."""
    if not path.exists():
        return entry
    earlier = json.loads(path.read_text())
    if earlier["meta"].get("yardstick_key") != entry["meta"]["yardstick_key"]:
        dropped = [r["set"] for r in earlier["rows"] if "method" in r]
        print(f"note: {path.name} held {len(dropped)} recipe row(s) measured on other yardsticks (other seeds, "
              f"vectors, length or full-data setting); this run replaces them: {', '.join(dropped) or '-'}",
              file=sys.stderr)
        return entry
    now = {r["set"] for r in entry["rows"]}
    kept = [r for r in earlier["rows"] if "method" in r and r["set"] not in now]
    curves = {**{k: v for k, v in earlier["curves"].items() if k not in now}, **entry["curves"]}
    return {**entry, "rows": entry["rows"] + kept, "curves": curves}


def _plot(path: Path, name: str, curves: dict, full_val: float | None) -> None:
    fig = go.Figure([go.Scatter(x=[p["seconds"] for p in pts], y=[p["val_acc"] for p in pts], mode="lines+markers",
                                name=method) for method, pts in curves.items()])
    if full_val is not None:  # rows imported from an earlier run may lack it
        fig.add_hline(y=full_val, line_dash="dot", annotation_text="full data (validation)")
    fig.update_layout(title=f"{name}: validation accuracy vs distillation seconds", xaxis_title="seconds",
                      yaxis_title="validation accuracy", template="plotly_white")
    fig.write_html(path, include_plotlyjs="cdn")


def summarise(out: Path, per_class: int, methods: list[str], overrides: dict) -> dict:
    """The table over every dataset file at this size (this run's and earlier ones'); the mean ratio per method
    over the datasets whose file holds this recipe's row; and the mean over each dataset's recipe chosen on
    validation (the distilled row with the best validation accuracy: how a practitioner would pick)."""
    entries = {name: json.loads(path.read_text()) for name in DATASETS
               if (path := out / f"{name}-{per_class}pc.json").exists()}
    print(f"{'dataset':15s} {'training set':62s} {'test acc %':>13s} {'/ full':>6s} {'val %':>5s} {'mode':>8s} "
          f"{'distill s':>9s}")
    for name, entry in entries.items():
        for r in entry["rows"]:
            cost = f"{r['distill_s']:9.0f}" if r.get("distill_s") is not None else ""
            val = f"{100 * r['val_mean']:5.1f}" if r.get("val_mean") is not None else ""
            print(f"{name:15s} {r['set']:62s} {100 * r['test_mean']:6.1f} ± {100 * r['test_std']:4.1f} "
                  f"{r['ratio_to_full']:6.3f} {val:>5s} {str(r['mode']):>8s} {cost}")
    labels = {m: method_label(m, overrides, per_class) for m in methods}  # this recipe only, not an earlier one
    ratios = {m: {name: r["ratio_to_full"] for name, e in entries.items() for r in e["rows"] if r["set"] == label}
              for m, label in labels.items()}
    summary = {m: {"mean": sum(v.values()) / len(v), "datasets": sorted(v), "missing": sorted(set(DATASETS) - set(v))}
               for m, v in ratios.items() if v}
    for m, info in summary.items():
        print(f"mean {labels[m]} / full: {info['mean']:.3f} over {', '.join(info['datasets'])}"
              + (f" (not measured: {', '.join(info['missing'])})" if info["missing"] else ""))
    for limit in (None, TIME_TARGET_S):
        chosen = chosen_on_validation(entries, limit)
        if not chosen:
            continue
        mean = sum(r["ratio_to_full"] for r in chosen.values()) / len(chosen)
        within = f", distillations of at most {limit} s" if limit else ""
        missing = sorted(set(entries) - set(chosen))
        print(f"mean / full of the recipe chosen on validation per dataset{within}: {mean:.3f} over {len(chosen)} datasets"
              + (f" (no such row: {', '.join(missing)})" if missing else ""))
        for name, r in chosen.items():
            print(f"  {name:15s} {r['set']:62s} {r['ratio_to_full']:.3f} ({r['distill_s']:.0f} s)")
        summary[f"chosen_on_validation{'_within_' + str(limit) + 's' if limit else ''}"] = {
            "mean": mean, "rows": {name: {k: r[k] for k in ("set", "ratio_to_full", "test_mean", "val_mean", "distill_s")}
                                   for name, r in chosen.items()}}
    return summary


def chosen_on_validation(entries: dict, max_seconds: float | None) -> dict:
    """Per dataset, the distilled row with the best validation accuracy (among those within ``max_seconds``: measured
    so, or stopped by a ``max_minutes`` budget of that size, which overshoots by its last step and validation):
    how a practitioner picks a recipe without looking at the test set."""

    def within(row: dict) -> bool:
        budget = row["config"].get("max_minutes")
        return max_seconds is None or row["distill_s"] <= max_seconds or (budget is not None and 60 * budget <= max_seconds)

    chosen = {}
    for name, entry in entries.items():
        candidates = [r for r in entry["rows"] if "method" in r and within(r)]
        if candidates:
            chosen[name] = max(candidates, key=lambda r: r["val_mean"])
    return chosen


def method_label(method: str, overrides: dict, per_class: int) -> str:
    """``bptt 10/class``, or ``bptt (inner_mode=full-batch) 10/class`` when ``--set`` changed the defaults."""
    changed = ", ".join(f"{k}={v}" for k, v in overrides.items())
    return f"{method}{f' ({changed})' if changed else ''} {per_class}/class"


def parse_overrides(pairs: list[str]) -> dict:
    """``key=value`` pairs as DistillConfig fields; values parsed as JSON where they are (numbers, booleans)."""
    overrides = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"--set takes key=value pairs, got {pair!r}")
        try:
            overrides[key] = json.loads(value)
        except json.JSONDecodeError:
            overrides[key] = value
    DistillConfig.from_dict(overrides)  # a bad key or value stops the run before anything is measured
    return overrides


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=DATASETS)
    parser.add_argument("--methods", nargs="*", default=list(METHODS), help="none: the yardsticks only")
    parser.add_argument("--vectors", default="glove-6b-50d")
    parser.add_argument("--per-class", type=int, default=10)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--set", nargs="+", default=[], metavar="KEY=VALUE",
                        help="DistillConfig fields for every method, e.g. outer_steps=1200 labels=expert")
    parser.add_argument("--reuse-yardsticks", action="store_true",
                        help="take TF-IDF, full-data and random rows measured earlier with the same key")
    parser.add_argument("--max-len", type=int, default=None,
                        help="truncate longer datasets to this many tokens (the TF-IDF row still reads whole texts)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--quick", action="store_true", help="the smoke budget: a check that it runs, not a number")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads; 1 on a shared machine")
    args = parser.parse_args()
    args.set = parse_overrides(args.set)
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    budget = SMOKE_BUDGET if args.quick else FULL_BUDGET
    args.out = RESULTS / ("ratio-quick" if args.quick else "ratio")
    args.out.mkdir(parents=True, exist_ok=True)
    yardsticks = Yardsticks(args.out, args.reuse_yardsticks)
    start = time.perf_counter()
    for name in args.datasets:
        try:
            run_dataset(name, args, budget, yardsticks)
        except (DataError, NeedsInternetError) as err:
            print(f"{name}: skipped: {err}")
    summary = summarise(args.out, budget.per_class(args.per_class), args.methods, args.set)
    atomic_write_json(args.out / f"summary-{budget.per_class(args.per_class)}pc.json",
                      {"mean_ratio": summary, "last_command": " ".join(sys.argv)})
    print(f"done in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
