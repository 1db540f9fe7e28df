"""Baselines: stratified random subsets, k-center and herding coresets, full data."""

import numpy as np
import pytest
import torch

from textdistill_lab.baselines import (
    as_embedding, document_embeddings, full_data, herding, kcenter, random_subset,
)
from textdistill_lab.data import build_dataset
from textdistill_lab.vectors import WordVectors


@pytest.fixture(scope="module")
def points(toy_dataset, toy_vectors):
    """Document embeddings of the toy training split ``(n, 16)``."""
    return document_embeddings(toy_dataset.train.token_ids, as_embedding(toy_vectors, toy_dataset))


def test_document_embedding_is_the_mean_over_non_padding_tokens():
    table = torch.tensor([[0.0, 0.0], [1.0, 1.0], [2.0, 0.0], [0.0, 4.0]])
    ids = np.array([[2, 3, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0]])
    out = document_embeddings(ids, table, chunk=2)
    np.testing.assert_allclose(out, [[1.0, 2.0], [1.0, 1.0], [0.0, 0.0]])


def test_random_subset_is_stratified_and_seeded(toy_dataset):
    subset = random_subset(toy_dataset, 5, seed=3)
    labels = toy_dataset.train.labels[subset.indices]
    assert np.bincount(labels).tolist() == [5, 5, 5]
    assert len(set(subset.indices.tolist())) == 15
    assert np.array_equal(subset.indices, random_subset(toy_dataset, 5, seed=3).indices)
    assert not np.array_equal(subset.indices, random_subset(toy_dataset, 5, seed=4).indices)
    assert subset.dataset_fingerprint == toy_dataset.fingerprint
    assert subset.card()["per_class"] == 5 and subset.card()["method"] == "random"


def test_kcenter_second_centre_is_the_farthest_point_from_the_first(toy_dataset, toy_vectors, points):
    labels = toy_dataset.train.labels
    subset = kcenter(toy_dataset, 2, toy_vectors, seed=0)
    for cls in range(3):
        first, second = subset.indices[labels[subset.indices] == cls]
        members = np.flatnonzero(labels == cls)
        distances = np.linalg.norm(points[members] - points[first], axis=1)
        assert np.isclose(np.linalg.norm(points[second] - points[first]), distances.max())



def test_kcenter_picks_the_outliers_that_random_subsets_miss():
    """Each class: 40 texts in a tight cluster and two far-away outliers on opposite sides."""
    words = [f"w{i}" for i in range(10)] + ["east", "west"]
    rows = np.zeros((12, 4), dtype=np.float32)
    rows[:10, 1] = np.linspace(0.0, 0.5, 10)
    rows[10, 0], rows[11, 0] = 10.0, -10.0
    texts, labels = [], []
    for cls, tag in enumerate(["x", "y"]):
        texts += [f"w{i % 10} {tag}" for i in range(40)] + [f"east {tag}", f"west {tag}"] * 5
        labels += [cls] * 50
    dataset = build_dataset("spread", texts, labels, ["x", "y"], max_len=5, test_fraction=0.1, seed=0)
    vectors = WordVectors("line", words, rows)
    train_texts = np.asarray(dataset.train.texts)
    for seed in range(3):
        picked = [t.split()[0] for t in train_texts[kcenter(dataset, 3, vectors, seed=seed).indices]]
        assert picked.count("east") == 2 and picked.count("west") == 2  # one of each per class
    hits = [sum(t.split()[0] in ("east", "west") for t in train_texts[random_subset(dataset, 3, seed=s).indices])
            for s in range(10)]
    assert np.mean(hits) < 2


def test_herding_matches_the_class_mean_better_than_random(toy_dataset, toy_vectors, points):
    labels = toy_dataset.train.labels

    def mean_gap(indices: np.ndarray) -> float:
        return sum(
            float(np.linalg.norm(points[labels == c].mean(0) - points[indices[labels[indices] == c]].mean(0)))
            for c in range(3)
        )

    herd = mean_gap(herding(toy_dataset, 4, toy_vectors, seed=0).indices)
    randoms = [mean_gap(random_subset(toy_dataset, 4, seed=s).indices) for s in range(10)]
    assert herd < 0.5 * min(randoms)
    assert np.bincount(labels[herding(toy_dataset, 4, toy_vectors).indices]).tolist() == [4, 4, 4]


def test_coresets_accept_an_aligned_matrix_like_word_vectors(toy_dataset, toy_vectors):
    matrix, _ = toy_vectors.embedding_for(toy_dataset.vocab)
    assert np.array_equal(kcenter(toy_dataset, 3, matrix, seed=1).indices, kcenter(toy_dataset, 3, toy_vectors, seed=1).indices)
    with pytest.raises(ValueError, match="vocabulary of"):
        kcenter(toy_dataset, 3, matrix[:5], seed=1)


def test_full_data_is_every_training_text(toy_dataset):
    full = full_data(toy_dataset)
    assert sorted(full.indices.tolist()) == list(range(len(toy_dataset.train)))
    assert full.per_class is None and full.method == "full"


@pytest.mark.parametrize("per_class, message", [(0, "per_class must be from 1 to"), (999, "has only 58 training texts")])
def test_bad_per_class_is_a_clear_error(toy_dataset, toy_vectors, per_class, message):
    for make in (lambda: random_subset(toy_dataset, per_class), lambda: kcenter(toy_dataset, per_class, toy_vectors),
                 lambda: herding(toy_dataset, per_class, toy_vectors)):
        with pytest.raises(ValueError, match=message):
            make()
