"""Validation during distillation: train fresh networks on the synthetic set, score them on real text.

This is what keep-best selects on, so it trains the way the set will be used:

- ``bptt`` sets carry learned learning rates: :func:`replay_accuracy` replays the learned steps
  with them (the paper's protocol).
- The matching methods learn data only: :func:`standard_accuracy` trains on it like any small
  dataset, shuffled minibatches with Adam (the evaluator's ``standard`` mode; both use
  :func:`~textdistill_lab.training.standard_epoch`). Replaying their unlearned ``lr_init`` steps
  trains almost nothing, so every set would score near chance and keep-best would return the
  initial one.

Both train from a few initialisations that stay the same for the whole run (and shuffle with fixed
seeds), without a graph, so scores at different outer steps are comparable.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from ..training import (
    STANDARD_BATCH_SIZE, STANDARD_EPOCHS, STANDARD_LR, Batch, Params, accuracy, replay_schedule, standard_epoch, train_steps,
)


def replay_accuracy(
    model: nn.Module,
    data: torch.Tensor,
    labels: torch.Tensor,
    lrs: torch.Tensor,
    inits: Sequence[Params],
    *,
    steps: int,
    replays: int,
    mode: str,
    token_ids: torch.Tensor,
    targets: torch.Tensor,
    embedding: torch.Tensor,
) -> float:
    """Mean accuracy over ``inits`` of networks trained by replaying the synthetic set.

    ``data`` ``(M, tokens, dim)``, ``labels`` ``(M, classes)``, ``lrs`` ``(T,)``; scored on real
    texts ``token_ids`` ``(N, tokens)`` with classes ``targets`` ``(N,)``.
    """
    batches = replay_schedule(data.detach(), labels.detach(), steps, replays, mode)
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
