"""The synthetic set: initialisations, learning-rate range, label distributions, real batches."""

from __future__ import annotations

import pytest
import torch

from textdistill_lab.distill import DistillConfig
from textdistill_lab.distill.synthetic import (
    DistillContext, SyntheticSet, _softplus_inverse, initial_data, word_norm_quantile,
)
from textdistill_lab.models import embed, make_model


@pytest.fixture(scope="module")
def toy_tensors(toy_dataset, toy_vectors):
    matrix, _ = toy_vectors.embedding_for(toy_dataset.vocab)
    return (torch.as_tensor(toy_dataset.train.token_ids), torch.as_tensor(toy_dataset.train.labels),
            torch.as_tensor(matrix))


def make_set(data=None, classes=None, **kw) -> SyntheticSet:
    data = torch.randn(6, 10, 16) if data is None else data
    classes = torch.arange(6) % 3 if classes is None else classes
    options = dict(inner_steps=4, lr_init=0.05, lr_min=1e-3, lr_max=0.5) | kw
    return SyntheticSet(data, classes, 3, **options)


@pytest.mark.parametrize("value", [1e-4, 0.01, 0.3, 5.0, 40.0])
def test_softplus_inverse_round_trips(value):
    assert float(torch.nn.functional.softplus(torch.tensor(_softplus_inverse(value), dtype=torch.float64))) == \
        pytest.approx(value, rel=1e-9)


def test_learning_rates_start_at_lr_init_and_projection_keeps_them_in_range():
    synthetic = make_set()
    assert torch.allclose(synthetic.lrs(), torch.full((4,), 0.05))
    with torch.no_grad():
        synthetic.raw_lrs.copy_(torch.tensor([-50.0, 0.0, 3.0, 50.0]))
    synthetic.project_()
    lrs = synthetic.lrs()
    assert float(lrs.detach().min()) == pytest.approx(1e-3, rel=1e-5) and float(lrs.detach().max()) == pytest.approx(0.5, rel=1e-5)
    # After projection the clamp is inactive at the bounds' inside: gradients still reach every rate.
    lrs.sum().backward()
    assert torch.all(synthetic.raw_lrs.grad > 0)


def test_projection_shortens_only_the_token_vectors_above_the_bound():
    data = torch.zeros(2, 3, 4)
    data[0, 0] = torch.tensor([3.0, 4.0, 0.0, 0.0])  # length 5: shortened to 2, same direction
    data[1, 2] = torch.tensor([0.0, 0.0, 1.0, 1.0])  # length 1.41: left alone, as are the zero rows
    synthetic = make_set(data, torch.tensor([0, 1]), max_token_norm=2.0)
    synthetic.project_()
    expected = data.clone()
    expected[0, 0] = torch.tensor([1.2, 1.6, 0.0, 0.0])
    assert torch.allclose(synthetic.data.detach(), expected)
    unbounded = make_set(data, torch.tensor([0, 1]))
    unbounded.project_()
    assert torch.equal(unbounded.data.detach(), data)


def test_word_norm_quantile_ignores_padding_rows():
    embedding = torch.tensor([[0.0, 0.0], [1.0, 0.0], [0.0, 2.0], [3.0, 4.0]])  # lengths 0 (padding), 1, 2, 5
    assert word_norm_quantile(embedding, 0.5) == pytest.approx(2.0)
    assert word_norm_quantile(embedding, 1.0) == pytest.approx(5.0)


def test_parameters_follow_the_options():
    assert [t.shape for t in make_set().parameters()] == [(6, 10, 16), (4,)]
    assert len(make_set(learn_lr=False).parameters()) == 1
    with_labels = make_set(learn_labels=True)
    assert [t.shape for t in with_labels.parameters()] == [(6, 10, 16), (4,), (6, 3)]


def test_soft_labels_start_near_one_hot_and_stay_a_distribution_under_updates():
    synthetic = make_set(learn_labels=True)
    labels = synthetic.labels()
    assert torch.equal(labels.argmax(dim=1), synthetic.classes)
    assert torch.allclose(labels.max(dim=1).values, torch.full((6,), 0.9))
    optimizer = torch.optim.Adam(synthetic.parameters(), lr=1.0)
    for _ in range(20):  # push hard in random directions
        optimizer.zero_grad()
        (synthetic.labels() * torch.randn(6, 3)).sum().backward()
        optimizer.step()
    labels = synthetic.labels()
    assert torch.all(labels >= 0)
    assert torch.allclose(labels.sum(dim=1), torch.ones(6), atol=1e-6)


def test_fixed_labels_are_one_hot_without_gradient():
    synthetic = make_set()
    assert torch.equal(synthetic.labels(), torch.nn.functional.one_hot(synthetic.classes, 3).float())
    assert not synthetic.labels().requires_grad


def test_snapshot_and_load_restore_values_in_place():
    synthetic = make_set(learn_labels=True)
    saved = synthetic.snapshot()
    data_ref = synthetic.data
    with torch.no_grad():
        synthetic.data.add_(1.0)
        synthetic.label_logits.mul_(0.0)
    synthetic.load_tensors_(saved)
    assert synthetic.data is data_ref
    assert all(torch.equal(a, b) for a, b in zip(synthetic.snapshot().values(), saved.values()))


def test_to_distilled_set_carries_labels_and_rates():
    distilled = make_set().to_distilled_set(["a", "b", "c"], steps=2, replays=2, method="bptt")
    assert distilled.data.shape == (6, 10, 16) and distilled.labels.shape == (6, 3)
    assert torch.allclose(distilled.lrs, torch.full((4,), 0.05))
    assert make_set().to_distilled_set(["a", "b", "c"], steps=2, replays=2, with_lrs=False).lrs.numel() == 0


def test_real_init_copies_embedded_training_texts(toy_tensors):
    ids, labels, matrix = toy_tensors
    data, classes = initial_data("real", ids, labels, matrix, 3, 4, torch.Generator().manual_seed(0))
    assert data.shape == (12, 10, 16) and classes.tolist() == [0] * 4 + [1] * 4 + [2] * 4
    every_text = embed(ids, matrix)
    for sample, cls in zip(data, classes):
        match = (every_text == sample).flatten(1).all(dim=1).nonzero().flatten()
        assert len(match) >= 1 and int(labels[match[0]]) == int(cls)


def test_noise_and_class_mean_inits(toy_tensors):
    ids, labels, matrix = toy_tensors
    noise, _ = initial_data("noise", ids, labels, matrix, 3, 50, torch.Generator().manual_seed(0))
    assert float(noise.std()) == pytest.approx(float(matrix[1:].std()), rel=0.05)
    means, classes = initial_data("class-mean", ids, labels, matrix, 3, 2, torch.Generator().manual_seed(0))
    true_mean = embed(ids[labels == 2], matrix).mean(dim=0)
    assert float((means[classes == 2] - true_mean).abs().max()) < 0.5 * float(matrix[1:].std())
    assert not torch.equal(means[4], means[5])


def test_init_refuses_too_many_per_class_and_unknown_names(toy_tensors):
    ids, labels, matrix = toy_tensors
    with pytest.raises(ValueError, match="lower per_class"):
        initial_data("real", ids, labels, matrix, 3, 1000, torch.Generator())
    with pytest.raises(ValueError, match="unknown init 'zeros'"):
        initial_data("zeros", ids, labels, matrix, 3, 2, torch.Generator())
    with pytest.raises(ValueError, match="class 3 has no training samples"):
        initial_data("noise", ids, labels, matrix, 4, 2, torch.Generator())


def test_context_draws_real_batches_and_initialisations_from_its_generator(toy_tensors):
    ids, labels, matrix = toy_tensors
    config = DistillConfig(per_class=2, real_batch=32)

    def context(seed: int) -> DistillContext:
        synthetic = make_set()
        return DistillContext(config, make_model("textcnn", 16, 3), synthetic, ids, labels, matrix,
                              torch.Generator().manual_seed(seed), torch.device("cpu"))

    a, b = context(0), context(0)
    pa, pb = a.initial_params(), b.initial_params()
    assert all(torch.equal(pa[k], pb[k]) and pa[k].requires_grad for k in pa)
    assert not torch.equal(a.initial_params()["classifier.weight"], pa["classifier.weight"])  # fresh each step
    b.initial_params()
    xa, ya = a.real_batch()
    xb, yb = b.real_batch()
    assert xa.shape == (32, 10, 16) and torch.equal(xa, xb) and torch.equal(ya, yb)
    assert set(a.real_batch(8, cls=1)[1].tolist()) == {1}
    assert len(a.real_batch(10_000)[1]) == len(labels)  # capped at the pool
