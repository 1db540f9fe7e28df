"""Full data vs a random subset vs distilled data: what each row is called is what it is."""

from __future__ import annotations

from textdistill_lab.experiment import Budget, train_full
from textdistill_lab.full_training import FullTraining

QUICK = FullTraining(setting="paper", paper_epochs=1)


def test_smoke_sample_of_the_training_texts_is_not_called_full_data(toy_dataset, toy_vectors):
    result = train_full(toy_dataset, toy_vectors, budget=Budget(full=QUICK, max_train=30), seeds=[0])
    assert result.label == "sample of 30 texts (smoke)"
    assert result.meta["samples"] == 30 < len(toy_dataset.train)


def test_full_data_is_called_full_data(toy_dataset, toy_vectors):
    assert train_full(toy_dataset, toy_vectors, budget=Budget(full=QUICK), seeds=[0]).label == "full data"
