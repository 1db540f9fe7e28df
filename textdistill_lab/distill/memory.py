"""Memory guard: estimate a run's peak memory before it starts, instead of being killed by the OS.

The estimate is measured, not guessed: one inner step and one forward pass on the real batch are
run under ``saved_tensors_hooks``, which see every tensor autograd keeps for the backward pass (the
double-backward graph included). An unrolled run keeps T such steps; back-gradient keeps T copies
of the weights and one step's graph; truncated keeps K steps.
"""

from __future__ import annotations

import logging
from pathlib import Path

import torch
from torch import nn

from ..training import Batch, Params, sgd_step
from .bptt import outer_loss

log = logging.getLogger(__name__)

GIB = 1024**3
# The backward pass of the outer loss needs transient buffers (gradients of each saved
# activation) on top of the saved graph; 1.5x covers them in our measurements.
TRANSIENT_FACTOR = 1.5


class DistillMemoryError(MemoryError):
    """The run would need more memory than is available or allowed."""


def _saved_bytes(fn) -> int:
    """Bytes of distinct storages autograd saves while ``fn()`` runs."""
    seen: set[tuple[int, int]] = set()
    total = 0

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        nonlocal total
        storage = tensor.untyped_storage()
        key = (storage.data_ptr(), storage.nbytes())
        if key not in seen:
            seen.add(key)
            total += storage.nbytes()
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        fn()
    return total


def estimate_peak_bytes(
    backend: str,
    model: nn.Module,
    params0: Params,
    batch: Batch,
    lr: torch.Tensor,
    real_x: torch.Tensor,
    real_y: torch.Tensor,
    *,
    inner_steps: int,
    truncate_k: int,
) -> int:
    """Estimated peak bytes of one hypergradient with ``backend`` (``batch`` = the largest inner batch)."""
    fresh = {k: v.detach().requires_grad_() for k, v in params0.items()}
    step = _saved_bytes(lambda: sgd_step(model, fresh, batch, lr, create_graph=True))
    weights = sum(v.numel() * v.element_size() for v in params0.values())
    outer = _saved_bytes(lambda: outer_loss(model, fresh, real_x, real_y))
    graph_steps = {"unroll": inner_steps, "truncated": min(truncate_k, inner_steps), "backgradient": 1}[backend]
    kept_weights = inner_steps * weights if backend == "backgradient" else graph_steps * weights
    return int(TRANSIENT_FACTOR * (graph_steps * step + outer) + kept_weights)


def available_bytes(device: torch.device) -> int | None:
    """Free memory on ``device``: CUDA's own count, else the OS's MemAvailable; None if unknown."""
    if device.type == "cuda":
        return int(torch.cuda.mem_get_info(device)[0])
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    log.warning("cannot read available memory on this OS; only max_memory_gb is enforced")
    return None


def check_memory(estimate: int, *, backend: str, inner_steps: int, device: torch.device, max_memory_gb: float | None) -> None:
    """Raise :class:`DistillMemoryError` with a fix when ``estimate`` exceeds the limit."""
    limits = []
    if max_memory_gb is not None:
        limits.append((max_memory_gb * GIB, f"max_memory_gb={max_memory_gb}"))
    free = available_bytes(device)
    if free is not None:
        limits.append((free, f"the {free / GIB:.2f} GiB available on {device.type}"))
    for limit, name in limits:
        if estimate > limit:
            lighter = {  # only what would help this back-end: never "use backgradient" to a backgradient run
                "unroll": "backend='backgradient' (memory grows with T only by the weights) or backend='truncated' "
                "with a small truncate_k, or ",
                "truncated": "a smaller truncate_k or ",
            }.get(backend, "")
            hint = f"use {lighter}lower T={inner_steps}, real_batch or per_class"
            raise DistillMemoryError(
                f"backend={backend!r} with T={inner_steps} needs about {estimate / GIB:.2f} GiB, more than {name}; {hint}"
            )
