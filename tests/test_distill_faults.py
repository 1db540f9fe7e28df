"""Faults: interrupt and resume bit-identically, roll back on NaN, refuse runs that cannot fit."""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import torch
from conftest import InterruptAt

import textdistill_lab
from textdistill_lab.distill import (
    Callback, CheckpointError, DistillConfig, DistillInterrupted, DistillMemoryError, Distiller, DivergenceError,
)
from textdistill_lab.distill import bptt as bptt_module
from textdistill_lab.distill import distiller as distiller_module
from textdistill_lab.distill.checkpoint import CHECKPOINT_FILE, load_checkpoint
from textdistill_lab.distill.memory import estimate_peak_bytes
from textdistill_lab.distilled_set import DistilledSet
from textdistill_lab.models import init_params, make_model

# The folder this process imports textdistill_lab from (a `pytest` script can pick an installed or
# editable copy other than this checkout): the child must run the same code, or its steps differ.
LIBRARY_ROOT = Path(textdistill_lab.__file__).resolve().parents[1]


def tiny(**overrides) -> DistillConfig:
    options = dict(per_class=2, init="noise", steps=2, replays=1, outer_steps=6, validate_every=2, validate_inits=2,
                   checkpoint_every=2, real_batch=32, lr_init=0.05, outer_lr=0.05, labels="learnable", device="cpu")
    return DistillConfig(**(options | overrides))


def assert_same_set(a: DistilledSet, b: DistilledSet) -> None:
    for name in ("data", "labels", "lrs"):
        assert torch.equal(getattr(a, name), getattr(b, name)), name


def test_interrupted_run_resumes_to_the_bit_identical_result(toy_dataset, toy_vectors, tmp_path):
    reference = Distiller(tiny()).fit(toy_dataset, toy_vectors, progress=False)
    with pytest.raises(DistillInterrupted) as stopped:
        Distiller(tiny()).fit(toy_dataset, toy_vectors, checkpoint_dir=tmp_path, callbacks=[InterruptAt(3)], progress=False)
    assert stopped.value.checkpoint == tmp_path / CHECKPOINT_FILE
    assert stopped.value.distilled.metrics["steps_done"] == 3
    state, _ = load_checkpoint(tmp_path, torch.device("cpu"))
    assert state.step == 3  # the interrupted step was completed, then saved
    resumed = Distiller(tiny())
    result = resumed.fit(toy_dataset, toy_vectors, checkpoint_dir=tmp_path, resume=True, progress=False)
    assert_same_set(result, reference)
    assert [r["step"] for r in resumed.history_["steps"]] == [1, 2, 3, 4, 5, 6]


def test_sigterm_in_a_subprocess_checkpoints_and_resume_matches(toy_dataset, toy_vectors, tmp_path):
    config = tiny(outer_steps=30, checkpoint_every=5, validate_every=10)
    inputs = tmp_path / "inputs.pkl"
    inputs.write_bytes(pickle.dumps((toy_dataset, toy_vectors, config)))  # our own file, made by this test
    folder = tmp_path / "run"
    script = textwrap.dedent(f"""
        import pickle, sys, time
        import textdistill_lab
        from textdistill_lab.distill import Callback, Distiller, DistillInterrupted
        print(textdistill_lab.__file__)
        dataset, vectors, config = pickle.loads(open({str(inputs)!r}, "rb").read())
        class Slow(Callback):
            def on_step(self, info):
                time.sleep(0.1)
        try:
            Distiller(config).fit(dataset, vectors, checkpoint_dir={str(folder)!r}, callbacks=[Slow()], progress=False)
        except DistillInterrupted as err:
            print("interrupted", err.distilled.metrics["steps_done"])
            sys.exit(3)
    """)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(LIBRARY_ROOT)}
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True,
                             cwd=tmp_path)  # not the checkout: `-c` puts the working folder first on sys.path
    deadline = time.monotonic() + 120
    while not (folder / CHECKPOINT_FILE).exists():
        assert child.poll() is None and time.monotonic() < deadline, child.communicate()
        time.sleep(0.05)
    child.send_signal(signal.SIGTERM)
    out, err = child.communicate(timeout=120)
    assert child.returncode == 3, err
    library, *_, steps_done = out.split()
    assert Path(library).resolve() == Path(textdistill_lab.__file__).resolve()  # the child ran this process's code
    steps_done = int(steps_done)
    assert 5 <= steps_done < 30
    assert load_checkpoint(folder, torch.device("cpu"))[0].step == steps_done
    resumed = Distiller(config).fit(toy_dataset, toy_vectors, checkpoint_dir=folder, resume=True, progress=False)
    assert_same_set(resumed, Distiller(config).fit(toy_dataset, toy_vectors, progress=False))


class SigtermAt(Callback):
    """A real SIGTERM to this process, arriving during step ``step`` (the loop finishes the step, then stops)."""

    def __init__(self, step: int) -> None:
        self.step = step

    def on_step(self, info):
        if info["step"] == self.step:
            os.kill(os.getpid(), signal.SIGTERM)


def interrupt_on_call(monkeypatch, module, name: str, call: int) -> None:
    """``module.name`` raises KeyboardInterrupt (a second Ctrl-C) on its ``call``-th call, instead of running."""
    real, count = getattr(module, name), {"n": 0}

    def interrupted(*args, **kwargs):
        count["n"] += 1
        if count["n"] == call:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, interrupted)


# where -> {call: steps done when it stops}: a SIGTERM during each step; a hard interrupt in the middle of
# each step's hypergradient, of each validation in the loop (call 1 scores the initial set, before the
# loop; steps 2 and 4 are validated), of the scheduled save (step 3).
INTERRUPTS = {"sigterm": {1: 1, 2: 2, 3: 3, 4: 4}, "step": {1: 0, 2: 1, 3: 2, 4: 3}, "validation": {2: 1, 3: 3},
              "save": {1: 3}}


@pytest.mark.parametrize("where", INTERRUPTS)
def test_an_interrupt_anywhere_resumes_to_the_uninterrupted_result(toy_dataset, toy_vectors, tmp_path, monkeypatch, where):
    config = tiny(outer_steps=4, validate_every=2, checkpoint_every=3)
    reference = Distiller(config).fit(toy_dataset, toy_vectors, progress=False)
    targets = {"step": (bptt_module, "hypergradient"), "validation": (distiller_module, "replay_accuracy"),
               "save": (distiller_module, "save_checkpoint")}
    for call, steps_done in INTERRUPTS[where].items():
        folder = tmp_path / str(call)
        with monkeypatch.context() as patch, pytest.raises(DistillInterrupted) as stopped:
            callbacks = [SigtermAt(call)] if where == "sigterm" else []
            if where != "sigterm":
                interrupt_on_call(patch, *targets[where], call)
            Distiller(config).fit(toy_dataset, toy_vectors, checkpoint_dir=folder, callbacks=callbacks, progress=False)
        assert stopped.value.distilled.metrics["steps_done"] == steps_done
        resumed = Distiller(config).fit(toy_dataset, toy_vectors, checkpoint_dir=folder, resume=True, progress=False)
        assert_same_set(resumed, reference)


def test_a_divergence_right_after_a_resume_rolls_back_as_far_as_without_the_interrupt(toy_dataset, toy_vectors,
                                                                                     tmp_path, monkeypatch):
    with monkeypatch.context() as patch:
        poison_hypergradient(patch, {4})  # step 4 diverges: back to step 2's state, steps 3-4 redone
        uninterrupted = Distiller(tiny())
        reference = uninterrupted.fit(toy_dataset, toy_vectors, progress=False)
    with pytest.raises(DistillInterrupted):
        Distiller(tiny()).fit(toy_dataset, toy_vectors, checkpoint_dir=tmp_path, callbacks=[InterruptAt(3)], progress=False)
    poison_hypergradient(monkeypatch, {1})  # the resumed run's first step is step 4
    resumed = Distiller(tiny())
    result = resumed.fit(toy_dataset, toy_vectors, checkpoint_dir=tmp_path, resume=True, progress=False)
    assert resumed.history_["events"] == uninterrupted.history_["events"]
    assert resumed.history_["events"][0]["rolled_back_to"] == 2
    assert [r["outer_lr"] for r in resumed.history_["steps"]] == [r["outer_lr"] for r in uninterrupted.history_["steps"]]
    assert_same_set(result, reference)


def test_resume_refuses_another_run_and_a_fresh_run_refuses_to_overwrite(toy_dataset, toy_vectors, tmp_path):
    Distiller(tiny(outer_steps=2)).fit(toy_dataset, toy_vectors, checkpoint_dir=tmp_path, progress=False)
    with pytest.raises(CheckpointError, match="already holds a checkpoint"):
        Distiller(tiny(outer_steps=2)).fit(toy_dataset, toy_vectors, checkpoint_dir=tmp_path, progress=False)
    with pytest.raises(CheckpointError, match=r"different run \(outer_lr: 0.05 -> 0.1\)"):
        Distiller(tiny(outer_lr=0.1)).fit(toy_dataset, toy_vectors, checkpoint_dir=tmp_path, resume=True, progress=False)
    # A finished run can be extended: outer_steps may change on resume.
    longer = Distiller(tiny(outer_steps=4))
    longer.fit(toy_dataset, toy_vectors, checkpoint_dir=tmp_path, resume=True, progress=False)
    assert [r["step"] for r in longer.history_["steps"]] == [1, 2, 3, 4]
    with pytest.raises(CheckpointError, match="no checkpoint at"):
        Distiller(tiny()).fit(toy_dataset, toy_vectors, checkpoint_dir=tmp_path / "empty", resume=True, progress=False)


def test_damaged_checkpoint_is_refused_and_a_failed_save_keeps_the_old_one(toy_dataset, toy_vectors, tmp_path, monkeypatch):
    Distiller(tiny(outer_steps=2)).fit(toy_dataset, toy_vectors, checkpoint_dir=tmp_path, progress=False)
    path = tmp_path / CHECKPOINT_FILE
    good = path.read_bytes()

    def crash(fd):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OSError, match="disk full"):
        Distiller(tiny(outer_steps=4)).fit(toy_dataset, toy_vectors, checkpoint_dir=tmp_path, resume=True, progress=False)
    monkeypatch.undo()
    assert path.read_bytes() == good and [p.name for p in tmp_path.iterdir()] == [CHECKPOINT_FILE]
    path.write_bytes(good[: len(good) // 2])
    with pytest.raises(CheckpointError, match="damaged"):
        Distiller(tiny(outer_steps=2)).fit(toy_dataset, toy_vectors, checkpoint_dir=tmp_path, resume=True, progress=False)


def poison_hypergradient(monkeypatch, calls: set[int], what: str = "loss") -> None:
    """Make the hypergradient return NaN (in the loss or the data gradient) on the given call numbers."""
    real = bptt_module.hypergradient
    count = {"n": 0}

    def poisoned(*args, **kwargs):
        loss, grads = real(*args, **kwargs)
        count["n"] += 1
        if count["n"] in calls:
            if what == "loss":
                loss = loss * float("nan")
            else:
                grads = [grads[0] * float("inf"), *grads[1:]]
        return loss, grads

    monkeypatch.setattr(bptt_module, "hypergradient", poisoned)


@pytest.mark.parametrize("what", ["loss", "grad"])
def test_a_nan_rolls_back_halves_the_outer_lr_and_continues(toy_dataset, toy_vectors, monkeypatch, what):
    poison_hypergradient(monkeypatch, {4}, what)
    divergences = []

    class Listen(Callback):
        def on_divergence(self, info):
            divergences.append(info)

    distiller = Distiller(tiny())
    distilled = distiller.fit(toy_dataset, toy_vectors, callbacks=[Listen()], progress=False)
    (event,) = distiller.history_["events"]
    assert event["step"] == 4 and event["rolled_back_to"] == 2 and event["outer_lr"] == 0.025
    assert ("loss" if what == "loss" else "gradient of synthetic data") in event["reason"]
    assert divergences == [event]
    steps = distiller.history_["steps"]
    assert [r["step"] for r in steps] == [1, 2, 3, 4, 5, 6]  # step 3 was redone from step 2's state
    assert [r["outer_lr"] for r in steps] == [0.05, 0.05, 0.025, 0.025, 0.025, 0.025]
    assert torch.isfinite(distilled.data).all() and distilled.metrics["divergence_events"] == 1


def test_persistent_nans_stop_with_the_last_good_set(toy_dataset, toy_vectors, monkeypatch, tmp_path):
    poison_hypergradient(monkeypatch, set(range(3, 100)))
    with pytest.raises(DivergenceError, match="diverged 3 times") as failed:
        Distiller(tiny(max_nan_retries=2)).fit(toy_dataset, toy_vectors, checkpoint_dir=tmp_path, progress=False)
    kept = failed.value.distilled
    assert torch.isfinite(kept.data).all() and kept.metrics["divergence_events"] == 3
    assert_same_set(DistilledSet.load(tmp_path / "last_good"), kept)


def test_memory_guard_refuses_with_a_fix_before_any_work(toy_dataset, toy_vectors, tmp_path):
    with pytest.raises(DistillMemoryError, match="backgradient.*truncated"):
        Distiller(tiny(max_memory_gb=1e-5)).fit(toy_dataset, toy_vectors, checkpoint_dir=tmp_path, progress=False)
    assert not tmp_path.exists() or not any(tmp_path.iterdir())


def test_memory_guard_suggests_only_what_helps_the_backend():
    from textdistill_lab.distill.memory import check_memory

    with pytest.raises(DistillMemoryError) as info:
        check_memory(10**12, backend="backgradient", inner_steps=30, device=torch.device("cpu"), max_memory_gb=1.0)
    assert "backgradient" not in str(info.value).split(";")[1] and "lower T=30" in str(info.value)


def test_memory_estimate_grows_with_t_for_unroll_only():
    model = make_model("textcnn", 50, 6)
    params = init_params("textcnn", 50, 6, 0)
    batch = (torch.randn(60, 30, 50), torch.softmax(torch.randn(60, 6), dim=1))
    real_x, real_y = torch.randn(256, 30, 50), torch.randint(0, 6, (256,))

    def estimate(backend: str, steps: int) -> int:
        return estimate_peak_bytes(backend, model, params, batch, torch.tensor(0.1), real_x, real_y,
                                   inner_steps=steps, truncate_k=5)

    unroll_10, unroll_50 = estimate("unroll", 10), estimate("unroll", 50)
    assert 4.0 < unroll_50 / unroll_10 < 5.0
    assert estimate("backgradient", 50) < 0.2 * unroll_50
    assert estimate("truncated", 50) == estimate("unroll", 5)
    weights = sum(p.numel() * 4 for p in params.values())
    assert estimate("backgradient", 50) - estimate("backgradient", 10) == 40 * weights
