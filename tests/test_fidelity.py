"""Decode fidelity: word-exact sets lose nothing, noisy rows come back as words, the reference reads them."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from conftest import TOPICS
from textdistill_lab.decode import decode
from textdistill_lab.distilled_set import DistilledSet
from textdistill_lab.fidelity import decode_fidelity, decoded_matrices, decoded_words, mean_nearest_cosine
from textdistill_lab.reference import LABEL, fit_reference


def word_set(dataset, vectors, per_class: int = 2) -> DistilledSet:
    """Samples made of their class's topic words, last position padding: a set that *is* text."""
    data, labels = [], []
    for c, name in enumerate(dataset.class_names):
        for s in range(per_class):
            words = TOPICS[name][s * 3 : s * 3 + 4]
            rows = [vectors.matrix[vectors.index_of(w)] for w in words] + [np.zeros(vectors.dim)]
            data.append(np.asarray(rows, dtype=np.float32))
            labels.append(np.eye(dataset.num_classes)[c])
    return DistilledSet(torch.tensor(np.stack(data)), torch.tensor(np.stack(labels), dtype=torch.float32),
                        list(dataset.class_names), dataset=dataset.name, dataset_fingerprint=dataset.fingerprint)


def test_rows_that_are_words_decode_and_re_embed_to_themselves(toy_dataset, toy_vectors):
    distilled = word_set(toy_dataset, toy_vectors)
    decoded = decode(distilled, toy_vectors, k=1, vocabulary=toy_dataset.vocab)
    torch.testing.assert_close(decoded_matrices(decoded, toy_vectors), distilled.data)
    assert decoded_words(decoded)[0] == TOPICS["sports"][:4]
    assert mean_nearest_cosine(decoded) == pytest.approx(1.0, abs=1e-5)


def test_noisy_rows_come_back_as_their_nearest_words_and_weak_rows_can_be_dropped(toy_dataset, toy_vectors):
    clean = word_set(toy_dataset, toy_vectors)
    noisy = clean.data + 0.05 * torch.randn(clean.data.shape, generator=torch.Generator().manual_seed(0))
    noisy[:, -1] = 0.0
    noisy[0, 0] = torch.tensor(-toy_vectors.matrix[toy_vectors.index_of("game")])  # points away from its class
    decoded = decode(noisy, toy_vectors, k=1, vocabulary=toy_dataset.vocab, weak_below=0.6)
    assert decoded.weak[0, 0] and not decoded.weak[1:, :-1].any()
    back = decoded_matrices(decoded, toy_vectors)
    torch.testing.assert_close(back[1:], clean.data[1:])
    assert back[0, 0].abs().sum() == 0  # weak row -> padding
    kept = decoded_matrices(decoded, toy_vectors, weak_as_padding=False)
    assert kept[0, 0].abs().sum() > 0
    assert len(decoded_words(decoded)[0]) == 3 and len(decoded_words(decoded, weak_as_padding=False)[0]) == 4
    assert 0.6 < mean_nearest_cosine(decoded) < 1.0


def test_a_word_exact_set_loses_nothing_in_decoding(toy_dataset, toy_vectors):
    distilled = word_set(toy_dataset, toy_vectors)
    fidelity = decode_fidelity(distilled, toy_dataset, toy_vectors, seeds=(0, 1), epochs=3, device="cpu")
    assert fidelity.decoded.mean == fidelity.distilled.mean and fidelity.ratio == 1.0
    assert fidelity.padding_share == pytest.approx(1 / 5) and fidelity.weak_share == 0.0
    assert fidelity.texts[0] == " ".join(TOPICS["sports"][:4])
    assert fidelity.distilled.meta["mode"] == "standard"  # no learned rates
    for name, terms in fidelity.bow_words.items():
        assert terms and all(set(term.split()) <= set(TOPICS[name]) for term in terms)
    assert "decoded/distilled 1.00" in fidelity.line()
    assert [measure for measure, _ in fidelity.rows()][2] == "decoded / distilled"


def test_the_reference_model_reads_the_decoded_texts_and_is_scored_like_the_reference_row(toy_dataset, toy_vectors):
    distilled = word_set(toy_dataset, toy_vectors)
    fidelity = decode_fidelity(distilled, toy_dataset, toy_vectors, seeds=(0,), epochs=1, device="cpu")
    same = fit_reference(fidelity.texts, distilled.hard_labels.numpy(), toy_dataset)
    assert fidelity.tfidf.label == LABEL and fidelity.tfidf.mean == same.result.mean
    assert fidelity.summary()["tfidf_chosen_c"] == same.result.meta["chosen_c"]
    row = (f"{LABEL} trained on the decoded texts (C on validation)", f"{100 * same.result.mean:.1f}%")
    assert row in fidelity.rows()
    assert f"{LABEL} on decoded texts" in fidelity.line()


def test_bad_input_names_the_problem(toy_dataset, toy_vectors):
    distilled = word_set(toy_dataset, toy_vectors)
    other = decode(distilled.data[:2], toy_vectors, k=1)
    with pytest.raises(ValueError, match="decoded has 2 samples"):
        decode_fidelity(distilled, toy_dataset, toy_vectors, decoded=other, seeds=(0,), epochs=1, device="cpu")
    far = DistilledSet(torch.zeros_like(distilled.data), distilled.labels, distilled.class_names)
    with pytest.raises(ValueError, match="every decoded text is empty"):
        decode_fidelity(far, toy_dataset, toy_vectors, seeds=(0,), epochs=1, device="cpu")
