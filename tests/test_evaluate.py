"""The evaluator: validation-selected epochs, seeded runs, replay = hand-computed SGD, refusals."""

import json

import numpy as np
import pytest
import torch
from torch.func import functional_call

from textdistill_lab.baselines import as_embedding, full_data, random_subset
from textdistill_lab.data import build_dataset
from textdistill_lab.distilled_set import DistilledSet
from textdistill_lab.evaluate import (
    EvalResult, FingerprintError, compare, evaluate, has_step_order, resolve_mode, step_order_effect,
)
from textdistill_lab.models import embed, init_params, make_model


@pytest.fixture(scope="module")
def matrix(toy_dataset, toy_vectors):
    return as_embedding(toy_vectors, toy_dataset)


@pytest.fixture(scope="module")
def distilled(toy_dataset, matrix):
    """Four embedded real texts per class as a 'distilled' set: 2 steps replayed twice, learned lrs."""
    subset = random_subset(toy_dataset, 4, seed=0)
    data = embed(torch.as_tensor(toy_dataset.train.token_ids[subset.indices]), matrix)
    labels = torch.nn.functional.one_hot(torch.as_tensor(toy_dataset.train.labels[subset.indices]), 3).float()
    return DistilledSet(data=data, labels=labels, class_names=toy_dataset.class_names, lrs=torch.tensor([0.4, 0.3, 0.2, 0.1]),
                        steps=2, replays=2, method="hand-made", dataset="toy", dataset_fingerprint=toy_dataset.fingerprint)


def test_reported_accuracy_is_test_at_the_validation_best_epoch():
    result = EvalResult("r", [0, 1], [1, 2, 3], val_acc=np.array([[0.5, 0.9, 0.7], [0.8, 0.8, 0.6]]),
                        test_acc=np.array([[0.9, 0.6, 0.8], [0.7, 0.5, 0.95]]), seconds=[1.0, 1.0])
    assert result.selected_epochs == [2, 1]  # ties go to the earliest epoch
    np.testing.assert_allclose(result.test_at_selected, [0.6, 0.7])
    assert result.mean == pytest.approx(0.65) and result.std == pytest.approx(0.05)


def test_epoch_is_selected_on_validation_even_when_test_disagrees(toy_dataset, toy_vectors):
    """Test labels rotated by one class: the better a model fits, the worse it does on this 'test'."""
    rotated = build_dataset(
        "rotated", toy_dataset.train.texts + toy_dataset.validation.texts,
        np.concatenate([toy_dataset.train.labels, toy_dataset.validation.labels]), toy_dataset.class_names,
        test_texts=toy_dataset.test.texts, test_labels=(toy_dataset.test.labels + 1) % 3, max_len=10, seed=0,
    )
    result = evaluate(random_subset(rotated, 2, seed=0), rotated, toy_vectors, seeds=(0, 1), epochs=12, lr=3e-4)
    for row in range(2):
        best_val = int(result.val_acc[row].argmax())
        assert result.test_at_selected[row] == result.test_acc[row, best_val]
        assert result.test_acc[row].max() > result.test_at_selected[row] + 0.2  # test's own optimum is elsewhere
    assert result.selected_epochs == [12, 12]
    assert result.summary()["test_mean"] == pytest.approx(result.test_at_selected.mean())


def test_runs_are_reproducible_per_seed(toy_dataset, toy_vectors):
    subset = random_subset(toy_dataset, 1, seed=0)
    both = evaluate(subset, toy_dataset, toy_vectors, seeds=(0, 1), epochs=4, lr=1e-3)
    again = evaluate(subset, toy_dataset, toy_vectors, seeds=(0, 1), epochs=4, lr=1e-3)
    alone = evaluate(subset, toy_dataset, toy_vectors, seeds=(1,), epochs=4, lr=1e-3)
    np.testing.assert_array_equal(both.test_acc, again.test_acc)
    np.testing.assert_array_equal(both.val_acc[1], alone.val_acc[0])
    assert not np.array_equal(both.val_acc[0], both.val_acc[1])


def test_replay_is_the_learned_sgd_steps_computed_by_hand(toy_dataset, matrix, distilled):
    """``auto`` replays a set with learned rates; ``keep_weights`` hands back the replayed θ."""
    result = evaluate(distilled, toy_dataset, matrix, mode="auto", seeds=(7,), keep_weights=True)
    model = make_model("textcnn", 16, 3)
    params = init_params("textcnn", 16, 3, seed=7)
    # steps=2: within each class, samples alternate between batch 0 and batch 1; the 2 batches replay twice
    position = torch.arange(12) % 4
    batches = [position % 2 == 0, position % 2 == 1] * 2
    for mask, lr in zip(batches, distilled.lrs):
        logits = functional_call(model, params, (distilled.data[mask],))
        loss = -(distilled.labels[mask] * torch.log_softmax(logits, 1)).sum(1).mean()
        grads = torch.autograd.grad(loss, list(params.values()))
        params = {k: (p - lr * g).detach().requires_grad_() for (k, p), g in zip(params.items(), grads)}

    def acc(split, theta):
        with torch.no_grad():
            logits = functional_call(model, theta, (embed(torch.as_tensor(split.token_ids), matrix),))
        return float((logits.argmax(1).numpy() == split.labels).mean())

    assert result.eval_epochs == [1]
    assert result.val_acc[0, 0] == pytest.approx(acc(toy_dataset.validation, params), abs=1e-12)
    assert result.test_acc[0, 0] == pytest.approx(acc(toy_dataset.test, params), abs=1e-12)
    assert result.test_acc[0, 0] > acc(toy_dataset.test, init_params("textcnn", 16, 3, seed=7)) + 0.2
    assert result.meta["mode"] == "replay" and result.meta["optimizer"] == "sgd (learned lrs)"
    for name, value in params.items():
        torch.testing.assert_close(result.weights[0][name], value.detach(), rtol=1e-5, atol=1e-6)


def test_auto_mode_trains_real_texts_and_rateless_sets_like_data(toy_dataset, distilled):
    rateless = DistilledSet(data=distilled.data, labels=distilled.labels, class_names=distilled.class_names)
    assert resolve_mode(random_subset(toy_dataset, 2)) == "standard"
    assert resolve_mode(rateless) == "standard"
    assert resolve_mode(distilled) == "replay" and resolve_mode(distilled, "replay-shuffled") == "replay-shuffled"
    with pytest.raises(ValueError, match="mode='sgd' is not one of auto, standard"):
        resolve_mode(distilled, "sgd")


def test_callbacks_see_every_evaluated_epoch(toy_dataset, toy_vectors):
    seen = []

    class Recorder:
        def on_epoch(self, info):
            seen.append(info)

    result = evaluate(random_subset(toy_dataset, 2), toy_dataset, toy_vectors, seeds=(0, 1), epochs=5, eval_every=2,
                      callbacks=[Recorder(), lambda info: None], label="rs")
    assert result.eval_epochs == [2, 4, 5]
    assert [(i.seed, i.epoch) for i in seen] == [(0, 2), (0, 4), (0, 5), (1, 2), (1, 4), (1, 5)]
    assert [i.test_acc for i in seen] == result.test_acc.flatten().tolist()
    assert {i.label for i in seen} == {"rs"} and seen[0].epochs == 5


def test_cross_architecture_and_full_data(toy_dataset, toy_vectors, distilled):
    mlp = evaluate(distilled, toy_dataset, toy_vectors, arch="meanpool-mlp", seeds=(0, 1), epochs=20, lr=1e-2)
    assert mlp.meta["arch"] == "meanpool-mlp" and mlp.mean > 0.8
    full = evaluate(full_data(toy_dataset), toy_dataset, toy_vectors, seeds=(0,), epochs=3, batch_size=32)
    assert full.meta["samples"] == len(toy_dataset.train) and full.mean > 0.9


def test_result_round_trips_through_json(toy_dataset, toy_vectors, tmp_path):
    result = evaluate(random_subset(toy_dataset, 2), toy_dataset, toy_vectors, seeds=(0,), epochs=2)
    loaded = EvalResult.from_dict(json.loads(result.save_json(tmp_path / "r.json").read_text()))
    assert loaded.summary() == result.summary()
    assert loaded.meta["dataset_fingerprint"] == toy_dataset.fingerprint


def test_refuses_a_distilled_set_made_on_other_splits(toy_dataset, matrix, distilled):
    other = DistilledSet(data=distilled.data, labels=distilled.labels, class_names=distilled.class_names,
                         lrs=distilled.lrs, steps=2, replays=2, dataset="toy", dataset_fingerprint="0123456789abcdef")
    with pytest.raises(FingerprintError, match="fingerprint 0123456789abcdef.*evaluate it on the dataset it was made from"):
        evaluate(other, toy_dataset, matrix, seeds=(0,))


def test_compare_refuses_results_from_different_test_splits(toy_dataset, toy_vectors):
    resplit = build_dataset("toy", toy_dataset.train.texts, toy_dataset.train.labels, toy_dataset.class_names,
                            max_len=10, seed=5)
    ours = evaluate(random_subset(toy_dataset, 2), toy_dataset, toy_vectors, seeds=(0,), epochs=2)
    theirs = evaluate(random_subset(resplit, 2), resplit, toy_vectors, seeds=(0,), epochs=2)
    with pytest.raises(FingerprintError, match="different dataset splits"):
        compare([ours, theirs])
    with pytest.raises(FingerprintError, match="fingerprint"):
        evaluate(random_subset(resplit, 2), toy_dataset, toy_vectors, seeds=(0,))
    table = compare([ours, ours])
    assert list(table["test_mean"]) == [ours.mean, ours.mean]


def test_replay_needs_learned_steps(toy_dataset, toy_vectors, distilled):
    with pytest.raises(ValueError, match="a 'random' subset has none, use mode='standard'"):
        evaluate(random_subset(toy_dataset, 2), toy_dataset, toy_vectors, mode="replay")
    no_lrs = DistilledSet(data=distilled.data, labels=distilled.labels, class_names=distilled.class_names)
    with pytest.raises(ValueError, match="has 0 for 1 steps"):
        evaluate(no_lrs, toy_dataset, toy_vectors, mode="replay")
    with pytest.raises(ValueError, match="mode='sgd'"):
        evaluate(no_lrs, toy_dataset, toy_vectors, mode="sgd")


def test_step_order_effect(toy_dataset, matrix, distilled):
    effect = step_order_effect(distilled, toy_dataset, matrix, seeds=(0, 1), label="hand")
    assert effect["drop"] == pytest.approx(effect["in_order"].mean - effect["shuffled"].mean)
    assert effect["shuffled"].meta["mode"] == "replay-shuffled" and effect["shuffled"].label == "hand, replay shuffled steps"
    in_order = evaluate(distilled, toy_dataset, matrix, mode="replay", seeds=(0, 1))
    np.testing.assert_array_equal(effect["in_order"].test_acc, in_order.test_acc)
    one_step = DistilledSet(data=distilled.data, labels=distilled.labels, class_names=distilled.class_names,
                            lrs=torch.tensor([0.5]), dataset_fingerprint=toy_dataset.fingerprint)
    assert has_step_order(distilled) and not has_step_order(one_step)
    with pytest.raises(ValueError, match="no order to shuffle"):  # one step has one order
        step_order_effect(one_step, toy_dataset, matrix, seeds=(0,))
    whole = DistilledSet(data=distilled.data, labels=distilled.labels, class_names=distilled.class_names,
                         lrs=torch.full((8,), 0.5), steps=8, dataset_fingerprint=toy_dataset.fingerprint)
    assert not has_step_order(whole)
    with pytest.raises(ValueError, match="per_class >= steps"):  # fewer samples per class than steps: every step
        step_order_effect(whole, toy_dataset, matrix, seeds=(0,))  # trains on the whole set, whatever the order
    with pytest.raises(ValueError, match="no order to shuffle"):  # the mode itself refuses, not only the helper
        evaluate(whole, toy_dataset, matrix, mode="replay-shuffled", seeds=(0,))


def test_step_order_effect_exposes_a_set_that_only_works_in_order(toy_dataset, matrix):
    """Every class: two genuine texts in the even (large-lr) steps, two texts of another class in the odd
    (near-zero lr) ones. In order the mislabelled batches are harmless; shuffled, they get the large rates."""
    ids, labels = toy_dataset.train.token_ids, toy_dataset.train.labels
    order, targets = [], []
    for c in range(3):
        genuine, wrong = np.flatnonzero(labels == c)[:2], np.flatnonzero(labels == (c + 2) % 3)[2:4]
        order += [genuine[0], wrong[0], genuine[1], wrong[1]]  # within-class positions 0, 2 -> batch 0
        targets += [c] * 4
    trap = DistilledSet(data=embed(torch.as_tensor(ids[order]), matrix),
                        labels=torch.nn.functional.one_hot(torch.tensor(targets), 3).float(),
                        class_names=toy_dataset.class_names, lrs=torch.tensor([1.0, 1e-4] * 3), steps=2, replays=3,
                        dataset_fingerprint=toy_dataset.fingerprint)
    effect = step_order_effect(trap, toy_dataset, matrix, seeds=range(4))
    assert effect["drop"] > 0.2
    assert effect["in_order"].test_acc.max() > 0.6 and effect["shuffled"].test_acc.max() < 0.4


def test_patience_stops_a_seed_once_validation_stops_improving(toy_dataset, toy_vectors):
    subset = random_subset(toy_dataset, 4, seed=0)
    long = evaluate(subset, toy_dataset, toy_vectors, seeds=(0,), epochs=30, lr=3e-2)
    stopped = evaluate(subset, toy_dataset, toy_vectors, seeds=(0,), epochs=30, lr=3e-2, patience=2)
    last = stopped.meta["stopped_epochs"][0]
    best = int(long.val_acc[0].argmax())
    assert last < 30 and last - 1 - int(stopped.val_acc[0, :last].argmax()) == 2  # 2 evaluations without a gain
    np.testing.assert_allclose(stopped.val_acc[0, :last], long.val_acc[0, :last])  # same run until it stops
    assert (stopped.val_acc[0, last:] == stopped.val_acc[0, last - 1]).all()  # later columns repeat the last score
    assert stopped.selected_epochs[0] <= best + 1
    with pytest.raises(ValueError, match="patience must be positive"):
        evaluate(subset, toy_dataset, toy_vectors, seeds=(0,), epochs=2, patience=0)
