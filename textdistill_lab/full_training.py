"""The full-data yardstick: the same TextCNN on all training texts, trained well.

A distilled/full ratio is only as honest as its denominator. ``tuned`` (the default) trains until
validation accuracy stops improving (early stopping with ``patience``, at most ``max_epochs``) and
picks the best of a small grid (dropout x learning rate) on validation, with the first evaluation
seed; then every seed trains with the chosen setting. ``paper`` keeps Li & Li's setting: no
dropout, Adam at 1e-3, a fixed number of epochs (the best one still chosen on validation).
The result's ``meta["full_training"]`` says which setting it used and what the grid scored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

from .baselines import EmbeddingLike, RealSubset
from .data import TextDataset
from .evaluate import EvalResult, evaluate
from .scoring import stack_seeds

SETTINGS = ("tuned", "paper")


@dataclass(frozen=True)
class FullTraining:
    """How the full-data model is trained: a validation-tuned grid with early stopping, or the paper's setting."""

    setting: str = "tuned"
    max_epochs: int = 50
    patience: int = 5
    dropouts: tuple[float, ...] = (0.0, 0.5)
    lrs: tuple[float, ...] = (1e-3, 3e-3)
    batch_size: int = 64
    paper_epochs: int = 10  # setting="paper": no dropout, Adam 1e-3, this many epochs

    def __post_init__(self) -> None:
        if self.setting not in SETTINGS:
            raise ValueError(f"full-data setting {self.setting!r} is not one of {', '.join(SETTINGS)}")
        if not self.dropouts or not self.lrs:
            raise ValueError("the full-data grid needs at least one dropout and one learning rate")
        for name in ("max_epochs", "patience", "batch_size", "paper_epochs"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")


def train_full_model(
    subset: RealSubset,
    dataset: TextDataset,
    embedding: EmbeddingLike,
    *,
    training: FullTraining = FullTraining(),
    seeds: Sequence[int] = (0, 1, 2, 3, 4),
    label: str = "full data",
    **common,
) -> EvalResult:
    """Fresh models trained on ``subset`` (normally all training texts) the way ``training`` says."""
    if training.setting == "paper":
        result = evaluate(subset, dataset, embedding, mode="standard", epochs=training.paper_epochs, lr=1e-3,
                          batch_size=training.batch_size, seeds=seeds, label=label, **common)
        result.meta["full_training"] = {"setting": "paper", "dropout": 0.0, "lr": 1e-3, "epochs": training.paper_epochs}
        return result
    seeds = list(seeds)

    def run(dropout: float, lr: float, run_seeds: Sequence[int]) -> EvalResult:
        return evaluate(subset, dataset, embedding, mode="standard", epochs=training.max_epochs,
                        patience=training.patience, dropout=dropout, lr=lr, batch_size=training.batch_size,
                        seeds=run_seeds, label=label, **common)

    trials = {(d, lr): run(d, lr, seeds[:1]) for d in training.dropouts for lr in training.lrs}
    grid = [{"dropout": d, "lr": lr, "val": r.summary()["val_mean"], "test": r.mean} for (d, lr), r in trials.items()]
    dropout, lr = max(trials, key=lambda key: trials[key].summary()["val_mean"])  # first among ties
    rest = run(dropout, lr, seeds[1:]) if len(seeds) > 1 else None
    result = stack_seeds([trials[dropout, lr], *([rest] if rest else [])], label)
    result.meta["full_training"] = {
        **asdict(training), "chosen": {"dropout": dropout, "lr": lr}, "grid": grid, "tuned_on_seed": seeds[0],
        "rule": "grid point with the best validation accuracy of the first seed",
    }
    return result
