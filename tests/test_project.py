"""Maps of real texts and distilled samples: stratified sampling, document vectors, tidy tables."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from textdistill_lab.decode import decode
from textdistill_lab.distilled_set import DistilledSet
from textdistill_lab.models import TextCNN, make_model
from textdistill_lab.project import document_vectors, project, sample_real


def test_sample_real_keeps_class_shares_and_is_seeded():
    labels = np.repeat([0, 1, 2], [300, 600, 100])
    picked = sample_real(labels, 100, seed=3)
    assert np.bincount(labels[picked]).tolist() == [30, 60, 10]
    np.testing.assert_array_equal(picked, sample_real(labels, 100, seed=3))
    assert not np.array_equal(picked, sample_real(labels, 100, seed=4))
    assert len(sample_real(labels, 5000, seed=0)) == 1000


def test_mean_pooling_ignores_zero_padding_rows():
    x = np.zeros((2, 4, 3), dtype=np.float32)
    x[0, :2] = [[1, 2, 3], [3, 2, 1]]
    x[1, 0] = [5, 5, 5]
    np.testing.assert_allclose(document_vectors(x), [[2, 2, 2], [5, 5, 5]])


def test_model_features_are_the_penultimate_layer():
    torch.manual_seed(0)
    model = TextCNN(dim=6, num_classes=3, widths=(2,), filters=4).train()
    x = torch.randn(7, 5, 6)
    feats = document_vectors(x, model=model, batch_size=3)
    assert feats.shape == (7, 4)
    np.testing.assert_allclose(feats, model.features(x).detach().numpy(), atol=1e-6)
    assert model.training  # restored


def distilled_from(dataset, vectors, per_class=2) -> DistilledSet:
    embedding, _ = vectors.embedding_for(dataset.vocab)
    rows = [np.flatnonzero(dataset.train.labels == c)[:per_class] for c in range(dataset.num_classes)]
    rows = np.concatenate(rows)
    data = torch.tensor(embedding[dataset.train.token_ids[rows]]) + 0.01
    labels = torch.nn.functional.one_hot(torch.tensor(dataset.train.labels[rows]), dataset.num_classes).float()
    return DistilledSet(data, labels, dataset.class_names)


def test_pca_map_has_every_point_once_with_hover_text(toy_dataset, toy_vectors):
    distilled = distilled_from(toy_dataset, toy_vectors)
    decoded = decode(distilled, toy_vectors)
    subset = np.array([0, 5, 9])
    result = project(toy_dataset, toy_vectors, distilled=distilled, decoded=decoded, subset=subset,
                     max_real=60, method="pca", seed=0)
    frame = result.frame
    counts = frame["kind"].value_counts().to_dict()
    assert counts["random"] == 3 and counts["distilled"] == 6
    assert 57 <= counts["real"] <= 60  # the sample of 60, less any subset texts it drew
    real = frame[frame["kind"] == "real"]
    assert not set(real["index"]) & set(subset)
    assert real["text"].tolist()[0] == toy_dataset.train.texts[real["index"].iloc[0]]
    assert frame[frame["kind"] == "distilled"]["text"].iloc[0] == decoded.text(0)
    assert np.isfinite(frame[["x", "y"]].to_numpy()).all()
    # topics are separable in mean word-vector space: class centroids are far apart
    centres = real.groupby("class")[["x", "y"]].mean().to_numpy()
    spread = real.groupby("class")[["x", "y"]].std().to_numpy().mean()
    assert np.linalg.norm(centres[0] - centres[1]) > spread
    fig = result.figure()
    kinds = {t.legendgroup for t in fig.data}
    assert kinds == {"real", "random", "distilled"}
    assert sum(len(t.x) for t in fig.data) == len(frame)


def test_same_seed_same_map(toy_dataset, toy_vectors):
    a = project(toy_dataset, toy_vectors, max_real=50, method="pca", seed=1).frame
    b = project(toy_dataset, toy_vectors, max_real=50, method="pca", seed=1).frame
    assert a.equals(b)


def test_umap_map_reports_progress(toy_dataset, toy_vectors):
    messages = []
    result = project(toy_dataset, toy_vectors, max_real=80, method="umap", seed=0, progress=messages.append)
    assert len(result.frame) == 80 and np.isfinite(result.frame[["x", "y"]].to_numpy()).all()
    assert messages[0].startswith("UMAP:") and messages[-1] == "UMAP: done."


def test_bad_arguments_name_the_fix(toy_dataset, toy_vectors):
    with pytest.raises(ValueError, match="use 'umap' or 'pca'"):
        project(toy_dataset, toy_vectors, method="tsne")
    with pytest.raises(ValueError, match=r"subset indices must lie in \[0, "):
        project(toy_dataset, toy_vectors, subset=np.array([10_000]), method="pca")


@pytest.mark.parametrize("arch, name", [("textcnn", "TextCNN"), ("meanpool-mlp", "MeanPoolMLP")])
def test_map_names_the_model_whose_features_it_shows(toy_dataset, toy_vectors, arch, name):
    model = make_model(arch, toy_vectors.dim, toy_dataset.num_classes)
    result = project(toy_dataset, toy_vectors, model=model, max_real=30, method="pca", seed=0)
    assert result.features == name
