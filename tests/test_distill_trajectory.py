"""Trajectory matching: cached expert trajectories, the distance loss through every back-end, soft labels."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from safetensors.torch import load_file

from textdistill_lab.distill import DistillConfig, Distiller
from textdistill_lab.distill.bptt import hypergradient
from textdistill_lab.evaluate import evaluate
from textdistill_lab.models import init_params, make_model
from textdistill_lab.training import replay_schedule


def tiny(**overrides) -> DistillConfig:
    options = dict(method="trajectory-matching", per_class=2, steps=2, replays=2, outer_steps=12, validate_every=6,
                   validate_inits=2, lr_init=0.05, outer_lr=0.02, expert_count=1, expert_epochs=4, expert_lr=0.1,
                   expert_batch=32, max_start_epoch=1, target_epochs=2, device="cpu")
    return DistillConfig(**(options | overrides))


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("TEXTDISTILL_HOME", str(tmp_path))
    return tmp_path


def test_distance_loss_has_the_same_hypergradient_in_every_backend():
    """A loss_fn replaces the real-batch loss; backgradient and truncated(K=T) agree with unroll."""
    torch.manual_seed(0)
    model = make_model("textcnn", 6, 3).double()
    params0 = {k: v.double() for k, v in init_params("textcnn", 6, 3, 0).items()}
    target = {k: v.double() for k, v in init_params("textcnn", 6, 3, 1).items()}
    data = torch.randn(6, 8, 6, dtype=torch.float64, requires_grad=True)
    lrs = torch.full((4,), 0.3, dtype=torch.float64, requires_grad=True)
    labels = F.one_hot(torch.arange(6) % 3, 3).double()

    def distance(params):
        return sum(((params[k] - target[k]) ** 2).sum() for k in target)

    results = {b: hypergradient(b, model, params0, replay_schedule(data, labels, 2, 2), lrs, None, None, [data, lrs],
                                truncate_k=4, loss_fn=distance)
               for b in ("unroll", "backgradient", "truncated")}
    loss, (g_data, g_lrs) = results["unroll"]
    assert g_data.abs().sum() > 0 and g_lrs.abs().sum() > 0
    for backend in ("backgradient", "truncated"):
        other_loss, (o_data, o_lrs) = results[backend]
        torch.testing.assert_close(other_loss, loss)
        torch.testing.assert_close(o_data, g_data, rtol=1e-8, atol=1e-10)
        torch.testing.assert_close(o_lrs, g_lrs, rtol=1e-8, atol=1e-10)


def test_experts_are_trained_once_then_read_from_the_cache(toy_dataset, toy_vectors, home):
    first = Distiller(tiny(outer_steps=1))
    first.fit(toy_dataset, toy_vectors, progress=False)
    info = first.experts_
    assert info["train_seconds"] > 0 and len(info["val_acc"][0]) == 4
    assert info["files"][0].startswith(str(home / "experts"))
    second = Distiller(tiny(outer_steps=1))
    second.fit(toy_dataset, toy_vectors, progress=False)
    assert second.experts_["train_seconds"] == 0 and second.experts_["files"] == info["files"]
    saved = load_file(info["files"][0])
    assert len([k for k in saved if k.endswith(".classifier.weight")]) == 5  # θ*_0 .. θ*_4
    assert not torch.equal(saved["0.classifier.weight"], saved["4.classifier.weight"])


def test_trajectory_matching_lowers_the_distance_and_learns_rates(toy_dataset, toy_vectors, home):
    distiller = Distiller(tiny(outer_steps=30, validate_every=10))
    distilled = distiller.fit(toy_dataset, toy_vectors, progress=False)
    losses = [s["loss"] for s in distiller.history_["steps"]]
    assert sum(losses[-5:]) < sum(losses[:5])
    assert len(distilled.lrs) == 4 and not torch.allclose(distilled.lrs, torch.full((4,), 0.05))
    assert [v["step"] for v in distiller.history_["validation"]] == [0, 10, 20, 30]
    assert all("elapsed" in v for v in distiller.history_["validation"])
    result = evaluate(distilled, toy_dataset, toy_vectors, seeds=(0,), mode="auto")  # replayed: it carries learned rates
    assert result.meta["mode"] == "replay"


def test_soft_labels_start_from_the_expert_logits(toy_dataset, toy_vectors, home):
    distiller = Distiller(tiny(outer_steps=1, labels="expert", outer_lr=1e-9))
    distilled = distiller.fit(toy_dataset, toy_vectors, progress=False)
    labels = distilled.labels
    assert not torch.allclose(labels.max(dim=1).values, labels.max(dim=1).values[0])  # per-sample, not a fixed 0.9
    torch.testing.assert_close(labels.sum(dim=1), torch.ones(len(labels)))


def test_bad_trajectory_settings_are_refused():
    with pytest.raises(ValueError, match=r"max_start_epoch \+ target_epochs <= expert_epochs"):
        tiny(max_start_epoch=3)  # 3 + 2 > 4 expert epochs
