"""The output of every distillation method: synthetic embedding matrices, labels, learning rates.

On disk a distilled set is a folder with ``distilled.safetensors`` (tensors only: we never unpickle)
and ``card.json`` (what made it, checksums, metrics). Loading verifies the tensors' sha256 and,
when given, that the word vectors match the ones it was distilled with.
"""

from __future__ import annotations

import json
import platform
from dataclasses import dataclass, field
from pathlib import Path

import torch
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

from ._version import __version__
from .io import atomic_write_bytes, atomic_write_json, sha256_bytes

TENSORS_FILE = "distilled.safetensors"
CARD_FILE = "card.json"
FORMAT_VERSION = 2  # 2: the card's "epochs" (inner replays) became "replays"


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

    def __post_init__(self) -> None:
        if self.data.ndim != 3:
            raise DistilledSetError(f"data must be (samples, tokens, dim), got shape {tuple(self.data.shape)}")
        if self.labels.ndim != 2 or self.labels.shape != (self.data.shape[0], len(self.class_names)):
            raise DistilledSetError(
                f"labels must be (samples={self.data.shape[0]}, classes={len(self.class_names)}), "
                f"got {tuple(self.labels.shape)}"
            )

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
        atomic_write_json(folder / CARD_FILE, {**self.card(), "tensors_sha256": sha256_bytes(blob)})
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
            if not path.exists():
                raise DistilledSetError(f"{path} not found; pass the folder written by `textdistill distill --out`")
        try:
            card = json.loads(card_path.read_text())
        except json.JSONDecodeError as err:
            raise DistilledSetError(f"{card_path} is not valid JSON ({err}); the file was edited or truncated") from err
        blob = tensor_path.read_bytes()
        if sha256_bytes(blob) != card.get("tensors_sha256"):
            raise DistilledSetError(
                f"{tensor_path} does not match the checksum in {CARD_FILE}: the file was edited or truncated; "
                "re-run the distillation or restore the file"
            )
        tensors = st_load(blob)
        if vectors is not None:
            check_vectors(card, vectors)
        return cls(
            data=tensors["data"],
            labels=tensors["labels"],
            lrs=tensors["lrs"],
            class_names=list(card["class_names"]),
            steps=int(card["steps"]),
            replays=int(card["replays"] if "replays" in card else card["epochs"]),  # format 1 said "epochs"
            method=card["method"],
            dataset=card["dataset"],
            dataset_fingerprint=card["dataset_fingerprint"],
            vectors=card["vectors"],
            vectors_checksum=card["vectors_checksum"],
            config=card["config"],
            metrics=card["metrics"],
        )


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
