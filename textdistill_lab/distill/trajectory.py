"""Trajectory matching (Cazenavette et al., CVPR 2022): synthetic steps that retrace an expert's training.

    Experts   TextCNNs trained on all real texts with plain SGD; their weights after every epoch,
              θ*_0 .. θ*_E, cached on disk per (dataset, vectors, arch, seed, SGD settings).
    repeat for each outer step (:func:`trajectory_matching`):
      start   a random expert and epoch t <= ``max_start_epoch``: θ_0 = θ*_t
      inner   N = ``steps * replays`` differentiable SGD steps on the synthetic batches with the
              learnable per-step rates η (the inner loop of :mod:`textdistill_lab.training`)
      loss    ||θ_N - θ*_{t+M}||² / ||θ*_t - θ*_{t+M}||², M = ``target_epochs``
      grad    through the N steps by the same back-ends as bptt (:func:`.bptt.hypergradient`)

Compared with Eq. 3 (the loss of θ_T on one real batch), the target is a whole expert epoch span,
so each outer step sees the information of many real batches at the cost of one parameter distance.
With ``labels="expert"`` (any method) the soft labels start from a well-trained teacher's logits on the
initial samples (:mod:`.teacher`), as in later work on soft labels for trajectory matching.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator
from itertools import islice
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import save as save_tensors
from torch import nn
from torch.func import functional_call

from ..data import TextDataset
from ..download import textdistill_home
from ..io import atomic_write_bytes
from ..models import embed, init_params
from ..training import Params, accuracy, replay_schedule, standard_epoch
from .bptt import hypergradient
from .synthetic import DistillContext

Trajectory = list[Params]  # θ*_0 .. θ*_E on the CPU
# Experts start from initialisations no evaluation seed uses: a student tuned to leave θ*_0 must not
# be scored from that very θ*_0.
EXPERT_INIT_SEED = 7_000_000


def trajectory_matching(ctx: DistillContext, step: int) -> torch.Tensor:
    """One outer step: leave d(normalised distance to the expert)/d(synthetic) in ``.grad``; return the distance."""
    cfg, synthetic = ctx.config, ctx.synthetic
    if not ctx.experts:
        raise ValueError("trajectory matching needs expert trajectories in ctx.experts; Distiller.fit loads them")
    expert = ctx.experts[int(torch.randint(len(ctx.experts), (1,), generator=ctx.generator))]
    t = int(torch.randint(cfg.max_start_epoch + 1, (1,), generator=ctx.generator))
    start = {k: v.to(ctx.device, ctx.embedding.dtype).requires_grad_() for k, v in expert[t].items()}
    target = {k: v.to(ctx.device, ctx.embedding.dtype) for k, v in expert[t + cfg.target_epochs].items()}
    span = sum(((start[k].detach() - target[k]) ** 2).sum() for k in target)

    def distance(params: Params) -> torch.Tensor:
        return sum(((params[k] - target[k]) ** 2).sum() for k in target) / span

    data, labels, lrs = synthetic.data, synthetic.labels(), synthetic.lrs()
    batches = replay_schedule(data, labels, cfg.steps, cfg.replays, cfg.inner_mode)
    inputs = [x for x in (data, labels, lrs) if x.requires_grad]
    loss, grads = hypergradient(cfg.backend, ctx.model, start, batches, lrs, None, None, inputs,
                                truncate_k=cfg.truncate_k, loss_fn=distance)
    torch.autograd.backward(inputs, grads)
    return loss


def full_data_epochs(
    model: nn.Module, params: Params, optimizer: torch.optim.Optimizer, dataset: TextDataset, embedding: torch.Tensor,
    *, batch_size: int, seed: int, device: torch.device,
) -> Iterator[float]:
    """Epochs of ``optimizer`` over every training text (shuffled minibatches, batch order from ``seed``),
    updating ``params`` in place; yields the validation accuracy after each epoch, for ever."""
    token_ids = torch.as_tensor(dataset.train.token_ids, device=device)
    onehot = nn.functional.one_hot(torch.as_tensor(dataset.train.labels, device=device), dataset.num_classes).float()
    val_ids = torch.as_tensor(dataset.validation.token_ids, device=device)
    val_labels = torch.as_tensor(dataset.validation.labels, device=device)
    generator = torch.Generator().manual_seed(seed)
    while True:
        standard_epoch(model, params, optimizer, lambda idx: (embed(token_ids[idx.to(device)], embedding),
                                                              onehot[idx.to(device)]),
                       len(onehot), batch_size, generator)
        yield accuracy(model, params, val_ids, val_labels, embedding)


def train_expert(
    model: nn.Module, dataset: TextDataset, embedding: torch.Tensor, *, arch: str, seed: int, epochs: int,
    lr: float, batch_size: int, device: torch.device,
) -> tuple[Trajectory, list[float]]:
    """θ*_0 .. θ*_epochs of plain SGD on every training text, and validation accuracy after each epoch."""
    params = init_params(arch, embedding.shape[1], dataset.num_classes, EXPERT_INIT_SEED + seed, device)
    optimizer = torch.optim.SGD(params.values(), lr=lr)
    trajectory, val_acc = [cpu_copy(params)], []
    for acc in islice(full_data_epochs(model, params, optimizer, dataset, embedding, batch_size=batch_size, seed=seed,
                                       device=device), epochs):
        trajectory.append(cpu_copy(params))
        val_acc.append(acc)
    return trajectory, val_acc


def load_experts(ctx: DistillContext, dataset: TextDataset, vectors_checksum: str,
                 cache_dir: Path | None = None) -> tuple[list[Trajectory], dict]:
    """The config's expert trajectories, trained once and then read from ``cache_dir`` (default: the cache home).

    Returns the trajectories and what a card should say about them: the files, their validation
    curves, and the seconds spent training the ones that were not cached (timed apart from distilling).
    """
    cfg = ctx.config
    trajectories, info = [], {"files": [], "val_acc": [], "train_seconds": 0.0}
    for seed in range(cfg.expert_count):
        key = {"dataset": dataset.name, "fingerprint": dataset.fingerprint, "vectors": vectors_checksum,
               "arch": cfg.arch, "seed": seed, "epochs": cfg.expert_epochs, "lr": cfg.expert_lr,
               "batch_size": cfg.expert_batch, "optimizer": "sgd", "init_seed": EXPERT_INIT_SEED + seed}
        trajectory, val_acc, path, seconds = cached_trajectory(
            f"{dataset.name}-{cfg.arch}-seed{seed}", key, cache_dir,
            lambda: train_expert(ctx.model, dataset, ctx.embedding, arch=cfg.arch, seed=seed, epochs=cfg.expert_epochs,
                                 lr=cfg.expert_lr, batch_size=cfg.expert_batch, device=ctx.device))
        trajectories.append(trajectory)
        info["train_seconds"] += seconds
        info["files"].append(str(path))
        info["val_acc"].append(val_acc)
    return trajectories, info


def cached_trajectory(
    stem: str, key: dict, cache_dir: Path | None, train: Callable[[], tuple[Trajectory, list[float]]],
) -> tuple[Trajectory, list[float], Path, float]:
    """``train()``'s trajectory and validation curve, read from the cache when ``key`` was trained before.

    Returns them with the file and the seconds spent training (0 when read). The file is
    ``cache_dir`` (default: the cache home's ``experts/``) / ``stem-DIGEST.safetensors``, written atomically.
    """
    folder = Path(cache_dir) if cache_dir is not None else textdistill_home() / "experts"
    path = folder / f"{stem}-{_digest(key)}.safetensors"
    if path.exists():
        return (*_read(path, key), path, 0.0)
    start = time.perf_counter()
    trajectory, val_acc = train()
    seconds = time.perf_counter() - start
    tensors = {f"{epoch}.{name}": v for epoch, params in enumerate(trajectory) for name, v in params.items()}
    metadata = {"key": json.dumps(key, sort_keys=True), "val_acc": json.dumps(val_acc)}
    atomic_write_bytes(path, save_tensors(tensors, metadata=metadata))
    return trajectory, val_acc, path, seconds


def _read(path: Path, key: dict) -> tuple[Trajectory, list[float]]:
    """A cached trajectory (safetensors: nothing is unpickled); refuses a file made for another key."""
    with safe_open(path, "pt") as handle:
        metadata = handle.metadata()
        if json.loads(metadata["key"]) != key:
            raise ValueError(f"expert file {path} was made for {metadata['key']}, not {key}; delete it to retrain")
        trajectory: Trajectory = []
        for name in handle.keys():
            epoch, param = name.split(".", 1)
            while len(trajectory) <= int(epoch):
                trajectory.append({})
            trajectory[int(epoch)][param] = handle.get_tensor(name)
    return trajectory, json.loads(metadata["val_acc"])


def cpu_copy(params: Params) -> Params:
    return {k: v.detach().cpu().clone() for k, v in params.items()}


def _digest(key: dict) -> str:
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:12]
