"""The TF-IDF + linear SVM reference: C chosen on validation, one deterministic 'seed', any training texts."""

import numpy as np
import pytest

from conftest import TOPICS
from textdistill_lab.reference import LABEL, fit_reference, tfidf_reference


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


def test_any_texts_are_scored_on_the_datasets_raw_texts_like_the_reference_row(toy_dataset):
    picks = np.arange(0, len(toy_dataset.train), 7)
    texts = [toy_dataset.train.texts[i] for i in picks]
    fit = fit_reference(texts, toy_dataset.train.labels[picks], toy_dataset, method="subset")
    row = tfidf_reference(toy_dataset, indices=picks)
    np.testing.assert_array_equal(fit.result.test_acc, row.test_acc)
    assert fit.result.meta["method"] == "subset" and fit.model.C == fit.result.meta["chosen_c"]
    made_up = [" ".join(TOPICS[name]) for name in toy_dataset.class_names]  # texts of no split, e.g. decoded words
    assert fit_reference(made_up, [0, 1, 2], toy_dataset).result.mean > 0.9


def test_top_terms_are_each_classs_own_words(toy_dataset):
    fit = fit_reference(toy_dataset.train.texts, toy_dataset.train.labels, toy_dataset)
    terms = fit.top_terms(toy_dataset.class_names, top=3)
    assert list(terms) == list(toy_dataset.class_names)
    for name in toy_dataset.class_names:
        assert len(terms[name]) == 3 and all(set(t.split()) & set(TOPICS[name]) for t in terms[name])


def test_two_classes_share_one_weight_vector_and_still_get_their_own_terms(toy_dataset):
    two = np.flatnonzero(toy_dataset.train.labels < 2)
    fit = fit_reference([toy_dataset.train.texts[i] for i in two], toy_dataset.train.labels[two], toy_dataset)
    assert fit.model.coef_.shape[0] == 1
    terms = fit.top_terms(toy_dataset.class_names, top=3)
    assert set(terms) == {"sports", "science"}
    for name, other in [("sports", "science"), ("science", "sports")]:
        words = {w for t in terms[name] for w in t.split()}
        assert words & set(TOPICS[name]) and not words & set(TOPICS[other])


def test_bad_training_texts_name_the_problem(toy_dataset):
    with pytest.raises(ValueError, match="two classes"):
        fit_reference(["game", "team"], [0, 0], toy_dataset)
    with pytest.raises(ValueError, match="2 texts but 3 labels"):
        fit_reference(["game", "team"], [0, 1, 2], toy_dataset)
