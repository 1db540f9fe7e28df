"""Faults during a run: divergence detection, and stopping cleanly on Ctrl-C / SIGTERM."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import torch

from ..distilled_set import DistilledSet
from .synthetic import SyntheticSet


class DivergenceError(RuntimeError):
    """The run kept diverging after repeated roll-backs; ``.distilled`` is the best set before it."""

    def __init__(self, message: str, *, distilled: DistilledSet) -> None:
        super().__init__(message)
        self.distilled = distilled


class DistillInterrupted(KeyboardInterrupt):
    """Stopped by Ctrl-C or SIGTERM after a completed step; ``.distilled`` is the best set so far."""

    def __init__(self, message: str, *, distilled: DistilledSet, checkpoint=None) -> None:
        super().__init__(message)
        self.distilled = distilled
        self.checkpoint = checkpoint


def divergence_reason(loss: torch.Tensor, synthetic: SyntheticSet, *, check_grads: bool) -> str | None:
    """Why this step cannot be accepted (NaN/Inf in loss, gradients, data or lrs), or None."""
    if not bool(torch.isfinite(loss).all()):
        return f"outer loss is {float(loss)}"
    for name, tensor in synthetic.named_tensors().items():
        if not tensor.is_floating_point():
            continue
        if not bool(torch.isfinite(tensor).all()):
            return f"synthetic {name} contains NaN/Inf"
        if check_grads and tensor.grad is not None and not bool(torch.isfinite(tensor.grad).all()):
            return f"gradient of synthetic {name} contains NaN/Inf"
    return None


class StopSignals:
    """While active, the first Ctrl-C or SIGTERM only sets ``requested`` so the loop can stop after a
    completed step and checkpoint; a second Ctrl-C interrupts at once. Outside the main thread (where
    Python cannot install handlers) it does nothing and a KeyboardInterrupt arrives as usual.
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self.requested = False
        self._previous: dict[int, object] = {}

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.requested and signum == signal.SIGINT:
            raise KeyboardInterrupt
        self.requested = True

    def __enter__(self) -> StopSignals:
        if threading.current_thread() is threading.main_thread():
            for sig in self.SIGNALS:
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous.clear()
