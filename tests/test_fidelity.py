"""Decode fidelity: word-exact sets lose nothing, noisy rows come back as their words, bag-of-words is sane."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from conftest import TOPICS
from textdistill_lab.baselines import random_subset
from textdistill_lab.decode import decode
from textdistill_lab.distilled_set import DistilledSet
from textdistill_lab.fidelity import (
    decode_fidelity, decoded_matrices, decoded_words, fit_tfidf, mean_nearest_cosine, split_documents,
    tfidf_test_accuracy, top_words,
)


def word_set(dataset, vectors, per_class: int = 2) -> DistilledSet:
    """Samples made of their class's topic words, last position padding: a set that *is* text."""
    data, labels = [], []
    for c, name in enumerate(dataset.class_names):
        for s in range(per_class):
            words = TOPICS[name][s * 3 : s * 3 + 4]
            rows = [vectors.matrix[vectors.index_of(w)] for w in words] + [np.zeros(vectors.dim)]
            data.append(np.asarray(rows, dtype=np.float32))
            labels.append(np.eye(dataset.num_classes)[c])
    return DistilledSet(torch.tensor(np.stack(data)), torch.tensor(np.stack(labels), dtype=torch.float32),
                        list(dataset.class_names), dataset=dataset.name, dataset_fingerprint=dataset.fingerprint)


def test_rows_that_are_words_decode_and_re_embed_to_themselves(toy_dataset, toy_vectors):
    distilled = word_set(toy_dataset, toy_vectors)
    decoded = decode(distilled, toy_vectors, k=1, vocabulary=toy_dataset.vocab)
    torch.testing.assert_close(decoded_matrices(decoded, toy_vectors), distilled.data)
    assert decoded_words(decoded)[0] == TOPICS["sports"][:4]
    assert mean_nearest_cosine(decoded) == pytest.approx(1.0, abs=1e-5)


def test_noisy_rows_come_back_as_their_nearest_words_and_weak_rows_can_be_dropped(toy_dataset, toy_vectors):
    clean = word_set(toy_dataset, toy_vectors)
    noisy = clean.data + 0.05 * torch.randn(clean.data.shape, generator=torch.Generator().manual_seed(0))
    noisy[:, -1] = 0.0
    noisy[0, 0] = torch.tensor(-toy_vectors.matrix[toy_vectors.index_of("game")])  # points away from its class
    decoded = decode(noisy, toy_vectors, k=1, vocabulary=toy_dataset.vocab, weak_below=0.6)
    assert decoded.weak[0, 0] and not decoded.weak[1:, :-1].any()
    back = decoded_matrices(decoded, toy_vectors)
    torch.testing.assert_close(back[1:], clean.data[1:])
    assert back[0, 0].abs().sum() == 0  # weak row -> padding
    kept = decoded_matrices(decoded, toy_vectors, weak_as_padding=False)
    assert kept[0, 0].abs().sum() > 0
    assert len(decoded_words(decoded)[0]) == 3 and len(decoded_words(decoded, weak_as_padding=False)[0]) == 4
    assert 0.6 < mean_nearest_cosine(decoded) < 1.0


def test_a_word_exact_set_loses_nothing_in_decoding(toy_dataset, toy_vectors):
    distilled = word_set(toy_dataset, toy_vectors)
    fidelity = decode_fidelity(distilled, toy_dataset, toy_vectors, seeds=(0, 1), epochs=3, device="cpu")
    assert fidelity.decoded.mean == fidelity.distilled.mean and fidelity.ratio == 1.0
    assert fidelity.padding_share == pytest.approx(1 / 5) and fidelity.weak_share == 0.0
    assert fidelity.texts[0] == " ".join(TOPICS["sports"][:4])
    assert fidelity.distilled.meta["mode"] == "standard"  # no learned rates
    for name, words in fidelity.bow_words.items():
        assert words and set(words) <= set(TOPICS[name])
    assert "decoded/distilled 1.00" in fidelity.line()
    assert [measure for measure, _ in fidelity.rows()][2] == "decoded / distilled"


def test_tfidf_on_real_texts_learns_each_topics_words(toy_dataset):
    subset = random_subset(toy_dataset, 10, seed=0)
    docs = split_documents(toy_dataset, "train", subset.indices)
    model = fit_tfidf(docs, toy_dataset.train.labels[subset.indices])
    assert tfidf_test_accuracy(model, toy_dataset) > 0.9
    words = top_words(model, toy_dataset.class_names, top=3)
    for name in toy_dataset.class_names:
        assert len(words[name]) == 3 and set(words[name]) <= set(TOPICS[name])


def test_two_class_bag_of_words_gives_each_class_its_own_words(toy_dataset):
    two = np.flatnonzero(toy_dataset.train.labels < 2)
    docs = split_documents(toy_dataset, "train", two)
    words = top_words(fit_tfidf(docs, toy_dataset.train.labels[two]), toy_dataset.class_names, top=3)
    assert set(words) == {"sports", "science"}
    assert set(words["sports"]) <= set(TOPICS["sports"]) and set(words["science"]) <= set(TOPICS["science"])


def test_bad_input_names_the_problem(toy_dataset, toy_vectors):
    distilled = word_set(toy_dataset, toy_vectors)
    other = decode(distilled.data[:2], toy_vectors, k=1)
    with pytest.raises(ValueError, match="decoded has 2 samples"):
        decode_fidelity(distilled, toy_dataset, toy_vectors, decoded=other, seeds=(0,), epochs=1, device="cpu")
    with pytest.raises(ValueError, match="two classes"):
        fit_tfidf([["game"], ["team"]], [0, 0])
    far = DistilledSet(torch.zeros_like(distilled.data), distilled.labels, distilled.class_names)
    with pytest.raises(ValueError, match="every decoded text is empty"):
        decode_fidelity(far, toy_dataset, toy_vectors, seeds=(0,), epochs=1, device="cpu")
