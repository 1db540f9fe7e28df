"""Training a network on a small set: the inner SGD loop (Eq. 1-2) and standard minibatch training.

Parameters are plain dicts passed to ``torch.func.functional_call``, so nothing mutates a module.
The same SGD step serves differentiable unrolling (``create_graph=True``), the back-gradient reverse
pass, the evaluator's ``replay`` mode and validation during distillation; the minibatch epoch
serves the evaluator's ``standard`` mode and validation of the matching methods.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn
from torch.func import functional_call

from .models import embed

Params = dict[str, torch.Tensor]
Batch = tuple[torch.Tensor, torch.Tensor]  # (samples, tokens, dim), (samples, classes) label distribution

EVAL_CHUNK = 1024  # texts per forward pass when scoring
# Standard training of a small set: the evaluator's defaults for mode="standard", and validation's.
STANDARD_EPOCHS = 30
STANDARD_BATCH_SIZE = 64
STANDARD_LR = 1e-3


def stalled(val_acc: Sequence[float], patience: int) -> bool:
    """Early stopping's rule, shared by every loop that stops on validation: the best accuracy so far
    (the first epoch that reached it) is ``patience`` or more epochs old."""
    return len(val_acc) - 1 - list(val_acc).index(max(val_acc)) >= patience


def soft_cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Cross-entropy against a label distribution ``(batch, classes)`` (one-hot = the usual loss)."""
    return -(targets * torch.log_softmax(logits, dim=-1)).sum(dim=-1).mean()


# -- the inner loop (Eq. 1-2) ---------------------------------------------------------------------


def step_batches(data: torch.Tensor, labels: torch.Tensor, steps: int) -> list[Batch]:
    """Cut the synthetic set into ``steps`` class-balanced batches (the paper's released code).

    Sample ``i`` goes to batch ``i % steps`` within its class, so every batch sees every class when
    ``per_class >= steps``. With fewer samples per class than steps, every step uses the whole set.
    """
    if every_step_uses_whole_set(labels, steps):
        return [(data, labels)] * steps
    hard = labels.argmax(dim=1)
    position = torch.empty_like(hard)
    for cls in hard.unique():
        members = (hard == cls).nonzero().flatten()
        position[members] = torch.arange(len(members), device=hard.device)
    groups = [(position % steps == s).nonzero().flatten() for s in range(steps)]
    return [(data[g], labels[g]) for g in groups]


def every_step_uses_whole_set(labels: torch.Tensor, steps: int) -> bool:
    """True when :func:`step_batches` gives every step the whole set (fewer samples per class than
    steps): such a schedule has no order, so shuffling its steps changes nothing."""
    return int(torch.bincount(labels.argmax(dim=1)).min()) < steps


def replay_schedule(data: torch.Tensor, labels: torch.Tensor, steps: int, replays: int, mode: str = "replay") -> list[Batch]:
    """The T = ``steps * replays`` batches of the inner loop, in order."""
    if mode == "full-batch":
        return [(data, labels)] * (steps * replays)
    return step_batches(data, labels, steps) * replays


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


# -- standard training and scoring ----------------------------------------------------------------


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


def resolve_device(name: str) -> torch.device:
    """``auto`` -> CUDA when available, else CPU; an explicit CUDA request without CUDA is an error."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={name!r} but CUDA is not available; use device='auto' or 'cpu'")
    return device
