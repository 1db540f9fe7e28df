"""Validation during distillation: train fresh networks on the synthetic set, score them on real text.

This is what keep-best selects on, so it trains the way the set will be used:

- ``bptt`` sets carry learned learning rates: :func:`replay_accuracy` replays the learned steps
  with them (the paper's protocol).
- The matching methods learn data only: :func:`standard_accuracy` trains on it like any small
  dataset, shuffled minibatches with Adam (the evaluator's ``standard`` mode, which shares
  :func:`standard_epoch`). Replaying their unlearned ``lr_init`` steps trains almost nothing, so
  every set would score near chance and keep-best would return the initial one.

Both train from a few initialisations that stay the same for the whole run (and shuffle with fixed
seeds), without a graph, so scores at different outer steps are comparable.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn
from torch.func import functional_call

from ..models import embed
from .inner import Batch, Params, replay_schedule, soft_cross_entropy, train_steps

EVAL_CHUNK = 1024  # texts per forward pass when scoring
# Standard training of a small set: the evaluator's defaults for mode="standard", and validation's.
STANDARD_EPOCHS = 30
STANDARD_BATCH_SIZE = 64
STANDARD_LR = 1e-3


@torch.no_grad()
def accuracy(
    model: nn.Module, params: Params, token_ids: torch.Tensor, labels: torch.Tensor, embedding: torch.Tensor
) -> float:
    """Share of texts ``(N, tokens)`` whose predicted class equals ``labels`` ``(N,)``."""
    correct = 0
    for start in range(0, len(labels), EVAL_CHUNK):
        x = embed(token_ids[start : start + EVAL_CHUNK], embedding)
        pred = functional_call(model, params, (x,)).argmax(dim=1)
        correct += int((pred == labels[start : start + EVAL_CHUNK]).sum())
    return correct / max(1, len(labels))


def standard_epoch(
    model: nn.Module,
    params: Params,
    optimizer: torch.optim.Optimizer,
    batch: Callable[[torch.Tensor], Batch],
    size: int,
    batch_size: int,
    generator: torch.Generator,
) -> None:
    """One epoch of shuffled minibatches: ``optimizer`` updates the leaf tensors of ``params`` in place.

    ``batch(indices)`` returns the embedded examples ``(b, tokens, dim)`` and label distributions
    ``(b, classes)`` of ``indices`` into a training set of ``size`` examples.
    """
    order = torch.randperm(size, generator=generator)
    for start in range(0, size, batch_size):
        x, y = batch(order[start : start + batch_size])
        loss = soft_cross_entropy(functional_call(model, params, (x,)), y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()


def replay_accuracy(
    model: nn.Module,
    data: torch.Tensor,
    labels: torch.Tensor,
    lrs: torch.Tensor,
    inits: Sequence[Params],
    *,
    steps: int,
    epochs: int,
    mode: str,
    token_ids: torch.Tensor,
    targets: torch.Tensor,
    embedding: torch.Tensor,
) -> float:
    """Mean accuracy over ``inits`` of networks trained by replaying the synthetic set.

    ``data`` ``(M, tokens, dim)``, ``labels`` ``(M, classes)``, ``lrs`` ``(T,)``; scored on real
    texts ``token_ids`` ``(N, tokens)`` with classes ``targets`` ``(N,)``.
    """
    batches = replay_schedule(data.detach(), labels.detach(), steps, epochs, mode)
    scores = []
    for params0 in inits:
        with torch.enable_grad():
            params = train_steps(model, params0, batches, lrs.detach(), create_graph=False)
        scores.append(accuracy(model, params, token_ids, targets, embedding))
    return sum(scores) / len(scores)


def standard_accuracy(
    model: nn.Module,
    data: torch.Tensor,
    labels: torch.Tensor,
    inits: Sequence[Params],
    *,
    token_ids: torch.Tensor,
    targets: torch.Tensor,
    embedding: torch.Tensor,
    epochs: int = STANDARD_EPOCHS,
    batch_size: int = STANDARD_BATCH_SIZE,
    lr: float = STANDARD_LR,
) -> float:
    """Mean accuracy over ``inits`` of networks trained on the synthetic set with Adam for ``epochs``.

    Shapes as in :func:`replay_accuracy`. The ``i``-th init shuffles with seed ``i``, so the same
    set always gets the same score; ``inits`` are copied, never changed.
    """
    data, labels = data.detach(), labels.detach()

    def batch(indices: torch.Tensor) -> Batch:
        indices = indices.to(data.device)
        return data[indices], labels[indices]

    scores = []
    for i, params0 in enumerate(inits):
        params = {name: p.detach().clone().requires_grad_() for name, p in params0.items()}
        optimizer = torch.optim.Adam(params.values(), lr=lr)
        generator = torch.Generator().manual_seed(i)
        with torch.enable_grad():
            for _ in range(epochs):
                standard_epoch(model, params, optimizer, batch, len(labels), batch_size, generator)
        scores.append(accuracy(model, params, token_ids, targets, embedding))
    return sum(scores) / len(scores)
