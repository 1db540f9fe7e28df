"""The output of every distillation method: synthetic embedding matrices, labels, learning rates.

On disk a distilled set is a folder with ``distilled.safetensors`` (tensors only: we never unpickle)
and ``card.json`` (what made it, checksums, metrics). Both are input anyone can edit, so loading
checks, in this order and before reading more than it must: the card's size, JSON and schema, its
own checksum; the tensor file's size against the shapes the card names and its header; the
tensors' sha256; then the content (float data, all finite, learning rates finite and > 0, labels
a distribution, shapes as the card says) and, when given, that the word vectors match.
"""

from __future__ import annotations

import json
import platform
import struct
from dataclasses import dataclass, field
from pathlib import Path

import torch
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

from ._version import __version__
from .io import atomic_write_bytes, atomic_write_json, sha256_bytes

TENSORS_FILE = "distilled.safetensors"
CARD_FILE = "card.json"
FORMAT_VERSION = 3  # 2: the card's "epochs" (inner replays) became "replays"; 3: the card carries its own sha256
MAX_CARD_BYTES = 16 << 20  # a card is a few kB (metrics' history included)
MAX_HEADER_BYTES = 1 << 20  # safetensors' JSON header for three tensors is under 1 kB
MAX_LR = 1e6  # a sanity bound, 10**6 times the distiller's default lr_max (1.0): a larger rate is an edit, not a result
MAX_ELEMENTS = 1 << 31  # 8 GB of float32: far beyond any distilled set, far below a 2**62 header

# The card's schema: key -> the JSON types its value may have (bool is refused where int is asked).
CARD_SCHEMA: dict[str, tuple[type, ...]] = {
    "format_version": (int,), "method": (str,), "samples": (int,), "tokens": (int,), "dim": (int,),
    "class_names": (list,), "steps": (int,), "replays": (int,), "lrs": (list,), "dataset": (str,),
    "dataset_fingerprint": (str,), "vectors": (str,), "vectors_checksum": (str,), "config": (dict,),
    "metrics": (dict,), "tensors_sha256": (str,),
}


class DistilledSetError(ValueError):
    """A distilled-set file that is missing, edited, truncated or made with other vectors."""


@dataclass
class DistilledSet:
    """Synthetic training data in embedding space.

    ``data`` is ``(samples, tokens, dim)``; ``labels`` is ``(samples, classes)``, a distribution per
    sample (one-hot for fixed labels); ``lrs`` holds the learned per-step learning rates, one per
    inner step, in replay order (empty for methods that learn none). ``steps`` and ``replays`` say how
    the paper's replay protocol walks through the data: the set is cut into ``steps`` batches,
    replayed ``replays`` times, so ``len(lrs) == steps * replays``.
    """

    data: torch.Tensor
    labels: torch.Tensor
    class_names: list[str]
    lrs: torch.Tensor = field(default_factory=lambda: torch.empty(0))
    steps: int = 1
    replays: int = 1
    method: str = "unknown"
    dataset: str = ""
    dataset_fingerprint: str = ""
    vectors: str = ""
    vectors_checksum: str = ""
    config: dict = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)
    words: list[list[str]] | None = None  # a word-constrained set's words, one per position (its rows' exact words)

    def __post_init__(self) -> None:
        if self.data.ndim != 3:
            raise DistilledSetError(f"data must be (samples, tokens, dim), got shape {tuple(self.data.shape)}")
        if self.labels.ndim != 2 or self.labels.shape != (self.data.shape[0], len(self.class_names)):
            raise DistilledSetError(
                f"labels must be (samples={self.data.shape[0]}, classes={len(self.class_names)}), "
                f"got {tuple(self.labels.shape)}"
            )
        if self.words is not None and (len(self.words) != self.data.shape[0]
                                       or any(len(row) != self.data.shape[1] for row in self.words)):
            raise DistilledSetError(f"words must be one list of {self.data.shape[1]} words per sample "
                                    f"({self.data.shape[0]} samples)")

    @property
    def num_samples(self) -> int:
        return int(self.data.shape[0])

    @property
    def tokens(self) -> int:
        return int(self.data.shape[1])

    @property
    def dim(self) -> int:
        return int(self.data.shape[2])

    @property
    def inner_mode(self) -> str:
        """How the distiller cut the set into steps (``replay`` or ``full-batch``); sets saved before the
        option existed were all ``replay``."""
        return self.config.get("inner_mode", "replay")

    @property
    def hard_labels(self) -> torch.Tensor:
        """Class index per sample ``(samples,)``: the argmax of the label distribution."""
        return self.labels.argmax(dim=1)

    def card(self) -> dict:
        return {
            "format_version": FORMAT_VERSION,
            "method": self.method,
            "samples": self.num_samples,
            "tokens": self.tokens,
            "dim": self.dim,
            "class_names": list(self.class_names),
            "steps": self.steps,
            "replays": self.replays,
            "lrs": [float(x) for x in self.lrs.flatten()],
            "dataset": self.dataset,
            "dataset_fingerprint": self.dataset_fingerprint,
            "vectors": self.vectors,
            "vectors_checksum": self.vectors_checksum,
            "config": self.config,
            "metrics": self.metrics,
            "words": self.words,
            "library_version": __version__,
            "torch_version": torch.__version__,
            "python_version": platform.python_version(),
        }

    def save(self, folder: str | Path) -> Path:
        """Write tensors then card, each atomically; the card carries the tensors' sha256."""
        folder = Path(folder)
        tensors = {
            "data": self.data.detach().cpu().contiguous().float(),
            "labels": self.labels.detach().cpu().contiguous().float(),
            "lrs": self.lrs.detach().cpu().contiguous().float().flatten(),
        }
        blob = st_save(tensors)
        atomic_write_bytes(folder / TENSORS_FILE, blob)
        card = {**self.card(), "tensors_sha256": sha256_bytes(blob)}
        atomic_write_json(folder / CARD_FILE, {**card, "card_sha256": card_checksum(card)})
        return folder

    @classmethod
    def load(cls, folder: str | Path, *, vectors=None) -> DistilledSet:
        """Load a saved set; refuse pickles, edited or truncated files, and mismatched vectors."""
        folder = Path(folder)
        if folder.is_file():
            if folder.suffix in (".pt", ".pth", ".pkl", ".pickle", ".bin"):
                raise DistilledSetError(
                    f"{folder} looks like a torch/pickle file; distilled sets are folders with "
                    f"{TENSORS_FILE} and {CARD_FILE} (pickles are never loaded: they can run code)"
                )
            folder = folder.parent
        card_path, tensor_path = folder / CARD_FILE, folder / TENSORS_FILE
        for path in (card_path, tensor_path):
            if not path.is_file():
                raise DistilledSetError(f"{path} not found; pass the folder written by `textdistill distill --out`")
        card = read_card(card_path)
        tensors = _read_tensors(tensor_path, card)
        _check_content(tensors, card, tensor_path)
        if vectors is not None:
            check_vectors(card, vectors)
        return cls(
            data=tensors["data"],
            labels=tensors["labels"],
            lrs=tensors["lrs"],
            class_names=list(card["class_names"]),
            steps=card["steps"],
            replays=card["replays"],
            method=card["method"],
            dataset=card["dataset"],
            dataset_fingerprint=card["dataset_fingerprint"],
            vectors=card["vectors"],
            vectors_checksum=card["vectors_checksum"],
            config=card["config"],
            metrics=card["metrics"],
            words=card.get("words"),
        )


def card_checksum(card: dict) -> str:
    """sha256 of the card as JSON reads it back (sorted keys), without its own ``card_sha256``."""
    plain = json.loads(json.dumps({k: v for k, v in card.items() if k != "card_sha256"}, default=str))
    return sha256_bytes(json.dumps(plain, sort_keys=True, separators=(",", ":")).encode())


def read_card(path: Path) -> dict:
    """``card.json`` parsed and checked against :data:`CARD_SCHEMA` and its own checksum."""
    def refuse(what: str) -> DistilledSetError:
        return DistilledSetError(f"{path} {what}; the file was edited or truncated: restore it or distill again")

    size = path.stat().st_size
    if size > MAX_CARD_BYTES:
        raise refuse(f"is {size:,} bytes, more than a card's {MAX_CARD_BYTES:,}")
    try:
        card = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as err:  # JSONDecodeError is a ValueError
        raise refuse(f"is not valid JSON ({err})") from None
    if not isinstance(card, dict):
        raise refuse(f"holds a JSON {type(card).__name__}, not an object")
    if "replays" not in card and isinstance(card.get("epochs"), int):  # format 1 said "epochs"
        card["replays"] = card.pop("epochs")
    for key, types in CARD_SCHEMA.items():
        if key not in card:
            raise refuse(f"has no {key!r}")
        value = card[key]
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            raise refuse(f"has {key!r} of type {type(value).__name__}, not {' or '.join(t.__name__ for t in types)}")
    if card["format_version"] >= 3 and card.get("card_sha256") != card_checksum(card):
        raise refuse("does not match its own checksum (card_sha256)")
    for key in ("samples", "tokens", "dim", "steps", "replays"):
        if card[key] < 1:
            raise refuse(f"has {key}={card[key]}, not a positive count")
    if not all(isinstance(name, str) for name in card["class_names"]) or len(card["class_names"]) < 2:
        raise refuse("has 'class_names' that are not a list of two or more names")
    return card


def _read_tensors(path: Path, card: dict) -> dict[str, torch.Tensor]:
    """The tensors, after the file's size and header are checked against the card (nothing huge is read)."""
    def refuse(what: str) -> DistilledSetError:
        return DistilledSetError(f"{path} {what}; the file was edited or truncated: re-run the distillation or "
                                 "restore the file")

    elements = card["samples"] * (card["tokens"] * card["dim"] + len(card["class_names"])) + len(card["lrs"])
    if elements > MAX_ELEMENTS:
        raise refuse(f"would hold {elements:,} numbers by its card, more than {MAX_ELEMENTS:,}")
    size, payload = path.stat().st_size, 8 * elements  # at most float64; the dtype itself is checked later
    if not 8 < size <= payload + 8 + MAX_HEADER_BYTES:
        raise refuse(f"is {size:,} bytes, but its card's shapes need at most {payload:,} bytes of numbers and a header")
    with open(path, "rb") as handle:
        (header_len,) = struct.unpack("<Q", handle.read(8))
    if header_len > min(MAX_HEADER_BYTES, size - 8):
        raise refuse(f"has a header of {header_len:,} bytes, beyond its size or the {MAX_HEADER_BYTES:,} a header needs")
    blob = path.read_bytes()
    if sha256_bytes(blob) != card["tensors_sha256"]:
        raise refuse(f"does not match the checksum in {CARD_FILE}")
    try:
        tensors = st_load(blob)
    except Exception as err:  # noqa: BLE001 - safetensors raises its own error type for any malformed file
        raise refuse(f"is not a readable safetensors file ({type(err).__name__})") from None
    missing = {"data", "labels", "lrs"} - set(tensors)
    if missing:
        raise refuse(f"has no tensor(s) {sorted(missing)}")
    return tensors


def _check_content(tensors: dict[str, torch.Tensor], card: dict, path: Path) -> None:
    """Refuse what would train a model on garbage: non-float or non-finite values, bad rates, bad labels, shapes."""
    samples, classes = card["samples"], len(card["class_names"])
    expected = {"data": (samples, card["tokens"], card["dim"]), "labels": (samples, classes), "lrs": (len(card["lrs"]),)}
    for name, shape in expected.items():
        tensor = tensors[name]
        if tensor.dtype != torch.float32:
            raise DistilledSetError(f"{path}: {name} is {tensor.dtype}, not float32; distill the set again")
        if tuple(tensor.shape) != shape:
            raise DistilledSetError(f"{path}: {name} has shape {tuple(tensor.shape)} but the card says {shape}")
        if not bool(torch.isfinite(tensor).all()):
            raise DistilledSetError(f"{path}: {name} holds NaN or infinite values; this set cannot train a model")
    lrs = tensors["lrs"]
    if bool(((lrs <= 0) | (lrs > MAX_LR)).any()):
        shown = ", ".join(f"{lr:.3g}" for lr in lrs[:5].tolist())
        raise DistilledSetError(f"{path}: learning rates must be > 0 and at most {MAX_LR:g}, got {shown}"
                                f"{', ...' if len(lrs) > 5 else ''}; this set cannot train a model")
    labels = tensors["labels"]
    if bool((labels < 0).any()) or not torch.allclose(labels.sum(dim=1), torch.ones(samples), atol=1e-3):
        raise DistilledSetError(f"{path}: labels must be a distribution per sample (>= 0, summing to 1)")


def check_vectors(card: dict, vectors) -> None:
    """Raise unless ``vectors`` (a WordVectors) is the one the card was distilled with."""
    if card["dim"] != vectors.dim:
        raise DistilledSetError(
            f"distilled set has dim {card['dim']} but vectors {vectors.name!r} have dim {vectors.dim}; "
            f"load it with the vectors it was made with ({card['vectors']!r})"
        )
    if card.get("vectors_checksum") and card["vectors_checksum"] != vectors.checksum:
        raise DistilledSetError(
            f"distilled set was made with vectors {card['vectors']!r} (checksum {card['vectors_checksum']}) "
            f"but {vectors.name!r} has checksum {vectors.checksum}; use the same vectors"
        )
