"""Distillation: Li & Li (2021) bi-level optimisation and the matching methods.

Names are imported on first use, so the CLI reads :mod:`.config` without loading torch.
"""

from .._lazy import make_lazy

_EXPORTS = {
    ".bptt": ("bptt_step", "hypergradient"),
    ".callbacks": ("Callback", "TqdmProgress"),
    ".checkpoint": ("CheckpointError",),
    ".config": ("DistillConfig",),
    ".distiller": ("Distiller",),
    ".guards": ("DistillInterrupted", "DivergenceError"),
    ".memory": ("DistillMemoryError",),
    ".synthetic": ("DistillContext", "SyntheticSet"),
}

__all__ = make_lazy(__name__, _EXPORTS)
