"""A non-neural reference row: TF-IDF (1-2 grams) + a linear SVM, scored on the raw texts.

It tells a student where the TextCNN stands: a frozen-embedding CNN that a bag of n-grams beats is
a weak denominator for any distilled/full ratio. The same model reads any training texts (the
dataset's, a random subset's, the decoded texts of a distilled set), and is always scored on the
dataset's raw validation and test texts, so its rows compare. The regularisation ``C`` is chosen on
the validation split; the model is deterministic, so a row has one "seed" and no spread.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from ._version import __version__
from .data import TextDataset
from .evaluate import EvalResult

C_GRID = (0.01, 0.1, 1.0, 10.0)
LABEL = "TF-IDF + linear SVM"


@dataclass
class ReferenceFit:
    """The reference model fitted on some texts: its scores, and the model at the ``C`` validation chose."""

    result: EvalResult  # one seed, one "epoch" per C value
    vectorizer: TfidfVectorizer
    model: LinearSVC  # fitted at the chosen C

    def top_terms(self, class_names: Sequence[str], top: int = 8) -> dict[str, list[str]]:
        """Per class, the terms (words or word pairs) with the largest positive weights towards it.

        With two classes a linear SVM has one weight vector: large positive weights point to the
        second class, large negative ones to the first.
        """
        terms = self.vectorizer.get_feature_names_out()
        coef = self.model.coef_
        if coef.shape[0] == 1:
            coef = np.vstack([-coef[0], coef[0]])
        out = {}
        for row, cls in zip(coef, self.model.classes_):
            order = np.argsort(-row, kind="stable")[:top]
            out[class_names[int(cls)]] = [str(terms[i]) for i in order if row[i] > 0]
        return out


def fit_reference(
    texts: Sequence[str], labels: Sequence[int], dataset: TextDataset, *, c_grid: Sequence[float] = C_GRID,
    method: str = "tfidf-svm",
) -> ReferenceFit:
    """Fit TF-IDF + LinearSVC on ``texts`` at every ``C``; score each on ``dataset``'s raw validation and test texts.

    The result's "epochs" are the ``C`` values, so the evaluator's own selection (best validation
    column) picks ``C``; ``model`` is the one fitted at that ``C``.
    """
    if not c_grid or min(c_grid) <= 0:
        raise ValueError(f"c_grid must hold positive values, got {list(c_grid)}")
    labels = np.asarray(labels)
    if len(texts) != len(labels):
        raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
    if len(np.unique(labels)) < 2:
        raise ValueError("the TF-IDF reference needs training texts from at least two classes")
    start = time.perf_counter()
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)
    features = vectorizer.fit_transform(list(texts))
    val_x = vectorizer.transform(dataset.validation.texts)
    test_x = vectorizer.transform(dataset.test.texts)
    models, val, test = [], [], []
    for c in c_grid:
        models.append(LinearSVC(C=c, random_state=0).fit(features, labels))
        val.append(float((models[-1].predict(val_x) == dataset.validation.labels).mean()))
        test.append(float((models[-1].predict(test_x) == dataset.test.labels).mean()))
    chosen = int(np.argmax(val))
    meta = {
        "method": method,
        "samples": int(len(labels)),
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
    result = EvalResult(LABEL, [0], list(range(1, len(c_grid) + 1)), np.asarray([val]), np.asarray([test]),
                        [time.perf_counter() - start], meta)
    return ReferenceFit(result, vectorizer, models[chosen])


def tfidf_reference(
    dataset: TextDataset, *, indices: np.ndarray | None = None, c_grid: Sequence[float] = C_GRID
) -> EvalResult:
    """The reference row: :func:`fit_reference` on the training texts (or ``indices`` of them)."""
    picks = np.arange(len(dataset.train)) if indices is None else np.asarray(indices)
    texts = [dataset.train.texts[i] for i in picks]
    return fit_reference(texts, dataset.train.labels[picks], dataset, c_grid=c_grid).result
