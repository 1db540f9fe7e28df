"""Li & Li (2021), Section 2: one outer step of data distillation, Eq. 1 to 5 top to bottom.

    Init      x̃ (M, tokens, dim) from noise / real texts / class means; ỹ one-hot or softmax(logits);
              η_t = clamp(softplus(raw_t), lr_min, lr_max), t = 1..T                   (synthetic.py)
    repeat for each outer step (:func:`bptt_step`):
      Θ0      a fresh initialisation (protocol "random") or the one fixed Θ0 ("fixed")
      Eq. 1-2 θ_{t+1} = θ_t - η_t ∇θ ℓ(x̃_t, ỹ_t; θ_t) for the T batches of replay_schedule
              (:func:`~textdistill_lab.training.train_steps`, the inner loop shared with evaluation)
      Eq. 3   L = ℓ(x, y; θ_T) on a real batch (x embedded with the frozen lookup)   (:func:`outer_loss`)
      Eq. 4   ∇_{x̃, η, ỹ} L through the inner loop                                 (:func:`hypergradient`)
      Eq. 5   Adam step on x̃, raw η (and label logits); clamp η to [lr_min, lr_max]
              (the outer loop in :mod:`.distiller`, shared by every method)

Eq. 4 has three back-ends behind one signature; they differ only in memory and exactness:

- ``unroll``: autograd through the whole loop (``create_graph=True``). Exact; memory grows with T
  times the activations of a step.
- ``backgradient``: Maclaurin et al. (2015), Wang et al. (2018). The forward pass keeps only the
  weights θ_0..θ_{T-1}; the reverse pass rebuilds one step's graph at a time and pushes the adjoint
  dθ back with a Hessian-vector product. Exact (we store the weights instead of reversing SGD);
  memory grows with T only by one copy of the weights per step.
- ``truncated``: run the first T-K steps without a graph, backpropagate through the last K only.
  Biased but cheap; K = T is ``unroll``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call

from ..training import Batch, Params, replay_schedule, soft_cross_entropy, train_steps
from .synthetic import DistillContext


def bptt_step(ctx: DistillContext, step: int) -> torch.Tensor:
    """One outer step of Li & Li (2021): Eq. 1-4, leaving the hypergradient in ``.grad``."""
    cfg, synthetic = ctx.config, ctx.synthetic
    params0 = ctx.initial_params()  # Θ0
    data, labels, lrs = synthetic.data, synthetic.labels(), synthetic.lrs()  # x̃, ỹ, η
    batches = replay_schedule(data, labels, cfg.steps, cfg.replays, cfg.inner_mode)  # Eq. 1-2 order
    real_x, real_y = ctx.real_batch()  # Eq. 3's real batch
    inputs = [t for t in (data, labels, lrs) if t.requires_grad]
    loss, grads = hypergradient(  # Eq. 3-4
        cfg.backend, ctx.model, params0, batches, lrs, real_x, real_y, inputs, truncate_k=cfg.truncate_k
    )
    torch.autograd.backward(inputs, grads)  # through softmax / softplus into the learnable leaves
    return loss


def outer_loss(model: nn.Module, params: Params, real_x: torch.Tensor, real_y: torch.Tensor) -> torch.Tensor:
    """Eq. 3: the loss of the trained weights θ_T on real data ``(B, tokens, dim)``, classes ``(B,)``."""
    return F.cross_entropy(functional_call(model, params, (real_x,)), real_y)


def hypergradient(
    backend: str,
    model: nn.Module,
    params0: Params,
    batches: Sequence[Batch],
    lrs: torch.Tensor,
    real_x: torch.Tensor,
    real_y: torch.Tensor,
    inputs: Sequence[torch.Tensor],
    *,
    truncate_k: int | None = None,
    loss_fn: Callable[[Params], torch.Tensor] | None = None,
) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """Return the outer loss (detached) and its gradient w.r.t. each of ``inputs``.

    ``inputs`` are the tensors the batches and ``lrs`` were computed from (synthetic data, label
    distribution, learning rates); each must require grad. An input the loss does not depend on
    gets a zero gradient (e.g. the data gradient when T = 0). ``loss_fn(θ_T)`` replaces Eq. 3's
    real-batch loss when given (trajectory matching's distance to an expert); ``real_x`` and
    ``real_y`` are then unused.
    """
    outer = loss_fn or (lambda params: outer_loss(model, params, real_x, real_y))
    if backend == "unroll":
        return _unroll(model, params0, batches, lrs, outer, inputs)
    if backend == "truncated":
        if truncate_k is None or truncate_k <= 0:
            raise ValueError(f"backend 'truncated' needs truncate_k > 0, got {truncate_k}")
        return _truncated(model, params0, batches, lrs, outer, inputs, truncate_k)
    if backend == "backgradient":
        return _backgradient(model, params0, batches, lrs, outer, inputs)
    raise ValueError(f"unknown backend {backend!r}; use unroll, backgradient or truncated")


def _grads_or_zeros(loss: torch.Tensor, inputs: Sequence[torch.Tensor], **kwargs) -> list[torch.Tensor]:
    grads = torch.autograd.grad(loss, list(inputs), allow_unused=True, **kwargs)
    return [torch.zeros_like(t) if g is None else g for t, g in zip(inputs, grads)]


def _detached(params: Params) -> Params:
    return {k: v.detach().requires_grad_() for k, v in params.items()}


def _unroll(model, params0, batches, lrs, outer, inputs):
    params_t = train_steps(model, _detached(params0), batches, lrs, create_graph=True)
    loss = outer(params_t)
    return loss.detach(), _grads_or_zeros(loss, inputs)


def _truncated(model, params0, batches, lrs, outer, inputs, k):
    cut = max(0, len(batches) - k)
    # The first T-K steps see detached data and rates: no graph, so no memory and no gradient.
    frozen = [(x.detach(), y.detach()) for x, y in batches[:cut]]
    params = train_steps(model, _detached(params0), frozen, lrs[:cut].detach(), create_graph=False)
    params_t = train_steps(model, _detached(params), batches[cut:], lrs[cut:], create_graph=True)
    loss = outer(params_t)
    return loss.detach(), _grads_or_zeros(loss, inputs)


def _backgradient(model, params0, batches, lrs, outer, inputs):
    # Forward: plain SGD, remembering only the weights each step starts from.
    trajectory: list[Params] = []
    params = {k: v.detach() for k, v in params0.items()}
    for (x, y), lr in zip(batches, lrs):
        trajectory.append(params)
        params = train_steps(model, params, [(x.detach(), y.detach())], lr.detach().reshape(1), create_graph=False)
    params_t = _detached(params)
    loss = outer(params_t)
    adjoint = list(torch.autograd.grad(loss, list(params_t.values())))  # dL/dθ_T
    totals = [torch.zeros_like(t) for t in inputs]
    # Reverse: θ_{t+1} = θ_t - η_t g_t with g_t = ∇θ ℓ(θ_t; x_t, y_t). For S = -η_t <dθ_{t+1}, g_t>,
    # dS/dθ_t is the Hessian-vector product term and dS/d(x_t, y_t, η_t) the input gradients.
    for t in range(len(batches) - 1, -1, -1):
        theta = _detached(trajectory[t])
        x, y = batches[t]
        inner = soft_cross_entropy(functional_call(model, theta, (x,)), y)
        g = torch.autograd.grad(inner, list(theta.values()), create_graph=True)
        s = -lrs[t] * sum((a * b).sum() for a, b in zip(adjoint, g))
        grads = _grads_or_zeros(s, [*theta.values(), *inputs], retain_graph=True)
        adjoint = [a + d for a, d in zip(adjoint, grads[: len(theta)])]
        totals = [acc + d for acc, d in zip(totals, grads[len(theta) :])]
    return loss.detach(), totals
