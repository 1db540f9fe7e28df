"""Maps: real documents and distilled samples in one 2-D picture (UMAP, or PCA as a fast fallback).

Each document becomes one vector: the mean of its word vectors (padding excluded), or a trained
classifier's penultimate features (``model.features``), where distilled data shows the structure
the model actually uses. Real texts are sub-sampled per class (seeded) so a map takes seconds.

umap-learn compiles its kernels with numba on its first fit in a process (~10-15 s); ``progress``
receives a message before that happens so a notebook can say so instead of looking frozen.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import torch

from .data.dataset import TextDataset
from .decode import Decoded, as_float_tensor
from .distilled_set import DistilledSet
from .plots import map_figure
from .vectors import WordVectors

log = logging.getLogger(__name__)
METHODS = ("umap", "pca")
_umap_compiled = False  # numba caches per process: only the first fit pays the compile time


@dataclass(frozen=True)
class Projection:
    """A tidy table (one row per point: ``x, y, class, kind, text, index``) and how it was made."""

    frame: pd.DataFrame
    method: str
    features: str

    def figure(self, title: str | None = None) -> go.Figure:
        return map_figure(self.frame, title=title or f"{self.method.upper()} of {self.features} features")


def document_vectors(
    embedded: torch.Tensor | np.ndarray, *, model: torch.nn.Module | None = None, batch_size: int = 512
) -> np.ndarray:
    """One vector per document ``(n, features)`` from embedded text ``(n, tokens, dim)``.

    Without a model: the mean over rows that are not exactly zero (zero rows are padding).
    With a model: its ``features`` (penultimate layer), computed in batches without gradients.
    """
    x = as_float_tensor(embedded)
    if x.ndim != 3:
        raise ValueError(f"embedded documents must be (n, tokens, dim), got shape {tuple(x.shape)}")
    if model is None:
        keep = (x.abs().sum(2, keepdim=True) > 0).float()
        return ((x * keep).sum(1) / keep.sum(1).clamp_min(1.0)).numpy()
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            device = next(model.parameters()).device
            parts = [model.features(x[i : i + batch_size].to(device)).cpu() for i in range(0, len(x), batch_size)]
    finally:
        model.train(was_training)
    return torch.cat(parts).numpy()


def sample_real(labels: np.ndarray, max_points: int, seed: int) -> np.ndarray:
    """Sorted indices of ``min(max_points, n)`` texts, every class keeping its share (seeded).

    Quotas are rounded by largest remainder, so the total is exact.
    """
    if max_points >= len(labels):
        return np.arange(len(labels))
    classes, counts = np.unique(labels, return_counts=True)
    exact = counts * max_points / len(labels)
    quota = np.floor(exact).astype(int)
    quota[np.argsort(-(exact - quota), kind="stable")[: max_points - quota.sum()]] += 1
    rng = np.random.default_rng(seed)
    picked = [rng.permutation(np.flatnonzero(labels == c))[:q] for c, q in zip(classes, quota)]
    return np.sort(np.concatenate(picked))


def project(
    dataset: TextDataset,
    vectors: WordVectors,
    *,
    distilled: DistilledSet | None = None,
    decoded: Decoded | None = None,
    subset: np.ndarray | None = None,
    model: torch.nn.Module | None = None,
    split: str = "train",
    max_real: int = 3000,
    method: str = "umap",
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
) -> Projection:
    """Project real texts of ``split`` (sub-sampled), an optional random ``subset`` (indices into the
    split, always shown, as ``kind="random"``) and an optional distilled set into one 2-D map.

    ``decoded`` (from :func:`~textdistill_lab.decode.decode` of ``distilled``) supplies hover text.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; use 'umap' or 'pca' (fast, for tests)")
    if distilled is not None and distilled.dim != vectors.dim:
        raise ValueError(f"distilled set has dim {distilled.dim} but vectors {vectors.name!r} have dim {vectors.dim}")
    if decoded is not None and (distilled is None or decoded.num_samples != distilled.num_samples):
        raise ValueError("decoded must be the decoding of the distilled set passed with it")
    part = dataset.split(split)
    subset = np.unique(np.asarray(getattr(subset, "indices", subset), dtype=np.int64)) if subset is not None else None
    if subset is not None and (subset.min() < 0 or subset.max() >= len(part)):
        raise ValueError(f"subset indices must lie in [0, {len(part)}) for the {split} split")
    real = sample_real(part.labels, max_real, seed)
    if subset is not None:
        real = np.setdiff1d(real, subset)
    embedding, _ = vectors.embedding_for(dataset.vocab)

    def embed(rows: np.ndarray) -> np.ndarray:
        return document_vectors(embedding[part.token_ids[rows]], model=model)

    blocks, tables = [embed(real)], [_real_table(part, real, dataset.class_names, "real")]
    if subset is not None:
        blocks.append(embed(subset))
        tables.append(_real_table(part, subset, dataset.class_names, "random"))
    if distilled is not None:
        blocks.append(document_vectors(distilled.data, model=model))
        tables.append(_distilled_table(distilled, decoded))
    points = np.concatenate(blocks).astype(np.float32)
    xy = _reduce(points, method, seed, progress)
    frame = pd.concat(tables, ignore_index=True)
    frame.insert(0, "x", xy[:, 0])
    frame.insert(1, "y", xy[:, 1])
    return Projection(frame, method, type(model).__name__ if model is not None else "mean word-vector")


def _real_table(part, rows: np.ndarray, class_names: list[str], kind: str) -> pd.DataFrame:
    return pd.DataFrame({
        "class": [class_names[int(c)] for c in part.labels[rows]], "kind": kind,
        "text": [_short(part.texts[i]) for i in rows], "index": rows,
    })


def _distilled_table(distilled: DistilledSet, decoded: Decoded | None) -> pd.DataFrame:
    n = distilled.num_samples
    texts = [_short(decoded.text(i)) if decoded is not None else f"distilled sample {i}" for i in range(n)]
    return pd.DataFrame({
        "class": [distilled.class_names[int(c)] for c in distilled.hard_labels], "kind": "distilled",
        "text": texts, "index": np.arange(n),
    })


def _short(text: str, limit: int = 140) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _reduce(points: np.ndarray, method: str, seed: int, progress: Callable[[str], None] | None) -> np.ndarray:
    """2-D coordinates ``(n, 2)`` of ``points`` ``(n, features)``."""
    global _umap_compiled
    say = progress or log.info
    if method == "pca":
        from sklearn.decomposition import PCA

        return PCA(n_components=2, random_state=seed).fit_transform(points)
    import umap

    if not _umap_compiled:
        say(f"UMAP: first map in this Python process, compiling (about 10-15 s) then fitting {len(points)} points...")
    else:
        say(f"UMAP: fitting {len(points)} points...")
    reducer = umap.UMAP(n_components=2, n_neighbors=min(15, len(points) - 1), min_dist=0.1, metric="cosine",
                        random_state=seed, n_jobs=1)  # a seed makes umap single-threaded anyway
    xy = reducer.fit_transform(points)
    _umap_compiled = True
    say("UMAP: done.")
    return np.asarray(xy)
