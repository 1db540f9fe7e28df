"""The full-data yardstick: grid on validation with the first seed, early stopping, or the paper's setting."""

import pytest

from textdistill_lab.baselines import random_subset
from textdistill_lab.full_training import FullTraining, train_full_model


def test_tuned_picks_the_grid_point_best_on_validation_and_trains_every_seed(toy_dataset, toy_vectors):
    training = FullTraining(max_epochs=6, patience=2, dropouts=(0.0, 0.5), lrs=(1e-3, 1e-2))
    subset = random_subset(toy_dataset, 10, seed=0)
    result = train_full_model(subset, toy_dataset, toy_vectors, training=training, seeds=(0, 1))
    info = result.meta["full_training"]
    assert len(info["grid"]) == 4 and result.seeds == [0, 1]
    best = max(info["grid"], key=lambda row: row["val"])
    assert info["chosen"] == {"dropout": best["dropout"], "lr": best["lr"]}
    assert result.meta["dropout"] == best["dropout"] and result.meta["lr"] == best["lr"]
    assert all(epoch <= 6 for epoch in result.meta["stopped_epochs"]) and len(result.meta["stopped_epochs"]) == 2


def test_paper_setting_is_no_dropout_adam_fixed_epochs(toy_dataset, toy_vectors):
    subset = random_subset(toy_dataset, 4, seed=0)
    result = train_full_model(subset, toy_dataset, toy_vectors, training=FullTraining("paper", paper_epochs=3), seeds=(0,))
    assert result.meta["full_training"] == {"setting": "paper", "dropout": 0.0, "lr": 1e-3, "epochs": 3}
    assert result.eval_epochs == [1, 2, 3] and result.meta["dropout"] == 0.0


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="not one of tuned, paper"):
        FullTraining("kim")
    with pytest.raises(ValueError, match="patience must be positive"):
        FullTraining(patience=0)
