"""The in-memory labelled text dataset every other module works with."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..errors import DataError
from .tokenize import build_vocab, encode, tokenize


@dataclass(frozen=True)
class Split:
    """One split: raw texts (kept for decoding and notebooks), integer labels and token ids."""

    texts: list[str]
    labels: np.ndarray  # (n,) int64
    token_ids: np.ndarray  # (n, max_len) int64; 0 = padding, 1 = unknown word

    def __len__(self) -> int:
        return len(self.texts)

    def __repr__(self) -> str:  # a split can hold a million texts: never print them all
        return f"Split({len(self)} texts, token_ids {tuple(self.token_ids.shape)})"

    def class_counts(self, num_classes: int) -> np.ndarray:
        return np.bincount(self.labels, minlength=num_classes)


@dataclass(frozen=True)
class TextDataset:
    """Train / validation / test splits sharing one vocabulary and one ``max_len``."""

    name: str
    class_names: list[str]
    vocab: list[str]  # index 0 "<pad>", 1 "<unk>", then training words by frequency
    max_len: int
    train: Split
    validation: Split
    test: Split
    source: str = ""
    notes: dict = field(default_factory=dict)

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def __repr__(self) -> str:  # a summary: the vocabulary and texts would fill the screen
        classes = ", ".join(self.class_names[:6]) + (", ..." if self.num_classes > 6 else "")
        return (f"TextDataset({self.name!r}, {self.num_classes} classes [{classes}], train/validation/test "
                f"{len(self.train)}/{len(self.validation)}/{len(self.test)}, vocab {len(self.vocab):,}, "
                f"max_len {self.max_len})")

    def split(self, name: str) -> Split:
        if name not in ("train", "validation", "test"):
            raise ValueError(f"unknown split {name!r}; use 'train', 'validation' or 'test'")
        return getattr(self, name)

    @property
    def fingerprint(self) -> str:
        """A short hash of the splits, so results made on different test splits are never compared."""
        digest = hashlib.sha256()
        for split in (self.train, self.validation, self.test):
            digest.update(np.ascontiguousarray(split.labels).tobytes())
            digest.update(np.ascontiguousarray(split.token_ids).tobytes())
        digest.update(str(self.max_len).encode())
        return digest.hexdigest()[:16]

    def card(self) -> dict:
        """Summary numbers for printing and for run cards."""
        lengths = [(ids != 0).sum() for ids in self.train.token_ids]
        return {
            "name": self.name,
            "source": self.source,
            "classes": self.num_classes,
            "class_names": list(self.class_names),
            "train": len(self.train),
            "validation": len(self.validation),
            "test": len(self.test),
            "vocab": len(self.vocab),
            "max_len": self.max_len,
            "mean_tokens": float(np.mean(lengths)) if lengths else 0.0,
            "train_class_counts": self.train.class_counts(self.num_classes).tolist(),
            "fingerprint": self.fingerprint,
            **self.notes,
        }


def stratified_split(labels: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices (kept, held_out): ``fraction`` of every class held out, at least one per class when possible."""
    if not 0.0 <= fraction < 1.0:
        raise ValueError(f"split fraction must be in [0, 1), got {fraction}")
    rng = np.random.default_rng(seed)
    kept, held = [], []
    for cls in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == cls))
        n_held = int(round(fraction * len(idx)))
        if fraction > 0 and n_held == 0 and len(idx) > 1:
            n_held = 1
        held.append(idx[:n_held])
        kept.append(idx[n_held:])
    return np.sort(np.concatenate(kept)), np.sort(np.concatenate(held))


def _check_split_sizes(name: str, train: int, validation: int, test: int, needs_validation: bool) -> None:
    """Refuse a dataset too small to split: empty validation or test splits make every accuracy meaningless."""
    if train and test and (validation or not needs_validation):
        return
    raise DataError(
        f"{name}: too few texts to split (train {train}, validation {validation}, test {test}); every split needs "
        "texts, so give at least 3 per class (10+ per class for a meaningful accuracy) or a separate test file"
    )


def build_dataset(
    name: str,
    train_texts: Sequence[str],
    train_labels: Sequence[int],
    class_names: Sequence[str],
    *,
    test_texts: Sequence[str] | None = None,
    test_labels: Sequence[int] | None = None,
    validation_texts: Sequence[str] | None = None,
    validation_labels: Sequence[int] | None = None,
    test_fraction: float = 0.2,
    val_fraction: float = 0.1,
    max_len: int | None = None,
    seed: int = 0,
    source: str = "",
    notes: dict | None = None,
) -> TextDataset:
    """Tokenise, split (seeded, stratified) and encode raw texts into a :class:`TextDataset`.

    Where no test split is given, ``test_fraction`` of every class becomes the test split; then,
    where no validation split is given, ``val_fraction`` of what is left becomes validation. Too few
    texts to fill every split are refused, saying how many are needed. The vocabulary comes from train only.
    ``max_len`` defaults to the 95th percentile of training lengths (at least 5, the widest filter).
    """
    texts = list(train_texts)
    labels = np.asarray(train_labels, dtype=np.int64)
    if len(texts) != len(labels):
        raise ValueError(f"{name}: {len(texts)} texts but {len(labels)} labels")
    if len(texts) == 0:
        raise ValueError(f"{name}: no training examples")
    num_classes = len(class_names)
    if labels.min() < 0 or labels.max() >= num_classes:
        raise ValueError(f"{name}: labels must lie in [0, {num_classes}), got {labels.min()}..{labels.max()}")
    empty = np.flatnonzero(np.bincount(labels, minlength=num_classes) == 0)
    if len(empty):
        missing = ", ".join(repr(class_names[i]) for i in empty)
        raise ValueError(f"{name}: class {missing} has no training examples; drop it from class_names")

    if test_texts is None:
        keep, held = stratified_split(labels, test_fraction, seed)
        test_texts = [texts[i] for i in held]
        test_labels_arr = labels[held]
        texts, labels = [texts[i] for i in keep], labels[keep]
    else:
        test_texts = list(test_texts)
        test_labels_arr = np.asarray(test_labels, dtype=np.int64)
    if validation_texts is None:
        keep, held = stratified_split(labels, val_fraction, seed + 1)
        val_texts, val_labels = [texts[i] for i in held], labels[held]
        texts, labels = [texts[i] for i in keep], labels[keep]
    else:
        val_texts, val_labels = list(validation_texts), np.asarray(validation_labels, dtype=np.int64)
    _check_split_sizes(name, len(texts), len(val_texts), len(test_texts), validation_texts is None and val_fraction > 0)

    train_tokens = [tokenize(t) for t in texts]
    if max_len is None:
        lengths = [len(t) for t in train_tokens]
        max_len = max(5, int(np.percentile(lengths, 95)))
    vocab = build_vocab(train_tokens)
    word_to_id = {w: i for i, w in enumerate(vocab)}

    def make_split(split_texts: list[str], split_labels: np.ndarray, tokens=None) -> Split:
        tokens = tokens if tokens is not None else [tokenize(t) for t in split_texts]
        return Split(list(split_texts), split_labels, encode(tokens, word_to_id, max_len))

    return TextDataset(
        name=name,
        class_names=list(class_names),
        vocab=vocab,
        max_len=max_len,
        train=make_split(texts, labels, train_tokens),
        validation=make_split(val_texts, val_labels),
        test=make_split(test_texts, test_labels_arr),
        source=source,
        notes=dict(notes or {}),
    )
