"""Full data vs a random subset vs distilled data, beside a TF-IDF reference: one row of the paper's Table 2.

Every neural training set is judged by :func:`~textdistill_lab.evaluate.evaluate` from the same
seeds, so the demo, the notebooks and ``textdistill reproduce`` compare like with like. The
yardsticks are honest ones: full data trained well (:mod:`.full_training`), a TF-IDF + linear SVM
reference row (:mod:`.reference`), random subsets drawn anew per seed, and one scoring rule for
every small set (:mod:`.scoring`). A :class:`Budget` sets how long each part trains;
``SMOKE_BUDGET`` shrinks every size so tests take the same code path.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from .baselines import RealSubset, full_data, random_subset
from .budget import SMOKE_EXPERIMENT
from .data import TextDataset
from .distill import DistillConfig, Distiller
from .distilled_set import DistilledSet
from .evaluate import EvalResult
from .full_training import FullTraining, train_full_model
from .reference import tfidf_reference
from .scoring import score_best_mode, score_random_subsets
from .vectors import WordVectors


@dataclass(frozen=True)
class Budget:
    """How long each part runs: the real budget, or tiny ``smoke`` sizes that take the same code path."""

    full: FullTraining = FullTraining()  # how the full-data yardstick trains
    subset_epochs: int = 30  # standard epochs (and replay passes of real texts) for every small set
    max_train: int | None = None  # cap on training texts (smoke only; full data otherwise)
    max_per_class: int | None = None  # cap on random/distilled samples per class (smoke only)
    distill: dict = field(default_factory=dict)  # DistillConfig fields that differ from its defaults

    def per_class(self, wanted: int) -> int:
        return wanted if self.max_per_class is None else min(wanted, self.max_per_class)

    @classmethod
    def from_sizes(cls, sizes: dict) -> Budget:
        """A budget from plain sizes (:mod:`.budget`'s tables): ``full`` holds :class:`FullTraining` fields."""
        return cls(**{**sizes, "full": FullTraining(**sizes.get("full", {}))})


FULL_BUDGET = Budget()
SMOKE_BUDGET = Budget.from_sizes(SMOKE_EXPERIMENT)


@dataclass
class Comparison:
    """One row of Table 2: TF-IDF reference, full data, random subsets and distilled data."""

    dataset: TextDataset
    reference: EvalResult
    full: EvalResult
    random: EvalResult
    distilled: EvalResult
    distilled_set: DistilledSet
    random_subsets: list[RealSubset]  # one per evaluation seed
    distill_seconds: float

    @property
    def per_class(self) -> int:
        return int(self.random_subsets[0].per_class)

    @property
    def results(self) -> list[EvalResult]:
        """The neural training sets, which have accuracy-vs-epoch curves."""
        return [self.full, self.random, self.distilled]

    def rows(self) -> list[dict]:
        """Per training set: samples, accuracy mean ± std, ratio to full, how it was trained, seconds."""
        made = {"reference": 0.0, "full": 0.0, "random": 0.0, "distilled": self.distill_seconds}
        results = {"reference": self.reference, "full": self.full, "random": self.random, "distilled": self.distilled}
        return [{
            "set": key,
            "label": result.label,
            "samples": result.meta.get("samples"),
            "test_mean": result.mean,
            "test_std": result.std,
            "ratio_to_full": result.mean / self.full.mean if self.full.mean > 0 else float("nan"),
            "trained_by": trained_by(result),
            "make_s": made[key],
            "train_s_per_seed": sum(result.seconds) / len(result.seconds),
        } for key, result in results.items()]


def trained_by(result: EvalResult) -> str:
    """How a row was trained, in a few words: the setting a reader needs to judge its number."""
    meta = result.meta
    if meta.get("method") == "tfidf-svm":
        return f"LinearSVC, C={meta['chosen_c']:g} (validation)"
    if "full_training" in meta:
        info = meta["full_training"]
        if info["setting"] == "paper":
            return f"paper: Adam {info['lr']:g}, {info['epochs']} epochs, no dropout"
        chosen = info["chosen"]
        return f"tuned: Adam {chosen['lr']:g}, dropout {chosen['dropout']:g}, early stopping"
    mode = meta.get("mode", "")
    scoring = meta.get("scoring")
    return f"{mode} (better on validation)" if scoring and len(scoring["val"]) > 1 else mode


def distill_config(per_class: int, *, method: str | None, budget: Budget, device: str, seed: int = 0) -> DistillConfig:
    """The distiller's defaults, with the per-class size, method and budget of this experiment."""
    overrides: dict = {"per_class": per_class, "device": device, "seed": seed, **budget.distill}
    if method is not None:
        overrides["method"] = method
    return DistillConfig(**overrides)


def train_full(dataset: TextDataset, vectors: WordVectors, *, budget: Budget = FULL_BUDGET, **common) -> EvalResult:
    """Fresh models trained well on all training texts; under ``smoke`` a class-balanced sample of them,
    labelled as the sample it is."""
    subset = _full_subset(dataset, budget)
    label = "full data" if subset.num_samples == len(dataset.train) else f"sample of {subset.num_samples} texts (smoke)"
    return train_full_model(subset, dataset, vectors, training=budget.full, label=label, **common)


def train_reference(dataset: TextDataset, *, budget: Budget = FULL_BUDGET) -> EvalResult:
    """The TF-IDF + linear SVM row, fitted on the same training texts as the full-data model."""
    return tfidf_reference(dataset, indices=_full_subset(dataset, budget).indices)


def _full_subset(dataset: TextDataset, budget: Budget) -> RealSubset:
    if budget.max_train is None:
        return full_data(dataset)
    return random_subset(dataset, min(budget.max_train // dataset.num_classes, smallest_class(dataset)), seed=0)


def train_random(
    dataset: TextDataset, vectors: WordVectors, per_class: int, *, budget: Budget = FULL_BUDGET, device: str = "auto",
    seeds: Sequence[int] = (0, 1, 2, 3, 4), **common,
) -> tuple[list[RealSubset], EvalResult]:
    """A new stratified random subset of ``per_class`` texts per seed, scored by the one rule (best mode on validation)."""
    config = distill_config(per_class, method=None, budget=budget, device=device)
    return score_random_subsets(dataset, vectors, per_class, seeds=seeds, label=f"random {per_class}/class",
                                standard_epochs=budget.subset_epochs, config=config, device=device, **common)


def train_distilled(
    dataset: TextDataset, vectors: WordVectors, per_class: int, *, method: str | None = None,
    budget: Budget = FULL_BUDGET, device: str = "auto", progress: bool = False, **common,
) -> tuple[DistilledSet, float, EvalResult]:
    """Distill ``per_class`` samples per class, then score fresh models on them by the one rule.

    A set with learned learning rates is both replayed (the paper's protocol) and trained like real
    texts; the mode better on validation is reported. The others are only trained like real texts.
    """
    config = distill_config(per_class, method=method, budget=budget, device=device)
    start = time.perf_counter()
    distilled_set = Distiller(config).fit(dataset, vectors, progress=progress)
    seconds = time.perf_counter() - start
    result = score_best_mode(distilled_set, dataset, vectors, label=f"distilled {per_class}/class",
                             standard_epochs=budget.subset_epochs, config=config, device=device, progress=progress,
                             **common)
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
    """The TF-IDF reference, full data, random subsets of ``per_class`` texts and ``per_class`` distilled
    samples per class; every neural set judged from the same ``seeds`` initialisations."""
    common = dict(seeds=list(range(seeds)), callbacks=eval_callbacks)
    reference = train_reference(dataset, budget=budget)
    full = train_full(dataset, vectors, budget=budget, device=device, progress=progress, **common)
    subsets, random = train_random(dataset, vectors, per_class, budget=budget, device=device, progress=progress, **common)
    distilled_set, seconds, distilled = train_distilled(
        dataset, vectors, per_class, method=method, budget=budget, device=device, progress=progress, **common
    )
    return Comparison(dataset, reference, full, random, distilled, distilled_set, subsets, seconds)


def smallest_class(dataset: TextDataset) -> int:
    """Training texts in the rarest class: the most any class-balanced sample can take per class."""
    return int(dataset.train.class_counts(dataset.num_classes).min())
