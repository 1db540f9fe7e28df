"""A non-neural reference row: TF-IDF (1-2 grams) + a linear SVM on the raw texts.

It tells a student where the TextCNN stands: a frozen-embedding CNN that a bag of n-grams beats is
a weak denominator for any distilled/full ratio. The regularisation ``C`` is chosen on the
validation split; the model is deterministic, so the row has one "seed" and no spread.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from ._version import __version__
from .data import TextDataset
from .evaluate import EvalResult

C_GRID = (0.01, 0.1, 1.0, 10.0)
LABEL = "TF-IDF + linear SVM"


def tfidf_reference(
    dataset: TextDataset, *, indices: np.ndarray | None = None, c_grid: Sequence[float] = C_GRID
) -> EvalResult:
    """Fit TF-IDF + LinearSVC on the training texts (or ``indices`` of them), ``C`` chosen on validation.

    Returns an :class:`~textdistill_lab.evaluate.EvalResult` with one seed and one "epoch" per
    ``C`` value, so the evaluator's own selection (best validation column) picks ``C``.
    """
    if not c_grid or min(c_grid) <= 0:
        raise ValueError(f"c_grid must hold positive values, got {list(c_grid)}")
    start = time.perf_counter()
    picks = np.arange(len(dataset.train)) if indices is None else np.asarray(indices)
    texts = [dataset.train.texts[i] for i in picks]
    labels = dataset.train.labels[picks]
    if len(np.unique(labels)) < 2:
        raise ValueError("the TF-IDF reference needs training texts from at least two classes")
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)
    features = vectorizer.fit_transform(texts)
    val_x = vectorizer.transform(dataset.validation.texts)
    test_x = vectorizer.transform(dataset.test.texts)
    val, test = [], []
    for c in c_grid:
        model = LinearSVC(C=c, random_state=0).fit(features, labels)
        val.append(float((model.predict(val_x) == dataset.validation.labels).mean()))
        test.append(float((model.predict(test_x) == dataset.test.labels).mean()))
    chosen = int(np.argmax(val))
    meta = {
        "method": "tfidf-svm",
        "samples": int(len(picks)),
        "dataset": dataset.name,
        "dataset_fingerprint": dataset.fingerprint,
        "test_size": len(dataset.test),
        "validation_size": len(dataset.validation),
        "arch": "tfidf(1-2 gram) + LinearSVC",
        "mode": "fit",
        "c_grid": list(c_grid),
        "chosen_c": float(c_grid[chosen]),
        "features": int(features.shape[1]),
        "library_version": __version__,
    }
    return EvalResult(LABEL, [0], list(range(1, len(c_grid) + 1)), np.asarray([val]), np.asarray([test]),
                      [time.perf_counter() - start], meta)
