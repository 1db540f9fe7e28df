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


def rewrite(folder, tensors=None, **changes):
    """Edit a saved set *consistently* (checksums updated), as a careful forger would: content checks must catch it."""
    from safetensors.torch import load, save

    from textdistill_lab.distilled_set import card_checksum
    from textdistill_lab.io import sha256_bytes

    blob = save({**load((folder / TENSORS_FILE).read_bytes()), **(tensors or {})})
    (folder / TENSORS_FILE).write_bytes(blob)
    card = {**json.loads((folder / CARD_FILE).read_text()), **changes, "tensors_sha256": sha256_bytes(blob)}
    (folder / CARD_FILE).write_text(json.dumps({**card, "card_sha256": card_checksum(card)}))


@pytest.mark.parametrize("card, message", [
    ([1, 2, 3], "holds a JSON list, not an object"),
    ({"format_version": 3}, "has no 'method'"),
])
def test_a_card_of_the_wrong_shape_is_one_clear_error(saved, card, message):
    _, folder = saved
    (folder / CARD_FILE).write_text(json.dumps(card))
    with pytest.raises(DistilledSetError, match=message):
        DistilledSet.load(folder)


def test_the_card_is_covered_by_its_checksum(saved):
    _, folder = saved
    card = json.loads((folder / CARD_FILE).read_text())
    (folder / CARD_FILE).write_text(json.dumps({**card, "method": "better"}))
    with pytest.raises(DistilledSetError, match="does not match its own checksum"):
        DistilledSet.load(folder)


@pytest.mark.parametrize("changes, message", [
    ({"class_names": "abc"}, "'class_names' of type str, not list"),
    ({"samples": True}, "'samples' of type bool, not int"),
    ({"steps": 0}, "steps=0, not a positive count"),
    ({"samples": 10**9, "tokens": 10**6}, "more than 2,147,483,648"),
    ({"samples": 70, "tokens": 1}, r"data has shape \(6, 10, 16\) but the card says \(70, 1, 16\)"),
])
def test_card_values_are_checked_against_types_bounds_and_the_tensors(saved, changes, message):
    _, folder = saved
    rewrite(folder, **changes)
    with pytest.raises(DistilledSetError, match=message):
        DistilledSet.load(folder)


def test_huge_files_and_headers_are_refused_without_reading_them(saved):
    _, folder = saved
    blob = bytearray((folder / TENSORS_FILE).read_bytes())
    with open(folder / TENSORS_FILE, "r+b") as handle:
        handle.truncate(64 << 30)  # sparse: 64 GiB on paper, nothing on disk
    with pytest.raises(DistilledSetError, match="68,719,476,736 bytes"):
        DistilledSet.load(folder)
    blob[:8] = (2**62).to_bytes(8, "little")
    (folder / TENSORS_FILE).write_bytes(bytes(blob))
    with pytest.raises(DistilledSetError, match="header of 4,611,686,018,427,387,904 bytes"):
        DistilledSet.load(folder)


@pytest.mark.parametrize("tensors, message", [
    ({"data": torch.full((6, 10, 16), float("nan"))}, "data holds NaN or infinite values"),
    ({"data": torch.zeros(6, 10, 16, dtype=torch.float64)}, "data is torch.float64, not float32"),
    ({"lrs": torch.tensor([float("inf"), 1e30])}, "lrs holds NaN or infinite"),
    ({"lrs": torch.tensor([1e30, 0.1])}, "learning rates must be > 0 and at most"),
    ({"lrs": torch.tensor([-0.1, 0.1])}, "learning rates must be > 0"),
    ({"labels": torch.ones(6, 3)}, "labels must be a distribution"),
    ({"labels": torch.zeros(3, 6)}, r"labels has shape \(3, 6\) but the card says \(6, 3\)"),
])
def test_content_is_validated(saved, tensors, message):
    _, folder = saved
    rewrite(folder, tensors)
    with pytest.raises(DistilledSetError, match=message):
        DistilledSet.load(folder)


def test_a_missing_tensor_is_one_clear_error(saved):
    from safetensors.torch import load, save

    _, folder = saved
    kept = {k: v for k, v in load((folder / TENSORS_FILE).read_bytes()).items() if k != "lrs"}
    (folder / TENSORS_FILE).write_bytes(save(kept))
    rewrite(folder, lrs=[])
    with pytest.raises(DistilledSetError, match=r"has no tensor\(s\) \['lrs'\]"):
        DistilledSet.load(folder)
