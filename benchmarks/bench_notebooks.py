"""Run time and peak memory of each teaching notebook at one budget (full: ≤ 5 min; class: ≤ 2 min; ≤ 2 GB).

Each notebook runs top to bottom with nbclient at ``--budget`` (``TEXTDISTILL_BUDGET``), offline, in
a temporary folder, inside a fresh worker process. After the kernel has exited, the worker reads
the peak resident memory of its waited-for children (``RUSAGE_CHILDREN``: the kernel), so each
number is that notebook's own peak. Binder gives 2 GB; the run-time headers of the notebooks quote
these numbers.

Run: ``.venv/bin/python benchmarks/bench_notebooks.py [--budget full|class] [--notebooks 03_distill_a_real_dataset ...] [--save DIR]``;
writes benchmarks/results/notebooks.json (notebooks-class.json for the class budget), replacing the rows of the
notebooks it ran and keeping the others, each row with the command and load of its own run. Notebook 08 runs
at the smoke budget under ``full`` (its full run is the paper's Table 2 on a GPU).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
NOTEBOOKS = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SMOKE_ONLY = {"08_reproduce_table2"}  # its full run needs internet and a GPU
TARGET_SECONDS = {"full": 300, "class": 120}
TARGET_GB = 2.0


def worker(name: str, budget: str, save: Path | None) -> dict:
    """Execute one notebook in this process's kernel child; return seconds and the kernel's peak RSS."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        NotebookClient(notebook, timeout=900, kernel_name="python3", resources={"metadata": {"path": folder}}).execute()
        seconds = time.perf_counter() - start
    if save is not None:  # the executed notebook, to read the numbers the narrative quotes
        save.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, save / f"{name}.ipynb")
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # Linux: kilobytes
    return {"notebook": name, "budget": budget, "seconds": seconds, "peak_gb": peak_kb * 1024 / 1e9}


def run_one(name: str, budget: str, save: Path | None) -> dict:
    budget = "smoke" if budget == "full" and name in SMOKE_ONLY else budget
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TEXTDISTILL_WIDGETS": "static",
           "TEXTDISTILL_BUDGET": budget}
    command = [sys.executable, __file__, "--worker", name] + (["--save", str(save)] if save else [])
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        return {"notebook": name, "budget": budget, "error": done.stderr.strip().splitlines()[-1:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notebooks", nargs="*", default=NOTEBOOKS, help="notebook names (default: all)")
    parser.add_argument("--save", type=Path, default=None, metavar="DIR", help="also write the executed notebooks to DIR")
    parser.add_argument("--budget", default="full", choices=("full", "class"), help="sizes to run at (default: full)")
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, os.environ["TEXTDISTILL_BUDGET"], args.save)))
        return
    rows = []
    print(f"{'notebook':32s} {'budget':5s} {'seconds':>8s} {'peak GB':>8s}  within {TARGET_SECONDS[args.budget]} s / 2 GB")
    for name in args.notebooks:
        row = run_one(name, args.budget, args.save)
        rows.append(row)
        if "error" in row:
            print(f"{name:32s} failed: {row['error']}")
            continue
        smoke = row["budget"] == "smoke"
        ok = smoke or (row["seconds"] <= TARGET_SECONDS[args.budget] and row["peak_gb"] <= TARGET_GB)
        print(f"{name:32s} {row['budget']:5s} {row['seconds']:8.0f} {row['peak_gb']:8.2f}  "
              f"{'yes' if ok else 'NO'}")
    meta = {"machine": platform.platform(), "python": platform.python_version(), "cpus": os.cpu_count(),
            "load_average_at_end": os.getloadavg(), "command": "python " + " ".join(sys.argv)}
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / ("notebooks.json" if args.budget == "full" else f"notebooks-{args.budget}.json")
    path.write_text(json.dumps(merged(path, rows, meta), indent=2))


def merged(path: Path, rows: list[dict], meta: dict) -> dict:
    """The results file with ``rows`` replacing the rows of the same notebooks; the others are kept
    with the run that measured them (each row carries its own command and load)."""
    for row in rows:
        row["run"] = meta
    kept = json.loads(path.read_text())["rows"] if path.exists() else []
    fresh = {row["notebook"] for row in rows}
    ordered = sorted([r for r in kept if r["notebook"] not in fresh] + rows, key=lambda r: r["notebook"])
    return {"meta": meta, "rows": ordered}


if __name__ == "__main__":
    main()
