"""Validation during distillation: train fresh networks on the synthetic set, score them on real text.

This is what keep-best selects on. It replays the learned steps and learning rates (the paper's
protocol) without a graph, from a few initialisations that stay the same for the whole run, so
scores at different outer steps are comparable.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn
from torch.func import functional_call

from ..models import embed
from .inner import Params, replay_schedule, train_steps

EVAL_CHUNK = 1024  # texts per forward pass when scoring


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
