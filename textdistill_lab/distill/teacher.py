"""The label teacher: a classifier trained well on all real texts, whose logits start expert soft labels.

``labels="expert"`` starts each synthetic sample's learnable label from the teacher's logits on that
sample (the soft-label initialisation of TESLA, Cui et al., ICML 2023, there for trajectory matching).
The teacher must be a *good* model: the trajectory-matching experts (a few epochs of plain SGD)
scored 73% on trec validation where the tuned full model scores 83%, and their labels lowered the
distilled set's accuracy on trec (61.0% against 67.4% with one-hot labels). So the teacher trains like the full-data yardstick's default grid point:
Adam at 1e-3, minibatches of 64, early stopping on validation accuracy, keeping the best epoch.
It is trained once per (dataset, vectors, arch) and cached beside the experts.
"""

from __future__ import annotations

from itertools import islice
from pathlib import Path

import torch
from torch import nn
from torch.func import functional_call

from ..data import TextDataset
from ..models import init_params
from ..training import Params, stalled
from .trajectory import EXPERT_INIT_SEED, Trajectory, cached_trajectory, cpu_copy, full_data_epochs

TEACHER = {"optimizer": "adam", "lr": 1e-3, "batch_size": 64, "max_epochs": 30, "patience": 3,
           "init_seed": EXPERT_INIT_SEED - 1}


def train_teacher(
    model: nn.Module, dataset: TextDataset, embedding: torch.Tensor, *, arch: str, device: torch.device,
) -> tuple[Trajectory, list[float]]:
    """The best-on-validation parameters of Adam training with early stopping, and the validation curve."""
    params = init_params(arch, embedding.shape[1], dataset.num_classes, TEACHER["init_seed"], device)
    optimizer = torch.optim.Adam(params.values(), lr=TEACHER["lr"])
    best, val_acc = cpu_copy(params), []
    epochs = full_data_epochs(model, params, optimizer, dataset, embedding, batch_size=TEACHER["batch_size"],
                              seed=TEACHER["init_seed"], device=device)
    for acc in islice(epochs, TEACHER["max_epochs"]):
        if not val_acc or acc > max(val_acc):  # the first epoch with the best accuracy
            best = cpu_copy(params)
        val_acc.append(acc)
        if stalled(val_acc, TEACHER["patience"]):
            break
    return [best], val_acc


def load_teacher(model: nn.Module, dataset: TextDataset, embedding: torch.Tensor, vectors_checksum: str, *,
                 arch: str, device: torch.device, cache_dir: Path | None = None) -> tuple[Params, dict]:
    """The cached teacher (trained on first use) and what a card says about it: file, curve, seconds."""
    key = {"dataset": dataset.name, "fingerprint": dataset.fingerprint, "vectors": vectors_checksum, "arch": arch,
           "role": "label-teacher", **TEACHER}
    trajectory, val_acc, path, seconds = cached_trajectory(
        f"{dataset.name}-{arch}-teacher", key, cache_dir,
        lambda: train_teacher(model, dataset, embedding, arch=arch, device=device))
    return trajectory[0], {"file": str(path), "val_acc": val_acc, "best_val_acc": max(val_acc),
                           "train_seconds": seconds}


@torch.no_grad()
def teacher_logits(model: nn.Module, params: Params, data: torch.Tensor) -> torch.Tensor:
    """The teacher's logits on the synthetic samples ``(M, tokens, dim)`` -> ``(M, classes)``."""
    on_device = {k: v.to(data.device, data.dtype) for k, v in params.items()}
    return functional_call(model, on_device, (data.detach(),))
