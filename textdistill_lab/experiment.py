"""Full data vs a random subset vs distilled data: one row of the paper's Table 2.

Every training set is judged by :func:`~textdistill_lab.evaluate.evaluate` from the same seeds, so
the demo, the notebooks and ``textdistill reproduce`` compare like with like. A :class:`Budget` sets
how long each part trains; ``SMOKE_BUDGET`` shrinks every size so tests take the same code path.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from .baselines import RealSubset, full_data, random_subset
from .data import TextDataset
from .distill import DistillConfig, Distiller
from .distilled_set import DistilledSet
from .evaluate import EvalResult, evaluate, resolve_mode
from .vectors import WordVectors


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
    "outer_steps": 2, "validate_every": 2, "validate_inits": 1, "real_batch": 64, "steps": 2, "match_rounds": 2})


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
                "label": result.label,
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
    """Fresh models trained on all training texts; under ``smoke`` a class-balanced sample of them,
    labelled as the sample it is when it leaves texts out."""
    subset = full_data(dataset)
    if budget.max_train is not None:
        per_class = min(budget.max_train // dataset.num_classes, smallest_class(dataset))
        subset = random_subset(dataset, per_class, seed=0)
    label = "full data" if subset.num_samples == len(dataset.train) else f"sample of {subset.num_samples} texts (smoke)"
    return evaluate(subset, dataset, vectors, epochs=budget.full_epochs, label=label, **common)


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
    mode = resolve_mode(distilled_set)
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


def smallest_class(dataset: TextDataset) -> int:
    """Training texts in the rarest class: the most any class-balanced sample can take per class."""
    return int(dataset.train.class_counts(dataset.num_classes).min())
