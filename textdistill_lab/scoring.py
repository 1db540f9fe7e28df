"""One scoring rule for every small training set: both training modes, the better one chosen on validation.

A small set can be trained two ways. ``replay`` runs the distiller's inner schedule (class-balanced
batches, plain SGD with per-step learning rates: the learned ones for a distilled set, the
distiller's starting rate ``lr_init`` for real texts); ``standard`` trains it like any small dataset
(shuffled minibatches, Adam). The same texts can score several points apart under the two, so every
set, real or distilled, is scored under both and reported at the mode with the higher validation
accuracy, which the result names (``meta["scoring"]``). Test accuracy never chooses.

Random subsets are drawn afresh for every evaluation seed (:func:`score_random_subsets`), so their
spread includes the luck of the draw, not only of the initialisation.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from .baselines import EmbeddingLike, RealSubset, as_embedding, random_subset
from .data import TextDataset
from .distill import DistillConfig
from .distilled_set import DistilledSet
from .evaluate import EvalResult, TrainingSet, evaluate, resolve_mode
from .models import embed

SCORING_MODES = ("replay", "standard")


def as_replayable(subset: RealSubset, dataset: TextDataset, embedding: EmbeddingLike,
                  config: DistillConfig | None = None) -> DistilledSet:
    """Real texts as a set the distiller's schedule can replay: embedded, one-hot, ``lr_init`` at every step.

    This is exactly what the distiller starts from with ``init="real"`` at outer step 0, so the
    replay score of a random subset is the distiller's own starting point.
    """
    config = config or DistillConfig()
    matrix = as_embedding(embedding, dataset)
    token_ids = torch.as_tensor(dataset.train.token_ids[subset.indices])
    hard = torch.as_tensor(dataset.train.labels[subset.indices])
    return DistilledSet(
        data=embed(token_ids, matrix).float(),
        labels=nn.functional.one_hot(hard, dataset.num_classes).float(),
        class_names=list(dataset.class_names),
        lrs=torch.full((config.inner_steps,), config.lr_init),
        steps=config.steps,
        replays=config.replays,
        method=subset.method,
        dataset=dataset.name,
        dataset_fingerprint=dataset.fingerprint,
        vectors=getattr(embedding, "name", ""),
        vectors_checksum=getattr(embedding, "checksum", ""),
        config={"inner_mode": config.inner_mode, "lr_init": config.lr_init},
    )


def score_best_mode(
    train_set: TrainingSet,
    dataset: TextDataset,
    embedding: EmbeddingLike,
    *,
    label: str,
    standard_epochs: int,
    replay_passes: int | None = None,
    config: DistillConfig | None = None,
    **common,
) -> EvalResult:
    """Evaluate ``train_set`` under ``replay`` and ``standard``; return the result of the mode better on validation.

    A distilled set replays its learned schedule once (the paper's protocol) unless ``replay_passes``
    says otherwise; real texts replay the distiller's schedule at ``lr_init`` for ``replay_passes``
    passes (default ``standard_epochs``), the best pass chosen on validation. A set without
    learned rates (the matching methods) is only trained ``standard``.
    """
    results = {"standard": evaluate(train_set, dataset, embedding, mode="standard", epochs=standard_epochs,
                                    label=label, **common)}
    if isinstance(train_set, RealSubset):
        replayable = as_replayable(train_set, dataset, embedding, config)
        passes = replay_passes or standard_epochs
        results["replay"] = evaluate(replayable, dataset, embedding, mode="replay", epochs=passes, label=label, **common)
    elif resolve_mode(train_set) == "replay":
        results["replay"] = evaluate(train_set, dataset, embedding, mode="replay", epochs=replay_passes, label=label,
                                     **common)
    return pick_on_validation(results)


def pick_on_validation(results: dict[str, EvalResult]) -> EvalResult:
    """The result whose validation accuracy (at its selected epochs, mean over seeds) is highest."""
    vals = {mode: r.summary()["val_mean"] for mode, r in results.items()}
    chosen = max(vals, key=lambda mode: (vals[mode], mode == "replay"))  # ties: the paper's protocol
    best = results[chosen]
    best.meta["scoring"] = {
        "chosen_mode": chosen,
        "rule": "the mode with the higher mean validation accuracy",
        "val": vals,
        "test": {mode: r.mean for mode, r in results.items()},
    }
    return best


def score_random_subsets(
    dataset: TextDataset, embedding: EmbeddingLike, per_class: int, *, seeds: Sequence[int], label: str,
    standard_epochs: int, config: DistillConfig | None = None, **common,
) -> tuple[list[RealSubset], EvalResult]:
    """A new stratified random subset per evaluation seed (subset seed = model seed), scored by the one rule.

    Each mode's per-seed runs are stacked into one result before the mode is chosen, so the choice
    is made once for the whole row.
    """
    subsets = [random_subset(dataset, per_class, seed=seed) for seed in seeds]
    by_mode: dict[str, list[EvalResult]] = {mode: [] for mode in SCORING_MODES}
    for seed, subset in zip(seeds, subsets):
        by_mode["standard"].append(evaluate(subset, dataset, embedding, mode="standard", epochs=standard_epochs,
                                            seeds=[seed], label=label, **common))
        by_mode["replay"].append(evaluate(as_replayable(subset, dataset, embedding, config), dataset, embedding,
                                          mode="replay", epochs=standard_epochs, seeds=[seed], label=label, **common))
    stacked = {mode: stack_seeds(runs, label) for mode, runs in by_mode.items()}
    for result in stacked.values():
        result.meta.update(method="random", subset_seeds=list(seeds))
    return subsets, pick_on_validation(stacked)


def stack_seeds(results: Sequence[EvalResult], label: str) -> EvalResult:
    """Runs of the same recipe from different seeds as one result; their evaluated epochs must agree."""
    if not results:
        raise ValueError("stack_seeds needs at least one EvalResult")
    epochs = results[0].eval_epochs
    if any(r.eval_epochs != epochs for r in results):
        raise ValueError("cannot stack results evaluated at different epochs; use the same epochs and eval_every")
    meta = dict(results[0].meta)
    if "stopped_epochs" in meta:
        meta["stopped_epochs"] = [e for r in results for e in r.meta["stopped_epochs"]]
    return EvalResult(
        label=label,
        seeds=[s for r in results for s in r.seeds],
        eval_epochs=list(epochs),
        val_acc=np.concatenate([r.val_acc for r in results]),
        test_acc=np.concatenate([r.test_acc for r in results]),
        seconds=[s for r in results for s in r.seconds],
        meta=meta,
    )
