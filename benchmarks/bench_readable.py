"""Readable distillation (issue 12): accuracy vs readability as the knob moves, per dataset.

Per dataset (glove-6b-50d, 10 samples per class, bptt, ``random`` protocol):

- a random real subset of the same size: TextCNN, mean-pool MLP and the TF-IDF reference model
  (TF-IDF + linear SVM, ``C`` on validation, scored on the raw test texts like the reference row);
- free-matrix sets with the nearest-word penalty at each weight of ``--penalties`` (0: plain bptt):
  test accuracy (replayed), decode fidelity (decoded texts trained with the same evaluator,
  ``decoded / distilled``, mean cosine of a row to its nearest word, TF-IDF on the decoded texts);
- a word-constrained set per ``--word-sets`` kind: the same numbers (decoded / distilled is 1.0 by
  construction) plus cross-model transfer: the set trained like data into a mean-pool MLP, and its
  words (joined by spaces) into the TF-IDF reference model.

``--fidelity-datasets`` get only the plain free set and its decode fidelity (the README's
"fidelity for every offline dataset"). Every model is judged by
:func:`textdistill_lab.evaluate.evaluate` from the same seeds.

Run: ``.venv/bin/python benchmarks/bench_readable.py --threads 1 [--datasets trec] [--quick]``;
writes benchmarks/results/readable.json (``--quick``: readable-quick.json). Notebook 05's slider
reads the JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import torch

from textdistill_lab.baselines import random_subset
from textdistill_lab.data import DataError, NeedsInternetError, load_dataset
from textdistill_lab.distill import DistillConfig, Distiller
from textdistill_lab.evaluate import evaluate
from textdistill_lab.fidelity import decode_fidelity
from textdistill_lab.reference import tfidf_reference
from textdistill_lab.table import Table
from textdistill_lab.vectors import load_vectors

sys.path.insert(0, str(Path(__file__).parent))
from bench_distill import BUDGETS  # noqa: E402 - the per-dataset outer steps and max_len

RESULTS = Path(__file__).parent / "results"
VECTORS = "glove-6b-50d"
DATASETS = ("trec", "mr", "sms-spam")
FIDELITY_DATASETS = ("bbc-news", "health-tweets", "wordnet-topics")
SUBSET_EPOCHS = 30  # standard-mode epochs for sets trained like data (the evaluator's default)


def distilled_point(config: DistillConfig, dataset, vectors, seeds: tuple[int, ...], progress: bool,
                    transfer: bool) -> dict:
    """Distil with ``config``; accuracy, decode fidelity and (``transfer``) the mean-pool MLP on the set."""
    start = time.perf_counter()
    distilled = Distiller(config).fit(dataset, vectors, progress=progress)
    seconds = time.perf_counter() - start
    fidelity = decode_fidelity(distilled, dataset, vectors, seeds=seeds)
    point = {"words": config.words, "word_penalty": config.word_penalty or 0.0, "distill_s": seconds,
             **fidelity.summary(), "examples": fidelity.texts[:: config.per_class][:dataset.num_classes]}
    if transfer:
        mlp = evaluate(distilled, dataset, vectors, arch="meanpool-mlp", mode="standard", seeds=seeds,
                       epochs=SUBSET_EPOCHS, label="distilled -> meanpool-mlp")
        point |= {"meanpool_mlp_mean": mlp.mean, "meanpool_mlp_std": mlp.std}
    return point


def random_point(dataset, vectors, per_class: int, seeds: tuple[int, ...]) -> dict:
    """A random real subset of the same size, through the same three models."""
    subset = random_subset(dataset, per_class, seed=0)
    cnn = evaluate(subset, dataset, vectors, seeds=seeds, epochs=SUBSET_EPOCHS, label="random -> textcnn")
    mlp = evaluate(subset, dataset, vectors, arch="meanpool-mlp", seeds=seeds, epochs=SUBSET_EPOCHS,
                   label="random -> meanpool-mlp")
    tfidf = tfidf_reference(dataset, indices=subset.indices)
    return {"textcnn_mean": cnn.mean, "textcnn_std": cnn.std, "meanpool_mlp_mean": mlp.mean,
            "meanpool_mlp_std": mlp.std, "tfidf": tfidf.mean, "tfidf_chosen_c": tfidf.meta["chosen_c"]}


def run_dataset(name: str, args: argparse.Namespace, *, curve: bool, save) -> dict:
    """One dataset's runs; ``save(entry)`` after each, so an interrupted benchmark keeps what it measured."""
    start = time.perf_counter()
    budget = BUDGETS[name]
    dataset = load_dataset(name, max_len=budget.max_len)
    vectors = load_vectors(VECTORS)
    seeds = tuple(range(args.seeds))
    steps = args.outer_steps or budget.outer_steps
    base = dict(per_class=args.per_class, outer_steps=steps, validate_every=min(50, steps), seed=0)
    entry: dict = {"outer_steps": steps, "per_class": args.per_class, "points": []}
    penalties = args.penalties if curve else [0.0]
    for weight in penalties:
        config = DistillConfig(**base, word_penalty=weight or None)  # 0: plain bptt
        entry["points"].append(distilled_point(config, dataset, vectors, seeds, args.progress, transfer=curve and weight == 0))
        save(entry)
        print(f"[{name} penalty {weight}: {time.perf_counter() - start:.0f} s]", file=sys.stderr)
    if curve:
        for kind in args.word_sets:
            config = DistillConfig(**base, words=kind, word_candidates=args.word_candidates)
            entry["points"].append(distilled_point(config, dataset, vectors, seeds, args.progress, transfer=True))
            save(entry)
            print(f"[{name} words={kind}: {time.perf_counter() - start:.0f} s]", file=sys.stderr)
        entry["random"] = random_point(dataset, vectors, args.per_class, seeds)
        save(entry)
    entry["seconds"] = time.perf_counter() - start
    return entry


def targets(datasets: dict) -> dict:
    """Issue 12's targets for each word-constrained kind: decoded/distilled 1.0; ≥ random + 5 points and
    ≥ 0.9 × the free set on at least two of the datasets."""
    out = {}
    kinds = {p["words"] for e in datasets.values() for p in e.get("points", []) if p["words"] != "free"}
    for kind in sorted(kinds):
        per = {}
        for name, entry in datasets.items():
            points = {(p["words"], p["word_penalty"]): p for p in entry.get("points", [])}
            if (kind, 0.0) not in points or "random" not in entry:
                continue
            word, free, random = points[(kind, 0.0)], points[("free", 0.0)], entry["random"]
            per[name] = {"outer_steps": entry["outer_steps"], "decoded_over_distilled": word["decoded_over_distilled"],
                         "points_over_random": 100 * (word["distilled_mean"] - random["textcnn_mean"]),
                         "share_of_free": word["distilled_mean"] / free["distilled_mean"]}
            per[name]["met"] = per[name]["points_over_random"] >= 5 and per[name]["share_of_free"] >= 0.9
        out[kind] = {"datasets": per, "met_on": sum(v["met"] for v in per.values()),
                     "exact_everywhere": all(v["decoded_over_distilled"] == 1.0 for v in per.values())}
    return out


def table_rows(datasets: dict) -> list[list[str]]:
    """One row of text cells per set of every dataset, for :func:`print_table` (and the README)."""
    rows = []
    for name, entry in datasets.items():
        steps = str(entry.get("outer_steps", ""))
        for p in entry.get("points", []):
            label = f"words={p['words']}" if p["words"] != "free" else f"free, penalty {p['word_penalty']:g}"
            mlp = f"{100 * p['meanpool_mlp_mean']:.1f}" if "meanpool_mlp_mean" in p else ""
            rows.append([name, steps, label, f"{100 * p['distilled_mean']:.1f} ± {100 * p['distilled_std']:.1f}",
                         f"{100 * p['decoded_mean']:.1f}", f"{p['decoded_over_distilled']:.2f}", f"{p['mean_cosine']:.2f}",
                         f"{100 * p['tfidf_decoded']:.1f}", mlp, f"{p['distill_s']:.0f}"])
        if "random" in entry:
            r = entry["random"]
            rows.append([name, "", "random real subset", f"{100 * r['textcnn_mean']:.1f} ± {100 * r['textcnn_std']:.1f}",
                         "", "", "", f"{100 * r['tfidf']:.1f}", f"{100 * r['meanpool_mlp_mean']:.1f}", ""])
    return rows


COLUMNS = ["dataset", "outer steps", "set", "textcnn %", "decoded %", "dec/dist", "cosine", "tfidf %", "mlp %", "distill s"]


def print_table(datasets: dict) -> None:
    print(Table(COLUMNS, table_rows(datasets)).to_text(rule=True))
    for name, entry in datasets.items():
        if "error" in entry:
            print(f"{name}: skipped: {entry['error']}")


def merge(files: list[Path], out: Path) -> None:
    """One results file from several (e.g. one process per dataset); each run's meta is kept."""
    runs = [json.loads(f.read_text()) for f in files]
    datasets = {name: entry for run in runs for name, entry in run["datasets"].items()}
    meta = {"merged_from": {str(f): run["meta"] for f, run in zip(files, runs)}}
    out.write_text(json.dumps({"meta": meta, "targets": targets(datasets), "datasets": datasets}, indent=2))
    print_table(datasets)
    print(json.dumps(targets(datasets), indent=2))
    print(f"wrote {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="*", default=list(DATASETS), help="datasets with the whole curve")
    parser.add_argument("--fidelity-datasets", nargs="*", default=list(FIDELITY_DATASETS),
                        help="datasets with only the plain free set and its decode fidelity")
    parser.add_argument("--penalties", nargs="+", type=float, default=[0.0, 0.1, 1.0, 10.0])
    parser.add_argument("--word-sets", nargs="*", default=["frequent", "per-class"], choices=("frequent", "per-class"))
    parser.add_argument("--word-candidates", type=int, default=DistillConfig.word_candidates)
    parser.add_argument("--per-class", type=int, default=10)
    parser.add_argument("--outer-steps", type=int, default=None, help="default: bench_distill.py's per-dataset budget")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="a smoke run: 10 outer steps, 1 seed, trec only")
    parser.add_argument("--progress", action="store_true", help="show tqdm bars")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads; 1 on a shared machine")
    parser.add_argument("--out", type=Path, default=None, help="results file (default: results/readable.json)")
    parser.add_argument("--merge", nargs="+", type=Path, default=None, metavar="JSON",
                        help="run nothing: merge the datasets of these results files (runs made in parallel) into --out")
    args = parser.parse_args()
    if args.merge:
        merge(args.merge, args.out or RESULTS / "readable.json")
        return
    if args.quick:
        args.outer_steps, args.seeds, args.datasets, args.fidelity_datasets = 10, 1, ["trec"], []
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    start, load_start = time.perf_counter(), os.getloadavg()
    out = args.out or RESULTS / ("readable-quick.json" if args.quick else "readable.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    datasets: dict = {}

    def write(complete: bool) -> dict:
        meta = {"command": " ".join([Path(sys.executable).name, *sys.argv]), "vectors": VECTORS, "complete": complete,
                "torch": torch.__version__, "threads": torch.get_num_threads(),
                "cpu": platform.processor() or platform.machine(), "cpus": os.cpu_count(),
                "load_average_start": load_start, "load_average_end": os.getloadavg(), "total_s": time.perf_counter() - start}
        out.write_text(json.dumps({"meta": meta, "targets": targets(datasets), "datasets": datasets}, indent=2))
        return meta

    for name, curve in [*((n, True) for n in args.datasets), *((n, False) for n in args.fidelity_datasets)]:
        try:
            datasets[name] = run_dataset(name, args, curve=curve,
                                         save=lambda entry, name=name: (datasets.__setitem__(name, entry), write(False)))
        except (DataError, NeedsInternetError) as err:  # a dataset that cannot be loaded offline is reported
            datasets[name] = {"error": str(err)}
    print_table(datasets)
    print(json.dumps(targets(datasets), indent=2))
    meta = write(True)
    print(f"wrote {out} in {meta['total_s']:.0f} s")


if __name__ == "__main__":
    main()
