"""Matching methods: learn synthetic data without unrolling training, by matching real data's signals.

Both plug into the shared outer loop as one *outer step* each (see :mod:`.synthetic`): they leave
the gradient of their matching loss in the synthetic set's ``.grad`` and return the loss.

- **Gradient matching** (Zhao, Mopuri & Bilen 2021, "Dataset Condensation with Gradient
  Matching"): a network trained on synthetic data should move the way it would on real data, so
  per class, the gradient of the loss on a synthetic batch should point where the real batch's
  gradient points. Along the way the network itself is trained on the synthetic data, so the match
  is made at the points of a training trajectory, not only at initialisation.
- **Distribution matching** (Zhao & Bilen 2023, "Dataset Condensation with Distribution
  Matching"): per class, the mean penultimate feature of synthetic samples should equal the real
  one, under randomly initialised networks. No second-order gradients: a step is a few forwards.
"""

from __future__ import annotations

import math
import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call

from ..training import Params, soft_cross_entropy, train_steps
from .synthetic import DistillContext

def gradient_matching(ctx: DistillContext, step: int) -> torch.Tensor:
    """One outer step of gradient matching; returns the mean matching loss over the rounds.

    From a Θ0 (fresh under the ``random`` protocol), ``config.match_rounds`` rounds: match the per-class
    gradients at the current θ, then train θ for ``match_net_steps`` SGD steps of size
    ``match_net_lr`` on the (detached) synthetic set. Each round's loss is backpropagated at once,
    so memory holds one round's graph; the gradients add up in ``.grad`` for one Adam update.
    """
    config, synthetic = ctx.config, ctx.synthetic
    params = ctx.initial_params()
    rounds = config.match_rounds
    net_lrs = torch.full((config.match_net_steps,), config.match_net_lr, device=ctx.device)
    total = 0.0
    for round_ in range(rounds):
        data, labels = synthetic.data, synthetic.labels()
        loss = sum(
            _gradient_distance(ctx, params, data[synthetic.classes == c], labels[synthetic.classes == c], c)
            for c in range(ctx.num_classes)
        )
        (loss / rounds).backward()
        total += float(loss.detach()) / rounds
        if round_ < rounds - 1:
            batch = [(data.detach(), labels.detach())] * config.match_net_steps
            params = train_steps(ctx.model, params, batch, net_lrs, create_graph=False)
            params = {name: p.requires_grad_() for name, p in params.items()}
    return torch.tensor(total)


def distribution_matching(ctx: DistillContext, step: int) -> torch.Tensor:
    """One outer step of distribution matching under one randomly initialised network.

    Every outer step draws a new network (``random`` protocol), so over a run the synthetic set is
    matched under as many random networks as there are steps, as in Zhao & Bilen (2023).
    """
    synthetic = ctx.synthetic
    params = {name: p.detach() for name, p in ctx.initial_params().items()}
    features = _PenultimateFeatures(ctx.model)
    weights = {f"model.{name}": p for name, p in params.items()}
    loss = torch.zeros((), device=ctx.device)
    for c in range(ctx.num_classes):
        real_x, _ = ctx.real_batch(_real_per_class(ctx), cls=c)
        with torch.no_grad():
            real_mean = functional_call(features, weights, (real_x,)).mean(dim=0)  # (features,)
        synthetic_mean = functional_call(features, weights, (synthetic.data[synthetic.classes == c],)).mean(dim=0)
        loss = loss + (real_mean - synthetic_mean).pow(2).sum()
    loss.backward()
    return loss.detach()


def layer_distance(real_grad: torch.Tensor, synthetic_grad: torch.Tensor) -> torch.Tensor:
    """Zhao et al.'s layer-wise distance: sum over output units of 1 − cosine of their gradient rows.

    A weight gradient ``(out, ...)`` is read as ``out`` vectors, one per output unit (a filter of a
    convolution, a row of a linear layer), so each unit's direction counts, not the layer's norm.
    """
    real, synthetic = real_grad.flatten(1), synthetic_grad.flatten(1)
    return (1.0 - F.cosine_similarity(real, synthetic, dim=1, eps=1e-8)).sum()


def _gradient_distance(
    ctx: DistillContext, params: Params, data: torch.Tensor, labels: torch.Tensor, cls: int
) -> torch.Tensor:
    """Distance between class ``cls``'s real and synthetic gradients w.r.t. the weight matrices.

    Biases are left out, as in Zhao et al. (2021): their gradients are one number per unit, so a
    cosine per unit carries no direction.
    """
    names = [name for name, p in params.items() if p.ndim > 1]
    weights = [params[name] for name in names]
    real_x, real_y = ctx.real_batch(_real_per_class(ctx), cls=cls)
    real_loss = F.cross_entropy(functional_call(ctx.model, params, (real_x,)), real_y)
    real_grads = torch.autograd.grad(real_loss, weights)
    synthetic_loss = soft_cross_entropy(functional_call(ctx.model, params, (data,)), labels)
    synthetic_grads = torch.autograd.grad(synthetic_loss, weights, create_graph=True)
    return sum(layer_distance(r.detach(), s) for r, s in zip(real_grads, synthetic_grads))


def _real_per_class(ctx: DistillContext) -> int:
    """The outer batch of ``config.real_batch`` real texts, spread evenly over the classes."""
    return max(1, math.ceil(ctx.config.real_batch / ctx.num_classes))


class _PenultimateFeatures(nn.Module):
    """Wraps a classifier so ``functional_call`` runs its ``features`` (the layer before the logits)."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model.features(x)
