"""Shared fixtures: small, seeded, made-up data so most tests need no download."""

from __future__ import annotations

import os

import numpy as np
import pytest
import torch

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
# One thread per process: tests are tiny, and oversubscribed cores (a notebook kernel or a CLI
# subprocess beside pytest) make torch's thread pool 30-100x slower than a single thread.
os.environ.setdefault("OMP_NUM_THREADS", "1")

torch.set_num_threads(1)

from textdistill_lab.data import TextDataset, build_dataset  # noqa: E402
from textdistill_lab.vectors import WordVectors  # noqa: E402

TOPICS = {
    "sports": ["game", "team", "score", "coach", "season", "player", "win", "ball"],
    "science": ["atom", "cell", "theory", "energy", "physics", "biology", "lab", "gene"],
    "money": ["bank", "stock", "price", "market", "trade", "profit", "loan", "tax"],
}
FILLER = ["the", "a", "of", "and", "to", "in", "is", "was", "for", "on"]


@pytest.fixture(scope="session")
def toy_dataset() -> TextDataset:
    """Three topics, 80 sentences each: topic words mixed with filler, seeded."""
    rng = np.random.default_rng(0)
    texts, labels = [], []
    names = list(TOPICS)
    for label, name in enumerate(names):
        for _ in range(80):
            words = list(rng.choice(TOPICS[name], size=3)) + list(rng.choice(FILLER, size=5))
            rng.shuffle(words)
            texts.append(" ".join(words))
            labels.append(label)
    return build_dataset("toy", texts, labels, names, max_len=10, seed=0, source="made up by tests")


@pytest.fixture(scope="session")
def toy_vectors() -> WordVectors:
    """16-d vectors: each topic's words cluster around their own direction; filler is small noise."""
    rng = np.random.default_rng(1)
    words, rows = [], []
    for k, name in enumerate(TOPICS):
        centre = np.zeros(16, dtype=np.float32)
        centre[k * 4 : k * 4 + 4] = 1.0
        for word in TOPICS[name]:
            words.append(word)
            rows.append(centre + 0.3 * rng.normal(size=16))
    for word in FILLER:
        words.append(word)
        rows.append(0.3 * rng.normal(size=16))
    return WordVectors("toy-16d", words, np.asarray(rows, dtype=np.float32))


def _build_book_script():
    """scripts/build_book.py as a module: it executes the chapters and stages the book."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "scripts" / "build_book.py"
    spec = importlib.util.spec_from_file_location("build_book", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def build_book():
    return _build_book_script()


@pytest.fixture(scope="session")
def executed_chapters(build_book, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Every chapter executed once per test session, at the smoke budget, two kernels at a time:
    test_notebooks checks each run and test_book builds the book from these same notebooks.

    Maps each chapter's name to its executed notebook (a Path) or the error it raised."""
    folder = tmp_path_factory.mktemp("executed")
    return build_book.execute_all("smoke", folder, jobs=2, use_cache=False)
