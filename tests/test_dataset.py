"""The dataset container: splits are stratified, seeded and disjoint; encoding pads with zeros."""

import numpy as np
import pytest

from textdistill_lab.data import PAD_ID, UNK_ID, build_dataset, tokenize


def test_tokenize_splits_clitics_and_punctuation():
    assert tokenize("Don't stop... it's (really) great!") == [
        "do", "n't", "stop", "it", "'s", "(", "really", ")", "great", "!",
    ]


def test_splits_are_stratified_disjoint_and_seeded(toy_dataset):
    card = toy_dataset.card()
    assert card["train"] + card["validation"] + card["test"] == 240
    assert card["test"] == 48 and card["validation"] == 18  # 10% of the 64 left per class, rounded: 6 x 3
    for split in (toy_dataset.train, toy_dataset.validation, toy_dataset.test):
        assert set(np.unique(split.labels)) == {0, 1, 2}
    again = build_dataset("toy", toy_dataset.train.texts, toy_dataset.train.labels, toy_dataset.class_names, seed=0)
    assert again.fingerprint == build_dataset(
        "toy", toy_dataset.train.texts, toy_dataset.train.labels, toy_dataset.class_names, seed=0
    ).fingerprint


def test_encoding_pads_truncates_and_marks_unknown_words():
    ds = build_dataset("t", ["a b c", "a b", "c c c c"] * 4, [0, 1, 0] * 4, ["x", "y"],
                       test_texts=["a zzz"], test_labels=[0], max_len=3, val_fraction=0.0)
    assert ds.train.token_ids.shape[1] == 3
    assert ds.test.token_ids[0, 1] == UNK_ID and ds.test.token_ids[0, 2] == PAD_ID


def test_class_without_examples_is_a_clear_error():
    with pytest.raises(ValueError, match="class 'empty' has no training examples"):
        build_dataset("t", ["a", "b"], [0, 0], ["full", "empty"])
