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

    No dropout or weight decay by default, as in Li & Li (2021); ``dropout`` (Kim 2014 uses 0.5) is
    there for the well-trained full-data yardstick. ``hidden`` adds one linear layer before the
    classifier (the authors' released variant: 256 -> 256 with no nonlinearity between, so
    ``hidden_relu=False``).
    """

    def __init__(
        self,
        dim: int,
        num_classes: int,
        widths: Sequence[int] = (3, 4, 5),
        filters: int = 100,
        hidden: int | None = None,
        hidden_relu: bool = True,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}")
        self.hidden_relu, self.dropout = hidden_relu, dropout
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
            h = self.hidden(h)
            h = F.relu(h) if self.hidden_relu else h
        return h

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(F.dropout(self.features(x), self.dropout, self.training))


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


def make_model(arch: str, dim: int, num_classes: int, dropout: float = 0.0) -> nn.Module:
    """Build a freshly initialised classifier by name (seed torch before calling for reproducibility).

    ``dropout`` applies to the TextCNNs' penultimate features only while the module is in training mode.
    """
    if arch == "textcnn":
        return TextCNN(dim, num_classes, dropout=dropout)
    if arch == "textcnn-authors":
        # The authors' released variant: widths 2,3 x 128 filters, then fc1 256->256 and fc2 with no
        # nonlinearity between them, 80 tokens.
        return TextCNN(dim, num_classes, widths=(2, 3), filters=128, hidden=256, hidden_relu=False, dropout=dropout)
    if dropout:
        raise ValueError(f"dropout is only available for the TextCNNs, not {arch!r}; use dropout=0")
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
