"""Bad input to the data and vectors layers: one clear error each, and nothing on disk changes."""

import gzip
import hashlib

import pandas as pd
import pytest

from textdistill_lab.data import DataError, NeedsInternetError, load_dataset
from textdistill_lab.vectors import load_vectors


def snapshot(*roots):
    """Every file under ``roots`` with its size and sha256 (empty for a missing root)."""
    return {
        str(path): (path.stat().st_size, hashlib.sha256(path.read_bytes()).hexdigest())
        for root in roots if root.exists() for path in sorted(root.rglob("*")) if path.is_file()
    }


@pytest.fixture
def files(tmp_path, monkeypatch):
    monkeypatch.setenv("TEXTDISTILL_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("WORDNET_DIR", str(tmp_path / "no-wordnet"))
    folder = tmp_path / "inputs"
    folder.mkdir()
    rows = [{"text": f"text {i}", "label": ["a", "b"][i % 2], "score": i / 2} for i in range(10)]
    pd.DataFrame(rows).to_csv(folder / "ok.csv", index=False)
    pd.DataFrame([dict(r, text="" if i == 3 else r["text"]) for i, r in enumerate(rows)]).to_csv(folder / "empty.csv", index=False)
    pd.DataFrame([dict(r, label="a") for r in rows]).to_csv(folder / "one.csv", index=False)
    (folder / "glove.txt").write_text("the 0.1 0.2\ncat 0.3 0.4\n")
    (folder / "truncated.txt").write_text("the 0.1 0.2\ncat 0.3")
    (folder / "unequal.txt").write_text("the 0.1 0.2\ncat 0.3 0.4 0.5\n")
    (folder / "cut.txt.gz").write_bytes(gzip.compress(b"the 0.1 0.2\n" * 500)[:60])
    return folder


BAD_DATASETS = [
    ("trek", {}, DataError, "did you mean 'trec'"),
    ("csv:{f}/missing.csv", {}, DataError, "no such file"),
    ("csv:{f}/ok.csv", {"text_column": "body"}, DataError, r"no column\(s\) \['body'\]"),
    ("csv:{f}/ok.csv", {"label_column": "score"}, DataError, "non-integer number"),
    ("csv:{f}/empty.csv", {}, DataError, r"1 empty text\(s\)"),
    ("csv:{f}/one.csv", {}, DataError, "only one class"),
    ("csv:{f}/ok.csv", {"max_len": 0}, DataError, "max_len must be a positive integer"),
    ("csv:{f}/ok.csv", {"max_len": -5}, DataError, "max_len must be a positive integer"),
    ("ag_news", {}, NeedsInternetError, "ag_news needs internet"),
    ("wordnet-topics", {}, DataError, "apt-get install wordnet-base"),
]
BAD_VECTORS = [
    ("glove-6b-5d", DataError, "did you mean 'glove-6b-50d'"),
    ("{f}/missing.txt", DataError, "does not exist"),
    ("{f}/truncated.txt", DataError, "line 2 has 1 values, expected 2"),
    ("{f}/unequal.txt", DataError, "line 2 has 3 values, expected 2"),
    ("{f}/cut.txt.gz", DataError, "truncated or corrupt"),
    ("random:-1", DataError, "positive integer"),
    ("https://example.invalid/glove.zip", NeedsInternetError, "not reachable"),
]


@pytest.mark.parametrize(("name", "kwargs", "error", "message"), BAD_DATASETS)
def test_bad_dataset_input_changes_nothing_on_disk(files, name, kwargs, error, message):
    home = files.parent / "home"
    load_dataset(f"csv:{files}/ok.csv", max_len=4)  # a good load first: the cache may already hold things
    before = snapshot(files, home)
    with pytest.raises(error, match=message):
        load_dataset(name.format(f=files), **kwargs)
    assert snapshot(files, home) == before


@pytest.mark.parametrize(("name", "error", "message"), BAD_VECTORS)
def test_bad_vectors_input_changes_nothing_on_disk(files, name, error, message):
    home = files.parent / "home"
    load_vectors(files / "glove.txt")
    before = snapshot(files, home)
    with pytest.raises(error, match=message):
        load_vectors(name.format(f=files))
    assert snapshot(files, home) == before
