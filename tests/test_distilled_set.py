"""A distilled set on disk: round trip, and refusal of anything edited, truncated, pickled or mismatched."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from textdistill_lab.distilled_set import CARD_FILE, TENSORS_FILE, DistilledSet, DistilledSetError
from textdistill_lab.vectors import WordVectors


@pytest.fixture()
def saved(tmp_path, toy_vectors):
    gen = torch.Generator().manual_seed(0)
    distilled = DistilledSet(
        data=torch.randn(6, 10, 16, generator=gen), labels=torch.softmax(torch.randn(6, 3, generator=gen), dim=1),
        class_names=["a", "b", "c"], lrs=torch.tensor([0.1, 0.2]), steps=2, replays=1, method="bptt",
        dataset="toy", dataset_fingerprint="f00d", vectors=toy_vectors.name, vectors_checksum=toy_vectors.checksum,
        config={"seed": 3}, metrics={"best_val_acc": 0.5},
    )
    return distilled, distilled.save(tmp_path / "set")


def test_round_trip_keeps_tensors_and_card(saved, toy_vectors):
    distilled, folder = saved
    loaded = DistilledSet.load(folder, vectors=toy_vectors)
    for name in ("data", "labels", "lrs"):
        assert torch.equal(getattr(loaded, name), getattr(distilled, name))
    assert (loaded.class_names, loaded.steps, loaded.config, loaded.metrics) == (["a", "b", "c"], 2, {"seed": 3}, {"best_val_acc": 0.5})
    assert torch.equal(loaded.hard_labels, distilled.labels.argmax(dim=1))
    card = json.loads((folder / CARD_FILE).read_text())
    assert card["samples"] == 6 and card["dim"] == 16 and card["torch_version"] == torch.__version__


def test_edited_tensors_are_refused(saved):
    _, folder = saved
    blob = bytearray((folder / TENSORS_FILE).read_bytes())
    blob[-1] ^= 0xFF
    (folder / TENSORS_FILE).write_bytes(bytes(blob))
    with pytest.raises(DistilledSetError, match="edited or truncated"):
        DistilledSet.load(folder)


def test_truncated_tensors_and_card_are_refused(saved, tmp_path):
    _, folder = saved
    card = (folder / CARD_FILE).read_text()
    (folder / CARD_FILE).write_text(card[: len(card) // 2])
    with pytest.raises(DistilledSetError, match="not valid JSON"):
        DistilledSet.load(folder)
    (folder / CARD_FILE).write_text(card)
    tensors = (folder / TENSORS_FILE).read_bytes()
    (folder / TENSORS_FILE).write_bytes(tensors[:100])
    with pytest.raises(DistilledSetError, match="edited or truncated"):
        DistilledSet.load(folder)
    (folder / TENSORS_FILE).unlink()
    with pytest.raises(DistilledSetError, match="not found"):
        DistilledSet.load(folder)


def test_pickles_are_never_loaded(tmp_path):
    path = tmp_path / "distilled.pt"
    torch.save({"data": torch.zeros(1)}, path)
    with pytest.raises(DistilledSetError, match="pickles are never loaded"):
        DistilledSet.load(path)


def test_other_vectors_are_refused(saved, toy_vectors):
    _, folder = saved
    other = WordVectors("other-16d", toy_vectors.words, np.asarray(toy_vectors.matrix) + 1.0)
    with pytest.raises(DistilledSetError, match="use the same vectors"):
        DistilledSet.load(folder, vectors=other)
    wider = WordVectors("wide", ["x"], np.zeros((1, 32), dtype=np.float32))
    with pytest.raises(DistilledSetError, match="dim 16 but vectors 'wide' have dim 32"):
        DistilledSet.load(folder, vectors=wider)


def test_shapes_are_checked_at_construction():
    with pytest.raises(DistilledSetError, match="samples, tokens, dim"):
        DistilledSet(data=torch.zeros(6, 16), labels=torch.zeros(6, 3), class_names=["a", "b", "c"])
    with pytest.raises(DistilledSetError, match="labels must be"):
        DistilledSet(data=torch.zeros(6, 10, 16), labels=torch.zeros(6, 2), class_names=["a", "b", "c"])
