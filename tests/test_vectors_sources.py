"""load_vectors: files by path (cached after the first parse), random:DIM, names, offline URLs, npm."""

import functools
import http.server
import threading
import time
import zipfile

import numpy as np
import pytest

from textdistill_lab.data import DataError, NeedsInternetError
from textdistill_lab.vectors import WordVectors, list_vectors, load_vectors, vectors_coverage

GLOVE = "the 0.1 0.2 0.3\ncat -1.5 2e-3 4\nsat 0 0 1\n"


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("TEXTDISTILL_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def test_glove_file_is_parsed_once_then_memory_mapped(tmp_path, home):
    path = tmp_path / "tiny.txt"
    path.write_text(GLOVE)
    first = load_vectors(path)
    assert first.words == ["the", "cat", "sat"] and first.dim == 3
    (cache,) = (home / "vectors").iterdir()
    meta_time = (cache / "meta.json").stat().st_mtime_ns
    again = load_vectors(str(path))
    assert isinstance(again.matrix, np.memmap)
    assert (cache / "meta.json").stat().st_mtime_ns == meta_time  # not converted again
    np.testing.assert_array_equal(np.asarray(again.matrix), np.asarray(first.matrix))
    assert again.checksum == first.checksum and len(again.checksum) == 16


def test_checksum_identifies_the_source_file(tmp_path, home):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text(GLOVE)
    b.write_text(GLOVE.replace("0.1", "0.7"))
    assert load_vectors(a).checksum != load_vectors(b).checksum
    c = tmp_path / "c.txt"
    c.write_text(GLOVE)
    assert load_vectors(c).checksum == load_vectors(a).checksum  # same bytes, same vectors


def test_damaged_cache_is_removed_and_rebuilt(tmp_path, home):
    path = tmp_path / "tiny.txt"
    path.write_text(GLOVE)
    load_vectors(path)
    (cache,) = (home / "vectors").iterdir()
    (cache / "matrix.npy").write_bytes((cache / "matrix.npy").read_bytes()[:100])
    rebuilt = load_vectors(path)
    assert rebuilt.words == ["the", "cat", "sat"]
    np.testing.assert_allclose(rebuilt.matrix[1], [-1.5, 0.002, 4.0])


def test_random_vectors_embed_every_word_with_seeded_noise(toy_dataset):
    vectors = load_vectors("random:8")
    assert vectors.dim == 8 and len(vectors) == 0 and vectors.checksum == load_vectors("random:8").checksum
    emb, coverage = vectors.embedding_for(toy_dataset.vocab, seed=3)
    again, _ = vectors.embedding_for(toy_dataset.vocab, seed=3)
    assert coverage == 0.0 and emb.shape == (len(toy_dataset.vocab), 8)
    np.testing.assert_array_equal(emb, again)
    assert not emb[0].any() and 0.05 < emb[1:].std() < 0.15
    for bad in ("random:0", "random:x", "random:"):
        with pytest.raises(DataError, match="random:DIM with a positive integer"):
            load_vectors(bad)


def test_unknown_name_suggests_the_closest(home):
    with pytest.raises(DataError, match="unknown vectors 'glove-6b-5d'; did you mean 'glove-6b-50d'"):
        load_vectors("glove-6b-5d")
    with pytest.raises(DataError, match="vectors file .*missing.txt does not exist"):
        load_vectors("missing.txt")


def test_url_offline_fails_within_seconds_naming_what_works(home):
    start = time.perf_counter()
    with pytest.raises(NeedsInternetError, match="example.invalid is not reachable; works offline"):
        load_vectors("https://example.invalid/glove.twitter.27B.zip#glove.twitter.27B.100d.txt")
    assert time.perf_counter() - start < 5
    assert not (home / "downloads").exists() or not any((home / "downloads").rglob("*.zip"))


def test_url_is_downloaded_once_into_the_cache(tmp_path, home):
    served = tmp_path / "served"
    served.mkdir()
    with zipfile.ZipFile(served / "glove.zip", "w") as zf:
        zf.writestr("glove.3d.txt", GLOVE)
        zf.writestr("glove.2d.txt", "x 1 2\n")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/glove.zip#glove.3d.txt"
        vectors = load_vectors(url)
        assert vectors.name == "glove.3d.txt" and vectors.words == ["the", "cat", "sat"]
        (served / "glove.zip").unlink()  # the second load uses the cached download
        assert load_vectors(url).checksum == vectors.checksum
    finally:
        server.shutdown()
        server.server_close()
    assert len(list((home / "downloads").rglob("glove.zip"))) == 1


def test_npm_vectors_without_npm_is_a_clear_error(home, monkeypatch):
    monkeypatch.setenv("PATH", "")
    with pytest.raises(DataError, match="npm is not installed; install Node.js .* or use vectors 'glove-6b-50d'"):
        load_vectors("glove-6b-100d")
    rows = {info.name: info.as_row() for info in list_vectors()}
    assert rows["glove-6b-100d"]["status"] == "needs npm (Node.js)"


def test_embedding_for_aligns_rows(toy_vectors):
    vocab = ["<pad>", "<unk>", "bank", "zzz", "game"]
    emb, coverage = toy_vectors.embedding_for(vocab, seed=0)
    assert coverage == pytest.approx(2 / 3)
    np.testing.assert_array_equal(emb[2], toy_vectors.matrix[toy_vectors.index_of("bank")])
    np.testing.assert_array_equal(emb[4], toy_vectors.matrix[toy_vectors.index_of("game")])
    assert not emb[0].any()


def test_coverage_is_token_weighted(toy_dataset, toy_vectors):
    words = [w for w in toy_vectors.words if w not in ("the", "a")]  # drop two frequent filler words
    fewer = WordVectors("fewer", words, toy_vectors.matrix[toy_vectors.rows_of(words)])
    full = vectors_coverage(toy_dataset, toy_vectors)
    part = vectors_coverage(toy_dataset, fewer)
    assert full["token_coverage"] == 1.0 and full["vocab_coverage"] == 1.0
    ids = toy_dataset.train.token_ids
    vocab = toy_dataset.vocab
    n_missing = np.isin(ids, [vocab.index("the"), vocab.index("a")]).sum()
    assert part["token_coverage"] == pytest.approx(1 - n_missing / (ids != 0).sum())
    assert part["vocab_coverage"] == pytest.approx(1 - 2 / (len(vocab) - 2))
    assert set(part["top_missing"]) == {"the", "a"}


def test_vectors_rows_of_marks_missing_words():
    vectors = WordVectors("w", ["a", "b"], np.eye(2, dtype=np.float32))
    assert vectors.rows_of(["b", "x", "a"]).tolist() == [1, -1, 0]


def test_random_vectors_of_absurd_size_are_refused_before_allocating():
    with pytest.raises(DataError, match="positive integer DIM up to 10,000"):
        load_vectors("random:100000000")
