"""The TF-IDF + linear SVM reference row: C chosen on validation, one deterministic 'seed'."""

import numpy as np
import pytest

from textdistill_lab.reference import LABEL, tfidf_reference


def test_c_is_chosen_on_validation_and_reported_at_that_column(toy_dataset):
    result = tfidf_reference(toy_dataset, c_grid=(0.001, 1.0))
    chosen = int(np.argmax(result.val_acc[0]))
    assert result.label == LABEL and result.seeds == [0]
    assert result.meta["chosen_c"] == (0.001, 1.0)[chosen]
    assert result.mean == result.test_acc[0, chosen] and result.std == 0.0
    assert result.mean > 0.9  # topic words separate the toy classes
    assert result.meta["samples"] == len(toy_dataset.train)


def test_indices_restrict_the_training_texts(toy_dataset):
    result = tfidf_reference(toy_dataset, indices=np.arange(0, len(toy_dataset.train), 10))
    assert result.meta["samples"] == len(range(0, len(toy_dataset.train), 10))
    with pytest.raises(ValueError, match="positive"):
        tfidf_reference(toy_dataset, c_grid=())
