"""The yardsticks every distilled/full ratio divides by (issue 14): full data trained well, per vectors.

Per offline dataset and per word-vectors set: the TF-IDF + linear SVM reference (C on validation),
the full-data TextCNN in the paper's setting (no dropout, Adam 1e-3, fixed epochs) and tuned on
validation (early stopping, dropout x learning-rate grid; :class:`~textdistill_lab.FullTraining`).
Test accuracy at the validation-selected epoch, mean ± std over the evaluation seeds. The table
says which vectors give the better full-data model and what each costs in seconds.

Run: ``.venv/bin/python benchmarks/bench_yardsticks.py --threads 1 [--datasets trec] [--vectors glove-6b-50d glove-6b-100d]``;
writes benchmarks/results/yardsticks.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from dataclasses import asdict
from pathlib import Path

import torch

from textdistill_lab import FullTraining, full_data, load_dataset, load_vectors, tfidf_reference, train_full_model
from textdistill_lab.data import DataError, NeedsInternetError

RESULTS = Path(__file__).parent / "results"
DATASETS = ("trec", "mr", "sms-spam", "bbc-news", "health-tweets", "wordnet-topics")
VECTORS = ("glove-6b-50d", "glove-6b-100d")


def run(name: str, vectors_names: list[str], seeds: list[int], training: FullTraining, paper_epochs: int) -> dict:
    dataset = load_dataset(name)
    reference = tfidf_reference(dataset)
    rows = [{"vectors": "-", "setting": "TF-IDF + linear SVM", "test_mean": reference.mean, "test_std": 0.0,
             "val_mean": reference.summary()["val_mean"], "seconds": reference.seconds[0],
             "chosen": {"C": reference.meta["chosen_c"]}}]
    for vectors_name in vectors_names:
        vectors = load_vectors(vectors_name)
        for setting in (FullTraining("paper", paper_epochs=paper_epochs), training):
            start = time.perf_counter()
            result = train_full_model(full_data(dataset), dataset, vectors, training=setting, seeds=seeds)
            info = result.meta["full_training"]
            rows.append({"vectors": vectors_name, "setting": setting.setting, "test_mean": result.mean,
                         "test_std": result.std, "val_mean": result.summary()["val_mean"],
                         "seconds": time.perf_counter() - start, "chosen": info.get("chosen"),
                         "stopped_epochs": result.meta["stopped_epochs"], "grid": info.get("grid")})
            print(f"  {name} {vectors_name} {setting.setting}: {100 * result.mean:.1f} ± {100 * result.std:.1f} "
                  f"({rows[-1]['seconds']:.0f} s, load {os.getloadavg()[0]:.1f})", file=sys.stderr)
    return {"rows": rows, "train": len(dataset.train), "classes": dataset.num_classes}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=DATASETS)
    parser.add_argument("--vectors", nargs="+", default=list(VECTORS))
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--paper-epochs", type=int, default=10)
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads; 1 on a shared machine")
    args = parser.parse_args()
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    training = FullTraining()
    start = time.perf_counter()
    datasets = {}
    for name in args.datasets:
        try:
            datasets[name] = run(name, args.vectors, list(range(args.seeds)), training, args.paper_epochs)
        except (DataError, NeedsInternetError) as err:
            datasets[name] = {"error": str(err)}
    print(f"{'dataset':15s} {'vectors':14s} {'setting':20s} {'test acc %':>13s} {'val %':>6s} {'s':>6s}  chosen")
    for name, entry in datasets.items():
        for r in entry.get("rows", []):
            print(f"{name:15s} {r['vectors']:14s} {r['setting']:20s} {100 * r['test_mean']:6.1f} ± {100 * r['test_std']:4.1f} "
                  f"{100 * r['val_mean']:6.1f} {r['seconds']:6.0f}  {r['chosen']}")
        if "error" in entry:
            print(f"{name:15s} skipped: {entry['error']}")
    meta = {"command": " ".join([Path(sys.executable).name, *sys.argv]), "seeds": args.seeds,
            "tuned": asdict(training), "torch": torch.__version__, "threads": torch.get_num_threads(),
            "cpu": platform.processor() or platform.machine(), "cpus": os.cpu_count(),
            "load_average_end": os.getloadavg(), "total_s": time.perf_counter() - start}
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "yardsticks.json"
    out.write_text(json.dumps({"meta": meta, "datasets": datasets}, indent=2))
    print(f"wrote {out} in {meta['total_s']:.0f} s")


if __name__ == "__main__":
    main()
