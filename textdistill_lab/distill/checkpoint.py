"""Everything a distillation run needs to continue bit-identically, and its one-file checkpoint.

A checkpoint is a single safetensors file (tensors only, never a pickle) whose metadata holds the
JSON part: step, outer learning rate, best-so-far score, history, and the run's identity (config,
dataset fingerprint, vectors checksum) so a resume with other inputs is refused, and beside it the
state the divergence guard would roll back to (prefix ``rollback.``). It is written with
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
    # Where the divergence guard returns to if the next step diverges: the step before this one, or
    # None for this state itself. Saved so a divergence right after a resume rolls back as far as
    # the uninterrupted run would have. Its own ``rollback`` is always None, and its history is a
    # prefix of this state's.
    rollback: TrainState | None = None

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
            rollback=self.rollback,  # replaced, never mutated
        )


def _flatten(state: TrainState, prefix: str = "") -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """The tensors of ``state`` under ``prefix`` and the JSON part (history left to the caller)."""
    tensors: dict[str, torch.Tensor] = {f"{prefix}generator": state.generator}
    tensors.update({f"{prefix}synthetic.{k}": v for k, v in state.synthetic.items()})
    tensors.update({f"{prefix}best.{k}": v for k, v in state.best.items()})
    opt_tensors: dict[str, list[str]] = {}
    for index, entry in state.optimizer["state"].items():
        opt_tensors[str(index)] = sorted(entry)
        tensors.update({f"{prefix}adam.{index}.{name}": value for name, value in entry.items()})
    meta = {
        "step": state.step,
        "best_val_acc": state.best_val_acc,
        "best_step": state.best_step,
        "nan_retries": state.nan_retries,
        "elapsed": state.elapsed,
        "param_groups": state.optimizer["param_groups"],
        "adam_keys": opt_tensors,
    }
    return tensors, meta


def save_checkpoint(folder: str | Path, state: TrainState, identity: dict[str, Any]) -> Path:
    """Atomically write ``state`` and the run ``identity`` to ``folder/checkpoint.safetensors``."""
    tensors, meta = _flatten(state)
    meta.update(version=CHECKPOINT_VERSION, identity=identity, history=state.history)
    if state.rollback is not None:
        rollback_tensors, meta["rollback"] = _flatten(state.rollback, "rollback.")
        meta["rollback"]["history_lengths"] = {k: len(v) for k, v in state.rollback.history.items()}
        tensors.update(rollback_tensors)
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

    def unflatten(part: dict[str, Any], prefix: str, history: dict[str, list[dict]]) -> TrainState:
        def group(name: str) -> dict[str, torch.Tensor]:
            start = f"{prefix}{name}."
            return {k[len(start) :]: v.to(device) for k, v in tensors.items() if k.startswith(start)}

        optimizer = {
            "state": {int(i): {n: tensors[f"{prefix}adam.{i}.{n}"] for n in names} for i, names in part["adam_keys"].items()},
            "param_groups": part["param_groups"],
        }
        return TrainState(
            step=part["step"], synthetic=group("synthetic"), optimizer=optimizer, generator=tensors[f"{prefix}generator"],
            best=group("best"), best_val_acc=part["best_val_acc"], best_step=part["best_step"],
            nan_retries=part["nan_retries"], elapsed=part["elapsed"], history=history,
        )

    try:
        state = unflatten(meta, "", meta["history"])
        if "rollback" in meta:  # absent in checkpoints from before the guard's target was saved
            lengths = meta["rollback"]["history_lengths"]
            state.rollback = unflatten(meta["rollback"], "rollback.", {k: v[: lengths[k]] for k, v in meta["history"].items()})
    except KeyError as err:
        raise CheckpointError(f"{path} is damaged (missing {err}); delete it to start over") from err
    return state, meta["identity"]
