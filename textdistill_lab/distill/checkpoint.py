"""Everything a distillation run needs to continue bit-identically, and its one-file checkpoint.

A checkpoint is a single safetensors file (tensors only, never a pickle) whose metadata holds the
JSON part: step, outer learning rate, best-so-far score, history, and the run's identity (config,
dataset fingerprint, vectors checksum) so a resume with other inputs is refused. It is written with
temp file + rename, so a crash during a save leaves the previous checkpoint in place.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save as st_save

from ..io import atomic_write_bytes

CHECKPOINT_FILE = "checkpoint.safetensors"
CHECKPOINT_VERSION = 1


class CheckpointError(ValueError):
    """A checkpoint that is missing, damaged, or belongs to a different run."""


@dataclass
class TrainState:
    """The complete state between two outer steps. ``step`` counts completed outer steps."""

    step: int
    synthetic: dict[str, torch.Tensor]
    optimizer: dict[str, Any]  # torch.optim.Adam.state_dict(), deep-copied
    generator: torch.Tensor  # torch.Generator.get_state()
    best: dict[str, torch.Tensor]  # synthetic tensors with the best validation score so far
    best_val_acc: float
    best_step: int
    nan_retries: int = 0
    elapsed: float = 0.0
    history: dict[str, list[dict]] = field(default_factory=lambda: {"steps": [], "validation": [], "events": []})

    def copy(self) -> TrainState:
        """An independent copy (tensors cloned, history lists copied) for roll-back."""
        return TrainState(
            step=self.step,
            synthetic={k: v.clone() for k, v in self.synthetic.items()},
            optimizer=copy.deepcopy(self.optimizer),
            generator=self.generator.clone(),
            best=self.best,  # replaced, never mutated, when a better set is found
            best_val_acc=self.best_val_acc,
            best_step=self.best_step,
            nan_retries=self.nan_retries,
            elapsed=self.elapsed,
            history={k: list(v) for k, v in self.history.items()},
        )


def save_checkpoint(folder: str | Path, state: TrainState, identity: dict[str, Any]) -> Path:
    """Atomically write ``state`` and the run ``identity`` to ``folder/checkpoint.safetensors``."""
    tensors: dict[str, torch.Tensor] = {"generator": state.generator}
    tensors.update({f"synthetic.{k}": v for k, v in state.synthetic.items()})
    tensors.update({f"best.{k}": v for k, v in state.best.items()})
    opt_tensors: dict[str, list[str]] = {}
    for index, entry in state.optimizer["state"].items():
        opt_tensors[str(index)] = sorted(entry)
        tensors.update({f"adam.{index}.{name}": value for name, value in entry.items()})
    meta = {
        "version": CHECKPOINT_VERSION,
        "identity": identity,
        "step": state.step,
        "best_val_acc": state.best_val_acc,
        "best_step": state.best_step,
        "nan_retries": state.nan_retries,
        "elapsed": state.elapsed,
        "history": state.history,
        "param_groups": state.optimizer["param_groups"],
        "adam_keys": opt_tensors,
    }
    # Clone: the best set may share storage with the current one, which safetensors refuses.
    blob = st_save({k: v.detach().cpu().clone() for k, v in tensors.items()}, metadata={"state": json.dumps(meta)})
    path = Path(folder) / CHECKPOINT_FILE
    atomic_write_bytes(path, blob)
    return path


def load_checkpoint(folder: str | Path, device: torch.device) -> tuple[TrainState, dict[str, Any]]:
    """Read a checkpoint written by :func:`save_checkpoint`; return the state and the run identity."""
    path = Path(folder) / CHECKPOINT_FILE
    if not path.exists():
        raise CheckpointError(f"no checkpoint at {path}; start without resume, or pass the folder of an earlier run")
    try:
        with safe_open(path, framework="pt") as handle:
            meta = json.loads((handle.metadata() or {})["state"])
            # cloned: tensors read from a memory map must not pin the file the next save replaces
            tensors = {key: handle.get_tensor(key).clone() for key in handle.keys()}  # noqa: SIM118 - not a dict
    except (SafetensorError, KeyError, json.JSONDecodeError, ValueError) as err:
        raise CheckpointError(f"{path} is damaged ({err}); delete it to start over") from err
    if meta.get("version") != CHECKPOINT_VERSION:
        raise CheckpointError(f"{path} has checkpoint version {meta.get('version')}, expected {CHECKPOINT_VERSION}")

    def group(prefix: str) -> dict[str, torch.Tensor]:
        return {k[len(prefix) :]: v.to(device) for k, v in tensors.items() if k.startswith(prefix)}

    optimizer = {
        "state": {int(i): {n: tensors[f"adam.{i}.{n}"] for n in names} for i, names in meta["adam_keys"].items()},
        "param_groups": meta["param_groups"],
    }
    state = TrainState(
        step=meta["step"],
        synthetic=group("synthetic."),
        optimizer=optimizer,
        generator=tensors["generator"],
        best=group("best."),
        best_val_acc=meta["best_val_acc"],
        best_step=meta["best_step"],
        nan_retries=meta["nan_retries"],
        elapsed=meta["elapsed"],
        history=meta["history"],
    )
    return state, meta["identity"]

