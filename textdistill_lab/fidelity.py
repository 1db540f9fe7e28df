"""Decode fidelity: how much of what a distilled set teaches survives reading it as words.

A distilled sample is a free matrix; nearest-word decoding turns it into text a person can read.
To measure what is lost, every row is replaced by the vector of its nearest word (rows marked as
padding, and by default weak rows, become padding) and fresh models are trained on these *decoded
texts* with the same evaluator as the distilled set. ``decoded / distilled`` near 1 means the words
carry what the matrices teach; far below 1 means the matrices teach through directions no word has.

The decoded texts are real text, so the TF-IDF reference model (:mod:`textdistill_lab.reference`) is
trained on them too, scored on the raw test texts like the reference row, and its largest weights
show what a bag-of-words model learns from them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from .data import TextDataset
from .decode import Decoded, decode
from .distilled_set import DistilledSet
from .evaluate import EvalResult, evaluate, resolve_mode
from .reference import LABEL as REFERENCE_LABEL
from .reference import fit_reference
from .vectors import WordVectors

Document = list[str]  # one text as its tokens


def _dropped(decoded: Decoded, weak_as_padding: bool) -> np.ndarray:
    """``(samples, tokens)`` rows that decode to padding: padding rows, and weak ones if asked."""
    return decoded.padding | decoded.weak if weak_as_padding else decoded.padding


def decoded_words(decoded: Decoded, *, weak_as_padding: bool = True) -> list[Document]:
    """Per sample, the nearest word of each row that is not padding (nor weak, by default)."""
    dropped = _dropped(decoded, weak_as_padding)
    return [[decoded.word(i, p) for p in range(decoded.indices.shape[1]) if not dropped[i, p]]
            for i in range(decoded.num_samples)]


def decoded_matrices(decoded: Decoded, vectors: WordVectors, *, weak_as_padding: bool = True) -> torch.Tensor:
    """The decoded texts re-embedded ``(samples, tokens, dim)``: each row its nearest word's vector, padding zero.

    Rows keep their positions, so a model sees the words where the matrix had them.
    """
    dropped = _dropped(decoded, weak_as_padding)
    rows = np.stack([vectors.matrix[vectors.index_of(w)] for w in decoded.words])  # (candidates, dim)
    data = rows[decoded.indices[:, :, 0]].astype(np.float32)  # (samples, tokens, dim)
    data[dropped] = 0.0
    return torch.from_numpy(data)


def decoded_set(distilled: DistilledSet, decoded: Decoded, vectors: WordVectors, *,
                weak_as_padding: bool = True) -> DistilledSet:
    """``distilled`` with its matrices replaced by their decoded texts; labels, steps and rates kept."""
    return DistilledSet(
        data=decoded_matrices(decoded, vectors, weak_as_padding=weak_as_padding),
        labels=distilled.labels.clone(), lrs=distilled.lrs.clone(), class_names=list(distilled.class_names),
        steps=distilled.steps, replays=distilled.replays, method=f"{distilled.method} decoded", dataset=distilled.dataset,
        dataset_fingerprint=distilled.dataset_fingerprint, vectors=distilled.vectors,
        vectors_checksum=distilled.vectors_checksum, config=dict(distilled.config),
    )


def mean_nearest_cosine(decoded: Decoded) -> float:
    """Mean cosine of each non-padding row to its nearest word (1.0: every row *is* a word)."""
    kept = ~decoded.padding
    return float(decoded.cosine[:, :, 0][kept].mean()) if kept.any() else float("nan")


# -- the whole measurement ---------------------------------------------------------------------------


@dataclass
class DecodeFidelity:
    """Distilled vs decoded accuracy with one evaluator, closeness to words, and a bag-of-words view."""

    distilled: EvalResult
    decoded: EvalResult
    mean_cosine: float  # mean cosine of non-padding rows to their nearest word
    padding_share: float  # rows decoded as padding (near the zero vector)
    weak_share: float  # non-padding rows whose nearest word is weak (cosine below the decode threshold)
    tfidf: EvalResult  # the TF-IDF reference model trained on the decoded texts (C chosen on validation)
    bow_words: dict[str, list[str]]  # per class, the terms that model weights most
    texts: list[str]  # the decoded texts, one per sample
    weak_as_padding: bool

    @property
    def ratio(self) -> float:
        """decoded / distilled test accuracy (1.0: nothing is lost in decoding)."""
        return self.decoded.mean / self.distilled.mean if self.distilled.mean > 0 else float("nan")

    def line(self) -> str:
        """One line for a terminal."""
        return (f"decode fidelity: distilled {100 * self.distilled.mean:.1f}%, decoded texts "
                f"{100 * self.decoded.mean:.1f}% (decoded/distilled {self.ratio:.2f}); mean cosine to nearest word "
                f"{self.mean_cosine:.2f}; {REFERENCE_LABEL} on decoded texts {100 * self.tfidf.mean:.1f}%")

    def rows(self) -> list[tuple[str, str]]:
        """(measure, value) pairs for a report table."""
        seeds = len(self.distilled.seeds)
        arch, mode = self.distilled.meta.get("arch", ""), self.distilled.meta.get("mode", "")
        dropped = "padding and weak rows" if self.weak_as_padding else "padding rows"
        return [
            (f"distilled set ({arch}, {mode}, {seeds} seeds)", f"{100 * self.distilled.mean:.1f} ± {100 * self.distilled.std:.1f}%"),
            (f"decoded texts, same evaluator ({dropped} as padding)",
             f"{100 * self.decoded.mean:.1f} ± {100 * self.decoded.std:.1f}%"),
            ("decoded / distilled", f"{self.ratio:.2f}"),
            ("mean cosine of a row to its nearest word", f"{self.mean_cosine:.2f}"),
            ("rows decoded as padding", f"{100 * self.padding_share:.0f}%"),
            ("non-padding rows with a weak nearest word", f"{100 * self.weak_share:.0f}%"),
            (f"{REFERENCE_LABEL} trained on the decoded texts (C on validation)", f"{100 * self.tfidf.mean:.1f}%"),
        ]

    def summary(self) -> dict:
        """Numbers for JSON."""
        return {
            "distilled_mean": self.distilled.mean, "distilled_std": self.distilled.std,
            "decoded_mean": self.decoded.mean, "decoded_std": self.decoded.std, "decoded_over_distilled": self.ratio,
            "mean_cosine": self.mean_cosine, "padding_share": self.padding_share, "weak_share": self.weak_share,
            "tfidf_decoded": self.tfidf.mean, "tfidf_chosen_c": self.tfidf.meta["chosen_c"], "bow_words": self.bow_words,
            "weak_as_padding": self.weak_as_padding,
            "seeds": len(self.distilled.seeds), "arch": self.distilled.meta.get("arch"),
            "mode": self.distilled.meta.get("mode"),
        }


def decode_fidelity(
    distilled: DistilledSet,
    dataset: TextDataset,
    vectors: WordVectors,
    *,
    decoded: Decoded | None = None,
    distilled_result: EvalResult | None = None,
    seeds: Sequence[int] = (0, 1, 2),
    arch: str = "textcnn",
    mode: str = "auto",
    epochs: int | None = None,
    weak_as_padding: bool = True,
    device: str = "auto",
) -> DecodeFidelity:
    """Train fresh models on ``distilled`` and on its decoded texts with one evaluator; compare.

    ``decoded`` defaults to nearest words in ``dataset.vocab`` (pass your own to reuse a decode, it
    must cover the dataset's words). ``mode`` (``auto`` by default: see
    :func:`~textdistill_lab.evaluate.resolve_mode`) is resolved on the distilled set; the decoded set
    keeps the rates, so both are trained alike.
    ``distilled_result`` reuses an evaluation of ``distilled`` made with the same settings.
    """
    decoded = decoded if decoded is not None else decode(distilled, vectors, k=1, vocabulary=dataset.vocab)
    if decoded.num_samples != distilled.num_samples:
        raise ValueError(f"decoded has {decoded.num_samples} samples but the distilled set {distilled.num_samples}; "
                         "decode this distilled set")
    documents = decoded_words(decoded, weak_as_padding=weak_as_padding)
    if not any(documents):
        raise ValueError("every decoded text is empty (all rows padding or weak); pass weak_as_padding=False "
                         "to keep weak words")
    mode = resolve_mode(distilled, mode)
    common = dict(arch=arch, seeds=list(seeds), mode=mode, epochs=epochs, device=device)
    if distilled_result is None:
        distilled_result = evaluate(distilled, dataset, vectors, label="distilled", **common)
    as_text = decoded_set(distilled, decoded, vectors, weak_as_padding=weak_as_padding)
    decoded_result = evaluate(as_text, dataset, vectors, label="decoded texts", **common)
    texts = [" ".join(doc) for doc in documents]
    tfidf = fit_reference(texts, distilled.hard_labels.numpy(), dataset, method="tfidf-svm on decoded texts")
    kept = ~decoded.padding
    return DecodeFidelity(
        distilled=distilled_result, decoded=decoded_result, mean_cosine=mean_nearest_cosine(decoded),
        padding_share=float(decoded.padding.mean()),
        weak_share=float(decoded.weak[kept].mean()) if kept.any() else 0.0,
        tfidf=tfidf.result, bow_words=tfidf.top_terms(distilled.class_names), texts=texts,
        weak_as_padding=weak_as_padding,
    )
