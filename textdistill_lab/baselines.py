"""Baselines a distilled set must beat: small subsets of the *real* training texts, and all of them.

A :class:`RealSubset` is only indices into ``dataset.train`` plus where they came from; the
evaluator embeds its texts with the frozen lookup batch by batch, so even full data (63k tweets)
never has to sit in memory as embedding matrices. The coreset methods (k-center, herding) work on
document embeddings: the mean of a text's word vectors over its non-padding tokens.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from .data import PAD_ID, TextDataset
from .models import embed
from .validators import check_instance, check_int
from .vectors import WordVectors

EmbeddingLike = torch.Tensor | np.ndarray | WordVectors


@dataclass(frozen=True)
class RealSubset:
    """Indices ``(samples,)`` into ``dataset.train``, tagged with the dataset they belong to."""

    indices: np.ndarray  # (samples,) int64, grouped by class
    method: str
    dataset: str
    dataset_fingerprint: str
    class_names: list[str]
    per_class: int | None = None  # None for full data
    seed: int | None = None
    info: dict = field(default_factory=dict)

    @property
    def num_samples(self) -> int:
        return int(len(self.indices))

    def card(self) -> dict:
        return {
            "method": self.method,
            "samples": self.num_samples,
            "per_class": self.per_class,
            "seed": self.seed,
            "dataset": self.dataset,
            "dataset_fingerprint": self.dataset_fingerprint,
            **self.info,
        }


def as_embedding(embedding: EmbeddingLike, dataset: TextDataset) -> torch.Tensor:
    """The frozen lookup table ``(vocab, dim)`` for ``dataset``: pass an aligned matrix or WordVectors."""
    if isinstance(embedding, WordVectors):
        matrix, _ = embedding.embedding_for(dataset.vocab)
        return torch.from_numpy(matrix)
    matrix = torch.as_tensor(embedding, dtype=torch.float32)
    if matrix.ndim != 2 or matrix.shape[0] != len(dataset.vocab):
        raise ValueError(
            f"embedding has shape {tuple(matrix.shape)} but dataset {dataset.name!r} has a vocabulary of "
            f"{len(dataset.vocab)} words; pass vectors.embedding_for(dataset.vocab)[0] or the WordVectors itself"
        )
    return matrix


def document_embeddings(token_ids: np.ndarray, embedding: torch.Tensor, chunk: int = 4096) -> np.ndarray:
    """Mean word vector of each text over its non-padding tokens ``(n, dim)``, computed in chunks."""
    out = np.empty((len(token_ids), embedding.shape[1]), dtype=np.float32)
    for start in range(0, len(token_ids), chunk):
        ids = torch.as_tensor(token_ids[start : start + chunk])
        mask = (ids != PAD_ID).unsqueeze(-1).float()  # (chunk, tokens, 1)
        summed = (embed(ids, embedding) * mask).sum(dim=1)
        out[start : start + chunk] = (summed / mask.sum(dim=1).clamp(min=1.0)).numpy()
    return out


def random_subset(dataset: TextDataset, per_class: int, seed: int = 0) -> RealSubset:
    """``per_class`` training texts drawn uniformly at random from every class (stratified, seeded)."""
    members = _class_members(dataset, per_class)
    rng = np.random.default_rng(seed)
    picks = [np.sort(rng.choice(idx, size=per_class, replace=False)) for idx in members]
    return _subset(dataset, picks, "random", per_class, seed)


def kcenter(dataset: TextDataset, per_class: int, embedding: EmbeddingLike, seed: int = 0) -> RealSubset:
    """Greedy k-center coreset per class (Sener & Savarese 2018) on document embeddings.

    Starting from one random text (``seed``), repeatedly add the text farthest from everything chosen so far,
    so the subset covers the class's spread, outliers included, rather than its dense middle.
    """
    return _per_class_selection(dataset, per_class, embedding, seed, "kcenter", _kcenter_order)


def herding(dataset: TextDataset, per_class: int, embedding: EmbeddingLike, seed: int = 0) -> RealSubset:
    """Herding (Welling 2009; as in iCaRL) per class: greedily keep the subset mean near the class mean.

    Herding itself is deterministic; ``seed`` orders the candidates, which only matters between
    exact ties (duplicate texts, common in tweet data).
    """
    return _per_class_selection(dataset, per_class, embedding, seed, "herding", _herding_order)


def full_data(dataset: TextDataset) -> RealSubset:
    """All training texts: the ceiling every small training set is measured against."""
    labels = dataset.train.labels
    picks = [np.flatnonzero(labels == c) for c in range(dataset.num_classes)]
    return _subset(dataset, picks, "full", None, None)


def _kcenter_order(points: np.ndarray, k: int) -> list[int]:
    chosen = [0]  # the caller shuffled the candidates (seeded), so this is a random first centre
    nearest = np.linalg.norm(points - points[chosen[0]], axis=1)  # distance to the closest centre
    for _ in range(k - 1):
        nxt = int(nearest.argmax())
        chosen.append(nxt)
        nearest = np.minimum(nearest, np.linalg.norm(points - points[nxt], axis=1))
    return chosen


def _herding_order(points: np.ndarray, k: int) -> list[int]:
    target = points.mean(axis=0)
    running = np.zeros_like(target)
    available = np.ones(len(points), dtype=bool)
    chosen: list[int] = []
    for t in range(1, k + 1):
        # the candidate whose addition brings the mean of the chosen set closest to the class mean
        gaps = np.linalg.norm(target - (running + points) / t, axis=1)
        gaps[~available] = np.inf
        nxt = int(gaps.argmin())  # first of equal gaps in the caller's seeded candidate order
        chosen.append(nxt)
        available[nxt] = False
        running += points[nxt]
    return chosen


Selector = Callable[[np.ndarray, int], list[int]]  # (candidates (n, dim), k) -> positions chosen


def _per_class_selection(
    dataset: TextDataset, per_class: int, embedding: EmbeddingLike, seed: int, method: str, select: Selector
) -> RealSubset:
    members = _class_members(dataset, per_class)
    points = document_embeddings(dataset.train.token_ids, as_embedding(embedding, dataset))
    rng = np.random.default_rng(seed)
    picks = []
    for idx in members:
        idx = rng.permutation(idx)
        picks.append(idx[select(points[idx], per_class)])
    return _subset(dataset, picks, method, per_class, seed)


def _class_members(dataset: TextDataset, per_class: int) -> list[np.ndarray]:
    """Training indices of every class, after checking that ``per_class`` fits in each."""
    check_instance("dataset", dataset, TextDataset, "a TextDataset from load_dataset(...)")
    check_int("per_class", per_class)
    labels = dataset.train.labels
    members = [np.flatnonzero(labels == c) for c in range(dataset.num_classes)]
    smallest = min(range(dataset.num_classes), key=lambda c: len(members[c]))
    if per_class > len(members[smallest]):
        raise ValueError(
            f"per_class={per_class} but class {dataset.class_names[smallest]!r} of {dataset.name!r} has only "
            f"{len(members[smallest])} training texts; use per_class <= {len(members[smallest])}"
        )
    return members


def _subset(
    dataset: TextDataset, picks: list[np.ndarray], method: str, per_class: int | None, seed: int | None
) -> RealSubset:
    return RealSubset(
        indices=np.concatenate(picks).astype(np.int64),
        method=method,
        dataset=dataset.name,
        dataset_fingerprint=dataset.fingerprint,
        class_names=list(dataset.class_names),
        per_class=per_class,
        seed=seed,
    )
