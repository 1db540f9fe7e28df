"""The classifiers: shapes, presets, and parameters usable as plain dicts."""

from __future__ import annotations

import pytest
import torch
from torch.func import functional_call

from textdistill_lab.models import TextCNN, embed, init_params, make_model


@pytest.mark.parametrize(("arch", "features"), [("textcnn", 300), ("textcnn-authors", 256), ("meanpool-mlp", 256)])
def test_shapes_of_every_architecture(arch, features):
    model = make_model(arch, 50, 6)
    x = torch.randn(4, 30, 50)
    assert model.features(x).shape == (4, features)
    assert model(x).shape == (4, 6)


def test_textcnn_presets_and_minimum_length():
    paper = make_model("textcnn", 50, 6)
    authors = make_model("textcnn-authors", 50, 6)
    assert isinstance(paper, TextCNN) and paper.widths == (3, 4, 5) and paper.convs[0].out_channels == 100
    assert authors.widths == (2, 3) and authors.convs[0].out_channels == 128 and authors.hidden.out_features == 256
    assert paper.min_tokens == 5 and authors.min_tokens == 3
    with pytest.raises(ValueError, match="unknown architecture 'lstm'"):
        make_model("lstm", 50, 6)


def test_init_params_are_seeded_leaves_and_leave_the_global_rng_alone():
    torch.manual_seed(123)
    before = torch.get_rng_state()
    a, b, c = (init_params("textcnn", 16, 3, seed) for seed in (0, 0, 1))
    assert torch.equal(torch.get_rng_state(), before)
    assert all(torch.equal(a[k], b[k]) for k in a) and not torch.equal(a["classifier.weight"], c["classifier.weight"])
    assert all(p.is_leaf and p.requires_grad for p in a.values())


def test_functional_call_with_the_dict_equals_the_module():
    model = make_model("textcnn", 16, 3)
    params = init_params("textcnn", 16, 3, 4)
    model.load_state_dict({k: v.detach() for k, v in params.items()})
    x = torch.randn(5, 10, 16)
    assert torch.allclose(functional_call(model, params, (x,)), model(x))


def test_embed_is_a_frozen_lookup_with_zero_padding():
    table = torch.randn(6, 4)
    table[0] = 0
    out = embed(torch.tensor([[2, 5, 0]]), table)
    assert out.shape == (1, 3, 4) and torch.equal(out[0, 0], table[2]) and torch.all(out[0, 2] == 0)


def test_authors_preset_has_no_nonlinearity_between_fc1_and_fc2():
    """The released network's fc1 -> fc2 is linear: its features are fc1 of the pooled convolutions."""
    torch.manual_seed(0)
    authors = make_model("textcnn-authors", 16, 3)
    x = torch.randn(5, 12, 16)
    pooled = torch.cat([torch.relu(conv(x.transpose(1, 2))).amax(dim=2) for conv in authors.convs], dim=1)
    features = authors.features(x)
    torch.testing.assert_close(features, authors.hidden(pooled))
    assert (features < 0).any()  # a ReLU would have clipped these


def test_dropout_acts_only_in_training_mode():
    torch.manual_seed(0)
    model = make_model("textcnn", 16, 3, dropout=0.5)
    x = torch.randn(4, 12, 16)
    model.eval()
    torch.testing.assert_close(model(x), model(x))
    model.train()
    assert not torch.equal(model(x), model(x))
    with pytest.raises(ValueError, match="dropout must be in"):
        make_model("textcnn", 16, 3, dropout=1.0)
    with pytest.raises(ValueError, match="only available for the TextCNNs"):
        make_model("meanpool-mlp", 16, 3, dropout=0.5)
