"""Distillation: Li & Li (2021) bi-level optimisation and the matching methods."""

from .callbacks import Callback, TqdmProgress
from .checkpoint import CheckpointError
from .config import DistillConfig
from .distiller import Distiller, bptt_step
from .guards import DistillInterrupted, DivergenceError
from .hypergrad import hypergradient
from ..training import replay_schedule, soft_cross_entropy, step_batches, train_steps
from .memory import DistillMemoryError
from .synthetic import DistillContext, SyntheticSet

__all__ = [
    "Callback", "CheckpointError", "DistillConfig", "DistillContext", "DistillInterrupted", "DistillMemoryError",
    "Distiller", "DivergenceError", "SyntheticSet", "TqdmProgress", "bptt_step", "hypergradient",
    "replay_schedule", "soft_cross_entropy", "step_batches", "train_steps",
]
