"""Rebuild notebooks/*.ipynb from their jupytext .py sources, without outputs.

The .py files are the source of truth. This script also points every notebook's Colab and Binder
badges, and the Colab install line, at the repository and ref (a release tag) named in
book/_config.yml, so changing the repository URL or the release is one edit there plus one run of
this script. The .ipynb files ask Colab for a GPU runtime (notebook metadata ``accelerator``).
Each header's run-time line is written from benchmarks/bench_notebooks.py's results, so the times a
reader sees are the ones that benchmark measured.

    python scripts/sync_notebooks.py          # rewrite URLs in the .py files, regenerate .ipynb
    python scripts/sync_notebooks.py --check  # exit 1 (and say which) if anything is out of date
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import jupytext
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
RESULTS = ROOT / "benchmarks" / "results"
# The header's run-time line (one line of the first markdown cell), written by run_time_line.
RUN_TIME = re.compile(r"^# \*\*Run time\*\*.*$", re.M)
NO_GPU = "not measured on a GPU — none was available"
# The three places a notebook names the repository: Colab badge, Binder badge, Colab install line.
REPO_REFERENCES = (
    re.compile(r"colab\.research\.google\.com/github/[\w.-]+/[\w.-]+/blob/[\w.-]+/"),
    re.compile(r"mybinder\.org/v2/gh/[\w.-]+/[\w.-]+/[\w.-]+\?"),
    re.compile(r"git\+https://github\.com/[\w.-]+/[\w.-]+@[\w.-]+\""),
)


def repository() -> tuple[str, str, str]:
    """(org, repo, branch) from book/_config.yml."""
    config = yaml.safe_load((ROOT / "book" / "_config.yml").read_text())
    url = config["repository"]["url"].rstrip("/")
    match = re.fullmatch(r"https://github\.com/([\w.-]+)/([\w.-]+)", url)
    if not match:
        raise SystemExit(f"book/_config.yml repository.url must be https://github.com/ORG/REPO, got {url!r}")
    return match[1], match[2], config["repository"].get("branch", "main")


def with_repository(text: str, org: str, repo: str, branch: str) -> str:
    """``text`` with every Colab/Binder/install reference pointing at ``org/repo`` on ``branch``."""
    text = REPO_REFERENCES[0].sub(f"colab.research.google.com/github/{org}/{repo}/blob/{branch}/", text)
    text = REPO_REFERENCES[1].sub(f"mybinder.org/v2/gh/{org}/{repo}/{branch}?", text)
    return REPO_REFERENCES[2].sub(f'git+https://github.com/{org}/{repo}@{branch}"', text)


def _duration(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s" if minutes else f"{rest} s"


def measured_times() -> dict[str, dict[str, dict]]:
    """notebook name -> budget -> its row of bench_notebooks.py's results (class and full)."""
    times: dict[str, dict[str, dict]] = {}
    for budget, file in (("class", "notebooks-class.json"), ("full", "notebooks.json")):
        path = RESULTS / file
        rows = json.loads(path.read_text())["rows"] if path.exists() else []
        for row in rows:
            if "seconds" in row and row.get("budget") == budget:
                times.setdefault(row["notebook"], {})[budget] = row
    return times


def run_time_line(name: str, times: dict[str, dict[str, dict]]) -> str:
    """The header line quoting ``name``'s measured run time at each budget and its peak memory."""
    rows = times.get(name, {})
    if not rows:
        return f"# **Run time**: not measured yet (run benchmarks/bench_notebooks.py, then this script); {NO_GPU}."
    parts = [f"{_duration(rows[b]['seconds'])} at the {b} budget" for b in ("class", "full") if b in rows]
    peak = max(row["peak_gb"] for row in rows.values())
    return (f"# **Run time** on a 2-core CPU (`benchmarks/bench_notebooks.py`, machine load in benchmarks/README.md): {', '.join(parts)}; "
            f"peak memory {peak:.2f} GB; {NO_GPU}.")


def sources() -> list[Path]:
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py"))


def expected_ipynb(source: Path) -> str:
    """The .ipynb text for ``source``: no outputs (the .py has none), cell ids numbered so reruns are
    no-ops, and Colab's request for a GPU runtime (the chapters use one when present)."""
    notebook = jupytext.read(source)
    notebook.metadata["accelerator"] = "GPU"
    notebook.metadata["colab"] = {"gpuType": "T4", "provenance": []}
    for index, cell in enumerate(notebook.cells):
        cell.id = f"cell-{index:03d}"
    return jupytext.writes(notebook, fmt="ipynb")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report what is out of date, change nothing")
    args = parser.parse_args(argv)
    org, repo, branch = repository()
    times = measured_times()
    stale = []
    for source in sources():
        text = source.read_text()
        fixed = with_repository(text, org, repo, branch)
        fixed = RUN_TIME.sub(lambda _: run_time_line(source.stem, times), fixed, count=1)
        if fixed != text:
            stale.append(f"{source.name}: repository URLs or run times differ from book/_config.yml and benchmarks/results")
            if not args.check:
                source.write_text(fixed)
        target = source.with_suffix(".ipynb")
        ipynb = expected_ipynb(source)
        if not target.exists() or target.read_text() != ipynb:
            stale.append(f"{target.name}: differs from {source.name}")
            if not args.check:
                target.write_text(ipynb)
    if args.check and stale:
        print("out of date (run python scripts/sync_notebooks.py):\n  " + "\n  ".join(stale))
        return 1
    for line in stale:
        print("updated", line.split(":")[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
