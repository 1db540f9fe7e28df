"""Per-class summaries: what the distilled samples of a class "say", beside what its real texts say.

The table a teacher shows first: for each class, the words its distilled samples decode to most
often (or most strongly), its most distinctive real words by log-odds, and the words they share.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from .decode import WORDLIKE, Decoded, is_content_word


def class_words(
    decoded: Decoded, *, top: int = 10, by: str = "count", skip: Iterable[str] = (), exclude_stop_words: bool = False
) -> pd.DataFrame:
    """Per class, the best words its samples decode to: most ``count`` (positions) or ``strength``.

    Only non-padding positions count; ``strength`` sums their cosine, so confident words rank first.
    ``exclude_stop_words`` drops stop words and tokens without a letter or digit ("?" decodes often in
    questions and says little), as :func:`~textdistill_lab.decode.decode` and :func:`distinctive_words` do.
    Columns: class, word, count, strength, mean_cosine.
    """
    if decoded.labels is None:
        raise ValueError("decoded samples carry no labels; decode a DistilledSet or pass labels=")
    if by not in ("count", "strength"):
        raise ValueError(f"by must be 'count' or 'strength', got {by!r}")
    frame = pd.DataFrame({
        "class": np.repeat([decoded.class_of(i) for i in range(decoded.num_samples)], decoded.indices.shape[1]),
        "word": np.asarray(decoded.words, dtype=object)[decoded.indices[:, :, 0].reshape(-1)],
        "cosine": decoded.cosine[:, :, 0].reshape(-1),
    })[~decoded.padding.reshape(-1)]
    frame = frame[~frame["word"].isin(set(skip))]
    if exclude_stop_words:
        frame = frame[[is_content_word(w) for w in frame["word"]]]
    table = (frame.groupby(["class", "word"], sort=False)["cosine"].agg(count="size", strength="sum")
             .reset_index())
    table["mean_cosine"] = table["strength"] / table["count"]
    order = ["count", "strength"] if by == "count" else ["strength", "count"]
    table = table.sort_values(["class", *order, "word"], ascending=[True, False, False, True], kind="stable")
    return table.groupby("class", sort=False).head(top).reset_index(drop=True)


def distinctive_words(
    dataset, *, top: int = 10, prior: float = 1000.0, exclude_stop_words: bool = True
) -> pd.DataFrame:
    """Per class, the real training words most over-represented in it, by log-odds with a prior.

    Monroe et al. (2008), "Fightin' Words": log-odds ratio of a word in one class against all other
    classes, smoothed by an informative Dirichlet prior (``prior`` pseudo-words spread by overall
    frequency) and divided by its standard error, so rare words do not win by chance.
    Columns: class, word, z, count.
    """
    ids = dataset.train.token_ids
    num_words = len(dataset.vocab)
    counts = np.zeros((dataset.num_classes, num_words))
    for c in range(dataset.num_classes):
        counts[c] = np.bincount(ids[dataset.train.labels == c].reshape(-1), minlength=num_words)
    counts[:, :2] = 0  # padding and unknown say nothing about a class
    total = counts.sum(0)
    alpha = prior * total / max(total.sum(), 1.0)
    rows = []
    keep = is_content_word if exclude_stop_words else WORDLIKE.search  # punctuation never counts
    allowed = np.flatnonzero([bool(keep(w)) for w in dataset.vocab] & (total > 0))
    alpha = alpha[allowed]
    for c, name in enumerate(dataset.class_names):
        y_in, y_out = counts[c, allowed], total[allowed] - counts[c, allowed]
        n_in, n_out = counts[c].sum(), total.sum() - counts[c].sum()
        delta = (np.log((y_in + alpha) / (n_in + prior - y_in - alpha))
                 - np.log((y_out + alpha) / (n_out + prior - y_out - alpha)))
        z = delta / np.sqrt(1.0 / (y_in + alpha) + 1.0 / (y_out + alpha))
        for j in np.argsort(-z, kind="stable")[:top]:
            rows.append({"class": name, "word": dataset.vocab[allowed[j]], "z": float(z[j]), "count": int(y_in[j])})
    return pd.DataFrame(rows, columns=["class", "word", "z", "count"])


def compare_classes(decoded: Decoded, dataset, *, top: int = 10, exclude_stop_words: bool = True) -> pd.DataFrame:
    """One row per class: decoded words beside distinctive real words, and the words they share.

    The table a teacher shows first: did the distilled samples of a class "learn the topic"?
    """
    decoded_words = class_words(decoded, top=top, exclude_stop_words=exclude_stop_words)
    decoded_words = decoded_words.groupby("class", sort=False)["word"].apply(list)
    real_words = distinctive_words(dataset, top=top, exclude_stop_words=exclude_stop_words)
    real_words = real_words.groupby("class", sort=False)["word"].apply(list)
    rows = []
    for name in dataset.class_names:
        mine, real = decoded_words.get(name, []), real_words.get(name, [])
        shared = [w for w in mine if w in set(real)]
        rows.append({"class": name, "decoded": " ".join(mine), "distinctive": " ".join(real),
                     "shared": " ".join(shared), "overlap": len(shared)})
    return pd.DataFrame(rows)
