"""One scoring rule: every small set scored under replay and standard, reported at the mode better on validation."""

import numpy as np
import pytest
import torch

from textdistill_lab.baselines import random_subset
from textdistill_lab.distill import DistillConfig
from textdistill_lab.evaluate import EvalResult
from textdistill_lab.scoring import as_replayable, pick_on_validation, score_best_mode, score_random_subsets, stack_seeds


def _result(label, val, test):
    return EvalResult(label, [0, 1], [1], np.array([[val], [val]]), np.array([[test], [test]]), [1.0, 1.0])


def test_the_mode_better_on_validation_wins_even_when_test_disagrees():
    chosen = pick_on_validation({"standard": _result("s", 0.8, 0.5), "replay": _result("r", 0.7, 0.9)})
    assert chosen.label == "s" and chosen.meta["scoring"]["chosen_mode"] == "standard"
    assert chosen.meta["scoring"]["test"] == {"standard": 0.5, "replay": 0.9}
    tie = pick_on_validation({"standard": _result("s", 0.7, 0.5), "replay": _result("r", 0.7, 0.9)})
    assert tie.meta["scoring"]["chosen_mode"] == "replay"


def test_real_texts_replay_the_distillers_starting_schedule(toy_dataset, toy_vectors):
    config = DistillConfig(per_class=2, steps=2, lr_init=0.05)
    replayable = as_replayable(random_subset(toy_dataset, 2, seed=0), toy_dataset, toy_vectors, config)
    assert replayable.data.shape[:2] == (6, toy_dataset.max_len)
    assert torch.equal(replayable.labels.sum(dim=0), torch.tensor([2.0, 2.0, 2.0]))
    assert torch.equal(replayable.lrs, torch.full((config.inner_steps,), 0.05))


def test_a_real_subset_is_scored_under_both_modes(toy_dataset, toy_vectors):
    config = DistillConfig(per_class=2, steps=2)
    result = score_best_mode(random_subset(toy_dataset, 2, seed=0), toy_dataset, toy_vectors, label="random",
                             standard_epochs=3, config=config, seeds=(0,))
    scoring = result.meta["scoring"]
    assert set(scoring["val"]) == {"standard", "replay"} and result.meta["mode"] == scoring["chosen_mode"]
    assert scoring["val"][scoring["chosen_mode"]] == max(scoring["val"].values())


def test_random_subsets_are_drawn_anew_per_seed(toy_dataset, toy_vectors):
    subsets, result = score_random_subsets(toy_dataset, toy_vectors, 2, seeds=(0, 1), label="random 2/class",
                                           standard_epochs=2, config=DistillConfig(per_class=2, steps=2))
    assert [s.seed for s in subsets] == [0, 1] and not np.array_equal(subsets[0].indices, subsets[1].indices)
    assert result.seeds == [0, 1] and result.meta["subset_seeds"] == [0, 1]
    assert result.meta["scoring"]["chosen_mode"] in ("standard", "replay")


def test_stack_seeds_refuses_runs_evaluated_at_different_epochs():
    a = EvalResult("a", [0], [1, 2], np.zeros((1, 2)), np.zeros((1, 2)), [1.0])
    b = EvalResult("b", [1], [1], np.zeros((1, 1)), np.zeros((1, 1)), [1.0])
    with pytest.raises(ValueError, match="different epochs"):
        stack_seeds([a, b], "ab")
