"""Nearest-word decoding: real sentences come back as themselves, search is exact, summaries make sense."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from conftest import TOPICS
from textdistill_lab.class_summary import class_words, compare_classes, distinctive_words
from textdistill_lab.decode import decode
from textdistill_lab.distilled_set import DistilledSet
from textdistill_lab.vectors import WordVectors


def embedded_test_split(dataset, vectors):
    embedding, coverage = vectors.embedding_for(dataset.vocab)
    assert coverage == 1.0
    return embedding[dataset.test.token_ids]  # (n, max_len, dim), zero rows at padding


def test_real_sentences_decode_to_their_own_words_and_padding_is_marked(toy_dataset, toy_vectors):
    data = embedded_test_split(toy_dataset, toy_vectors)
    decoded = decode(data, toy_vectors, k=3, vocabulary=toy_dataset.vocab)
    ids = toy_dataset.test.token_ids
    is_pad = ids == 0
    assert is_pad.any() and (~is_pad).any()
    np.testing.assert_array_equal(decoded.padding, is_pad)
    top1 = np.asarray(decoded.words, dtype=object)[decoded.indices[:, :, 0]]
    original = np.asarray(toy_dataset.vocab, dtype=object)[ids]
    np.testing.assert_array_equal(top1[~is_pad], original[~is_pad])
    np.testing.assert_allclose(decoded.cosine[:, :, 0][~is_pad], 1.0, atol=1e-5)
    assert not decoded.weak[~is_pad].any()
    first = toy_dataset.test.texts[0].split()
    assert sorted(decoded.text(0).split()) == sorted(first)


def test_topk_is_sorted_and_matches_brute_force(toy_vectors):
    rng = np.random.default_rng(0)
    data = rng.normal(size=(4, 6, toy_vectors.dim)).astype(np.float32)
    decoded = decode(data, toy_vectors, k=5)
    assert (np.diff(decoded.scores, axis=2) <= 1e-6).all()
    q = data.reshape(-1, toy_vectors.dim)
    cos = (q / np.linalg.norm(q, axis=1, keepdims=True)) @ (
        toy_vectors.matrix / np.linalg.norm(toy_vectors.matrix, axis=1, keepdims=True)).T
    expected = np.argsort(-cos, axis=1)[:, :5]
    np.testing.assert_array_equal(decoded.indices.reshape(-1, 5), expected)
    np.testing.assert_allclose(decoded.scores.reshape(-1, 5), np.take_along_axis(cos, expected, 1), atol=1e-5)


def test_euclidean_and_cosine_disagree_where_length_matters():
    vectors = WordVectors("two", ["long", "near"], np.array([[10.0, 0.0], [0.9, 0.3]], dtype=np.float32))
    query = np.array([[1.0, 0.0]], dtype=np.float32)
    assert decode(query, vectors, k=2, metric="cosine").word(0, 0) == "long"  # same direction
    euclid = decode(query, vectors, k=2, metric="euclidean")
    assert euclid.word(0, 0) == "near"  # same place
    np.testing.assert_allclose(-euclid.scores[0, 0], [np.hypot(0.1, 0.3), 9.0], rtol=1e-5)


@pytest.mark.parametrize("seed", [0, 1])
def test_bf16_shortlist_gives_the_exact_answer(seed):
    rng = np.random.default_rng(seed)
    vectors = WordVectors("rand", [f"w{i}" for i in range(6000)], rng.normal(size=(6000, 24)).astype(np.float32))
    data = rng.normal(size=(30, 10, 24)).astype(np.float32)
    data[0, 0] = vectors.matrix[17]  # an exact hit
    fast = decode(data, vectors, k=4, shortlist=True, chunk_size=1000)
    exact = decode(data, vectors, k=4, shortlist=False, chunk_size=1000)
    np.testing.assert_array_equal(fast.indices, exact.indices)
    np.testing.assert_allclose(fast.scores, exact.scores, atol=1e-5)
    assert fast.word(0, 0) == "w17"


def test_shortlist_redoes_rows_it_cannot_prove():
    # every word lies in the positive orthant and every query in the negative one: all cosines are
    # negative, so the bf16 bound proves nothing and each row must be searched again in fp32
    rng = np.random.default_rng(2)
    vectors = WordVectors("pos", [f"w{i}" for i in range(500)], np.abs(rng.normal(size=(500, 8))).astype(np.float32))
    data = -np.abs(rng.normal(size=(2, 5, 8))).astype(np.float32)
    fast = decode(data, vectors, k=3, shortlist=True)
    exact = decode(data, vectors, k=3, shortlist=False)
    np.testing.assert_array_equal(fast.indices, exact.indices)
    assert (fast.scores < 0).all()


def test_weak_rows_are_marked_not_hidden(toy_vectors):
    rng = np.random.default_rng(3)
    data = np.zeros((1, 3, toy_vectors.dim), dtype=np.float32)
    data[0, 0] = toy_vectors.matrix[toy_vectors.index_of("atom")] * 2.0
    data[0, 1] = rng.normal(size=toy_vectors.dim) * 10.0  # far from everything: weak
    decoded = decode(data, toy_vectors, k=2, weak_below=0.8)
    assert decoded.padding.tolist() == [[False, False, True]]
    assert decoded.weak[0, 0] == False and decoded.weak[0, 1] == True  # noqa: E712
    tokens = decoded.tokens(0, skip_padding=False)
    assert tokens[0] == "atom" and tokens[1].endswith("?") and tokens[2] == "<pad>"
    html = decoded.to_html()
    assert html.count('class="td-weak"') == 1 and html.count('class="td-pad"') == 1
    assert 'title="atom 1.00, ' in html
    assert "[" not in str(decoded)  # no labels: plain lines


def test_stop_words_and_punctuation_can_be_excluded():
    words = ["the", ",", "game", "score"]
    vectors = WordVectors("w", words, np.eye(4, dtype=np.float32) + 0.1)
    data = np.eye(4, dtype=np.float32)[None]
    assert decode(data, vectors, k=1).tokens(0) == words
    kept = decode(data, vectors, k=1, exclude_stop_words=True, exclude=["score"])
    assert kept.words == ["game"]


def test_bad_input_names_the_problem(toy_vectors):
    with pytest.raises(ValueError, match="dim=16"):
        decode(np.zeros((2, 3, 5), dtype=np.float32), toy_vectors)
    with pytest.raises(ValueError, match="unknown metric"):
        decode(np.zeros((2, 3, 16), dtype=np.float32), toy_vectors, metric="manhattan")
    with pytest.raises(ValueError, match="no candidate words"):
        decode(np.zeros((2, 3, 16), dtype=np.float32), toy_vectors, vocabulary=["zebra"])


def toy_distilled(dataset, vectors) -> DistilledSet:
    """Two samples per class made of that class's topic words: the ideal distilled set."""
    names = dataset.class_names
    data, labels = [], []
    for c, name in enumerate(names):
        for s in range(2):
            words = TOPICS[name][s * 3 : s * 3 + 3] + [TOPICS[name][0]]
            rows = [vectors.matrix[vectors.index_of(w)] for w in words] + [np.zeros(vectors.dim)]
            data.append(np.asarray(rows, dtype=np.float32))
            labels.append(np.eye(len(names))[c])
    return DistilledSet(torch.tensor(np.stack(data)), torch.tensor(np.stack(labels), dtype=torch.float32), names)


def test_class_words_count_decoded_positions_per_class(toy_dataset, toy_vectors):
    decoded = decode(toy_distilled(toy_dataset, toy_vectors), toy_vectors)
    table = class_words(decoded, top=2)
    sports = table[table["class"] == "sports"]
    assert sports["word"].tolist()[0] == "game" and sports["count"].tolist()[0] == 3  # first word of both + 1
    assert set(table["class"]) == set(toy_dataset.class_names)
    assert (table.groupby("class").size() == 2).all()
    np.testing.assert_allclose(table["mean_cosine"], 1.0, atol=1e-5)


def test_distinctive_words_are_each_topics_own_words(toy_dataset):
    table = distinctive_words(toy_dataset, top=5)
    for name, words in TOPICS.items():
        mine = table[table["class"] == name]
        assert len(mine) == 5 and set(mine["word"]) <= set(words)
        assert (np.diff(mine["z"]) <= 0).all()


def test_compare_classes_reports_shared_words(toy_dataset, toy_vectors):
    decoded = decode(toy_distilled(toy_dataset, toy_vectors), toy_vectors)
    table = compare_classes(decoded, toy_dataset, top=8)
    assert table["class"].tolist() == toy_dataset.class_names
    assert (table["overlap"] >= 3).all()
    assert "game" in table.loc[0, "shared"].split()


def test_class_words_can_drop_punctuation(toy_dataset, toy_vectors):
    """Questions decode to "?" often; the per-class summary keeps only tokens with a letter or digit."""
    question = np.full(toy_vectors.dim, -1.0, dtype=np.float32)
    vectors = WordVectors("toy+?", [*toy_vectors.words, "?"], np.vstack([toy_vectors.matrix, question]))
    distilled = toy_distilled(toy_dataset, toy_vectors)
    data = distilled.data.clone()
    data[:, 1] = torch.tensor(question)  # every sample's second position is "?"
    decoded = decode(DistilledSet(data, distilled.labels, distilled.class_names), vectors)
    assert "?" in set(class_words(decoded, top=3)["word"])
    kept = class_words(decoded, top=3, exclude_stop_words=True)
    assert "?" not in set(kept["word"]) and (kept.groupby("class").size() == 3).all()


def test_terminal_text_shades_words_by_closeness(toy_vectors):
    data = np.zeros((1, 3, toy_vectors.dim), dtype=np.float32)
    data[0, 0] = toy_vectors.matrix[toy_vectors.index_of("atom")]  # exact: brightest shade
    data[0, 1] = toy_vectors.matrix[toy_vectors.index_of("gene")] + 0.8 * toy_vectors.matrix[toy_vectors.index_of("bank")]
    decoded = decode(data, toy_vectors, k=1, labels=np.array([1]), class_names=["a", "b"])
    line = decoded.to_ansi()
    assert line.startswith("[b] \033[97;48;5;21matom\033[0m ") and line.endswith(" ·")
    assert line.count("\033[0m") == 2
    assert decoded.to_ansi(color=False) == "[b] atom " + decoded.tokens(0)[1] + " ·"
    # words and class names come from files: `escape` cleans them, the shading is added after
    shouted = decoded.to_ansi(escape=str.upper)
    assert shouted.startswith("[B] \033[97;48;5;21mATOM\033[0m ")
