"""Matching methods: losses vanish when synthetic data is the real data, gradients land where they should."""

import numpy as np
import pytest
import torch
from conftest import FILLER, TOPICS

from textdistill_lab.baselines import as_embedding, random_subset
from textdistill_lab.data import build_dataset
from textdistill_lab.distill.config import DistillConfig
from textdistill_lab.distill.distiller import Distiller
from textdistill_lab.distill.matching import distribution_matching, gradient_matching, layer_distance
from textdistill_lab.distill.synthetic import DistillContext, SyntheticSet, initial_data
from textdistill_lab.evaluate import evaluate
from textdistill_lab.models import embed, init_params, make_model


STEPS = {"gradient-matching": gradient_matching, "distribution-matching": distribution_matching}


def make_context(dataset, vectors, *, per_class=2, whole_classes=False, **overrides) -> DistillContext:
    """A context over the toy data; ``whole_classes``: the synthetic set *is* the training set."""
    config = DistillConfig(**{"per_class": per_class, "steps": 2, "match_rounds": 2, "match_net_steps": 2, "real_batch": 10_000, **overrides})
    matrix = as_embedding(vectors, dataset)
    ids, labels = torch.as_tensor(dataset.train.token_ids), torch.as_tensor(dataset.train.labels)
    generator = torch.Generator().manual_seed(0)
    if whole_classes:
        order = torch.argsort(labels, stable=True)
        data, classes = embed(ids[order], matrix), labels[order]
    else:
        data, classes = initial_data("noise", ids, labels, matrix, 3, per_class, generator)
    synthetic = SyntheticSet(data, classes, 3, inner_steps=config.inner_steps, lr_init=config.lr_init,
                             lr_min=config.lr_min, lr_max=config.lr_max)
    return DistillContext(config=config, model=make_model(config.arch, matrix.shape[1], 3), synthetic=synthetic,
                          train_ids=ids, train_labels=labels, embedding=matrix, generator=generator,
                          device=torch.device("cpu"))


def test_layer_distance_is_one_minus_cosine_per_output_unit():
    real = torch.tensor([[1.0, 0.0], [0.0, 2.0]])
    assert float(layer_distance(real, torch.tensor([[3.0, 0.0], [0.0, -1.0]]))) == pytest.approx(0.0 + 2.0)
    assert float(layer_distance(real, torch.tensor([[0.0, 1.0], [0.0, 5.0]]))) == pytest.approx(1.0 + 0.0)
    conv = torch.randn(4, 3, 5)  # (filters, dim, width): one cosine per filter
    assert float(layer_distance(conv, 2.0 * conv)) == pytest.approx(0.0, abs=1e-5)


@pytest.mark.parametrize("method", sorted(STEPS))
def test_loss_vanishes_when_the_synthetic_set_is_the_real_training_set(toy_dataset, toy_vectors, method):
    ctx = make_context(toy_dataset, toy_vectors, whole_classes=True)
    assert float(STEPS[method](ctx, 0)) == pytest.approx(0.0, abs=1e-4)
    noisy = make_context(toy_dataset, toy_vectors)
    assert float(STEPS[method](noisy, 0)) > 0.1


@pytest.mark.parametrize("method", sorted(STEPS))
def test_step_leaves_a_data_gradient_that_lowers_the_loss(toy_dataset, toy_vectors, method):
    """A small step against the gradient lowers the loss under the same networks and real batches."""
    step = STEPS[method]
    ctx = make_context(toy_dataset, toy_vectors, protocol="fixed")  # fixed Θ0 and full real batches: deterministic
    ctx.fixed_params = init_params("textcnn", 16, 3, seed=0)
    before = float(step(ctx, 0))
    grad = ctx.synthetic.data.grad
    assert grad is not None and float(grad.abs().sum()) > 0
    assert ctx.synthetic.raw_lrs.grad is None  # matching learns no inner learning rates
    with torch.no_grad():
        ctx.synthetic.data -= 1e-2 * grad / grad.norm()
    ctx.synthetic.data.grad = None
    assert float(step(ctx, 1)) < before


def test_gradient_matching_trains_the_network_between_rounds(toy_dataset, toy_vectors):
    """With a vanishing match_net_lr every round sees the same θ, so all rounds give the first round's loss."""
    frozen = make_context(toy_dataset, toy_vectors, protocol="fixed", match_net_lr=1e-12)
    moving = make_context(toy_dataset, toy_vectors, protocol="fixed", match_net_lr=0.5)
    theta = init_params("textcnn", 16, 3, seed=0)
    frozen.fixed_params, moving.fixed_params = theta, theta
    one_round = make_context(toy_dataset, toy_vectors, protocol="fixed", match_rounds=1)
    one_round.fixed_params = theta
    first = float(gradient_matching(one_round, 0))
    assert float(gradient_matching(frozen, 0)) == pytest.approx(first, abs=1e-3)
    assert abs(float(gradient_matching(moving, 0)) - first) > 1.0


def test_distribution_matching_is_much_cheaper_than_gradient_matching(toy_dataset, toy_vectors):
    """Work counted, not timed (a wall-clock ratio is flaky under load): texts through the network per step."""

    def texts_per_step(step) -> int:
        ctx = make_context(toy_dataset, toy_vectors, per_class=5, real_batch=60)
        texts: list[int] = []
        hook = ctx.model.convs[0].register_forward_hook(lambda module, inputs, output: texts.append(len(inputs[0])))
        try:
            step(ctx, 0)
        finally:
            hook.remove()
        return sum(texts)

    dm, gm = texts_per_step(distribution_matching), texts_per_step(gradient_matching)
    assert 0 < dm < 0.5 * gm, (dm, gm)  # and gradient matching also differentiates twice


@pytest.fixture(scope="module")
def mixed_dataset():
    """Toy topics where every text also carries a word of another topic: one real text is a poor
    stand-in for its class, so a 1-per-class random subset is weak."""
    rng = np.random.default_rng(0)
    names, texts, labels = list(TOPICS), [], []
    for label, name in enumerate(names):
        for _ in range(80):
            other = names[(label + rng.integers(1, 3)) % 3]
            words = [*rng.choice(TOPICS[name], size=2), *rng.choice(TOPICS[other], size=1), *rng.choice(FILLER, size=5)]
            rng.shuffle(words)
            texts.append(" ".join(words))
            labels.append(label)
    return build_dataset("mixed", texts, labels, names, max_len=10, seed=0)


EVAL = dict(seeds=(0, 1, 2), epochs=20)


@pytest.fixture(scope="module")
def best_random_subset(mixed_dataset, toy_vectors) -> float:
    return max(evaluate(random_subset(mixed_dataset, 1, seed=s), mixed_dataset, toy_vectors, **EVAL).mean for s in range(5))


@pytest.mark.parametrize("method, outer_steps", [("distribution-matching", 30), ("gradient-matching", 15)])
def test_matching_from_noise_beats_every_random_subset(mixed_dataset, toy_vectors, best_random_subset, method, outer_steps):
    """Keep-best validates matching sets by standard training (they learn no rates), so with the
    default lr_init the kept set is a learned one, not the initial noise."""
    config = DistillConfig(method=method, per_class=1, init="noise", outer_steps=outer_steps, validate_every=5, steps=2,
                           match_net_steps=2, real_batch=60, outer_lr=0.05, seed=0)
    distiller = Distiller(config)
    distilled = distiller.fit(mixed_dataset, toy_vectors, progress=False)
    assert distilled.method == method and distilled.num_samples == 3
    assert distiller.best_step_ > 0
    ids, labels = torch.as_tensor(mixed_dataset.train.token_ids), torch.as_tensor(mixed_dataset.train.labels)
    start, _ = initial_data("noise", ids, labels, as_embedding(toy_vectors, mixed_dataset), 3, 1, torch.Generator().manual_seed(0))
    assert (distilled.data - start).abs().max() > 0.1
    assert evaluate(distilled, mixed_dataset, toy_vectors, **EVAL).mean > best_random_subset + 0.1


@pytest.mark.parametrize("rounds", [1, 3])
def test_gradient_matching_matches_each_class_once_per_round(toy_dataset, toy_vectors, monkeypatch, rounds):
    import textdistill_lab.distill.matching as matching

    calls = []
    real_distance = matching._gradient_distance
    monkeypatch.setattr(matching, "_gradient_distance", lambda *a: calls.append(a[-1]) or real_distance(*a))
    gradient_matching(make_context(toy_dataset, toy_vectors, match_rounds=rounds), 0)
    assert calls == list(range(3)) * rounds


def test_match_rounds_must_be_positive():
    with pytest.raises(ValueError, match="match_rounds must be from 1 to"):
        DistillConfig(match_rounds=0)
