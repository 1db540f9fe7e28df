"""Distillation: Li & Li (2021) bi-level optimisation and the matching methods."""

from .callbacks import Callback, TqdmProgress
from .checkpoint import CheckpointError
from .bptt import bptt_step, hypergradient
from .config import DistillConfig
from .distiller import Distiller
from .guards import DistillInterrupted, DivergenceError
from .memory import DistillMemoryError
from .synthetic import DistillContext, SyntheticSet

__all__ = [
    "Callback", "CheckpointError", "DistillConfig", "DistillContext", "DistillInterrupted", "DistillMemoryError",
    "Distiller", "DivergenceError", "SyntheticSet", "TqdmProgress", "bptt_step", "hypergradient",
]
