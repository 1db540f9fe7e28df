"""Expert soft labels: a cached, early-stopped teacher whose logits start the learnable labels."""

from __future__ import annotations

import pytest
import torch

from textdistill_lab.distill import DistillConfig, Distiller
from textdistill_lab.distill.teacher import TEACHER, load_teacher, teacher_logits
from textdistill_lab.models import make_model


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("TEXTDISTILL_HOME", str(tmp_path))
    return tmp_path


def tiny(**overrides) -> DistillConfig:
    options = dict(per_class=2, steps=2, replays=1, outer_steps=1, validate_every=1, validate_inits=1,
                   labels="expert", outer_lr=1e-9, device="cpu")
    return DistillConfig(**(options | overrides))


def test_teacher_is_early_stopped_cached_and_better_than_chance(toy_dataset, toy_vectors, home):
    model = make_model("textcnn", toy_vectors.dim, toy_dataset.num_classes)
    embedding = torch.as_tensor(toy_vectors.embedding_for(toy_dataset.vocab)[0])
    params, info = load_teacher(model, toy_dataset, embedding, toy_vectors.checksum, arch="textcnn",
                                device=torch.device("cpu"))
    assert info["best_val_acc"] > 0.9  # three separable topics
    assert info["train_seconds"] > 0
    epochs, best_epoch = len(info["val_acc"]), info["val_acc"].index(max(info["val_acc"]))
    assert epochs == TEACHER["max_epochs"] or epochs - 1 - best_epoch == TEACHER["patience"]  # early stopping
    again, cached = load_teacher(model, toy_dataset, embedding, toy_vectors.checksum, arch="textcnn",
                                 device=torch.device("cpu"))
    assert cached["train_seconds"] == 0.0 and cached["file"] == info["file"]
    for name in params:
        torch.testing.assert_close(again[name], params[name])


def test_expert_labels_start_from_the_teacher_logits(toy_dataset, toy_vectors, home):
    distiller = Distiller(tiny())
    distilled = distiller.fit(toy_dataset, toy_vectors, progress=False)
    assert distiller.teacher_["best_val_acc"] > 0.9 and distilled.metrics["label_teacher"] == distiller.teacher_
    model = make_model("textcnn", toy_vectors.dim, toy_dataset.num_classes)
    embedding = torch.as_tensor(toy_vectors.embedding_for(toy_dataset.vocab)[0])
    teacher, _ = load_teacher(model, toy_dataset, embedding, toy_vectors.checksum, arch="textcnn",
                              device=torch.device("cpu"))
    expected = torch.softmax(teacher_logits(model, teacher, distilled.data), dim=1)
    # one outer step at lr 1e-9 leaves data and labels where they started
    torch.testing.assert_close(distilled.labels, expected, atol=1e-4, rtol=1e-4)
    assert (distilled.labels.argmax(dim=1) == distilled.labels.new_tensor(
        [c for c in range(toy_dataset.num_classes) for _ in range(2)]).long()).float().mean() > 0.8


def test_learnable_labels_still_start_near_one_hot(toy_dataset, toy_vectors, home):
    distiller = Distiller(tiny(labels="learnable"))
    distilled = distiller.fit(toy_dataset, toy_vectors, progress=False)
    assert distiller.teacher_ is None
    torch.testing.assert_close(distilled.labels.max(dim=1).values, torch.full((len(distilled.labels),), 0.9),
                               atol=1e-4, rtol=1e-4)
