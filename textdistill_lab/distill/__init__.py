"""Distillation: Li & Li (2021) bi-level optimisation and the matching methods."""

from .config import DistillConfig
from .inner import replay_schedule, soft_cross_entropy, step_batches, train_steps

__all__ = ["DistillConfig", "replay_schedule", "soft_cross_entropy", "step_batches", "train_steps"]
