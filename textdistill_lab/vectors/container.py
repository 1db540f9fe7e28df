"""Word vectors: the container, and how well they cover a dataset's vocabulary.

Every loader in :mod:`.sources` returns a :class:`WordVectors`; this module imports none of them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ..data.dataset import TextDataset


@dataclass(frozen=True)
class WordVectors:
    """A vocabulary and its float32 matrix ``(num_words, dim)`` (may be memory-mapped)."""

    name: str
    words: list[str]
    matrix: np.ndarray  # (num_words, dim) float32
    checksum: str = ""  # sha256 prefix of the source file; recorded in every saved result
    _index: dict[str, int] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.matrix.ndim != 2 or self.matrix.shape[0] != len(self.words):
            raise ValueError(
                f"vectors {self.name!r}: matrix shape {self.matrix.shape} does not match {len(self.words)} words"
            )
        if not self._index:
            self._index.update({w: i for i, w in enumerate(self.words)})
        if not self.checksum:
            object.__setattr__(self, "checksum", _content_checksum(self.words, self.matrix))

    @property
    def dim(self) -> int:
        return int(self.matrix.shape[1])

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: str) -> bool:
        return word in self._index

    def index_of(self, word: str) -> int | None:
        return self._index.get(word)

    def rows_of(self, words: Sequence[str]) -> np.ndarray:
        """Row index of each word, ``-1`` where it has no vector: ``(len(words),)`` int64."""
        index = self._index
        return np.fromiter((index.get(w, -1) for w in words), dtype=np.int64, count=len(words))

    def embedding_for(self, vocab: Sequence[str], *, seed: int = 0) -> tuple[np.ndarray, float]:
        """Embedding matrix aligned to ``vocab`` and the share of vocabulary words found.

        Row 0 (padding) is the zero vector, as in the paper. Unknown words (and ``<unk>``) get small
        seeded random vectors with the vectors' own scale, so they are distinguishable but quiet.
        Vectors without words (``random:DIM``) give every word such a vector with scale 1.
        """
        rng = np.random.default_rng(seed)
        scale = float(np.asarray(self.matrix[: min(len(self), 10000)]).std()) if len(self) else 1.0
        out = rng.normal(0.0, 0.1 * scale, size=(len(vocab), self.dim)).astype(np.float32)
        out[0] = 0.0
        rows = self.rows_of(vocab[2:])
        found = np.flatnonzero(rows >= 0)
        if len(found):
            order = np.argsort(rows[found])  # sorted reads are kind to a memory-mapped matrix
            out[2 + found[order]] = self.matrix[rows[found][order]]
        coverage = len(found) / max(1, len(vocab) - 2)
        return out, coverage



def vectors_coverage(dataset: TextDataset, vectors: WordVectors) -> dict:
    """How much of a dataset's training text the vectors know.

    ``token_coverage`` counts every training token the model sees (after truncation to ``max_len``),
    so frequent words weigh more; ``vocab_coverage`` is the share of distinct vocabulary words.
    """
    vocab = dataset.vocab
    counts = np.bincount(np.asarray(dataset.train.token_ids).ravel(), minlength=len(vocab))
    found = vectors.rows_of(vocab) >= 0
    found[:2] = False  # <pad>, <unk>
    tokens = int(counts[1:].sum())
    missing = np.flatnonzero(~found)
    missing = missing[missing >= 2]
    top = missing[np.argsort(-counts[missing], kind="stable")[:10]]
    return {
        "vectors": vectors.name,
        "token_coverage": float(counts[found].sum() / tokens) if tokens else 0.0,
        "vocab_coverage": float(found[2:].mean()) if len(vocab) > 2 else 0.0,
        "tokens": tokens,
        "vocab": len(vocab) - 2,
        "top_missing": [vocab[i] for i in top],
    }


def _content_checksum(words: Sequence[str], matrix: np.ndarray) -> str:
    digest = hashlib.sha256()
    digest.update("\n".join(words[:1000]).encode())
    digest.update(str(matrix.shape).encode())
    digest.update(np.ascontiguousarray(matrix[:1000], dtype=np.float32).tobytes())
    return digest.hexdigest()[:16]

