"""The three hypergradient back-ends compute the same numbers, and those numbers are right."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from textdistill_lab.distill.bptt import hypergradient
from textdistill_lab.training import replay_schedule
from textdistill_lab.models import init_params, make_model

CLASSES, TOKENS, DIM, SAMPLES = 3, 8, 6, 6


def problem(steps: int = 2, replays: int = 2, lr: float = 0.3, seed: int = 0):
    """A small float64 bi-level problem with learnable data, label logits and raw learning rates."""
    gen = torch.Generator().manual_seed(seed)
    model = make_model("textcnn", DIM, CLASSES).double()
    params0 = {k: v.double() for k, v in init_params("textcnn", DIM, CLASSES, seed).items()}
    data = torch.randn(SAMPLES, TOKENS, DIM, generator=gen, dtype=torch.float64).requires_grad_()
    logits = (3.0 * F.one_hot(torch.arange(SAMPLES) % CLASSES, CLASSES).double()).requires_grad_()
    raw = torch.full((steps * replays,), float(torch.log(torch.expm1(torch.tensor(lr)))), dtype=torch.float64)
    raw.requires_grad_()
    real_x = torch.randn(20, TOKENS, DIM, generator=gen, dtype=torch.float64)
    real_y = torch.randint(0, CLASSES, (20,), generator=gen)

    def run(backend: str, k: int | None = None, leaves=(data, logits, raw)):
        d, lg, r = leaves
        labels, lrs = torch.softmax(lg, dim=1), F.softplus(r)
        batches = replay_schedule(d, labels, steps, replays)
        loss, grads = hypergradient(backend, model, params0, batches, lrs, real_x, real_y, [d, labels, lrs], truncate_k=k)
        leaf_grads = torch.autograd.grad([d, labels, lrs], [d, lg, r], grad_outputs=grads)
        return loss, leaf_grads

    return run, (data, logits, raw)


def rel_err(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).norm() / b.norm())


def test_backgradient_matches_unroll_to_1e4():
    run, _ = problem(steps=3, replays=2)
    loss_u, grads_u = run("unroll")
    loss_b, grads_b = run("backgradient")
    assert float(loss_u) == pytest.approx(float(loss_b), rel=1e-12)
    for name, gu, gb in zip(("data", "label logits", "raw lrs"), grads_u, grads_b):
        assert gu.norm() > 0, name
        assert rel_err(gb, gu) < 1e-4, name


def test_truncated_with_k_equal_t_is_unroll_and_smaller_k_is_not():
    run, _ = problem()
    _, grads_u = run("unroll")
    _, grads_full = run("truncated", 4)
    for gu, gt in zip(grads_u, grads_full):
        assert torch.allclose(gu, gt, rtol=1e-12, atol=1e-14)
    _, grads_short = run("truncated", 1)
    assert rel_err(grads_short[0], grads_u[0]) > 1e-3
    # With K = 1 only the last step's learning rate can matter to the loss.
    assert torch.all(grads_short[2][:-1] == 0) and grads_short[2][-1] != 0


@pytest.mark.parametrize("backend", ["unroll", "backgradient"])
def test_hypergradients_match_finite_differences(backend):
    run, (data, logits, raw) = problem(steps=2, replays=1)
    _, grads = run(backend)
    gen = torch.Generator().manual_seed(5)
    eps = 1e-6
    for i, leaf in enumerate((data, logits, raw)):
        direction = torch.randn(leaf.shape, generator=gen, dtype=torch.float64)
        leaves_plus = [t.detach().clone().requires_grad_() for t in (data, logits, raw)]
        leaves_minus = [t.detach().clone().requires_grad_() for t in (data, logits, raw)]
        with torch.no_grad():
            leaves_plus[i] += eps * direction
            leaves_minus[i] -= eps * direction
        numeric = (float(run("unroll", leaves=leaves_plus)[0]) - float(run("unroll", leaves=leaves_minus)[0])) / (2 * eps)
        analytic = float((grads[i] * direction).sum())
        assert analytic == pytest.approx(numeric, rel=1e-5, abs=1e-9)


@pytest.mark.parametrize("backend", ["unroll", "backgradient", "truncated"])
def test_zero_steps_give_zero_data_gradient(backend):
    model = make_model("textcnn", DIM, CLASSES)
    params0 = init_params("textcnn", DIM, CLASSES, 0)
    data = torch.randn(SAMPLES, TOKENS, DIM, requires_grad=True)
    real_x, real_y = torch.randn(10, TOKENS, DIM), torch.randint(0, CLASSES, (10,))
    loss, (grad,) = hypergradient(backend, model, params0, [], torch.empty(0), real_x, real_y, [data], truncate_k=3)
    assert torch.isfinite(loss) and torch.count_nonzero(grad) == 0


@pytest.mark.parametrize("backend", ["unroll", "backgradient"])
def test_zero_learning_rate_gives_zero_data_gradient_but_a_learning_rate_gradient(backend):
    model = make_model("textcnn", DIM, CLASSES)
    params0 = init_params("textcnn", DIM, CLASSES, 0)
    data = torch.randn(SAMPLES, TOKENS, DIM, requires_grad=True)
    labels = F.one_hot(torch.arange(SAMPLES) % CLASSES, CLASSES).float()
    lrs = torch.zeros(2, requires_grad=True)
    real_x, real_y = torch.randn(10, TOKENS, DIM), torch.randint(0, CLASSES, (10,))
    batches = replay_schedule(data, labels, 2, 1)
    _, (g_data, g_lrs) = hypergradient(backend, model, params0, batches, lrs, real_x, real_y, [data, lrs])
    assert torch.count_nonzero(g_data) == 0
    assert torch.all(g_lrs.abs() > 0)  # a learnable learning rate always hears from the outer loss


def test_unknown_backend_and_bad_truncation_are_refused():
    run, _ = problem()
    with pytest.raises(ValueError, match="unknown backend 'magic'"):
        run("magic")
    with pytest.raises(ValueError, match="truncate_k > 0"):
        run("truncated", 0)
