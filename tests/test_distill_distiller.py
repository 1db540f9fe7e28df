"""The distiller end to end on the toy data: it learns, it is reproducible, it reports what it did."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import FILLER, TOPICS, InterruptAt

from textdistill_lab import __version__
from textdistill_lab.baselines import random_subset
from textdistill_lab.data import TextDataset, build_dataset
from textdistill_lab.distill import Callback, DistillConfig, DistillInterrupted, Distiller
from textdistill_lab.distill.config import TUNED
from textdistill_lab.distilled_set import DistilledSet
from textdistill_lab.evaluate import evaluate
from textdistill_lab.vectors import WordVectors


def tiny(**overrides) -> DistillConfig:
    """A configuration that runs in about a second on the toy data."""
    options = dict(per_class=1, init="noise", steps=2, replays=1, outer_steps=8, validate_every=4, validate_inits=2,
                   real_batch=32, lr_init=0.05, outer_lr=0.05, device="cpu")
    return DistillConfig(**(options | overrides))


class Recorder(Callback):
    def __init__(self) -> None:
        self.events: list[tuple[str, dict]] = []

    def on_fit_start(self, info):
        self.events.append(("start", info))

    def on_step(self, info):
        self.events.append(("step", info))

    def on_validate(self, info):
        self.events.append(("validate", info))

    def on_fit_end(self, info):
        self.events.append(("end", info))


@pytest.fixture(scope="module")
def overlapping_topics() -> tuple[TextDataset, WordVectors]:
    """Toy topics where every text also carries one word of another topic: one random text per class
    is a misleading teacher, while distillation sees the whole training set through its real batches."""
    rng = np.random.default_rng(0)
    names = list(TOPICS)
    texts, labels = [], []
    for label, name in enumerate(names):
        others = [t for t in names if t != name]
        for _ in range(80):
            words = [*rng.choice(TOPICS[name], size=2), rng.choice(TOPICS[rng.choice(others)]), *rng.choice(FILLER, size=7)]
            rng.shuffle(words)
            texts.append(" ".join(words))
            labels.append(label)
    dataset = build_dataset("overlap", texts, labels, names, max_len=10, seed=0, source="made up by tests")
    rng = np.random.default_rng(1)
    words, rows = [], []
    for k, name in enumerate(names):
        centre = np.zeros(16, dtype=np.float32)
        centre[k * 4 : k * 4 + 4] = 1.0
        words += TOPICS[name]
        rows += [centre + 0.3 * rng.normal(size=16) for _ in TOPICS[name]]
    words += FILLER
    rows += [0.3 * rng.normal(size=16) for _ in FILLER]
    return dataset, WordVectors("overlap-16d", words, np.asarray(rows, dtype=np.float32))


def test_distilled_data_beats_a_random_subset_of_the_same_size(overlapping_topics):
    dataset, vectors = overlapping_topics
    config = tiny(init="real", outer_steps=40, validate_every=10, real_batch=64)
    distilled = Distiller(config).fit(dataset, vectors, progress=False)
    ours = evaluate(distilled, dataset, vectors, mode="replay", seeds=(0, 1, 2)).mean
    random = [evaluate(random_subset(dataset, 1, seed), dataset, vectors, seeds=(0,)).mean for seed in range(5)]
    assert ours > max(random)
    assert ours > sum(random) / len(random) + 0.1


def test_same_seed_gives_a_bit_identical_set_and_another_seed_does_not(toy_dataset, toy_vectors):
    config = tiny(labels="learnable", outer_steps=5)
    a = Distiller(config).fit(toy_dataset, toy_vectors, progress=False)
    b = Distiller(config).fit(toy_dataset, toy_vectors, progress=False)
    c = Distiller(tiny(labels="learnable", outer_steps=5, seed=1)).fit(toy_dataset, toy_vectors, progress=False)
    for name in ("data", "labels", "lrs"):
        assert torch.equal(getattr(a, name), getattr(b, name)), name
    assert not torch.equal(a.data, c.data)


@pytest.mark.parametrize("backend", ["unroll", "backgradient", "truncated"])
def test_every_backend_lowers_the_outer_loss_and_learns_rates(toy_dataset, toy_vectors, backend):
    distiller = Distiller(tiny(backend=backend, truncate_k=1, outer_steps=12, validate_every=12, real_batch=64))
    distiller.fit(toy_dataset, toy_vectors, progress=False)
    losses = [r["loss"] for r in distiller.history_["steps"]]
    assert len(losses) == 12
    assert sum(losses[-4:]) < sum(losses[:4])
    lrs = distiller.history_["steps"][-1]["lrs"]
    assert lrs != pytest.approx([0.05, 0.05])  # learnable rates moved
    assert all(1e-4 <= lr <= 1.0 for lr in lrs)


def test_backgradient_and_unroll_runs_agree(toy_dataset, toy_vectors):
    a = Distiller(tiny(backend="unroll", outer_steps=3)).fit(toy_dataset, toy_vectors, progress=False)
    b = Distiller(tiny(backend="backgradient", outer_steps=3)).fit(toy_dataset, toy_vectors, progress=False)
    assert torch.allclose(a.data, b.data, atol=1e-5)


def test_keep_best_and_history(toy_dataset, toy_vectors):
    distiller = Distiller(tiny())
    distilled = distiller.fit(toy_dataset, toy_vectors, progress=False)
    validations = distiller.history_["validation"]
    assert [v["step"] for v in validations] == [0, 4, 8]
    best = max(validations, key=lambda v: v["val_acc"])
    assert distiller.best_val_acc_ == best["val_acc"] and distiller.best_step_ == best["step"]
    assert distilled.metrics["best_val_acc"] == best["val_acc"] and distilled.metrics["steps_done"] == 8
    assert distiller.history_["events"] == []
    assert distiller.distilled_ is distilled


def test_callbacks_hear_every_step_and_validation(toy_dataset, toy_vectors):
    recorder = Recorder()
    Distiller(tiny()).fit(toy_dataset, toy_vectors, callbacks=[recorder], progress=False)
    kinds = [kind for kind, _ in recorder.events]
    assert kinds[0] == "start" and kinds[-1] == "end" and kinds.count("step") == 8 and kinds.count("validate") == 3
    step = next(info for kind, info in recorder.events if kind == "step")
    assert set(step) >= {"step", "loss", "lrs", "elapsed", "eta", "outer_lr"} and step["step"] == 1
    assert recorder.events[-1][1] == {"completed": True}


def test_the_card_says_what_made_the_set_and_survives_a_round_trip(toy_dataset, toy_vectors, tmp_path):
    distilled = Distiller(tiny(seed=3)).fit(toy_dataset, toy_vectors, progress=False)
    assert distilled.dataset_fingerprint == toy_dataset.fingerprint
    assert distilled.vectors == toy_vectors.name and distilled.vectors_checksum == toy_vectors.checksum
    assert distilled.config == tiny(seed=3).to_dict() and distilled.metrics["seed"] == 3
    card = distilled.card()
    assert card["library_version"] == __version__ and card["torch_version"] == torch.__version__
    loaded = DistilledSet.load(distilled.save(tmp_path / "set"), vectors=toy_vectors)
    for name in ("data", "labels", "lrs"):
        assert torch.equal(getattr(loaded, name), getattr(distilled, name))
    assert loaded.config == distilled.config and loaded.metrics == distilled.metrics


def test_learnable_labels_stay_distributions_after_distilling(toy_dataset, toy_vectors):
    distilled = Distiller(tiny(labels="learnable", outer_steps=10, outer_lr=0.2)).fit(
        toy_dataset, toy_vectors, progress=False)
    assert torch.all(distilled.labels >= 0)
    assert torch.allclose(distilled.labels.sum(dim=1), torch.ones(3), atol=1e-6)
    assert not torch.allclose(distilled.labels.max(dim=1).values, torch.full((3,), 0.9))  # they were learned


def test_fixed_protocol_and_full_batch_inner_loop(toy_dataset, toy_vectors):
    distiller = Distiller(tiny(protocol="fixed", inner_mode="full-batch", steps=3))
    distilled = distiller.fit(toy_dataset, toy_vectors, progress=False)
    assert len(distilled.lrs) == 3 and distilled.config["protocol"] == "fixed"
    assert distiller.best_val_acc_ > 0.5


def test_bf16_autocast_is_opt_in_and_runs(toy_dataset, toy_vectors):
    distiller = Distiller(tiny(bf16=True, outer_steps=4))
    distilled = distiller.fit(toy_dataset, toy_vectors, progress=False)
    assert distilled.data.dtype == torch.float32 and torch.isfinite(distilled.data).all()
    assert all(r["loss"] == r["loss"] for r in distiller.history_["steps"])


def test_matching_methods_share_the_loop_and_save_no_learning_rates(toy_dataset, toy_vectors):
    for method in ("gradient-matching", "distribution-matching"):
        distiller = Distiller(tiny(method=method, outer_steps=2, validate_every=2))
        distilled = distiller.fit(toy_dataset, toy_vectors, progress=False)
        assert distilled.method == method and distilled.lrs.numel() == 0
        assert len(distiller.history_["steps"]) == 2


def test_bad_requests_fail_clearly(toy_dataset, toy_vectors, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)  # the same on machines with and without CUDA
    with pytest.raises(ValueError, match="CUDA is not available"):
        Distiller(tiny(device="cuda")).fit(toy_dataset, toy_vectors, progress=False)
    with pytest.raises(ValueError, match="lower per_class"):
        Distiller(tiny(init="real", per_class=500)).fit(toy_dataset, toy_vectors, progress=False)
    with pytest.raises(ValueError, match="resume=True needs checkpoint_dir"):
        Distiller(tiny()).fit(toy_dataset, toy_vectors, resume=True, progress=False)


def test_cosine_schedule_decays_the_outer_lr_to_near_zero(toy_dataset, toy_vectors):
    distiller = Distiller(tiny(outer_schedule="cosine", outer_steps=10))
    distiller.fit(toy_dataset, toy_vectors, progress=False)
    rates = [s["outer_lr"] for s in distiller.history_["steps"]]
    assert rates[0] == pytest.approx(0.05) and rates == sorted(rates, reverse=True) and rates[-1] < 0.05 * 0.05
    constant = Distiller(tiny(outer_steps=3))
    constant.fit(toy_dataset, toy_vectors, progress=False)
    assert [s["outer_lr"] for s in constant.history_["steps"]] == [0.05] * 3


def test_a_time_budget_stops_the_run_early_and_validates_its_last_step(toy_dataset, toy_vectors, monkeypatch):
    from textdistill_lab.distill import distiller as module

    ticks = iter(range(0, 10**6, 20))  # every reading of the clock is 20 s later
    monkeypatch.setattr(module.time, "perf_counter", lambda: float(next(ticks)))
    distiller = Distiller(tiny(outer_steps=50, validate_every=25, max_minutes=1.0))
    distilled = distiller.fit(toy_dataset, toy_vectors, progress=False)
    done = distilled.metrics["steps_done"]
    assert 1 <= done < 50 and distilled.metrics["stopped_by_time"] is True
    assert distilled.metrics["distill_seconds"] >= 60
    assert [v["step"] for v in distiller.history_["validation"]] == [0, done]  # keep-best saw the last step
    monkeypatch.undo()
    untimed = Distiller(tiny(outer_steps=3)).fit(toy_dataset, toy_vectors, progress=False)
    assert untimed.metrics["steps_done"] == 3 and untimed.metrics["stopped_by_time"] is False


def test_token_norm_quantile_keeps_every_synthetic_token_within_the_words_lengths(toy_dataset, toy_vectors):
    from textdistill_lab.distill.synthetic import word_norm_quantile

    bound = word_norm_quantile(torch.as_tensor(toy_vectors.embedding_for(toy_dataset.vocab)[0]), 0.5)
    free = Distiller(tiny(init="noise", outer_lr=0.5)).fit(toy_dataset, toy_vectors, progress=False)
    kept = Distiller(tiny(init="noise", outer_lr=0.5, token_norm_quantile=0.5)).fit(toy_dataset, toy_vectors,
                                                                                   progress=False)
    assert float(free.data.norm(dim=-1).max()) > bound  # without the bound the big outer steps overshoot it
    assert float(kept.data.norm(dim=-1).max()) <= bound * (1 + 1e-5)
    assert kept.config["token_norm_quantile"] == 0.5


def test_tuned_recipe_is_the_one_the_ratio_benchmark_measured():
    """DistillConfig.tuned() must be the recipe whose numbers README and benchmarks/README quote."""
    result = Path(__file__).parent.parent / "benchmarks" / "results" / "ratio" / "trec-10pc.json"
    configs = [row["config"] for row in json.loads(result.read_text())["rows"] if "config" in row]
    assert any(all(config[key] == value for key, value in TUNED.items()) for config in configs)
    tuned = DistillConfig.tuned(per_class=3)
    assert (tuned.replays, tuned.real_batch, tuned.token_norm_quantile, tuned.init, tuned.outer_schedule,
            tuned.per_class) == (6, 1024, 0.99, "class-mean", "plateau", 3)
    defaults = DistillConfig()  # the defaults stay the paper's schedule
    assert (defaults.replays, defaults.real_batch, defaults.token_norm_quantile, defaults.init,
            defaults.outer_schedule) == (3, 256, None, "real", "constant")


def scripted_validation(monkeypatch, accuracies: list[float]) -> None:
    """Validation returns ``accuracies`` in turn (the initial set's score first), whatever the set."""
    from textdistill_lab.distill import distiller as module

    scores = iter(accuracies)
    monkeypatch.setattr(module, "replay_accuracy", lambda *args, **kwargs: next(scores))


class SetsAtValidation(Callback):
    def __init__(self, distiller: Distiller) -> None:
        self.distiller, self.sets = distiller, {}

    def on_validate(self, info):
        self.sets[info["step"]] = self.distiller.synthetic_data.clone()


# init, steps 1-6: best at step 1, no new best at steps 2-3 (restart), 4-5 (restart), a new best at step 6
PLATEAU_SCORES = [0.3, 0.6, 0.5, 0.4, 0.45, 0.4, 0.7]


def test_plateau_schedule_goes_back_to_the_best_set_and_halves_the_outer_lr(toy_dataset, toy_vectors, monkeypatch):
    scripted_validation(monkeypatch, PLATEAU_SCORES)
    distiller = Distiller(tiny(outer_schedule="plateau", plateau_patience=2, validate_every=1, outer_steps=6))
    seen = SetsAtValidation(distiller)
    distilled = distiller.fit(toy_dataset, toy_vectors, callbacks=[seen], progress=False)
    assert distiller.history_["events"] == [
        {"step": 3, "kind": "plateau", "back_to": 1, "outer_lr": 0.025},
        {"step": 5, "kind": "plateau", "back_to": 1, "outer_lr": 0.0125},
    ]
    assert [s["outer_lr"] for s in distiller.history_["steps"]] == [0.05] * 3 + [0.025] * 2 + [0.0125]
    assert torch.equal(seen.sets[3], seen.sets[1]) and torch.equal(seen.sets[5], seen.sets[1])  # restarted from the best
    assert not torch.equal(seen.sets[2], seen.sets[1])
    assert distiller.best_step_ == 6 and distilled.metrics["divergence_events"] == 0


def test_a_resumed_plateau_run_restarts_as_the_uninterrupted_one(toy_dataset, toy_vectors, monkeypatch, tmp_path):
    config = tiny(outer_schedule="plateau", plateau_patience=2, validate_every=1, outer_steps=6, checkpoint_every=1)
    with monkeypatch.context() as patch:
        scripted_validation(patch, PLATEAU_SCORES)
        uninterrupted = Distiller(config)
        reference = uninterrupted.fit(toy_dataset, toy_vectors, progress=False)

    with monkeypatch.context() as patch, pytest.raises(DistillInterrupted):
        scripted_validation(patch, PLATEAU_SCORES[:5])  # init and steps 1-4
        Distiller(config).fit(toy_dataset, toy_vectors, checkpoint_dir=tmp_path, callbacks=[InterruptAt(4)], progress=False)
    scripted_validation(monkeypatch, PLATEAU_SCORES[5:])  # steps 5-6
    resumed = Distiller(config)
    result = resumed.fit(toy_dataset, toy_vectors, checkpoint_dir=tmp_path, resume=True, progress=False)
    assert resumed.history_["events"] == uninterrupted.history_["events"]
    assert [s["outer_lr"] for s in resumed.history_["steps"]] == [s["outer_lr"] for s in uninterrupted.history_["steps"]]
    assert torch.equal(result.data, reference.data) and torch.equal(result.lrs, reference.lrs)
