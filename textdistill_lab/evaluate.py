"""One evaluator for every small training set: distilled data, real subsets, full data.

Making a small training set and judging it are separate (as in DC-BENCH): whatever made the set,
:func:`evaluate` trains fresh models from several seeds on it, records validation and test accuracy
after every epoch, and reports test accuracy at the epoch chosen on *validation*, never on test.

Two ways to train on distilled data (``auto`` picks ``replay`` for a set with learned learning
rates, ``standard`` otherwise):

- ``replay`` is the paper's protocol: the learned steps with their learned learning rates, in
  order; one "epoch" is one pass of that schedule (``steps * replays`` SGD steps).
- ``standard`` is what a user would do with any small dataset: shuffled minibatches, SGD or Adam,
  N epochs. Distilled data can be step-order dependent; ``replay-shuffled`` (the learned learning
  rates, batches in a seeded random order) and :func:`step_order_effect` measure how much.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch import nn
from tqdm.auto import tqdm

from ._version import __version__
from .baselines import EmbeddingLike, RealSubset, as_embedding
from .choices import EVAL_MODES
from .data import TextDataset
from .distilled_set import DistilledSet, check_vectors
from .io import atomic_write_json
from .models import embed, init_params, make_model
from .training import (
    STANDARD_BATCH_SIZE, STANDARD_EPOCHS, STANDARD_LR, Batch, Params, accuracy, every_step_uses_whole_set, replay_schedule,
    resolve_device, stalled, standard_epoch, train_steps,
)
from .validators import check_instance, check_int, check_seeds
from .vectors import WordVectors

log = logging.getLogger(__name__)

OPTIMIZERS = ("sgd", "adam")
TrainingSet = DistilledSet | RealSubset


class FingerprintError(ValueError):
    """Results or training sets made on different dataset splits were about to be mixed."""


@dataclass(frozen=True)
class EpochInfo:
    """What a live plot needs after each evaluated epoch of one seed's run."""

    label: str
    seed: int
    epoch: int  # 1-based
    epochs: int
    val_acc: float
    test_acc: float


Callback = Callable[[EpochInfo], None]  # or any object with an ``on_epoch(info)`` method


@dataclass
class EvalResult:
    """Accuracy curves ``(seeds, evaluated epochs)`` of fresh models trained on one training set."""

    label: str
    seeds: list[int]
    eval_epochs: list[int]  # which epochs (1-based) the curves' columns are
    val_acc: np.ndarray  # (seeds, len(eval_epochs))
    test_acc: np.ndarray  # (seeds, len(eval_epochs))
    seconds: list[float]  # wall time per seed, training and evaluation
    meta: dict = field(default_factory=dict)
    weights: list[Params] | None = None  # per seed, θ after the last epoch (``evaluate(keep_weights=True)``)

    @property
    def selected(self) -> np.ndarray:
        """Per seed, the column with the best validation accuracy (the earliest among ties)."""
        return self.val_acc.argmax(axis=1)

    @property
    def selected_epochs(self) -> list[int]:
        return [self.eval_epochs[i] for i in self.selected]

    @property
    def test_at_selected(self) -> np.ndarray:
        """Test accuracy ``(seeds,)`` of each seed at its validation-selected epoch."""
        return self.test_acc[np.arange(len(self.seeds)), self.selected]

    @property
    def mean(self) -> float:
        return float(self.test_at_selected.mean())

    @property
    def std(self) -> float:
        return float(self.test_at_selected.std())

    def summary(self) -> dict:
        """One table row: the numbers a comparison needs."""
        return {
            "label": self.label,
            "method": self.meta.get("method", ""),
            "samples": self.meta.get("samples"),
            "arch": self.meta.get("arch", ""),
            "mode": self.meta.get("mode", ""),
            "test_mean": self.mean,
            "test_std": self.std,
            "val_mean": float(self.val_acc[np.arange(len(self.seeds)), self.selected].mean()),
            "selected_epoch": float(np.mean(self.selected_epochs)),
            "seeds": len(self.seeds),
            "seconds": float(sum(self.seconds)),
        }

    def to_dict(self) -> dict:
        return {
            "label": self.label,
            "seeds": list(self.seeds),
            "eval_epochs": list(self.eval_epochs),
            "val_acc": self.val_acc.tolist(),
            "test_acc": self.test_acc.tolist(),
            "seconds": list(self.seconds),
            "meta": self.meta,
            "summary": self.summary(),
        }

    @classmethod
    def from_dict(cls, values: dict) -> EvalResult:
        return cls(
            label=values["label"],
            seeds=list(values["seeds"]),
            eval_epochs=list(values["eval_epochs"]),
            val_acc=np.asarray(values["val_acc"], dtype=np.float64),
            test_acc=np.asarray(values["test_acc"], dtype=np.float64),
            seconds=list(values["seconds"]),
            meta=dict(values["meta"]),
        )

    def save_json(self, path: str | Path) -> Path:
        atomic_write_json(Path(path), self.to_dict())
        return Path(path)


def evaluate(
    train_set: TrainingSet,
    dataset: TextDataset,
    embedding: EmbeddingLike,
    *,
    arch: str = "textcnn",
    seeds: Sequence[int] = (0, 1, 2, 3, 4),
    epochs: int | None = None,
    mode: str = "standard",
    batch_size: int = STANDARD_BATCH_SIZE,
    lr: float = STANDARD_LR,
    optimizer: str = "adam",
    eval_every: int = 1,
    patience: int | None = None,
    dropout: float = 0.0,
    label: str | None = None,
    callbacks: Sequence[Callback | object] = (),
    device: str = "auto",
    progress: bool = False,
    keep_weights: bool = False,
) -> EvalResult:
    """Train a fresh ``arch`` from each seed on ``train_set``; curves of validation and test accuracy.

    ``mode="auto"`` replays sets with learned learning rates and trains on the others as on real
    texts (see :func:`resolve_mode`). ``epochs`` (passes over the data) defaults to 1 pass of the
    learned schedule in replay modes and 30 epochs in ``standard``. ``batch_size``, ``lr`` and
    ``optimizer`` only apply to ``standard``. Accuracy is measured every ``eval_every`` epochs and
    after the last one; each seed's reported test accuracy is the one at its best validation epoch.
    ``patience`` stops a seed early once validation accuracy has not improved for that many
    evaluations; its model no longer changes, so its later columns repeat its last scores
    (``meta["stopped_epochs"]``). ``dropout`` is the TextCNN's (training only). ``keep_weights``
    keeps each seed's final weights in ``result.weights`` (on the CPU), for a caller that wants to
    use the trained models.
    """
    mode = resolve_mode(train_set, mode)
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer={optimizer!r} is not one of {', '.join(OPTIMIZERS)}")
    epochs = epochs if epochs is not None else (STANDARD_EPOCHS if mode == "standard" else 1)
    for name, value in (("epochs", epochs), ("batch_size", batch_size), ("eval_every", eval_every),
                        ("patience", 1 if patience is None else patience)):
        if value <= 0:
            raise ValueError(f"{name} must be positive, got {value}")
    seeds = check_seeds(seeds)
    if not seeds:
        raise ValueError("seeds is empty; pass at least one evaluation seed, e.g. seeds=(0, 1, 2)")
    check_instance("dataset", dataset, TextDataset, "a TextDataset from load_dataset(...)")
    check_int("epochs", epochs)
    dev = resolve_device(device)
    matrix = as_embedding(embedding, dataset)
    model = make_model(arch, matrix.shape[1], dataset.num_classes, dropout).to(dev)  # a skeleton: θ lives in dicts
    _check_compatible(train_set, dataset, matrix, embedding, model.min_tokens, mode)
    examples = _Examples(train_set, dataset, matrix, dev)
    label = label or _default_label(train_set)
    eval_epochs = [e for e in range(1, epochs + 1) if e % eval_every == 0 or e == epochs]
    val, test = (_RealSplit(dataset, name, matrix, dev) for name in ("validation", "test"))

    curves_val = np.zeros((len(seeds), len(eval_epochs)))
    curves_test = np.zeros_like(curves_val)
    seconds, stopped, weights = [], [], []
    bar = tqdm(total=len(seeds) * epochs, desc=f"evaluate {label}", disable=not progress, leave=False)
    for row, seed in enumerate(seeds):
        start = time.perf_counter()
        params = init_params(arch, matrix.shape[1], dataset.num_classes, seed, dev)
        trainer = _Trainer(model, params, examples, train_set, mode, seed, batch_size, lr, optimizer)
        col = 0
        for epoch in range(1, epochs + 1):
            model.train()
            trainer.run_epoch()
            bar.update(1)
            if epoch not in eval_epochs:
                continue
            model.eval()
            curves_val[row, col] = val.accuracy(model, trainer.params)
            curves_test[row, col] = test.accuracy(model, trainer.params)
            info = EpochInfo(label, seed, epoch, epochs, float(curves_val[row, col]), float(curves_test[row, col]))
            for callback in callbacks:
                getattr(callback, "on_epoch", callback)(info)
            col += 1
            if patience is not None and stalled(curves_val[row, :col].tolist(), patience):
                curves_val[row, col:], curves_test[row, col:] = curves_val[row, col - 1], curves_test[row, col - 1]
                bar.update(epochs - epoch)
                break
        model.train()
        stopped.append(eval_epochs[col - 1])
        seconds.append(time.perf_counter() - start)
        if keep_weights:
            weights.append({name: p.detach().cpu() for name, p in trainer.params.items()})
    bar.close()

    meta = {
        **_train_set_meta(train_set),
        "dataset": dataset.name,
        "dataset_fingerprint": dataset.fingerprint,
        "test_size": len(dataset.test),
        "validation_size": len(dataset.validation),
        "arch": arch,
        "mode": mode,
        "epochs": epochs,
        "patience": patience,
        "stopped_epochs": stopped,
        "dropout": dropout,
        "batch_size": batch_size if mode == "standard" else None,
        "lr": lr if mode == "standard" else None,
        "optimizer": optimizer if mode == "standard" else "sgd (learned lrs)",
        "embedding_dim": int(matrix.shape[1]),
        "vectors_checksum": embedding.checksum if isinstance(embedding, WordVectors) else None,
        "device": str(dev),
        "library_version": __version__,
        "torch_version": torch.__version__,
    }
    result = EvalResult(label, list(seeds), eval_epochs, curves_val, curves_test, seconds, meta,
                        weights if keep_weights else None)
    log.info("%s: test %.4f ± %.4f over %d seeds", label, result.mean, result.std, len(seeds))
    return result


def resolve_mode(train_set: TrainingSet, mode: str = "auto") -> str:
    """The training mode ``mode`` stands for: ``auto`` replays a set that carries learned learning
    rates (the paper's protocol) and trains on anything else with shuffled minibatches."""
    if mode not in EVAL_MODES:
        raise ValueError(f"mode={mode!r} is not one of {', '.join(EVAL_MODES)}")
    if mode != "auto":
        return mode
    return "replay" if isinstance(train_set, DistilledSet) and len(train_set.lrs) else "standard"


def compare(results: Sequence[EvalResult]) -> pd.DataFrame:
    """A table of summary rows; refuses to put results from different test splits side by side."""
    if not results:
        raise ValueError("compare() needs at least one EvalResult")
    prints = {r.meta.get("dataset_fingerprint") for r in results}
    if len(prints) != 1 or None in prints:
        detail = ", ".join(f"{r.label!r}: {r.meta.get('dataset')} {r.meta.get('dataset_fingerprint')}" for r in results)
        raise FingerprintError(
            f"results were measured on different dataset splits ({detail}); "
            "re-evaluate them on the same dataset (same name, seed, max_len) before comparing"
        )
    return pd.DataFrame([r.summary() for r in results])


def has_step_order(distilled: DistilledSet) -> bool:
    """Whether shuffling the set's learned steps can change anything: not when every step trains on
    the same batch (one step, ``full-batch`` inner mode, or fewer samples per class than steps)."""
    return (distilled.steps >= 2 and distilled.inner_mode != "full-batch"
            and not every_step_uses_whole_set(distilled.labels, distilled.steps))


def check_step_order(distilled: DistilledSet) -> None:
    """Refuse to shuffle the steps of a set whose steps all train on the same batch: the shuffled replay
    would equal the ordered one by construction and report an effect of exactly 0."""
    if not has_step_order(distilled):
        raise ValueError(
            f"every learned step of this set trains on the same batch (steps={distilled.steps}, "
            f"inner_mode={distilled.inner_mode!r}, {int(torch.bincount(distilled.hard_labels).min())} samples per class "
            "at least), so its steps have no order to shuffle; distil with per_class >= steps and "
            "inner_mode='replay' to measure the step-order effect")


def step_order_effect(
    distilled: DistilledSet,
    dataset: TextDataset,
    embedding: EmbeddingLike,
    *,
    arch: str = "textcnn",
    seeds: Sequence[int] = (0, 1, 2, 3, 4),
    device: str = "auto",
    label: str | None = None,
) -> dict:
    """How much distilled data depends on the order of its learned steps.

    Replays the learned schedule in order and with its batches shuffled (learned learning rates
    kept in place), from the same initialisations. A large ``drop`` means the data only works as
    a fixed sequence of steps, not as a dataset.
    """
    check_step_order(distilled)  # before the ordered run: fail fast
    label = label or _default_label(distilled)
    kwargs = dict(arch=arch, seeds=seeds, device=device)
    ordered = evaluate(distilled, dataset, embedding, mode="replay", label=f"{label}, replay", **kwargs)
    shuffled = evaluate(distilled, dataset, embedding, mode="replay-shuffled", label=f"{label}, replay shuffled steps",
                        **kwargs)
    return {
        "in_order": ordered,
        "shuffled": shuffled,
        "drop": ordered.mean - shuffled.mean,
        "per_seed_drop": (ordered.test_at_selected - shuffled.test_at_selected).tolist(),
    }


class _Examples:
    """Any training set as embedded batches ``(b, tokens, dim)`` with label distributions ``(b, classes)``."""

    def __init__(self, train_set: TrainingSet, dataset: TextDataset, matrix: torch.Tensor, dev: torch.device) -> None:
        self.matrix = matrix.to(dev)
        if isinstance(train_set, DistilledSet):
            self.data = train_set.data.detach().to(dev, torch.float32)
            self.labels = train_set.labels.detach().to(dev, torch.float32)
            self.token_ids = None
        else:  # token ids only: real texts are embedded batch by batch, so full data stays small
            self.data = None
            self.token_ids = torch.as_tensor(dataset.train.token_ids[train_set.indices], device=dev)
            hard = torch.as_tensor(dataset.train.labels[train_set.indices], device=dev)
            self.labels = nn.functional.one_hot(hard, dataset.num_classes).float()

    def __len__(self) -> int:
        return len(self.labels)

    def batch(self, idx: torch.Tensor) -> Batch:
        idx = idx.to(self.labels.device)
        x = self.data[idx] if self.data is not None else embed(self.token_ids[idx], self.matrix)
        return x, self.labels[idx]


class _RealSplit:
    """A validation or test split on the device, scored in chunks under ``no_grad``."""

    def __init__(self, dataset: TextDataset, name: str, matrix: torch.Tensor, dev: torch.device) -> None:
        split = dataset.split(name)
        if len(split) == 0:
            raise ValueError(f"dataset {dataset.name!r} has an empty {name} split; build it with a non-zero {name} fraction")
        self.token_ids = torch.as_tensor(split.token_ids, device=dev)
        self.labels = torch.as_tensor(split.labels, device=dev)
        self.matrix = matrix.to(dev)

    def accuracy(self, model: nn.Module, params: Params) -> float:
        return accuracy(model, params, self.token_ids, self.labels, self.matrix)


class _Trainer:
    """One seed's training run, one epoch at a time; ``params`` is the current θ."""

    def __init__(
        self, model: nn.Module, params: Params, examples: _Examples, train_set: TrainingSet,
        mode: str, seed: int, batch_size: int, lr: float, optimizer: str,
    ) -> None:
        self.model, self.params, self.examples, self.mode = model, params, examples, mode
        self.generator = torch.Generator().manual_seed(seed)  # batch order: the only randomness
        if mode == "standard":
            self.batch_size = batch_size
            opt = torch.optim.Adam if optimizer == "adam" else torch.optim.SGD
            self.optimizer = opt(params.values(), lr=lr)
        else:
            distilled: DistilledSet = train_set  # replay modes are only allowed for distilled sets
            self.schedule = replay_schedule(examples.data, examples.labels, distilled.steps, distilled.replays,
                                            distilled.inner_mode)
            self.lrs = distilled.lrs.detach().to(examples.data.device, torch.float32)

    def run_epoch(self) -> None:
        if self.mode == "standard":
            self._standard_epoch()
            return
        schedule = self.schedule
        if self.mode == "replay-shuffled":
            order = torch.randperm(len(schedule), generator=self.generator).tolist()
            schedule = [schedule[i] for i in order]
        self.params = train_steps(self.model, self.params, schedule, self.lrs, create_graph=False)

    def _standard_epoch(self) -> None:
        standard_epoch(self.model, self.params, self.optimizer, self.examples.batch, len(self.examples),
                       self.batch_size, self.generator)


def _check_compatible(
    train_set: TrainingSet, dataset: TextDataset, matrix: torch.Tensor, embedding: EmbeddingLike, min_tokens: int, mode: str
) -> None:
    if not isinstance(train_set, (DistilledSet, RealSubset)):
        raise TypeError(f"cannot evaluate a {type(train_set).__name__}; pass a DistilledSet or a RealSubset")
    if train_set.dataset_fingerprint and train_set.dataset_fingerprint != dataset.fingerprint:
        raise FingerprintError(
            f"the training set was made on dataset {train_set.dataset!r} with fingerprint "
            f"{train_set.dataset_fingerprint}, but this dataset {dataset.name!r} has fingerprint "
            f"{dataset.fingerprint} (other splits, seed or max_len); evaluate it on the dataset it was made from"
        )
    if list(train_set.class_names) != list(dataset.class_names):
        raise ValueError(f"training set classes {train_set.class_names} differ from dataset classes {dataset.class_names}")
    tokens = dataset.max_len
    if isinstance(train_set, DistilledSet):
        if train_set.dim != matrix.shape[1]:
            raise ValueError(
                f"distilled set has dim {train_set.dim} but the embedding has dim {matrix.shape[1]}; "
                f"use the vectors it was distilled with ({train_set.vectors!r})"
            )
        if isinstance(embedding, WordVectors):
            check_vectors(train_set.card(), embedding)
        tokens = min(tokens, train_set.tokens)
        if mode != "standard" and len(train_set.lrs) != train_set.steps * train_set.replays:
            raise ValueError(
                f"mode={mode!r} replays learned learning rates, but this {train_set.method!r} set has "
                f"{len(train_set.lrs)} for {train_set.steps * train_set.replays} steps; use mode='standard'"
            )
        if mode == "replay-shuffled":
            check_step_order(train_set)
    elif mode != "standard":
        raise ValueError(f"mode={mode!r} replays learned steps; a {train_set.method!r} subset has none, use mode='standard'")
    if tokens < min_tokens:
        raise ValueError(f"the model needs at least {min_tokens} tokens per text, got {tokens}; use a larger max_len")


def _train_set_meta(train_set: TrainingSet) -> dict:
    if isinstance(train_set, RealSubset):
        return train_set.card()
    return {
        "method": train_set.method,
        "samples": train_set.num_samples,
        "per_class": train_set.num_samples // max(1, len(train_set.class_names)),
        "steps": train_set.steps,
        "replays": train_set.replays,
        "distill_config": train_set.config,
    }


def _default_label(train_set: TrainingSet) -> str:
    if isinstance(train_set, RealSubset) and train_set.per_class is None:
        return train_set.method
    per_class = train_set.num_samples // max(1, len(train_set.class_names))
    return f"{train_set.method} {per_class}/class"

