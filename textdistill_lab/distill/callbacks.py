"""Callbacks: how progress bars, notebook widgets and logs follow a distillation run.

A callback is any object with some of these methods; each receives one ``info`` dict:

- ``on_fit_start``: ``start_step`` (> 0 after a resume), ``total_steps``, ``config``.
- ``on_step``: ``step``, ``loss``, ``lrs`` (list of floats), ``outer_lr``, ``elapsed`` and ``eta``
  (seconds).
- ``on_validate``: ``step``, ``elapsed`` (seconds since the run started), ``val_acc``, ``best_val_acc``,
  ``best_step``.
- ``on_divergence``: ``step``, ``reason``, ``outer_lr`` (the halved rate), ``retries``.
- ``on_fit_end``: ``completed`` (False when an interrupt or error ended the run).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tqdm.auto import tqdm

EVENTS = ("on_fit_start", "on_step", "on_validate", "on_divergence", "on_fit_end")


class Callback:
    """Base class with no-op hooks; subclass and override the ones you need."""

    def on_fit_start(self, info: dict[str, Any]) -> None: ...
    def on_step(self, info: dict[str, Any]) -> None: ...
    def on_validate(self, info: dict[str, Any]) -> None: ...
    def on_divergence(self, info: dict[str, Any]) -> None: ...
    def on_fit_end(self, info: dict[str, Any]) -> None: ...


def notify(callbacks: Iterable[object], event: str, info: dict[str, Any]) -> None:
    """Call ``event`` on every callback that defines it (duck typing: no base class needed)."""
    if event not in EVENTS:
        raise ValueError(f"unknown callback event {event!r}; events are {', '.join(EVENTS)}")
    for callback in callbacks:
        hook = getattr(callback, event, None)
        if hook is not None:
            hook(info)


class TqdmProgress(Callback):
    """A tqdm bar over outer steps showing loss, mean learning rate and the best validation accuracy."""

    def __init__(self, disable: bool = False, **tqdm_kwargs: Any) -> None:
        self.disable = disable
        self.tqdm_kwargs = tqdm_kwargs
        self.bar: tqdm | None = None
        self.best: float | None = None

    def on_fit_start(self, info: dict[str, Any]) -> None:
        self.bar = tqdm(
            total=info["total_steps"], initial=info["start_step"], desc="distill", unit="step",
            disable=self.disable, **self.tqdm_kwargs,
        )

    def on_step(self, info: dict[str, Any]) -> None:
        if self.bar is None:
            return
        lrs = info["lrs"]
        postfix = {"loss": f"{info['loss']:.3f}", "lr": f"{sum(lrs) / max(1, len(lrs)):.3g}"}
        if self.best is not None:
            postfix["best_val"] = f"{self.best:.3f}"
        self.bar.set_postfix(postfix, refresh=False)
        self.bar.update(1)

    def on_validate(self, info: dict[str, Any]) -> None:
        self.best = info["best_val_acc"]

    def on_fit_end(self, info: dict[str, Any]) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
