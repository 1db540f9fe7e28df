"""Vector file parsers: GloVe text (plain, gz, zip, word2vec header) and wink's npm JSON."""

import gzip
import json
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from textdistill_lab.data import DataError
from textdistill_lab.vectors.parse import convert_wink_json, parse_glove_lines, read_glove_file

GLOVE = "the 0.1 0.2 0.3\ncat -1.5 2e-3 4\nsat 0 0 1\n"


def test_glove_text_gives_words_and_float32_matrix():
    words, matrix = parse_glove_lines(GLOVE.splitlines(keepends=True))
    assert words == ["the", "cat", "sat"]
    assert matrix.dtype == np.float32 and matrix.shape == (3, 3)
    np.testing.assert_allclose(matrix[1], [-1.5, 0.002, 4.0])


def test_word2vec_header_is_read_and_checked():
    words, matrix = parse_glove_lines(["3 3\n", *GLOVE.splitlines()])
    assert len(words) == 3 and matrix.shape == (3, 3)
    with pytest.raises(DataError, match="header says 4 rows but 3 follow; the file is truncated"):
        parse_glove_lines(["4 3\n", *GLOVE.splitlines()])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("the 0.1 0.2 0.3\ncat 1 2\n", "line 2 has 2 values, expected 3"),
        ("the 0.1 0.2 0.3\ncat 1 2 3 4\n", "line 2 has 4 values, expected 3"),
        ("the 0.1 0.2 0.3\ncat 1 x 3\n", "line 2 has a value that is not a number"),
        ("the 0.1 0.2 0.3\ncat\n", "line 2 has a word but no numbers"),
        ("", "no vectors found; the file is empty"),
        ("the 0.1 nan 0.3\n", "NaN or infinite"),
    ],
)
def test_bad_glove_text_names_the_line_and_problem(text, message):
    with pytest.raises(DataError, match=message):
        parse_glove_lines(text.splitlines(keepends=True))


def test_chunked_parsing_matches_across_chunk_borders(monkeypatch):
    import textdistill_lab.vectors.parse as vp

    monkeypatch.setattr(vp, "_CHUNK", 2)
    rng = np.random.default_rng(0)
    expected = rng.normal(size=(7, 4)).astype(np.float32)
    lines = [f"w{i} " + " ".join(repr(float(x)) for x in row) for i, row in enumerate(expected)]
    words, matrix = parse_glove_lines(lines)
    assert words == [f"w{i}" for i in range(7)]
    np.testing.assert_array_equal(matrix, expected)
    lines[5] = "w5 1 2 oops 4"
    with pytest.raises(DataError, match="line 6 has a value that is not a number"):
        parse_glove_lines(lines)


_words = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Zs", "Cc")), min_size=1, max_size=8)
_floats = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, width=32)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 5).flatmap(lambda d: st.lists(st.tuples(_words, st.lists(_floats, min_size=d, max_size=d)),
                                                    min_size=1, max_size=20)))
def test_glove_roundtrip_property(rows):
    lines = [w + " " + " ".join(repr(float(x)) for x in vec) + "\n" for w, vec in rows]
    words, matrix = parse_glove_lines(lines)
    assert words == [w for w, _ in rows]
    np.testing.assert_array_equal(matrix, np.asarray([v for _, v in rows], dtype=np.float32))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=30), max_size=8))
def test_glove_parser_never_fails_with_anything_but_data_error(lines):
    try:
        words, matrix = parse_glove_lines([line + "\n" for line in lines])
    except DataError:
        return
    assert matrix.shape[0] == len(words) and np.isfinite(matrix).all()


def test_gz_and_zip_files_and_zip_member_choice(tmp_path):
    gz = tmp_path / "v.txt.gz"
    gz.write_bytes(gzip.compress(GLOVE.encode()))
    assert read_glove_file(gz)[0] == ["the", "cat", "sat"]
    zpath = tmp_path / "glove.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        zf.writestr("a.50d.txt", GLOVE)
        zf.writestr("b.2d.txt", "x 1 2\n")
    with pytest.raises(DataError, match="pick one as"):
        read_glove_file(zpath)
    words, matrix = read_glove_file(zpath, "b.2d.txt")
    assert words == ["x"] and matrix.shape == (1, 2)
    with pytest.raises(DataError, match="has no 'c.txt'"):
        read_glove_file(zpath, "c.txt")


def test_truncated_compressed_files_are_clear_errors(tmp_path):
    data = gzip.compress(("\n".join(f"w{i} 1 2 3" for i in range(2000)) + "\n").encode())
    gz = tmp_path / "cut.txt.gz"
    gz.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match="truncated"):
        read_glove_file(gz)
    zpath = tmp_path / "cut.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        zf.writestr("v.txt", GLOVE)
    zpath.write_bytes(zpath.read_bytes()[:40])
    with pytest.raises(DataError, match="not a readable zip"):
        read_glove_file(zpath)


def _wink(words, dim=3):
    vectors = {w: [float(i), 0.5, -1.0][:dim] + [1.0, i] for i, w in enumerate(words)}
    return json.dumps({"precision": 8, "dimensions": dim, "size": len(words), "words": words,
                       "vectors": vectors, "unkVector": [0] * (dim + 1) + [-1]}).encode()


def test_wink_json_converts_in_word_order_and_drops_norm_and_index():
    words, matrix = convert_wink_json(_wink(["the", "cat", "sat"]))
    assert words == ["the", "cat", "sat"]
    np.testing.assert_array_equal(matrix, np.asarray([[0, 0.5, -1], [1, 0.5, -1], [2, 0.5, -1]], dtype=np.float32))


def test_wink_json_errors():
    good = json.loads(_wink(["a", "b"]))
    with pytest.raises(DataError, match="not valid JSON"):
        convert_wink_json(_wink(["a", "b"])[:-20])
    with pytest.raises(DataError, match="missing 'words'"):
        convert_wink_json(json.dumps({"vectors": {}}).encode())
    short = dict(good, vectors=dict(good["vectors"], b=[1.0, 2.0]))
    with pytest.raises(DataError, match="word 'b' has no vector of 3 values"):
        convert_wink_json(json.dumps(short).encode())
    moved = dict(good, vectors=dict(good["vectors"], b=[1.0, 0.5, -1.0, 1.0, 7]))
    with pytest.raises(DataError, match="listed at 1 but its vector says 7"):
        convert_wink_json(json.dumps(moved).encode())
