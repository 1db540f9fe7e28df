"""Readable distillation: word-constrained sets are exact words; the nearest-word penalty pulls rows to words."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from textdistill_lab.data import PAD, PAD_ID
from textdistill_lab.decode import decode
from textdistill_lab.distill import DistillConfig, Distiller
from textdistill_lab.distill.word_constrained import (
    WordConstrainedSet, candidate_words, nearest_word_penalty, temperature, word_constrained_set,
)
from textdistill_lab.distilled_set import DistilledSet
from textdistill_lab.fidelity import decode_fidelity, mean_nearest_cosine


def tiny(**overrides) -> DistillConfig:
    options = dict(per_class=2, init="real", steps=2, replays=1, outer_steps=6, validate_every=3, validate_inits=1,
                   real_batch=32, outer_lr=0.05, device="cpu")
    return DistillConfig(**(options | overrides))


def lookup(dataset, vectors) -> torch.Tensor:
    return torch.as_tensor(vectors.embedding_for(dataset.vocab)[0])


def test_candidates_are_padding_then_the_most_frequent_words_with_vectors(toy_dataset, toy_vectors):
    shared = candidate_words(toy_dataset, toy_vectors, count=5, per_class=False)
    assert shared.shape == (1, 6) and shared[0, 0] == PAD_ID
    counts = np.bincount(toy_dataset.train.token_ids.ravel(), minlength=len(toy_dataset.vocab))
    assert list(counts[shared[0, 1:].numpy()]) == sorted(counts[shared[0, 1:].numpy()], reverse=True)
    per_class = candidate_words(toy_dataset, toy_vectors, count=30, per_class=True)
    assert per_class.shape == (3, 31)
    sports = {toy_dataset.vocab[i] for i in per_class[0].tolist() if i != PAD_ID}
    assert "game" in sports and "atom" not in sports  # each class draws from its own texts
    assert (per_class[0] == PAD_ID).sum() > 1  # fewer distinct words than asked: padded with padding


def test_a_word_set_is_exact_word_vectors_and_learns_through_its_logits(toy_dataset, toy_vectors):
    embedding = lookup(toy_dataset, toy_vectors)
    candidates = candidate_words(toy_dataset, toy_vectors, count=40, per_class=False)  # every toy word
    real = embedding[torch.as_tensor(toy_dataset.train.token_ids[:4])]  # (4, tokens, dim): real texts
    classes = torch.as_tensor(toy_dataset.train.labels[:4])
    words = word_constrained_set(real, classes, 3, candidates=candidates, embedding=embedding,
                                 vocab=toy_dataset.vocab, inner_steps=2, lr_init=0.05, lr_min=1e-4, lr_max=1.0)
    assert torch.equal(words.data, real)  # real texts of frequent words start as themselves
    assert words.words()[0] == [toy_dataset.vocab[i] for i in toy_dataset.train.token_ids[0]]
    words.data.pow(2).sum().backward()
    assert words.word_logits.grad is not None and words.word_logits.grad.abs().sum() > 0
    assert [name for name in words.named_tensors()][:1] == ["word_logits"]


def test_temperature_anneals_geometrically_from_start_to_end():
    config = DistillConfig(outer_steps=5, word_tau_start=1.0, word_tau_end=0.01, words="frequent")
    taus = [temperature(config, step) for step in range(1, 6)]
    assert taus[0] == pytest.approx(1.0) and taus[-1] == pytest.approx(0.01)
    assert np.allclose(np.diff(np.log(taus)), np.log(0.01) / 4)


@pytest.mark.parametrize("method", ["bptt", "gradient-matching", "distribution-matching"])
def test_word_constrained_distillation_decodes_exactly_to_its_saved_words(toy_dataset, toy_vectors, tmp_path, method):
    distiller = Distiller(tiny(words="per-class", word_candidates=12, method=method))
    distilled = distiller.fit(toy_dataset, toy_vectors, progress=False)
    assert isinstance(distiller._ctx.synthetic, WordConstrainedSet)
    decoded = decode(distilled, toy_vectors, k=1, vocabulary=toy_dataset.vocab)
    assert mean_nearest_cosine(decoded) == pytest.approx(1.0, abs=1e-5)
    for i, row in enumerate(distilled.words):
        assert [w for w in row if w != PAD] == [decoded.word(i, p) for p in range(len(row)) if not decoded.padding[i, p]]
    loaded = DistilledSet.load(distilled.save(tmp_path / method), vectors=toy_vectors)
    assert loaded.words == distilled.words and torch.equal(loaded.data, distilled.data)


def test_nothing_is_lost_in_decoding_a_word_set(toy_dataset, toy_vectors):
    distilled = Distiller(tiny(words="frequent", word_candidates=20)).fit(toy_dataset, toy_vectors, progress=False)
    fidelity = decode_fidelity(distilled, toy_dataset, toy_vectors, seeds=(0, 1), device="cpu")
    assert fidelity.ratio == 1.0 and fidelity.decoded.mean == fidelity.distilled.mean


def test_the_penalty_is_zero_on_words_and_pulls_free_rows_toward_them(toy_dataset, toy_vectors):
    embedding = lookup(toy_dataset, toy_vectors)
    words = embedding[candidate_words(toy_dataset, toy_vectors, count=30, per_class=False)[0]]
    assert float(nearest_word_penalty(words[None], words)) == pytest.approx(0.0, abs=1e-5)
    noisy = words[None] + 0.3 * torch.randn((1, *words.shape), generator=torch.Generator().manual_seed(0))
    assert float(nearest_word_penalty(noisy, words)) > 0.01
    config = tiny(init="noise", outer_steps=10, validate_every=10)
    free = Distiller(config).fit(toy_dataset, toy_vectors, progress=False)
    pulled = Distiller(tiny(init="noise", outer_steps=10, validate_every=10, word_penalty=50.0)).fit(
        toy_dataset, toy_vectors, progress=False)
    assert float(nearest_word_penalty(pulled.data, words)) < float(nearest_word_penalty(free.data, words))
    assert pulled.words is None and pulled.config["word_penalty"] == 50.0


def test_bad_readability_options_fail_clearly():
    with pytest.raises(ValueError, match="words="):
        DistillConfig(words="sentences")
    with pytest.raises(ValueError, match="word_penalty"):
        DistillConfig(words="frequent", word_penalty=1.0)
    with pytest.raises(ValueError, match="word_tau_end"):
        DistillConfig(word_tau_start=0.1, word_tau_end=1.0)
    with pytest.raises(ValueError, match="token_norm_quantile applies to words=free only"):
        DistillConfig(words="per-class", token_norm_quantile=0.99)
