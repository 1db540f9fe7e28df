"""The inner loop (Eq. 1-2): plain SGD on synthetic data, written as a pure function of params.

Because nothing mutates a module, the same code serves three purposes: differentiable unrolling
(``create_graph=True``), the back-gradient reverse pass, and the evaluator's ``replay`` mode.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn
from torch.func import functional_call

Params = dict[str, torch.Tensor]
Batch = tuple[torch.Tensor, torch.Tensor]  # (samples, tokens, dim), (samples, classes) label distribution


def soft_cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Cross-entropy against a label distribution ``(batch, classes)`` (one-hot = the usual loss)."""
    return -(targets * torch.log_softmax(logits, dim=-1)).sum(dim=-1).mean()


def step_batches(data: torch.Tensor, labels: torch.Tensor, steps: int) -> list[Batch]:
    """Cut the synthetic set into ``steps`` class-balanced batches (the paper's released code).

    Sample ``i`` goes to batch ``i % steps`` within its class, so every batch sees every class when
    ``per_class >= steps``. With fewer samples per class than steps, every step uses the whole set.
    """
    hard = labels.argmax(dim=1)
    per_class = int(torch.bincount(hard).min())
    if per_class < steps:
        return [(data, labels)] * steps
    position = torch.empty_like(hard)
    for cls in hard.unique():
        members = (hard == cls).nonzero().flatten()
        position[members] = torch.arange(len(members), device=hard.device)
    groups = [(position % steps == s).nonzero().flatten() for s in range(steps)]
    return [(data[g], labels[g]) for g in groups]


def replay_schedule(data: torch.Tensor, labels: torch.Tensor, steps: int, epochs: int, mode: str = "replay") -> list[Batch]:
    """The T = ``steps * epochs`` batches of the inner loop, in order."""
    if mode == "full-batch":
        return [(data, labels)] * (steps * epochs)
    return step_batches(data, labels, steps) * epochs


def sgd_step(model: nn.Module, params: Params, batch: Batch, lr: torch.Tensor, *, create_graph: bool) -> Params:
    """One SGD step θ ← θ − η ∇θ ℓ(x̃, ỹ; θ) (Eq. 1), differentiable when ``create_graph``."""
    x, y = batch
    if not create_graph:  # plain training: no graph is kept between steps
        params = {name: p.detach().requires_grad_() for name, p in params.items()}
    loss = soft_cross_entropy(functional_call(model, params, (x,)), y)
    grads = torch.autograd.grad(loss, list(params.values()), create_graph=create_graph)
    new = {name: p - lr * g for (name, p), g in zip(params.items(), grads)}
    return new if create_graph else {name: p.detach() for name, p in new.items()}


def train_steps(
    model: nn.Module, params: Params, batches: Sequence[Batch], lrs: torch.Tensor, *, create_graph: bool
) -> Params:
    """Apply ``len(batches)`` SGD steps with per-step learning rates ``lrs`` ``(T,)``; return θ_T."""
    if len(batches) != len(lrs):
        raise ValueError(f"{len(batches)} batches but {len(lrs)} learning rates")
    for batch, lr in zip(batches, lrs):
        params = sgd_step(model, params, batch, lr, create_graph=create_graph)
    return params
