"""Classifiers over embedding matrices ``(batch, tokens, dim)``.

Both architectures take embedded text, never token ids: synthetic samples *are* embedding matrices,
and real texts go through a frozen lookup (:func:`embed`). Parameters are plain tensors so that
``torch.func.functional_call(model, params, (x,))`` can run unrolled training.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .choices import ARCHITECTURES


class TextCNN(nn.Module):
    """Kim (2014) TextCNN: parallel convolutions, ReLU, max-over-time pooling, linear classifier.

    No dropout or weight decay, as in Li & Li (2021). ``hidden`` adds one ReLU layer before the
    classifier (the authors' released variant uses 256 -> 256).
    """

    def __init__(
        self,
        dim: int,
        num_classes: int,
        widths: Sequence[int] = (3, 4, 5),
        filters: int = 100,
        hidden: int | None = None,
    ) -> None:
        super().__init__()
        self.widths = tuple(widths)
        self.convs = nn.ModuleList(nn.Conv1d(dim, filters, w) for w in self.widths)
        features = filters * len(self.widths)
        self.hidden = nn.Linear(features, hidden) if hidden else None
        self.classifier = nn.Linear(hidden or features, num_classes)

    @property
    def min_tokens(self) -> int:
        return max(self.widths)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """Penultimate features ``(batch, features)`` of embedded input ``(batch, tokens, dim)``."""
        x = x.transpose(1, 2)  # (batch, dim, tokens): channels first for Conv1d
        pooled = [F.relu(conv(x)).amax(dim=2) for conv in self.convs]
        h = torch.cat(pooled, dim=1)
        if self.hidden is not None:
            h = F.relu(self.hidden(h))
        return h

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


class MeanPoolMLP(nn.Module):
    """A second architecture for cross-architecture checks: mean over tokens, then a ReLU MLP."""

    min_tokens = 1

    def __init__(self, dim: int, num_classes: int, hidden: int = 256) -> None:
        super().__init__()
        self.hidden = nn.Linear(dim, hidden)
        self.classifier = nn.Linear(hidden, num_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.hidden(x.mean(dim=1)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


def make_model(arch: str, dim: int, num_classes: int) -> nn.Module:
    """Build a freshly initialised classifier by name (seed torch before calling for reproducibility)."""
    if arch == "textcnn":
        return TextCNN(dim, num_classes)
    if arch == "textcnn-authors":
        # The authors' released variant: widths 2,3 x 128 filters, extra 256->256 layer, 80 tokens.
        return TextCNN(dim, num_classes, widths=(2, 3), filters=128, hidden=256)
    if arch == "meanpool-mlp":
        return MeanPoolMLP(dim, num_classes)
    raise ValueError(f"unknown architecture {arch!r}; choose one of {', '.join(ARCHITECTURES)}")


def embed(token_ids: torch.Tensor, embedding: torch.Tensor) -> torch.Tensor:
    """Frozen lookup: token ids ``(batch, tokens)`` -> embedded text ``(batch, tokens, dim)``."""
    return F.embedding(token_ids, embedding)


def init_params(arch: str, dim: int, num_classes: int, seed: int, device: torch.device | str = "cpu") -> dict[str, torch.Tensor]:
    """A fresh Θ0 as a plain dict of leaf tensors that require grad, seeded without touching the global RNG."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = make_model(arch, dim, num_classes)
    return {k: v.detach().to(device).requires_grad_() for k, v in model.named_parameters()}
