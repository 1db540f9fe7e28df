"""Readable distillation: synthetic texts that *are* words, or free matrices pulled toward words.

A free synthetic sample is a matrix whose rows sit between words, so reading it as its nearest
words loses part of what it teaches (see :mod:`textdistill_lab.fidelity`). Two remedies, both
plugged into the shared outer loop without touching the methods (bptt or matching):

- **Word-constrained** (``words="frequent"`` or ``"per-class"``): every token position holds logits
  over a list of candidate words (padding first, then the dataset's most frequent words with
  vectors, shared or per class). The row a network sees is the vector of the argmax word, so the
  set is exact words at every step and decodes with nothing lost; gradients reach the logits
  through ``softmax(logits / τ)`` (the straight-through estimator, Bengio et al. 2013), and τ
  anneals geometrically from ``word_tau_start`` to ``word_tau_end`` so that late in the run only
  close challengers of a word can take its place.
- **Nearest-word penalty** (``words="free"``, ``word_penalty`` set): the outer loss gains
  ``word_penalty`` times the mean squared distance of each row to its nearest candidate word (or to
  the zero padding vector), scaled by the mean squared length of a word vector. The weight is the
  knob between accuracy (None or 0: free matrices) and readability (large: rows sit on words).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np
import torch
import torch.nn.functional as F

from ..data import PAD_ID, TextDataset
from ..distilled_set import DistilledSet
from ..vectors import WordVectors
from .config import DistillConfig
from .synthetic import DistillContext, SyntheticSet

OuterStep = Callable[[DistillContext, int], torch.Tensor]


def candidate_words(dataset: TextDataset, vectors: WordVectors, *, count: int, per_class: bool) -> torch.Tensor:
    """Vocabulary ids of the candidate words ``(groups, 1 + count)``: padding, then the most frequent.

    Only words that have a vector are candidates (an unknown word's vector is random noise, not a
    word). ``groups`` is 1 (one list for every sample) or the number of classes (each class's most
    frequent words in its training texts); a class with fewer distinct words pads its list with
    extra padding entries.
    """
    vocab = dataset.vocab
    has_vector = np.zeros(len(vocab), dtype=bool)
    has_vector[2:] = vectors.rows_of(vocab[2:]) >= 0
    if not has_vector.any():
        raise ValueError(f"no word of {dataset.name!r} has a vector in {vectors.name!r}; word-constrained "
                         "distillation needs vectors with words")
    ids, labels = dataset.train.token_ids, dataset.train.labels
    groups = [ids[labels == c] for c in range(dataset.num_classes)] if per_class else [ids]
    out = np.full((len(groups), 1 + count), PAD_ID, dtype=np.int64)
    for g, rows in enumerate(groups):
        counts = np.bincount(rows.ravel(), minlength=len(vocab))
        counts[~has_vector] = 0  # also drops padding and <unk>, which have no vector
        order = np.argsort(-counts, kind="stable")[:count]
        order = order[counts[order] > 0]
        out[g, 1:1 + len(order)] = order
    return torch.from_numpy(out)


def temperature(config: DistillConfig, step: int) -> float:
    """τ at outer step ``step`` (1-based): geometric from ``word_tau_start`` to ``word_tau_end``."""
    progress = min(1.0, max(0.0, (step - 1) / max(1, config.outer_steps - 1)))
    return config.word_tau_start * (config.word_tau_end / config.word_tau_start) ** progress


class WordConstrainedSet(SyntheticSet):
    """A :class:`SyntheticSet` whose samples are words: logits ``(M, tokens, K)`` over candidate words.

    ``data`` is computed on every read: the argmax word's vector in the forward pass, the gradient of
    the softmax mixture at temperature ``temperature`` in the backward pass (straight-through).
    ``candidates`` ``(groups, K)`` are vocabulary ids (1 group, or one per class), ``embedding``
    ``(vocab, dim)`` the frozen lookup, ``vocab`` the words that :meth:`words` reports.
    """

    def __init__(self, logits: torch.Tensor, classes: torch.Tensor, num_classes: int, *, candidates: torch.Tensor,
                 embedding: torch.Tensor, vocab: Sequence[str], **kwargs) -> None:
        self.candidates = candidates.to(embedding.device)  # (groups, K)
        self.candidate_vectors = embedding[self.candidates]  # (groups, K, dim)
        self.vocab = list(vocab)
        self.temperature = 1.0
        super().__init__(logits, classes, num_classes, **kwargs)
        self._group = self.classes if len(self.candidates) > 1 else torch.zeros_like(self.classes)  # (M,)

    def _init_data(self, logits: torch.Tensor) -> None:
        self.word_logits = logits.detach().clone().requires_grad_()  # (M, tokens, K)

    def _data_tensors(self) -> dict[str, torch.Tensor]:
        return {"word_logits": self.word_logits}

    @property
    def data(self) -> torch.Tensor:
        """The samples ``(M, tokens, dim)``: exactly the chosen words' vectors."""
        soft = torch.softmax(self.word_logits / self.temperature, dim=-1)
        hard = F.one_hot(self.word_logits.argmax(dim=-1), soft.shape[-1]).to(soft.dtype)
        weights = hard + soft - soft.detach()  # value: one-hot; gradient: the softmax mixture's
        if len(self.candidates) == 1:
            return weights @ self.candidate_vectors[0]
        return torch.einsum("mtk,mkd->mtd", weights, self.candidate_vectors[self._group])

    def word_ids(self) -> torch.Tensor:
        """Vocabulary id of each position's word ``(M, tokens)`` (0: padding)."""
        choice = self.word_logits.detach().argmax(dim=-1)  # (M, tokens)
        return torch.gather(self.candidates[self._group], 1, choice)

    def words(self) -> list[list[str]]:
        """Each sample's words, one per position (the vocabulary's padding token where it pads)."""
        return [[self.vocab[i] for i in row] for row in self.word_ids().tolist()]

    def to_distilled_set(self, class_names: list[str], **kwargs) -> DistilledSet:
        return replace(super().to_distilled_set(class_names, **kwargs), words=self.words())


def word_constrained_set(data: torch.Tensor, classes: torch.Tensor, num_classes: int, *, candidates: torch.Tensor,
                         embedding: torch.Tensor, vocab: Sequence[str], **kwargs) -> WordConstrainedSet:
    """A word set starting from the matrices ``data`` ``(M, tokens, dim)`` of any init: each row becomes
    its nearest candidate word by cosine (a near-zero row, padding), with logit 1 over the others."""
    candidates = candidates.to(embedding.device)
    group = classes if len(candidates) > 1 else torch.zeros_like(classes)
    vectors = F.normalize(embedding[candidates], dim=-1)[group]  # (M, K, dim), padding stays zero
    rows = F.normalize(data, dim=-1)  # (M, tokens, dim)
    cosine = torch.einsum("mtd,mkd->mtk", rows, vectors)
    cosine[..., 0] = torch.where(data.norm(dim=-1) < 1e-6, 2.0, -2.0)  # padding only for (near-)zero rows
    logits = F.one_hot(cosine.argmax(dim=-1), candidates.shape[1]).to(data.dtype)  # (M, tokens, K)
    return WordConstrainedSet(logits, classes, num_classes, candidates=candidates, embedding=embedding, vocab=vocab,
                              **kwargs)


def nearest_word_penalty(data: torch.Tensor, words: torch.Tensor) -> torch.Tensor:
    """Mean squared distance of each row of ``data`` ``(M, tokens, dim)`` to its nearest row of ``words``
    ``(K, dim)`` (include the zero vector to let rows pad), over the mean squared length of a word."""
    rows = data.reshape(-1, data.shape[-1])
    distance = torch.cdist(rows, words).pow(2).min(dim=1).values  # (M * tokens,)
    scale = words.pow(2).sum(dim=1)
    return distance.mean() / scale[scale > 0].mean()


def readable_step(step_fn: OuterStep, config: DistillConfig, words: torch.Tensor | None = None) -> OuterStep:
    """``step_fn`` made readable: τ annealing for a word set, the nearest-word penalty for free matrices.

    ``words`` ``(K, dim)`` are the vectors the penalty pulls toward (padding's zero vector included).
    Without either option the step is returned unchanged.
    """
    if config.words != "free":
        def annealed(ctx: DistillContext, step: int) -> torch.Tensor:
            ctx.synthetic.temperature = temperature(config, step)
            return step_fn(ctx, step)
        return annealed
    if config.word_penalty is not None:
        if words is None:
            raise ValueError("word_penalty needs the candidate word vectors")

        def penalised(ctx: DistillContext, step: int) -> torch.Tensor:
            loss = step_fn(ctx, step)
            (config.word_penalty * nearest_word_penalty(ctx.synthetic.data, words)).backward()
            return loss
        return penalised
    return step_fn
