"""The inner loop: class-balanced replay batches and plain, differentiable SGD steps."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch.func import functional_call

from textdistill_lab.training import replay_schedule, sgd_step, soft_cross_entropy, stalled, step_batches, train_steps
from textdistill_lab.models import init_params, make_model


def synthetic(per_class: int, classes: int = 3) -> tuple[torch.Tensor, torch.Tensor]:
    hard = torch.arange(classes).repeat_interleave(per_class)
    data = torch.arange(len(hard), dtype=torch.float32).reshape(-1, 1, 1).expand(-1, 5, 4).contiguous()
    return data, F.one_hot(hard, classes).float()


def test_soft_cross_entropy_with_one_hot_is_the_usual_loss():
    logits = torch.randn(7, 4, generator=torch.Generator().manual_seed(0))
    target = torch.tensor([0, 3, 1, 1, 2, 0, 3])
    assert float(soft_cross_entropy(logits, F.one_hot(target, 4).float())) == pytest.approx(
        float(F.cross_entropy(logits, target)), rel=1e-6)
    uniform = torch.full((7, 4), 0.25)
    assert float(soft_cross_entropy(logits, uniform)) == pytest.approx(float(-torch.log_softmax(logits, 1).mean()), rel=1e-6)


def test_step_batches_are_class_balanced_and_cover_the_set_once():
    data, labels = synthetic(per_class=4)
    batches = step_batches(data, labels, steps=2)
    assert len(batches) == 2
    for x, y in batches:
        assert y.sum(dim=0).tolist() == [2.0, 2.0, 2.0]
    seen = torch.cat([x[:, 0, 0] for x, _ in batches]).sort().values
    assert torch.equal(seen, torch.arange(12, dtype=torch.float32))


def test_fewer_samples_than_steps_uses_the_whole_set_every_step():
    data, labels = synthetic(per_class=1)
    batches = step_batches(data, labels, steps=4)
    assert len(batches) == 4 and all(torch.equal(x, data) for x, _ in batches)


def test_replay_schedule_orders_replays_and_full_batch_mode():
    data, labels = synthetic(per_class=4)
    schedule = replay_schedule(data, labels, steps=2, replays=3)
    assert len(schedule) == 6 and torch.equal(schedule[0][0], schedule[2][0]) and torch.equal(schedule[1][0], schedule[5][0])
    full = replay_schedule(data, labels, steps=2, replays=3, mode="full-batch")
    assert len(full) == 6 and all(torch.equal(x, data) for x, _ in full)


def test_sgd_step_is_theta_minus_lr_times_gradient():
    model = make_model("meanpool-mlp", 4, 3)
    params = init_params("meanpool-mlp", 4, 3, 0)
    data, labels = synthetic(per_class=2)
    loss = soft_cross_entropy(functional_call(model, params, (data,)), labels)
    grads = torch.autograd.grad(loss, list(params.values()))
    new = sgd_step(model, params, (data, labels), torch.tensor(0.1), create_graph=False)
    for (name, p), g in zip(params.items(), grads):
        assert torch.allclose(new[name], p - 0.1 * g)
        assert not new[name].requires_grad
    lr = torch.tensor(0.1, requires_grad=True)
    differentiable = sgd_step(model, params, (data, labels), lr, create_graph=True)
    (d_lr,) = torch.autograd.grad(sum(v.sum() for v in differentiable.values()), lr)
    assert float(d_lr) == pytest.approx(-float(sum(g.sum() for g in grads)), rel=1e-5)


def test_train_steps_needs_one_rate_per_batch():
    model = make_model("meanpool-mlp", 4, 3)
    data, labels = synthetic(per_class=2)
    with pytest.raises(ValueError, match="2 batches but 3 learning rates"):
        train_steps(model, init_params("meanpool-mlp", 4, 3, 0), [(data, labels)] * 2, torch.ones(3), create_graph=False)
    same = train_steps(model, init_params("meanpool-mlp", 4, 3, 0), [], torch.empty(0), create_graph=False)
    assert all(torch.equal(same[k], v) for k, v in init_params("meanpool-mlp", 4, 3, 0).items())


@pytest.mark.parametrize(("val_acc", "patience", "stop"), [
    ([0.5], 1, False),
    ([0.5, 0.4], 1, True),
    ([0.5, 0.6, 0.6, 0.6], 2, True),  # a tie is no improvement: the first epoch at the best counts
    ([0.5, 0.6, 0.6], 2, False),
    ([0.5, 0.4, 0.7], 2, False),  # the clock restarts at every new best
])
def test_early_stopping_waits_patience_epochs_after_the_first_best(val_acc, patience, stop):
    assert stalled(val_acc, patience) is stop
