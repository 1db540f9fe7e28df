"""Does validation accuracy keep rising with more outer steps? (issue 14, "Stability").

One distillation per variant (bptt, 10/class, seed 0), validated every 25 outer steps: validation
accuracy, the learned learning rates (mean and max) and the RMS of the synthetic embeddings, so a
fall can be traced to rate growth or to the data drifting. Variants: ``constant`` (the defaults),
``cosine`` (``outer_schedule="cosine"``), ``fixed-lr`` (``learn_lr=False``), ``token-norm``
(``token_norm_quantile=0.99``: synthetic token vectors kept within the words' lengths), ``token-norm-median``
(``token_norm_quantile=0.5``: no token longer than the median word), ``plateau`` (``outer_schedule="plateau"``:
after two validations without a new best, back to the best set with half the outer lr).

Run: ``.venv/bin/python benchmarks/bench_stability.py --threads 1 [--datasets trec bbc-news] [--variants constant cosine]
[--outer-steps 400]``; adds its runs to benchmarks/results/stability.json (a dataset/variant measured again
replaces its earlier run).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import torch

from textdistill_lab import DistillConfig, Distiller, load_dataset, load_vectors
from textdistill_lab.io import atomic_write_json

RESULTS = Path(__file__).parent / "results"
VARIANTS = {"constant": {}, "cosine": {"outer_schedule": "cosine"}, "fixed-lr": {"learn_lr": False},
            "token-norm": {"token_norm_quantile": 0.99}, "token-norm-median": {"token_norm_quantile": 0.5},
            "plateau": {"outer_schedule": "plateau"}}
MAX_LEN = {"bbc-news": 50}  # long texts cut as in bench_distill.py


class Trace:
    """Validation accuracy with the learned rates and the data's scale at every validation."""

    def __init__(self, distiller: Distiller) -> None:
        self.distiller, self.lrs, self.rows = distiller, [], []

    def on_step(self, info: dict) -> None:
        self.lrs = info["lrs"]

    def on_validate(self, info: dict) -> None:
        lrs = self.lrs or [self.distiller.config.lr_init]
        data = self.distiller.synthetic_data
        self.rows.append({**info, "mean_lr": sum(lrs) / len(lrs), "max_lr": max(lrs),
                          "data_rms": float(data.pow(2).mean().sqrt()),
                          "max_token_norm": float(data.norm(dim=-1).max())})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["trec", "bbc-news"])
    parser.add_argument("--variants", nargs="+", default=["constant", "cosine"], choices=list(VARIANTS))
    parser.add_argument("--outer-steps", type=int, default=400)
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads; 1 on a shared machine")
    args = parser.parse_args()
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    vectors = load_vectors("glove-6b-50d")
    runs = {}
    for name in args.datasets:
        dataset = load_dataset(name, max_len=MAX_LEN.get(name))
        for variant in args.variants:
            config = DistillConfig(per_class=10, outer_steps=args.outer_steps, validate_every=25, device="cpu",
                                   **VARIANTS[variant])
            distiller = Distiller(config)
            trace = Trace(distiller)
            start = time.perf_counter()
            distiller.fit(dataset, vectors, callbacks=[trace], progress=False)
            runs[f"{name}/{variant}"] = {"rows": trace.rows, "seconds": time.perf_counter() - start,
                                         "best_step": distiller.best_step_, "load_end": os.getloadavg()}
            last = trace.rows[-1]
            print(f"{name:10s} {variant:9s} best val {distiller.best_val_acc_:.3f} at step {distiller.best_step_:4d}, "
                  f"last {last['val_acc']:.3f}; mean lr {last['mean_lr']:.3f}, max lr {last['max_lr']:.3f}")
    meta = {"command": " ".join([Path(sys.executable).name, *sys.argv]), "torch": torch.__version__,
            "threads": torch.get_num_threads(), "load_average_end": os.getloadavg()}
    path = RESULTS / "stability.json"
    earlier = json.loads(path.read_text()) if path.exists() else {"meta": {}, "runs": {}}
    kept = {key: {"meta": earlier["meta"], **run} for key, run in earlier["runs"].items()}  # each run keeps its meta
    atomic_write_json(path, {"meta": meta, "runs": {**kept, **{key: {"meta": meta, **run} for key, run in runs.items()}}})


if __name__ == "__main__":
    main()
