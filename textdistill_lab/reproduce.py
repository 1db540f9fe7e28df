"""The paper's experiments as functions: Table 2, Figure 3 (accuracy vs epoch), Figure 4 (sizes).

What the paper reports and which offline dataset stands for which benchmark is in :mod:`.paper`.
Online the runners use the benchmarks themselves; offline they use the offline datasets, each
standing in for the benchmark of the same kind (:data:`ANALOGUES`), and say so in a banner.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tqdm.auto import tqdm

from .choices import EXPERIMENTS
from .data import TextDataset, load_dataset
from .evaluate import EvalResult
from .experiment import (
    FULL_BUDGET, Budget, Comparison, compare_sets, smallest_class, train_distilled, train_full, train_random, trained_by,
)
from .io import atomic_write_bytes, atomic_write_json
from .paper import (
    ANALOGUES, BENCHMARKS, PAPER, PAPER_CLAIM, PAPER_VECTORS, Benchmark, analogue_banner, benchmark,
)
from .plots import Curve, accuracy_vs_epoch, accuracy_vs_size
from .report import Section, write_report
from .table import Table
from .vectors import WordVectors, load_vectors



@dataclass(frozen=True)
class Job:
    """One dataset of an experiment: what to load, what it stands for, and at which size."""

    dataset: str
    benchmark: Benchmark | None  # the paper's benchmark it is (online) or stands for (offline)
    per_class: int
    vectors: str
    data_files: dict[str, str] | None = None  # online: local train/test files instead of the hub

    def load(self) -> tuple[TextDataset, WordVectors]:
        return load_dataset(self.dataset, data_files=self.data_files), load_vectors(self.vectors)


OFFLINE_VECTORS = "glove-6b-50d"
SIZES = (1, 5, 10, 20, 50)  # samples per class in Figure 4's offline analogue
SMOKE_SIZES = (1, 2)


def plan(
    *, datasets: Sequence[str] | None, online: bool, per_class: int, vectors: str | None,
    offline_available: Sequence[str], hub_mirror: str | Path | None = None,
) -> list[Job]:
    """The jobs of an experiment: the paper's benchmarks at its sizes online, the offline datasets offline.

    ``hub_mirror`` is a folder with ``NAME/train.parquet`` and ``NAME/test.parquet`` per benchmark
    (the hub's columns), read instead of the hub: a local copy, or tiny files in tests.
    """
    if hub_mirror is not None and not online:
        raise ValueError("a hub mirror only applies to the online benchmarks; add --online")
    if online:
        names = list(datasets) if datasets else [b.name for b in BENCHMARKS]
        return [Job(n, benchmark(n), benchmark(n).per_class, vectors or PAPER_VECTORS, _mirror_files(hub_mirror, n))
                for n in names]
    names = list(datasets) if datasets else list(offline_available)
    if not names:
        raise ValueError("no offline dataset is available; run `textdistill datasets` to see what each one needs")
    jobs = []
    for name in names:
        bench = benchmark(ANALOGUES[name]) if name in ANALOGUES else None
        jobs.append(Job(name, bench, per_class, vectors or OFFLINE_VECTORS))
    return jobs


def _mirror_files(mirror: str | Path | None, name: str) -> dict[str, str] | None:
    if mirror is None:
        return None
    files = {split: Path(mirror) / name / f"{split}.parquet" for split in ("train", "test")}
    missing = [str(p) for p in files.values() if not p.exists()]
    if missing:
        raise FileNotFoundError(f"hub mirror lacks {', '.join(missing)}; put each benchmark's splits as NAME/train.parquet and NAME/test.parquet")
    return {split: str(path) for split, path in files.items()}


def table2_row(job: Job, comparison: Comparison, *, online: bool) -> dict:
    """Our TF-IDF reference and full / random / distilled accuracy beside the paper's numbers for the same benchmark."""
    ds = comparison.dataset
    bench = job.benchmark
    samples = comparison.distilled_set.num_samples
    return {
        "dataset": ds.name,
        "benchmark": bench.title if bench else None,
        "analogue": not online,
        "classes": ds.num_classes,
        "train": len(ds.train),
        "distilled_samples": samples,
        "percent_of_train": 100 * samples / len(ds.train),
        "reference": comparison.reference.mean,
        "full": comparison.full.mean,
        "full_std": comparison.full.std,
        "random": comparison.random.mean,
        "random_std": comparison.random.std,
        "distilled": comparison.distilled.mean,
        "distilled_std": comparison.distilled.std,
        "ratio": comparison.distilled.mean / comparison.full.mean if comparison.full.mean else None,
        "trained_by": {key: trained_by(r) for key, r in (("reference", comparison.reference), ("full", comparison.full),
                                                          ("random", comparison.random), ("distilled", comparison.distilled))},
        "distill_seconds": comparison.distill_seconds,
        "paper_full": bench.paper_full if bench else None,
        "paper_random": bench.paper_random if bench else None,
        "paper_distilled": bench.paper_distilled if bench else None,
        "paper_ratio": bench.paper_ratio if bench else None,
        "paper_size": bench.distilled_size if bench else None,
    }


def _pct(value: float | None, std: float | None = None) -> str:
    if value is None:
        return "n/a"
    return f"{100 * value:.1f} ± {100 * std:.1f}" if std is not None else f"{100 * value:.1f}"


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


TABLE2_COLUMNS = (
    "dataset", "stands for", "classes", "train", "distilled (% of train)", "TF-IDF + SVM", "full", "random", "distilled",
    "ratio", "paper: size", "paper: full", "paper: random", "paper: distilled", "paper: ratio",
)


def table2_cells(row: dict) -> list[str]:
    """One row of Table 2 as text cells (accuracy in %, mean ± std over seeds)."""
    stands = (row["benchmark"] or "-") if row["analogue"] else "(itself)"
    return [
        row["dataset"], stands, str(row["classes"]), f"{row['train']:,}",
        f"{row['distilled_samples']} ({row['percent_of_train']:.2f}%)", _pct(row.get("reference")),
        _pct(row["full"], row["full_std"]), _pct(row["random"], row["random_std"]),
        _pct(row["distilled"], row["distilled_std"]), _ratio(row["ratio"]),
        "n/a" if row["paper_size"] is None else f"{row['paper_size']:,}",
        _pct(row["paper_full"]), _pct(row["paper_random"]), _pct(row["paper_distilled"]), _ratio(row["paper_ratio"]),
    ]


@dataclass
class ExperimentResult:
    """What an experiment produced: the table (paper beside ours), raw rows, and per-dataset results."""

    experiment: str
    online: bool
    banner: str
    columns: list[str]
    cells: list[list[str]]
    rows: list[dict]
    comparisons: dict[str, Comparison] = field(default_factory=dict)  # table2, epochs
    size_results: dict[str, dict[str, list[EvalResult]]] = field(default_factory=dict)  # sizes

    def markdown(self) -> str:
        lines = [f"**{self.experiment}** ({'online benchmarks' if self.online else 'offline analogues'}) — {PAPER}", ""]
        if self.banner:
            lines += [f"> {self.banner}", ""]
        lines += [Table(self.columns, self.cells).to_markdown(), "", f"Paper's claim: {PAPER_CLAIM}."]
        trained = [f"{r['dataset']}: " + "; ".join(f"{k} {v}" for k, v in r["trained_by"].items())
                   for r in self.rows if "trained_by" in r]
        if trained:
            lines += ["", "How each row was trained (chosen on validation):", *(f"- {line}" for line in trained)]
        return "\n".join(lines) + "\n"

    def to_json(self) -> dict:
        curves = {name: [r.to_dict() for r in c.results] for name, c in self.comparisons.items()}
        sizes = {name: {k: [r.to_dict() for r in v] for k, v in kinds.items()} for name, kinds in self.size_results.items()}
        return {"experiment": self.experiment, "online": self.online, "banner": self.banner, "paper": PAPER,
                "rows": self.rows, "curves": curves, "sizes": sizes}


def run_experiment(
    experiment: str,
    jobs: Sequence[Job],
    *,
    online: bool,
    seeds: int = 5,
    method: str | None = None,
    budget: Budget = FULL_BUDGET,
    sizes: Sequence[int] = SIZES,
    device: str = "auto",
    progress: bool = False,
) -> ExperimentResult:
    """Run ``table2``, ``epochs`` (Figure 3) or ``sizes`` (Figure 4) over ``jobs``."""
    if experiment not in EXPERIMENTS:
        raise ValueError(f"unknown experiment {experiment!r}; choose one of {', '.join(EXPERIMENTS)}")
    banner = "" if online else analogue_banner([j.dataset for j in jobs])
    result = ExperimentResult(experiment, online, banner, [], [], [])
    for job in tqdm(jobs, desc=experiment, unit="dataset", disable=not progress or len(jobs) < 2):
        dataset, vectors = job.load()
        if experiment == "sizes":
            kinds = _sizes_for(dataset, vectors, sizes, seeds=seeds, method=method, budget=budget, device=device,
                               progress=progress)
            result.size_results[dataset.name] = kinds
            result.rows += _size_rows(dataset, kinds)
            continue
        comparison = compare_sets(dataset, vectors, per_class=budget.per_class(job.per_class), seeds=seeds, method=method,
                                  budget=budget, device=device, progress=progress)
        result.comparisons[dataset.name] = comparison
        result.rows.append(table2_row(job, comparison, online=online))
    if experiment == "sizes":
        result.columns = list(SIZES_COLUMNS)
        result.cells = [_size_cells(row) for row in result.rows]
    else:
        result.columns = list(TABLE2_COLUMNS)
        result.cells = [table2_cells(row) for row in result.rows]
    return result


def _sizes_for(dataset: TextDataset, vectors: WordVectors, sizes: Sequence[int], *, seeds: int, method: str | None,
               budget: Budget, device: str, progress: bool) -> dict[str, list[EvalResult]]:
    """Figure 4: full data once, then a random subset and a distilled set at every size."""
    common = dict(seeds=list(range(seeds)), device=device, progress=progress)
    out: dict[str, list[EvalResult]] = {"full": [train_full(dataset, vectors, budget=budget, **common)],
                                        "random": [], "distilled": []}
    usable = [s for s in sizes if s <= smallest_class(dataset)]
    if not usable:
        raise ValueError(f"{dataset.name}: every size in {list(sizes)} exceeds its smallest class ({smallest_class(dataset)} texts)")
    for per_class in usable:
        out["random"].append(train_random(dataset, vectors, per_class, budget=budget, **common)[1])
        out["distilled"].append(train_distilled(dataset, vectors, per_class, method=method, budget=budget, **common)[2])
    return out


SIZES_COLUMNS = ("dataset", "per class", "samples", "% of train", "random", "distilled", "distilled / full", "full")


def _size_rows(dataset: TextDataset, kinds: dict[str, list[EvalResult]]) -> list[dict]:
    full = kinds["full"][0]
    return [
        {"dataset": dataset.name, "per_class": d.meta["per_class"], "samples": d.meta["samples"],
         "percent_of_train": 100 * d.meta["samples"] / len(dataset.train),
         "random": r.mean, "random_std": r.std, "distilled": d.mean, "distilled_std": d.std,
         "ratio": d.mean / full.mean if full.mean else None, "full": full.mean, "full_std": full.std}
        for r, d in zip(kinds["random"], kinds["distilled"])
    ]


def _size_cells(row: dict) -> list[str]:
    return [row["dataset"], str(row["per_class"]), str(row["samples"]), f"{row['percent_of_train']:.2f}%",
            _pct(row["random"], row["random_std"]), _pct(row["distilled"], row["distilled_std"]),
            _ratio(row["ratio"]), _pct(row["full"], row["full_std"])]


def save_experiment(result: ExperimentResult, out: str | Path) -> list[Path]:
    """Write ``EXPERIMENT.md`` (the table), ``EXPERIMENT.json`` (rows and curves) and ``report.html``."""
    out = Path(out)
    markdown, data = out / f"{result.experiment}.md", out / f"{result.experiment}.json"
    atomic_write_bytes(markdown, result.markdown().encode("utf-8"))
    atomic_write_json(data, result.to_json())
    title = {"table2": "Table 2: full vs random vs distilled", "epochs": "Figure 3: accuracy vs epoch",
             "sizes": "Figure 4: accuracy vs distilled size"}[result.experiment]
    sections = [Section("Results", Table(result.columns, result.cells),
                        note="test accuracy in %, mean ± std over seeds; TF-IDF + SVM: a non-neural reference on the "
                        "same training texts; full data tuned on validation; random subsets drawn anew per seed; "
                        f"small sets at their better training mode on validation; paper: {PAPER_CLAIM}")]
    sections += _figures(result)
    report = write_report(out / "report.html", title, sections, subtitle=PAPER, banner=result.banner)
    return [markdown, data, report]


def _figures(result: ExperimentResult) -> list[Section]:
    """Figure 3 (curves of every training set) per dataset, or Figure 4 (accuracy vs size) per dataset."""
    sections = []
    for name, comparison in result.comparisons.items():
        curves = {r.label: Curve.from_result(r) for r in comparison.results}
        sections.append(Section(f"{name}: accuracy vs epoch", accuracy_vs_epoch(curves, title=f"{name}: test accuracy while training")))
    for name, kinds in result.size_results.items():
        distilled, random, full = kinds["distilled"], kinds["random"], kinds["full"][0]
        sizes = [r.meta["per_class"] for r in distilled]
        fig = accuracy_vs_size(sizes, [r.mean for r in distilled], [r.std for r in distilled],
                               references={full.label: full.mean}, random=(sizes, [r.mean for r in random]),
                               title=f"{name}: accuracy vs samples per class")
        sections.append(Section(f"{name}: accuracy vs size", fig))
    return sections
