"""Parsers for word-vector files: GloVe/word2vec text (plain, ``.gz``, ``.zip``) and wink's npm JSON.

Both return ``(words, matrix (num_words, dim) float32)`` or raise one clear ``DataError`` for a
truncated file, rows of unequal length, or values that are not numbers. Numbers are parsed in
chunks with numpy, not one Python float at a time, so a 400k-word file takes seconds.
"""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from ..errors import DataError

_CHUNK = 20_000  # lines parsed per numpy call


def _parse_chunk(rests: list[str], first_line: int, dim: int, source: str) -> np.ndarray:
    try:  # numpy's C parser; any non-number or short row raises, and the slow path below says where
        values = np.loadtxt(io.StringIO("\n".join(rests)), dtype=np.float32, comments=None, ndmin=2)
    except ValueError:
        values = np.empty((0, dim), dtype=np.float32)
    if values.shape == (len(rests), dim):
        return values
    for offset, rest in enumerate(rests):  # slow path, only to name the bad line
        try:
            np.asarray(rest.split(" "), dtype=np.float32)
        except ValueError:
            raise DataError(f"{source}: line {first_line + offset} has a value that is not a number") from None
    raise DataError(f"{source}: unreadable numbers near line {first_line}")


def parse_glove_lines(lines: Iterable[str], source: str = "vectors file") -> tuple[list[str], np.ndarray]:
    """GloVe text: ``word v1 … vd`` per line (a word2vec ``rows dim`` header line is allowed and checked)."""
    words: list[str] = []
    blocks: list[np.ndarray] = []
    rests: list[str] = []
    dim = declared_rows = None
    chunk_start = 1
    number = 0
    for number, line in enumerate(lines, start=1):
        line = line.rstrip("\r\n").rstrip(" ")
        word, _, rest = line.partition(" ")
        if number == 1 and rest and " " not in rest and word.isdigit() and rest.isdigit():
            declared_rows, dim = int(word), int(rest)
            chunk_start = 2
            continue
        if not rest:
            raise DataError(
                f"{source}: line {number} has a word but no numbers; the file is truncated or not GloVe text"
            )
        count = rest.count(" ") + 1
        if dim is None:
            dim = count
        elif count != dim:
            raise DataError(
                f"{source}: line {number} has {count} values, expected {dim} (rows of unequal length, "
                "or the file is truncated)"
            )
        words.append(word)
        rests.append(rest)
        if len(rests) == _CHUNK:
            blocks.append(_parse_chunk(rests, chunk_start, dim, source))
            chunk_start, rests = number + 1, []
    if dim is None or not (words or declared_rows == 0):
        raise DataError(f"{source}: no vectors found; the file is empty")
    if rests:
        blocks.append(_parse_chunk(rests, chunk_start, dim, source))
    if declared_rows is not None and declared_rows != len(words):
        raise DataError(f"{source}: header says {declared_rows} rows but {len(words)} follow; the file is truncated")
    matrix = np.concatenate(blocks) if blocks else np.zeros((0, dim), dtype=np.float32)
    if not np.isfinite(matrix).all():
        raise DataError(f"{source}: contains NaN or infinite values")
    return words, matrix


def _text_lines(handle: io.BufferedIOBase, source: str) -> Iterable[str]:
    try:
        yield from io.TextIOWrapper(handle, encoding="utf-8", newline="\n")
    except UnicodeDecodeError as exc:
        raise DataError(f"{source}: not UTF-8 text ({exc.reason}); GloVe files are UTF-8") from exc
    except (EOFError, gzip.BadGzipFile, zipfile.BadZipFile) as exc:
        raise DataError(f"{source}: the compressed file is truncated or corrupt ({exc})") from exc


def read_glove_file(path: Path, member: str | None = None) -> tuple[list[str], np.ndarray]:
    """Parse a GloVe ``.txt``, ``.txt.gz`` or ``.zip`` (``member`` picks the file inside a zip)."""
    source = str(path) + (f"#{member}" if member else "")
    if path.suffix == ".gz":
        with gzip.open(path, "rb") as handle:
            return parse_glove_lines(_text_lines(handle, source), source)
    if path.suffix == ".zip":
        try:
            with zipfile.ZipFile(path) as zf:
                texts = [n for n in zf.namelist() if n.endswith((".txt", ".vec"))]
                if member is None and len(texts) != 1:
                    raise DataError(f"{path} holds {texts or zf.namelist()}; pick one as {path}#NAME")
                name = member or texts[0]
                if name not in zf.namelist():
                    raise DataError(f"{path} has no {name!r}; it holds {zf.namelist()}")
                with zf.open(name) as handle:
                    return parse_glove_lines(_text_lines(handle, source), source)
        except zipfile.BadZipFile as exc:
            raise DataError(f"{path}: not a readable zip ({exc}); the download may be truncated") from exc
    with open(path, "rb") as handle:
        return parse_glove_lines(_text_lines(handle, source), source)


def convert_wink_json(data: bytes, source: str = "wink embeddings") -> tuple[list[str], np.ndarray]:
    """wink-embeddings JSON → words and matrix: ``vectors[word] = [dim values…, l2 norm, index]``."""
    try:
        doc = json.loads(data)
        words, vectors, dim = doc["words"], doc["vectors"], int(doc["dimensions"])
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(f"{source}: not valid JSON ({exc}); the download is truncated or corrupt") from exc
    except (KeyError, TypeError, ValueError) as exc:
        raise DataError(
            f"{source}: missing 'words', 'vectors' or 'dimensions' ({exc}); not a wink embeddings file"
        ) from exc
    rows = []
    for index, word in enumerate(words):
        entry = vectors.get(word)
        if not isinstance(entry, list) or len(entry) != dim + 2:
            raise DataError(f"{source}: word {word!r} has no vector of {dim} values (+ norm, index)")
        if entry[dim + 1] != index:
            raise DataError(f"{source}: word {word!r} is listed at {index} but its vector says {entry[dim + 1]}")
        rows.append(entry[:dim])
    try:
        matrix = np.asarray(rows, dtype=np.float32).reshape(len(words), dim)
    except (ValueError, TypeError) as exc:
        raise DataError(f"{source}: a vector holds a value that is not a number ({exc})") from exc
    if any("\n" in w for w in words):
        raise DataError(f"{source}: a word contains a line break; cannot store it")
    return list(words), matrix
